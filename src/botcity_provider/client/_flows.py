"""Operations of several calls, written once as generators for both clients.

A flow yields a :class:`Call` (the driver answers with its result, or throws its error into the flow)
or a :class:`Pause` (the driver sleeps), and returns the operation's result.

Maestro has no idempotency key, so :func:`create_task` makes one: it stores the caller's key in the
task's parameters and, when a create may or may not have reached the server (a timeout, a broken
connection, a 5xx or 429), it looks for a task carrying that key before it creates again.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import ceil
from pathlib import Path
from typing import Any

from . import _endpoints as api
from . import _validate as check
from ._core import Call
from ._errors import (
    MaestroConnectionLostError,
    MaestroTimeout,
    MaestroTransportError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from ._models import Artifact, Page, Task

__all__ = ["IDEMPOTENCY_PARAMETER", "CallFlow", "Pause", "create_task", "find_task", "upload_artifact"]

log = logging.getLogger("botcity_provider.client")

IDEMPOTENCY_PARAMETER = "_idempotency_key"
"""Task parameter that carries the caller's idempotency key; bots can ignore it."""

# Errors after which a create may or may not have happened on the server. A 429 is not one of them:
# the server refused to act, so the create is simply sent again once it asks us to.
AMBIGUOUS = (MaestroTimeout, MaestroConnectionLostError, ServerError)
# Each failed attempt is followed by a lookup that proves nothing was created, so more attempts are safe;
# they only cost time (pauses of 1, 2, 4, 8 and 10 s). With a third of requests failing, as in the chaos
# runs, four attempts lost about one create in a hundred; six lose about one in a thousand.
CREATE_ATTEMPTS = 6
# Errors after which a read is worth making again; the key lookup is a read, so it is always safe.
READ_AGAIN = (MaestroTransportError, ServerError, RateLimitError)
LOOKUP_ATTEMPTS = 4
# Server and worker clocks differ; look this much further back than the create started.
CLOCK_SKEW = timedelta(minutes=5)
# Pages as large as the listing allows: a lookup that finds nothing reads every task of the window.
LOOKUP_PAGE_SIZE = 1000
LOOKUP_MAX_PAGES = 20


@dataclass(frozen=True)
class Pause:
    """Asks the driver to sleep before the flow goes on."""

    seconds: float


CallFlow = Generator["Call[Any] | Pause", Any, Any]


def create_task(
    call: Call[Task], activity_label: str, key: str | None, started: datetime
) -> Generator[Call[Any] | Pause, Any, Task]:
    """Create a task at most once per ``key``, resolving lost answers by looking the key up."""
    if key is None:
        task: Task = yield call
        return task
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            task = yield call
            return task
        except RateLimitError as exc:
            if attempt == CREATE_ATTEMPTS:
                raise
            yield Pause(_backoff(attempt, exc))
            continue
        except AMBIGUOUS as exc:
            log.warning("Creating a task may have failed (%s); looking for it by its key", type(exc).__name__)
            found = yield from _look_up(activity_label, key, started)
            if found is not None:
                log.info("Task %s was created after all; using it", found.id)
                return found
            if attempt == CREATE_ATTEMPTS:
                raise
            yield Pause(_backoff(attempt, exc))
    raise AssertionError("unreachable")  # pragma: no cover


def _look_up(
    activity_label: str, key: str, started: datetime
) -> Generator[Call[Any] | Pause, Any, Task | None]:
    """:func:`find_task`, looking again when the lookup itself fails: giving up would fail the caller
    while the task it may have created runs on."""
    for attempt in range(1, LOOKUP_ATTEMPTS + 1):
        try:
            return (yield from find_task(activity_label, key, since=started))
        except READ_AGAIN as exc:
            if attempt == LOOKUP_ATTEMPTS:
                raise
            log.warning("Looking for the task by its key failed (%s); looking again", type(exc).__name__)
            yield Pause(_backoff(attempt, exc))
    raise AssertionError("unreachable")  # pragma: no cover


def find_task(
    activity_label: str, key: str, *, since: datetime, prefix: bool = False
) -> Generator[Call[Any] | Pause, Any, Task | None]:
    """The newest task of the automation whose key is ``key`` (or starts with it), created since ``since``.

    Pages are read newest first and the search stops at the first task older than ``since``, so its
    cost is the number of tasks created since then, not the size of the history.
    """
    if not key:
        raise ValidationError("idempotency_key", "is empty")
    oldest = _aware(since) - CLOCK_SKEW
    days = max(1, ceil((datetime.now(UTC) - oldest).total_seconds() / 86400))
    for number in range(LOOKUP_MAX_PAGES):
        listing = api.list_tasks(activity_label=activity_label, days=days, page=number, size=LOOKUP_PAGE_SIZE)
        page: Page[Task] = yield listing
        for task in page.content:
            if task.date_creation is not None and _aware(task.date_creation) < oldest:
                return None
            mark = task.parameters.get(IDEMPOTENCY_PARAMETER)
            if isinstance(mark, str) and (mark.startswith(key) if prefix else mark == key):
                return task
        if page.last or not page.content or number + 1 >= page.total_pages:
            return None
    log.warning("Stopped looking for key %r after %d pages", key, LOOKUP_MAX_PAGES)
    return None


def upload_artifact(
    task_id: object, file: object, name: str | None
) -> Generator[Call[Any] | Pause, Any, Artifact]:
    """Create the artifact's record, then stream its file into it."""
    path: Path = check.readable_file(file)
    label = api.artifact_name(path, name)
    artifact: Artifact = yield api.create_artifact(task_id, label)
    yield api.upload_artifact_file(artifact.id, path, label)
    return artifact


def with_key(parameters: Any, key: str | None) -> Any:
    """The parameters with the idempotency key added (a copy; the caller's mapping is untouched)."""
    if key is None:
        return parameters
    if not isinstance(key, str) or not key.strip():
        raise ValidationError("idempotency_key", "must be a non-empty string")
    return {**check.json_parameters(parameters), IDEMPOTENCY_PARAMETER: key}


def _backoff(attempt: int, exc: BaseException) -> float:
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int | float):
        return float(min(retry_after, 60.0))
    return float(min(2 ** (attempt - 1), 10))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
