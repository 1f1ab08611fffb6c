"""Which finished tasks are new to a watcher: the cursor it keeps between looks and across restarts.

No I/O here: the poller lists the workspace's finished and canceled tasks, last modified first, down to
:func:`listing_floor`, and :func:`advance` says which of them the watcher has not told of yet.

A cursor is the newest modification date seen in any listing (the *horizon*) and the finishes already
judged near it (*seen*). A task counts once per finish: its key is its id and when it last started
running, so an edit of a finished task (a message, a flag) is no new finish, while a restarted task that
runs and finishes again is. Tasks modified up to :data:`LOOKBACK` before the horizon are listed again on
each look: a finish the server wrote a moment before another, but showed a moment after it, is not
missed. Dates are the server's own, so the Airflow machine's clock does not matter, except once: with
no task finished yet, the first horizon is the time of the first look.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botcity_provider.client import Task

__all__ = ["LOOKBACK", "MAX_SEEN", "Cursor", "advance", "finish_key", "listing_floor", "with_told"]

LOOKBACK = timedelta(seconds=60)
# About 20 bytes a key: 1000 keys keep a cursor far below the 64 KiB Airflow allows a stored value.
MAX_SEEN = 1000
_VERSION = 1


@dataclass(frozen=True)
class Cursor:
    """Where a watcher stands: ``horizon`` is None until its first look."""

    horizon: datetime | None = None
    seen: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The cursor as a JSON value, for Airflow's asset state store."""
        horizon = None if self.horizon is None else self.horizon.isoformat()
        return {"version": _VERSION, "horizon": horizon, "seen": list(self.seen)}

    @classmethod
    def from_json(cls, value: object) -> Cursor | None:
        """A stored cursor, or None when ``value`` is not one (nothing stored, or another version's)."""
        if not isinstance(value, dict) or value.get("version") != _VERSION:
            return None
        horizon, seen = value.get("horizon"), value.get("seen")
        if not isinstance(horizon, str) or not isinstance(seen, list):
            return None
        try:
            moment = datetime.fromisoformat(horizon)
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        return cls(horizon=moment, seen=tuple(str(key) for key in seen))


def finish_key(task: Task) -> str:
    """One finish of a task: its id and when it last started running (a restart starts it anew)."""
    started = task.date_start_running
    return f"{task.id}@{'-' if started is None else int(started.timestamp() * 1000)}"


def listing_floor(cursor: Cursor) -> datetime | None:
    """How far back the listing must reach for this cursor; None: the first page is enough."""
    return None if cursor.horizon is None else cursor.horizon - LOOKBACK


def advance(
    cursor: Cursor, listed: Sequence[Task], now: datetime, watched: Callable[[Task], bool]
) -> tuple[list[Task], Cursor]:
    """The watched tasks that finished since ``cursor``, oldest first, and the cursor after them.

    :param listed: the workspace's finished and canceled tasks, last modified first, down to
        :func:`listing_floor` (any automation: the horizon moves with every finish the listing shows).
    :param now: the first horizon when nothing has finished yet.
    :param watched: whether a task is one the watcher tells of (its automation, its finish statuses).
    """
    dated = [task for task in listed if task.date_last_modified is not None]
    newest = max((_modified(task) for task in dated), default=None)
    if cursor.horizon is None:
        # The first look: whatever finished before it is old, and never told of.
        horizon = newest or now
        old = [finish_key(task) for task in dated if watched(task) and _modified(task) >= horizon - LOOKBACK]
        return [], Cursor(horizon, tuple(_unique(old)[-MAX_SEEN:]))
    floor = cursor.horizon - LOOKBACK
    known = set(cursor.seen)
    fresh: list[Task] = []
    for task in sorted(dated, key=_modified):
        key = finish_key(task)
        if _modified(task) >= floor and watched(task) and key not in known:
            known.add(key)
            fresh.append(task)
    horizon = max(cursor.horizon, newest) if newest is not None else cursor.horizon
    near = [finish_key(task) for task in dated if watched(task) and _modified(task) >= horizon - LOOKBACK]
    seen = _unique([*cursor.seen, *(finish_key(task) for task in fresh), *near])[-MAX_SEEN:]
    return fresh, Cursor(horizon, tuple(seen))


def with_told(cursor: Cursor, task: Task) -> Cursor:
    """``cursor`` with one more finish told of: what to store after each event, before the look's end."""
    return Cursor(cursor.horizon, tuple(_unique([*cursor.seen, finish_key(task)])[-MAX_SEEN:]))


def _modified(task: Task) -> datetime:
    assert task.date_last_modified is not None  # only dated tasks get here
    return task.date_last_modified


def _unique(keys: Sequence[str]) -> list[str]:
    # The last occurrence wins its place, so the newest keys are the ones kept at the end.
    return list(reversed(dict.fromkeys(reversed(keys))))
