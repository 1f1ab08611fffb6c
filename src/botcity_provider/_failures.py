"""How a Maestro task fails an Airflow task: the errors raised, their messages, and which failures an
Airflow retry can mend (failing at once on those it cannot).

An Airflow retry runs the whole task again. That helps when Maestro or the network had a bad moment (a
transport error, 5xx, 429); it cannot help when Maestro refused what we sent (a wrong key, an id it does not
know, a bad argument) or the connection itself is wrong (no scheme, extras that do not parse): the retry
would meet the same answer after the same wait. Those fail the task at once, with the same message.

Light at import time (the operators use it): the client is imported when an error is looked at.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from botcity_provider._events import TaskEvent

if TYPE_CHECKING:
    from botcity_provider.client import Task, TaskError
    from botcity_provider.hooks.maestro import MaestroHook

__all__ = [
    "MaestroTaskFailedError",
    "MaestroTaskTimeoutError",
    "bad_input",
    "fail_fast",
    "fails_fast",
    "is_permanent",
    "task_failure",
    "wait_error",
]

P = ParamSpec("P")
R = TypeVar("R")
# 4xx answers that mean "not now" rather than "never": a timeout, too early, too many requests.
_PASSING_STATUSES = frozenset({408, 425, 429})
# The bot's own errors a failure message quotes, newest first.
QUOTED_BOT_ERRORS = 5


class MaestroTaskFailedError(AirflowException):
    """The Maestro task ended in a way the Airflow task does not count as success.

    :param task: the final Maestro task.
    :param errors: the errors the bot reported for it, newest first.
    """

    def __init__(self, message: str, task: Task | None = None, errors: Collection[TaskError] = ()) -> None:
        super().__init__(message)
        self.task = task
        self.errors = list(errors)


class MaestroTaskTimeoutError(AirflowException):
    """The Maestro task did not end before the deadline the Airflow task set."""


def task_failure(hook: MaestroHook, task: Task) -> MaestroTaskFailedError:
    """The error that fails an Airflow task for this Maestro task, with the bot's own errors."""
    from botcity_provider._progress import describe
    from botcity_provider.client import MaestroError

    try:
        errors = list(hook.client.errors.list(task.id).content)
    except MaestroError as exc:
        hook.log.warning("Could not read the errors of Maestro task %s: %s", task.id, exc)
        errors = []
    lines = [f"{describe(task)}.", f"See {hook.portal_url(task.id)}"]
    for entry in errors[:QUOTED_BOT_ERRORS]:
        lines.append(f"  bot error {entry.type or 'Error'}: {entry.message or ''}".rstrip())
    return MaestroTaskFailedError("\n".join(lines), task, errors)


def bad_input(exc: Exception) -> AirflowFailException:
    """The error for an argument Maestro would refuse: a retry cannot fix it, so it fails at once."""
    return AirflowFailException(f"Invalid argument for BotCity Maestro: {exc}")


def is_permanent(exc: BaseException) -> bool:
    """True if doing the same again later would meet the same refusal."""
    from botcity_provider.client import MaestroAPIError, MaestroTLSError, ValidationError

    if isinstance(exc, ValidationError | MaestroTLSError):
        return True
    if isinstance(exc, MaestroAPIError):
        return 400 <= exc.status < 500 and exc.status not in _PASSING_STATUSES
    return False


@contextmanager
def fail_fast() -> Iterator[None]:
    """Turn a client error no retry can mend into ``AirflowFailException``; let the others through."""
    try:
        yield
    except Exception as exc:
        if is_permanent(exc):
            raise AirflowFailException(str(exc)) from exc
        raise


def fails_fast(method: Callable[P, R]) -> Callable[P, R]:
    """Run an operator's method under :func:`fail_fast`."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with fail_fast():
            return method(*args, **kwargs)

    return wrapper


def wait_error(event: TaskEvent) -> AirflowException:
    """The error to fail with when a wait ended with an ``error`` event: at once if no retry can help."""
    if event["retryable"]:
        return AirflowException(event["message"])
    return AirflowFailException(event["message"])
