"""One poller per connection and event loop, shared by every trigger waiting there.

Polled one by one, N waiting tasks cost N requests every interval. The poller lists the workspace's
active tasks instead (``GET /api/v2/task?stateFilter=START,RUNNING``, newest first), whatever their
automations: a task found there is still running, and only a task that left it is read on its own
(``GET /api/v2/task/{id}``), to learn how it ended. A cycle costs ceil(active tasks / page size) listings,
plus one read per task that finished, plus one. When the workspace has so many active tasks that paging
through them would cost more than reading the missing waits one by one, the poller stops paging and
reads them; when the listing fails, it reads every due task. Whatever the server answers, each wait is
looked at once per interval and never sooner: an error never turns into a busy loop.

A trigger registers with :meth:`TaskPoller.watch` and reads its own updates from it, in its own
coroutine, so its log lines land in its own task log. The poller runs while something waits, and stops
(closing its HTTP client) when the last wait leaves, cancelled or not.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from math import ceil

from botcity_provider._bot_news import BotNews, NewsTurns, read_news
from botcity_provider._failures import is_permanent
from botcity_provider._intervals import clamped_interval
from botcity_provider._progress import ProgressLog
from botcity_provider.client import (
    AsyncMaestroClient,
    MaestroError,
    NotFoundError,
    RateLimitError,
    Task,
    TaskState,
    is_transient,
)
from botcity_provider.triggers._shared_poller import SharedPoller, WaitError, newest, schedule_after

__all__ = ["TaskPoller", "WaitError", "Watch"]

log = logging.getLogger(__name__)

# Decoding a page is one uninterrupted stretch on the event loop (JSON, then pydantic): about 20 ms for
# 1000 tasks with small parameters on an idle machine, several times that for big ones or a loaded one.
# Pages of 250 keep each stretch to a few milliseconds, at one more listing per 250 waits.
MAX_PAGE_SIZE = 250
CONCURRENT_GETS = 20
DELIVERY_BATCH = 100
WINDOW_MARGIN = timedelta(minutes=10)
ACTIVE_STATES = (TaskState.START, TaskState.RUNNING)


@dataclass(eq=False)
class _Waiter:
    task_id: int
    interval: float
    due_at: float
    created: datetime | None = None
    latest: Task | WaitError | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    wants_news: bool = False
    news: BotNews | None = None
    lines: list[str] = field(default_factory=list)

    def tell(self, lines: list[str]) -> None:
        # What the bot reported: told with the next update, even when the task itself did not change.
        if lines:
            self.lines.extend(lines)
            self.ready.set()

    def offer(self, item: Task | WaitError) -> None:
        # Only the newest view matters: a slow reader skips snapshots, never the end.
        self.latest = item
        self.ready.set()
        if isinstance(item, Task):
            self.created = item.date_creation or self.created


class Watch:
    """What a trigger reads: the changes of its task until it ends or the deadline passes."""

    def __init__(self, waiter: _Waiter) -> None:
        self._waiter = waiter
        self._progress = ProgressLog()
        self.changed = False

    async def until(self, deadline_at: float | None) -> AsyncIterator[Task]:
        """Yield the task when it changed (``changed``) or its bot reported something (:meth:`news`);
        stop silently at the deadline; raise WaitError."""
        async for task in newest(self._waiter, deadline_at):
            self.changed = self._progress.change(task) is not None
            if self.changed or self._waiter.lines:
                yield task

    def news(self) -> list[str]:
        """The log lines of what the bot reported since the last call (its errors and alerts)."""
        lines, self._waiter.lines = self._waiter.lines, []
        return lines


class TaskPoller(SharedPoller[_Waiter]):
    """Polls the tasks of every wait registered for one connection in one event loop."""

    kind = "maestro-task"

    def __init__(self, conn_id: str) -> None:
        super().__init__(conn_id)
        self._turns = NewsTurns()
        self.news_requests = 0

    def watch(
        self, task_id: int, interval_seconds: float, *, news: bool = False
    ) -> AbstractAsyncContextManager[Watch]:
        """Register a wait for the duration of an ``async with`` block; with ``news``, what the bot
        reports while it runs is told too (:meth:`Watch.news`)."""
        return self._watch(task_id, clamped_interval(interval_seconds, "interval_seconds"), news)

    @asynccontextmanager
    async def _watch(self, task_id: int, interval: float, news: bool) -> AsyncIterator[Watch]:
        # Whoever defers has just looked at the task (the operators and the sensor check it once first),
        # so the first look is an interval away like every other.
        due_at = time.monotonic() + interval
        waiter = _Waiter(task_id=task_id, interval=interval, due_at=due_at, wants_news=news)
        async with self.registered(waiter):
            yield Watch(waiter)

    async def poll(self, client: AsyncMaestroClient, due: list[_Waiter]) -> None:
        # The next look is an interval after this one began, not after it ended: a listing that takes
        # seconds on a loaded server must not stretch every cycle by as much (nor stagger the waits).
        started = time.monotonic()
        try:
            # A listing cannot beat one read when one task is due.
            seen = await self._list_active(client, due) if len(due) > 1 else {}
        except RateLimitError:
            # Maestro asked us to slow down: one GET per task now would be the opposite.
            log.warning("Maestro is rate limiting task listings; skipping this poll of %d task(s)", len(due))
            for waiter in due:
                waiter.due_at = time.monotonic() + waiter.interval
            return
        looked = (started, time.monotonic())
        await self._deliver_all([waiter for waiter in self._waiters if waiter.task_id in seen], seen, looked)
        # Not active any more (or never listed): one read each tells how it ended.
        uncovered = [waiter for waiter in due if waiter.task_id not in seen]
        left = iter(uncovered)

        async def reader() -> None:
            for waiter in left:  # shared: each reader takes the next wait left
                await self._get(client, waiter, started)

        # A few readers, not a task per read: two hundred tasks made in one step held the loop 40 ms.
        await asyncio.gather(*(reader() for _ in range(min(CONCURRENT_GETS, len(uncovered)))))
        await self._look_at_news(client, due)

    async def _look_at_news(self, client: AsyncMaestroClient, due: list[_Waiter]) -> None:
        """One request for what the bots of the due, running tasks reported (errors or alerts in turn):
        one task's own listing when one is due, else the workspace's newest, shared by them all."""
        running = [waiter for waiter in due if waiter.wants_news and self._runs(waiter)]
        if not running or (kind := self._turns.next()) is None:
            return
        self.requests += 1
        self.news_requests += 1
        try:
            entries = await read_news(client, kind, running[0].task_id if len(running) == 1 else None)
        except MaestroError as exc:
            self._turns.failed(kind, exc)
            log.debug("Could not read the bots' %s: %s", kind, exc)
            return
        for waiter in running:
            assert waiter.news is not None  # set by _runs
            waiter.tell(waiter.news.lines(kind, entries))

    def _runs(self, waiter: _Waiter) -> bool:
        if not isinstance(waiter.latest, Task):
            return False
        if waiter.news is None:
            link = self.hook.portal_url(waiter.task_id) if self.hook is not None else None
            waiter.news = BotNews(waiter.task_id, link)
        return waiter.news.wants(waiter.latest)

    async def _list_active(self, client: AsyncMaestroClient, due: list[_Waiter]) -> dict[int, Task]:
        """The waited-for tasks among the workspace's active ones; empty when the listing failed."""
        wanted = {waiter.task_id for waiter in self._waiters}
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
        dates = [waiter.created for waiter in self._waiters if waiter.created is not None]
        if not dates:
            return 1
        oldest = min(dates) - WINDOW_MARGIN
        return max(1, ceil((datetime.now(UTC) - oldest).total_seconds() / 86400))

    async def _get(self, client: AsyncMaestroClient, waiter: _Waiter, looked_at: float) -> None:
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
        self, waiters: list[_Waiter], seen: dict[int, Task], looked: tuple[float, float]
    ) -> None:
        # Each delivery wakes a trigger: in batches, so a thousand waits never wake in one loop step.
        for start in range(0, len(waiters), DELIVERY_BATCH):
            for waiter in waiters[start : start + DELIVERY_BATCH]:
                self._deliver(waiter, seen[waiter.task_id], looked)
            await asyncio.sleep(0)

    def _deliver(self, waiter: _Waiter, task: Task, looked: tuple[float, float]) -> None:
        schedule_after(waiter, looked)
        waiter.offer(task)
