"""The direct way of the connection's poller (:class:`._poller.TaskPoller`) to look at the deferred
waits: the workspace's active tasks, then one read per wait whose task is not among them.

Polled one by one, N waiting tasks cost N requests every interval. The active listing
(``GET /api/v2/task?stateFilter=START,RUNNING``, newest first, whatever the automations) shows which are
still running, and only a task that left it is read on its own (``GET /api/v2/task/{id}``), to learn how
it ended. A cycle costs ceil(active tasks / page size) listings, plus one read per task that finished.
When the workspace has so many active tasks that paging through them would cost more than reading the
missing waits one by one, the poller stops paging and reads them; when the listing fails, it reads every
due task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from math import ceil

from botcity_provider._failures import is_permanent
from botcity_provider.client import (
    AsyncMaestroClient,
    MaestroError,
    NotFoundError,
    RateLimitError,
    Task,
    TaskState,
    is_transient,
)
from botcity_provider.triggers._changes import horizon
from botcity_provider.triggers._finish_watch import Watcher
from botcity_provider.triggers._shared_poller import SharedPoller, WaitError, schedule_after
from botcity_provider.triggers._task_watch import Waiter

__all__ = ["ActivePoller"]

log = logging.getLogger(__name__)

# Decoding a page is one uninterrupted stretch on the event loop (JSON, then pydantic): about 20 ms for
# 1000 tasks with small parameters on an idle machine, several times that for big ones or a loaded one.
# Pages of 250 keep each stretch to a few milliseconds, at one more listing per 250 waits.
MAX_PAGE_SIZE = 250
CONCURRENT_GETS = 20
DELIVERY_BATCH = 100
WINDOW_MARGIN = timedelta(minutes=10)
ACTIVE_STATES = (TaskState.START, TaskState.RUNNING)


class ActivePoller(SharedPoller[Waiter | Watcher]):
    """Looks at waits the direct way; :class:`._poller.TaskPoller` adds the listing of changes."""

    def __init__(self, conn_id: str) -> None:
        super().__init__(conn_id)
        # The newest modification date any listing showed (see _changes).
        self.horizon: datetime | None = None

    def _waits(self) -> list[Waiter]:
        return [waiter for waiter in self._waiters if isinstance(waiter, Waiter)]

    async def _poll_direct(self, client: AsyncMaestroClient, due: list[Waiter], started: float) -> None:
        """Look at waits no listing of changes vouched for: the active listing, then a read each."""
        if not due:
            return
        # A listing cannot beat one read when one task is due.
        seen = await self._list_active(client, due) if len(due) > 1 else {}
        looked = (started, time.monotonic())
        await self._deliver_all([waiter for waiter in self._waits() if waiter.task_id in seen], seen, looked)
        # Not active any more (or never listed): one read each tells how it ended.
        uncovered = [waiter for waiter in due if waiter.task_id not in seen]
        left = iter(uncovered)

        async def reader() -> None:
            for waiter in left:  # shared: each reader takes the next wait left
                await self._get(client, waiter, started)

        # A few readers, not a task per read: two hundred tasks made in one step held the loop 40 ms.
        await asyncio.gather(*(reader() for _ in range(min(CONCURRENT_GETS, len(uncovered)))))

    async def _list_active(self, client: AsyncMaestroClient, due: list[Waiter]) -> dict[int, Task]:
        """The waited-for tasks among the workspace's active ones; empty when the listing failed."""
        wanted = {waiter.task_id for waiter in self._waits()}
        missing = {waiter.task_id for waiter in due}
        found: dict[int, Task] = {}
        try:
            # Each page read either ends the loop or leaves fewer pages than missing tasks, so the loop
            # never lists more pages than it would cost to read the missing tasks one by one.
            for number in range(len(missing) + 1):
                self.requests += 1
                page = await client.tasks.list(
                    states=ACTIVE_STATES, days=self._window_days(), page=number, size=MAX_PAGE_SIZE
                )
                found.update((task.id, task) for task in page.content if task.id in wanted)
                self.horizon = horizon(self.horizon, page.content)
                missing -= found.keys()
                pages_left = page.total_pages - number - 1
                if not missing or not page.content or pages_left <= 0 or pages_left >= len(missing):
                    break
        except RateLimitError:
            raise
        except MaestroError as exc:
            log.warning("Listing active tasks failed (%s); looking at each task instead this time", exc)
        return found

    def _window_days(self) -> int:
        # The listing's window must reach back to the oldest task waited for; a task whose creation
        # date is not known yet is new (it was created just before its wait began).
        dates = [waiter.created for waiter in self._waits() if waiter.created is not None]
        if not dates:
            return 1
        oldest = min(dates) - WINDOW_MARGIN
        return max(1, ceil((datetime.now(UTC) - oldest).total_seconds() / 86400))

    async def _get(self, client: AsyncMaestroClient, waiter: Waiter, looked_at: float) -> None:
        self.requests += 1
        try:
            task = await client.tasks.get(waiter.task_id)
        except NotFoundError as exc:
            gone = f"Maestro task {waiter.task_id} does not exist (any more): {exc}"
            waiter.offer(WaitError(gone, retryable=False))
            return
        except MaestroError as exc:
            schedule_after(waiter, (looked_at, time.monotonic()))
            if is_transient(exc):
                log.warning("Could not read Maestro task %s, trying again later: %s", waiter.task_id, exc)
                return
            waiter.offer(WaitError(str(exc), retryable=not is_permanent(exc)))
            return
        self._deliver(waiter, task, (looked_at, time.monotonic()))

    async def _deliver_all(
        self, waiters: list[Waiter], seen: dict[int, Task], looked: tuple[float, float]
    ) -> None:
        # Each delivery wakes a trigger: in batches, so a thousand waits never wake in one loop step.
        for start in range(0, len(waiters), DELIVERY_BATCH):
            for waiter in waiters[start : start + DELIVERY_BATCH]:
                self._deliver(waiter, seen[waiter.task_id], looked)
            await asyncio.sleep(0)

    def _deliver(self, waiter: Waiter, task: Task, looked: tuple[float, float]) -> None:
        schedule_after(waiter, looked)
        waiter.offer(task)
        # Only a listing's dates move the horizon, and it was answered before this: a lower bound of
        # the server's time when it showed the task (a read's own date can be hours old).
        waiter.seen_at, waiter.shown_at = self.horizon, looked[1]
