"""The task flows: create at most once, look a key up, stop.

Maestro has no idempotency key, so :func:`create_task` makes one: it stores the caller's key in the
task's parameters and, when a create may or may not have reached the server (a timeout, a broken
connection, a 5xx), it looks for a task carrying that key before it creates again. The lookups and the
new attempt spend the create's one retry budget.

:func:`stop_task` is the one way a task is stopped: read it, decide (:func:`stop_action`), act.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from math import ceil
from typing import Any, Literal

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call
from botcity_provider.client._endpoints import tasks as api
from botcity_provider.client._engine import Again, Operation, Pause
from botcity_provider.client._errors import (
    MaestroConnectionLostError,
    MaestroTimeout,
    ServerError,
    ValidationError,
)
from botcity_provider.client._models import Page, Task, TaskState, utc_if_naive

__all__ = [
    "IDEMPOTENCY_PARAMETER",
    "StopAction",
    "Stopped",
    "create_task",
    "find_task",
    "stop_action",
    "stop_task",
    "with_key",
]

log = logging.getLogger("botcity_provider.client")

IDEMPOTENCY_PARAMETER = "_idempotency_key"
"""Task parameter that carries the caller's idempotency key; bots can ignore it."""

# Errors after which a create may or may not have happened on the server. A 429 is not one of them:
# the server refused to act, so the engine simply sends the create again once it may.
AMBIGUOUS = (MaestroTimeout, MaestroConnectionLostError, ServerError)
# Server and worker clocks differ; look this much further back than the create started.
CLOCK_SKEW = timedelta(minutes=5)
# Pages as large as the listing allows: a lookup that finds nothing reads every task of the window.
LOOKUP_PAGE_SIZE = 1000
LOOKUP_MAX_PAGES = 20


def create_task(call: Call[Task], activity_label: str, key: str | None, started: datetime) -> Operation[Task]:
    """Create a task at most once per ``key``, resolving lost answers by looking the key up."""
    while True:
        try:
            task: Task = yield call
            return task
        except AMBIGUOUS as exc:
            if key is None:
                raise
            log.warning("Creating a task may have failed (%s); looking for it by its key", type(exc).__name__)
            found = yield from find_task(activity_label, key, since=started, persist=True)
            if found is not None:
                log.info("Task %s was created after all; using it", found.id)
                return found
            yield Again(exc)  # proved absent: another create is safe, if the budget allows


def find_task(
    activity_label: str, key: str, *, since: datetime, prefix: bool = False, persist: bool = False
) -> Operation[Task | None]:
    """The newest task of the automation whose key is ``key`` (or starts with it), created since ``since``.

    Pages are read newest first and the search stops at the first task older than ``since``, so its
    cost is the number of tasks created since then, not the size of the history. With ``persist`` (the
    lookup after a lost create) a listing is also read again after a 500: giving up would fail the caller
    while the task it may have created runs on.
    """
    if not key:
        raise ValidationError("idempotency_key", "is empty")
    oldest = utc_if_naive(since) - CLOCK_SKEW
    days = max(1, ceil((datetime.now(UTC) - oldest).total_seconds() / 86400))
    for number in range(LOOKUP_MAX_PAGES):
        listing = api.list_tasks(activity_label=activity_label, days=days, page=number, size=LOOKUP_PAGE_SIZE)
        page: Page[Task] = yield replace(listing, safe=persist)
        for task in page.content:
            if task.date_creation is not None and task.date_creation < oldest:
                return None
            mark = task.parameters.get(IDEMPOTENCY_PARAMETER)
            if isinstance(mark, str) and (mark.startswith(key) if prefix else mark == key):
                return task
        if page.last or not page.content or number + 1 >= page.total_pages:
            return None
    log.warning("Stopped looking for key %r after %d pages", key, LOOKUP_MAX_PAGES)
    return None


def with_key(parameters: Any, key: str | None) -> Any:
    """The parameters with the idempotency key added (a copy; the caller's mapping is untouched)."""
    if key is None:
        return parameters
    if not isinstance(key, str) or not key.strip():
        raise ValidationError("idempotency_key", "must be a non-empty string")
    return {**check.json_parameters(parameters), IDEMPOTENCY_PARAMETER: key}


StopAction = Literal["none", "cancel", "interrupt", "kill"]


def stop_action(state: TaskState | str, *, force: bool) -> StopAction:
    """The kindest way to stop a task in this state: a queued one is cancelled, a running one asked
    to stop (or killed when ``force``), one that ended is left alone."""
    state = TaskState(state)
    if state.is_terminal:
        return "none"
    if state is TaskState.START:
        return "cancel"
    return "kill" if force else "interrupt"


@dataclass(frozen=True)
class Stopped:
    """What stopping a task found and did.

    :param before: the task as it was first read.
    :param after: the task once stopping was done (``before`` when there was nothing to do).
    :param actions: what was done, in words, in order ("cancelled", "asked to stop", "killed after 60 s").
    """

    before: Task
    after: Task
    actions: tuple[str, ...] = ()


def stop_task(
    task_id: object, *, force: bool, grace_seconds: float, clock: Callable[[], float] = time.monotonic
) -> Operation[Stopped]:
    """Stop a task the kindest way its state allows, killing a running one that outlives its grace."""
    ident = check.task_id(task_id, "task_id")
    before: Task = yield _again_if_500(api.get_task(ident))
    action = stop_action(before.state, force=force)
    if action == "none":
        return Stopped(before, before)
    if action != "interrupt":
        call = api.cancel_task(ident) if action == "cancel" else api.kill_task(ident)
        return Stopped(
            before, (yield _again_if_500(call)), ("cancelled" if action == "cancel" else "killed",)
        )
    task: Task = yield _again_if_500(api.interrupt_task(ident))
    deadline = clock() + max(grace_seconds, 0.0)
    while not task.is_terminal and clock() < deadline:
        yield Pause(min(1.0, max(deadline - clock(), 0.0)))
        task = yield _again_if_500(api.get_task(ident))
    if task.is_terminal:
        return Stopped(before, task, ("asked to stop",))
    killed: Task = yield _again_if_500(api.kill_task(ident))
    return Stopped(before, killed, ("asked to stop", f"killed after {grace_seconds:.0f} s"))


def _again_if_500(call: Call[Task]) -> Call[Task]:
    """A stop's calls go again even after a 500: each sets a state, so a second one changes nothing, and
    giving up leaves a bot running that nobody waits for."""
    return replace(call, safe=True)
