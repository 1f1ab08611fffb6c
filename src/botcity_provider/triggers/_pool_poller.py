"""One datapool poller per connection and event loop, shared by every datapool wait there.

A cycle costs one summary request per pool that has a wait due, however many wait on it, and, only when
that summary shows items finished since a wait last checked, one listing of the pool for all the waits
that need it (:func:`botcity_provider.hooks.datapools.wait_step`). The schedule (each wait looked at once
per interval, never sooner, whatever the server answers) is :class:`._shared_poller.SharedPoller`'s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

from botcity_provider._failures import is_permanent
from botcity_provider._intervals import clamped_interval
from botcity_provider.client import (
    AsyncMaestroClient,
    DatapoolSummary,
    MaestroError,
    NotFoundError,
    is_transient,
)
from botcity_provider.hooks.datapools import (
    ENTRY_PAGE_SIZE,
    IN_HAND,
    PoolLook,
    Selection,
    finished,
    wait_step,
)
from botcity_provider.triggers._shared_poller import SharedPoller, WaitError, newest, schedule_after

__all__ = ["DatapoolPoller", "PoolWatch"]

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _PoolWaiter:
    label: str
    selection: Selection
    interval: float
    due_at: float
    finished_before: int | None = None
    latest: PoolLook | WaitError | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, item: PoolLook | WaitError) -> None:
        # Only the newest look matters: a slow reader skips looks, never the end.
        self.latest = item
        self.ready.set()


class PoolWatch:
    """What a trigger reads: each look at its pool until its items are done or the deadline passes."""

    def __init__(self, waiter: _PoolWaiter) -> None:
        self._waiter = waiter

    def until(self, deadline_at: float | None) -> AsyncIterator[PoolLook]:
        """Yield each look; stop silently at the deadline; raise :class:`WaitError`."""
        return newest(self._waiter, deadline_at)


class DatapoolPoller(SharedPoller[_PoolWaiter]):
    """Looks at the pools of every datapool wait registered for one connection in one event loop."""

    kind = "maestro-datapool"

    def watch(
        self, label: str, selection: Selection, interval_seconds: float
    ) -> AbstractAsyncContextManager[PoolWatch]:
        """Register a wait for the duration of an ``async with`` block."""
        return self._watch(label, selection, clamped_interval(interval_seconds, "interval_seconds"))

    @asynccontextmanager
    async def _watch(self, label: str, selection: Selection, interval: float) -> AsyncIterator[PoolWatch]:
        # Whoever defers has just looked at the pool, so the first look is an interval away.
        waiter = _PoolWaiter(label, selection, interval, due_at=time.monotonic() + interval)
        async with self.registered(waiter):
            yield PoolWatch(waiter)

    async def poll(self, client: AsyncMaestroClient, due: list[_PoolWaiter]) -> None:
        by_pool: dict[str, list[_PoolWaiter]] = defaultdict(list)
        for waiter in due:
            by_pool[waiter.label].append(waiter)
        for label, waiters in by_pool.items():
            await self._poll_pool(client, label, waiters)

    async def _poll_pool(self, client: AsyncMaestroClient, label: str, waiters: list[_PoolWaiter]) -> None:
        started = time.monotonic()
        summary = await self._summary(client, label, waiters, started)
        if summary is None:
            return
        steps = {waiter: wait_step(summary, waiter.finished_before) for waiter in waiters}
        checking = [w for w in waiters if steps[w] == "check" and not w.selection.whole_pool]
        in_hand = await self._in_hand(client, label, checking) if checking else {}
        looked = (started, time.monotonic())
        for waiter in waiters:
            schedule_after(waiter, looked)
            count = _count(steps[waiter], summary, waiter, in_hand)
            if count is not None:
                waiter.finished_before = finished(summary)
            waiter.offer(PoolLook(summary, finished(summary), count))

    async def _summary(
        self, client: AsyncMaestroClient, label: str, waiters: list[_PoolWaiter], started: float
    ) -> DatapoolSummary | None:
        self.requests += 1
        try:
            return await client.datapools.summary(label)
        except NotFoundError as exc:
            error = WaitError(f"datapool {label!r} does not exist (any more): {exc}", retryable=False)
        except MaestroError as exc:
            if is_transient(exc):
                log.warning("Could not read datapool %r, trying again later: %s", label, exc)
                for waiter in waiters:
                    schedule_after(waiter, (started, time.monotonic()))
                return None
            error = WaitError(str(exc), retryable=not is_permanent(exc))
        for waiter in waiters:
            waiter.offer(error)
        return None

    async def _in_hand(
        self, client: AsyncMaestroClient, label: str, waiters: list[_PoolWaiter]
    ) -> dict[_PoolWaiter, int]:
        """One listing of the pool counts, for each wait, its items still pending or processing."""
        self.requests += 1
        counts = dict.fromkeys(waiters, 0)
        try:
            async for entry in client.datapools.iter_entries(label, size=ENTRY_PAGE_SIZE):
                if entry.state in IN_HAND:
                    for waiter in waiters:
                        if waiter.selection.key_of(entry) is not None:
                            counts[waiter] += 1
        except MaestroError as exc:
            # Not checked this time: the next summary asks for a listing again.
            log.warning("Listing datapool %r failed (%s); looking again next time", label, exc)
            return {}
        return counts


def _count(
    step: str, summary: DatapoolSummary, waiter: _PoolWaiter, in_hand: dict[_PoolWaiter, int]
) -> int | None:
    if step == "done":
        return 0
    if step == "wait":
        return None
    if waiter.selection.whole_pool:
        return summary.count_pending + summary.count_processing
    return in_hand.get(waiter)
