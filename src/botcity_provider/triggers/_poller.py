"""One poller per connection and event loop, shared by every deferred wait and asset watcher there.

Waits alone are looked at the direct way (:mod:`._active`): the workspace's active tasks, then one read
per wait whose task left them. Watchers alone (:mod:`._finish_watch`) list the finished tasks, last
modified first. Where both wait, that would be two listings per cycle; they share one instead, of every
task (all states) last modified first, down to the oldest point a due watcher or wait needs
(:mod:`._changes` says why a wait whose task is not in it has not changed, :mod:`._feed` reads it). It
costs what changed since the last look, usually one page; the two listings it replaces hold the same
finishes plus every active task, so it is about as long at most (longer only by tasks in TIMEOUT). A
wait it cannot vouch for (just deferred, or its task not shown for :data:`._changes.REFRESH_SECONDS`)
is looked at the direct way as well, as before. A listing made for the watchers serves the waits early,
and one made for the waits serves the watchers, each then due an interval later: no request is added
for either. Waits alone keep the direct way: with no watcher to pay for it, a listing of every change
can cost more pages than the active tasks'.

Whatever the server answers, each wait is looked at once per interval and never sooner
(:mod:`._shared_poller`): an error never turns into a busy loop. A trigger registers with
:meth:`TaskPoller.watch` (or :meth:`TaskPoller.watch_finishes`) and reads its own updates from it, in its
own coroutine, so its log lines land in its own task log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime

from botcity_provider._bot_news import BotNews, NewsTurns, read_news
from botcity_provider._intervals import clamped_interval
from botcity_provider.client import AsyncMaestroClient, MaestroError, RateLimitError, Task
from botcity_provider.triggers._active import ActivePoller
from botcity_provider.triggers._changes import covers, feed_floor, horizon, wait_floor
from botcity_provider.triggers._feed import FINISHED_STATES, Changes, list_changes
from botcity_provider.triggers._finish_cursor import Cursor, listing_floor
from botcity_provider.triggers._finish_watch import (
    WINDOW_DAYS,
    FinishWatch,
    Watcher,
    fail_watchers,
    serve_watcher,
)
from botcity_provider.triggers._shared_poller import WaitError, schedule_after
from botcity_provider.triggers._task_watch import Waiter, Watch

__all__ = ["TaskPoller", "WaitError", "Watch"]

log = logging.getLogger(__name__)


class TaskPoller(ActivePoller):
    """Polls the tasks of every wait and watcher registered for one connection in one event loop."""

    kind = "maestro-task"

    def __init__(self, conn_id: str) -> None:
        super().__init__(conn_id)
        self._turns = NewsTurns()
        self.news_requests = 0
        # The horizon after the last listing of changes, if it came sorted (see _changes.wait_floor).
        self._chain: datetime | None = None

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
        waiter = Waiter(task_id=task_id, interval=interval, due_at=due_at, wants_news=news)
        async with self.registered(waiter):
            yield Watch(waiter)

    def watch_finishes(
        self, watched: Callable[[Task], bool], cursor: Cursor, interval_seconds: float
    ) -> AbstractAsyncContextManager[FinishWatch]:
        """Register an asset watcher for the duration of an ``async with`` block; its first look is now."""
        interval = clamped_interval(interval_seconds, "poll_interval_seconds")
        return self._watch_finishes(Watcher(watched, cursor, interval, due_at=time.monotonic()))

    @asynccontextmanager
    async def _watch_finishes(self, watcher: Watcher) -> AsyncIterator[FinishWatch]:
        async with self.registered(watcher):
            yield FinishWatch(watcher)

    def _watchers(self) -> list[Watcher]:
        return [watcher for watcher in self._waiters if isinstance(watcher, Watcher)]

    async def poll(self, client: AsyncMaestroClient, due: Sequence[Waiter | Watcher]) -> None:
        # The next look is an interval after this one began, not after it ended: a listing that takes
        # seconds on a loaded server must not stretch every cycle by as much (nor stagger the waits).
        started = time.monotonic()
        waits = [waiter for waiter in due if isinstance(waiter, Waiter)]
        watchers = [watcher for watcher in due if isinstance(watcher, Watcher)]
        floors = {waiter: self._floor(waiter, started) for waiter in self._waits()}
        try:
            # Waits alone use a listing of changes only when it vouches for them all (else the active
            # listing would follow it) and one read would not do; a watcher needs the listing anyway.
            vouchable = all(floors[waiter] is not None for waiter in waits)
            left = waits
            if watchers or (len(waits) > 1 and vouchable and self._watchers()):
                left = await self._poll_changes(client, (watchers, waits), floors, started)
            await self._poll_direct(client, left, started)
        except RateLimitError:
            # Maestro asked us to slow down: one GET per task now would be the opposite.
            log.warning("Maestro is rate limiting task listings; skipping this poll of %d wait(s)", len(due))
            for listener in due:
                listener.due_at = time.monotonic() + listener.interval
            return
        await self._look_at_news(client, waits)

    def _floor(self, waiter: Waiter, now: float) -> datetime | None:
        return wait_floor(waiter.seen_at, waiter.shown_at, now, self._chain)

    async def _poll_changes(
        self,
        client: AsyncMaestroClient,
        due: tuple[list[Watcher], list[Waiter]],
        floors: dict[Waiter, datetime | None],
        started: float,
    ) -> list[Waiter]:
        """One listing of what changed for the due watchers and waits, serving any other it reaches
        far enough for; return the due waits it does not vouch for."""
        watchers, waits = due
        needs = [listing_floor(watcher.cursor) for watcher in watchers]
        needs += [floors[waiter] for waiter in waits if floors[waiter] is not None]
        # Watchers alone list only the finishes, as a listing of every change would page for nothing.
        states = None if self._waits() else FINISHED_STATES
        try:
            changes = await list_changes(client, feed_floor(needs), self._days(), self._count, states)
        except RateLimitError:
            raise
        except MaestroError as exc:
            fail_watchers(watchers, exc, (started, time.monotonic()))
            return waits
        looked = (started, time.monotonic())
        self.horizon = horizon(self.horizon, changes.tasks)
        # Only a listing of every state vouches for a wait (one that arrived during this one included).
        self._chain = self.horizon if changes.ordered and states is None else None
        now = datetime.now(UTC)
        for watcher in self._watchers():
            reached = changes.ordered and covers(changes.reached, listing_floor(watcher.cursor))
            if watcher in watchers or reached:
                serve_watcher(watcher, changes.tasks, looked, now)
        if states is not None:
            return waits
        return await self._vouch(changes, floors, waits, looked)

    async def _vouch(
        self,
        changes: Changes,
        floors: dict[Waiter, datetime | None],
        due: list[Waiter],
        looked: tuple[float, float],
    ) -> list[Waiter]:
        # A page shifted by a change shows a task twice: the first is the newest.
        shown = {task.id: task for task in reversed(changes.tasks)}
        await self._deliver_all(
            [waiter for waiter in self._waits() if waiter.task_id in shown], shown, looked
        )
        left: list[Waiter] = []
        for waiter in self._waits():
            floor = floors.get(waiter)  # None too for a wait that arrived during the listing
            if waiter.task_id in shown:
                continue
            if changes.ordered and floor is not None and covers(changes.reached, floor):
                schedule_after(waiter, looked)  # unchanged since it was last seen
                waiter.seen_at = self.horizon
            elif waiter in due:
                left.append(waiter)
        return left

    def _count(self) -> None:
        self.requests += 1

    async def _look_at_news(self, client: AsyncMaestroClient, due: list[Waiter]) -> None:
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

    def _runs(self, waiter: Waiter) -> bool:
        if not isinstance(waiter.latest, Task):
            return False
        if waiter.news is None:
            link = self.hook.portal_url(waiter.task_id) if self.hook is not None else None
            waiter.news = BotNews(waiter.task_id, link)
        return waiter.news.wants(waiter.latest)

    def _days(self) -> int:
        # One listing for both: as far back as the watchers' window, or the oldest wait's task.
        return max(WINDOW_DAYS, self._window_days())
