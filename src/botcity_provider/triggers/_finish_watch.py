"""The asset watchers' side of the connection's poller (:class:`._poller.TaskPoller`): which tasks finished.

Each look hands a watcher the workspace's tasks, last modified first, down to the oldest point it needs
(:func:`._finish_cursor.listing_floor`), usually one page of the listing the poller shares with the
deferred waits (:mod:`._changes`). The watcher judges it with its own cursor
(:func:`._finish_cursor.advance`). The schedule (each watcher looked at once per interval, never sooner,
whatever the server answers) is :class:`._shared_poller.SharedPoller`'s.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from botcity_provider._failures import is_permanent
from botcity_provider.client import MaestroError, Task, is_transient
from botcity_provider.triggers._finish_cursor import Cursor, advance
from botcity_provider.triggers._shared_poller import WaitError, schedule_after

__all__ = ["WINDOW_DAYS", "FinishWatch", "Finished", "Watcher", "fail_watchers", "serve_watcher"]

log = logging.getLogger(__name__)

# The listing's window, on the tasks' creation dates: a bot that runs longer than this is not seen.
WINDOW_DAYS = 30


@dataclass(frozen=True)
class Finished:
    """The tasks one look found new to a watcher, oldest first, and its cursor before and after them."""

    tasks: list[Task]
    before: Cursor
    after: Cursor


@dataclass(eq=False)
class Watcher:
    """One asset watcher registered with the poller."""

    watched: Callable[[Task], bool]
    cursor: Cursor
    interval: float
    due_at: float
    found: deque[Finished | WaitError] = field(default_factory=deque)
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, item: Finished | WaitError) -> None:
        # Every look is kept, not only the newest: each finish must become one event.
        self.found.append(item)
        self.ready.set()


class FinishWatch:
    """What a watcher reads: each look that moved its cursor, in order."""

    def __init__(self, watcher: Watcher) -> None:
        self._watcher = watcher

    async def looks(self) -> AsyncIterator[Finished]:
        """Yield each look that found new finishes or moved the cursor; raise the WaitError offered."""
        while True:
            await self._watcher.ready.wait()
            self._watcher.ready.clear()
            while self._watcher.found:
                item = self._watcher.found.popleft()
                if isinstance(item, WaitError):
                    raise item
                yield item


def serve_watcher(
    watcher: Watcher, listed: Sequence[Task], looked: tuple[float, float], now: datetime
) -> None:
    """Judge one listing for a watcher (any states: :func:`advance` keeps the finished it watches)."""
    fresh, after = advance(watcher.cursor, listed, now, watcher.watched)
    if fresh or after != watcher.cursor:
        watcher.offer(Finished(fresh, watcher.cursor, after))
        watcher.cursor = after
    schedule_after(watcher, looked)


def fail_watchers(watchers: Sequence[Watcher], exc: MaestroError, looked: tuple[float, float]) -> None:
    """The listing failed: each watcher looks again an interval later."""
    for watcher in watchers:
        schedule_after(watcher, looked)
    if is_transient(exc):
        log.warning("Listing finished Maestro tasks failed, trying again later: %s", exc)
        return
    # A watcher has no task to fail: it says why in the triggerer's log and looks again later, so that
    # a key put right in the connection is picked up after a triggerer restart.
    for watcher in watchers:
        watcher.offer(WaitError(str(exc), retryable=not is_permanent(exc)))
