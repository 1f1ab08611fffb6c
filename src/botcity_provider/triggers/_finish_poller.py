"""One poller per connection and event loop for every asset watcher there: which tasks finished.

A cycle is one listing of the workspace's finished and canceled tasks, last modified first
(``GET /api/v2/task?stateFilter=FINISHED,CANCELED&sort=dateLastModified,desc``), whatever automations
the watchers watch: page after page down to the oldest point a due watcher needs
(:func:`._finish_cursor.listing_floor`), usually one page. Each watcher then judges the same listing
with its own cursor (:func:`._finish_cursor.advance`). The schedule (each watcher looked at once per
interval, never sooner, whatever the server answers) is :class:`._shared_poller.SharedPoller`'s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from botcity_provider._failures import is_permanent
from botcity_provider._intervals import clamped_interval
from botcity_provider.client import AsyncMaestroClient, MaestroError, Task, TaskState, is_transient
from botcity_provider.triggers._finish_cursor import Cursor, advance, listing_floor
from botcity_provider.triggers._shared_poller import SharedPoller, WaitError, schedule_after

__all__ = ["FinishPoller", "FinishWatch", "Finished"]

log = logging.getLogger(__name__)

FINISHED_STATES = (TaskState.FINISHED, TaskState.CANCELED)
PAGE_SIZE = 250
# The listing's window, on the tasks' creation dates: a bot that runs longer than this is not seen.
WINDOW_DAYS = 30
SORT = ("dateLastModified,desc", "id,desc")


@dataclass(frozen=True)
class Finished:
    """The tasks one look found new to a watcher, oldest first, and its cursor before and after them."""

    tasks: list[Task]
    before: Cursor
    after: Cursor


@dataclass(eq=False)
class _Watcher:
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

    def __init__(self, watcher: _Watcher) -> None:
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


class FinishPoller(SharedPoller[_Watcher]):
    """Lists the workspace's finished tasks once per cycle for every watcher of one connection."""

    kind = "maestro-finish"

    def watch(
        self, watched: Callable[[Task], bool], cursor: Cursor, interval_seconds: float
    ) -> AbstractAsyncContextManager[FinishWatch]:
        """Register a watcher for the duration of an ``async with`` block; its first look is now."""
        interval = clamped_interval(interval_seconds, "poll_interval_seconds")
        return self._watch(_Watcher(watched, cursor, interval, due_at=time.monotonic()))

    @asynccontextmanager
    async def _watch(self, watcher: _Watcher) -> AsyncIterator[FinishWatch]:
        async with self.registered(watcher):
            yield FinishWatch(watcher)

    async def poll(self, client: AsyncMaestroClient, due: list[_Watcher]) -> None:
        started = time.monotonic()
        floors = [listing_floor(watcher.cursor) for watcher in due]
        try:
            listed = await self._list(client, min((f for f in floors if f is not None), default=None))
        except MaestroError as exc:
            looked = (started, time.monotonic())
            for watcher in due:
                schedule_after(watcher, looked)
            if is_transient(exc):
                log.warning("Listing finished Maestro tasks failed, trying again later: %s", exc)
                return
            # A watcher has no task to fail: it says why in the triggerer's log and looks again later,
            # so that a key put right in the connection is picked up after a triggerer restart.
            for watcher in due:
                watcher.offer(WaitError(str(exc), retryable=not is_permanent(exc)))
            return
        looked = (started, time.monotonic())
        now = datetime.now(UTC)
        for watcher in due:
            fresh, after = advance(watcher.cursor, listed, now, watcher.watched)
            if fresh or after != watcher.cursor:
                watcher.offer(Finished(fresh, watcher.cursor, after))
                watcher.cursor = after
            schedule_after(watcher, looked)

    async def _list(self, client: AsyncMaestroClient, floor: datetime | None) -> list[Task]:
        """Finished tasks, last modified first, down to ``floor`` (the first page when it is None)."""
        listed: list[Task] = []
        number = 0
        while True:
            self.requests += 1
            page = await client.tasks.list(
                states=FINISHED_STATES, days=WINDOW_DAYS, page=number, size=PAGE_SIZE, sort=SORT
            )
            listed.extend(page.content)
            oldest = page.content[-1].date_last_modified if page.content else None
            number += 1
            if floor is None or oldest is None or oldest < floor or number >= page.total_pages:
                return listed
