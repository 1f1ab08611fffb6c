"""Which failures an Airflow retry can mend, and failing at once on those it cannot.

An Airflow retry runs the whole task again. That helps when Maestro or the network had a bad moment (a
transport error, 5xx, 429); it cannot help when Maestro refused what we sent (a wrong key, an id it does not
know, a bad argument) or the connection itself is wrong (no scheme, extras that do not parse): the retry
would meet the same answer after the same wait. Those fail the task at once, with the same message.

Light at import time (the operators use it): the client is imported when an error is looked at.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from botcity_provider._events import TaskEvent

__all__ = ["fail_fast", "fails_fast", "is_permanent", "wait_error"]

P = ParamSpec("P")
R = TypeVar("R")
# 4xx answers that mean "not now" rather than "never": a timeout, too early, too many requests.
_PASSING_STATUSES = frozenset({408, 425, 429})


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
