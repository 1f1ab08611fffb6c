"""One runner poller per connection and event loop, shared by every runner wait there.

Polled one by one, N waits cost N reads every interval. The poller lists the workspace's online runners
instead (``GET /api/v2/machine/pagination?isOnline=true``): a runner found there is online, one not found
is not (yet). A cycle costs one listing while the online runners fit in a page, and one page more per
page of them; when paging would cost more than reading the missing runners one by one, or only one runner
is due, the poller reads them (``GET /api/v2/machine/{id}``), which also tells a runner that is gone. The
schedule (each wait looked at once per interval, never sooner, whatever the server answers) is
:class:`._shared_poller.SharedPoller`'s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

from botcity_provider._failures import is_permanent
from botcity_provider._intervals import clamped_interval
from botcity_provider.client import (
    AsyncMaestroClient,
    MaestroError,
    NotFoundError,
    RateLimitError,
    Runner,
    is_transient,
)
from botcity_provider.triggers._shared_poller import SharedPoller, WaitError, newest, schedule_after

__all__ = ["RunnerLook", "RunnerPoller", "RunnerWatch"]

log = logging.getLogger(__name__)

PAGE_SIZE = 250


@dataclass(frozen=True)
class RunnerLook:
    """One look at a runner: online or not, and the runner as read when a read or the listing showed it."""

    online: bool
    runner: Runner | None = None


@dataclass(eq=False)
class _RunnerWaiter:
    runner_id: str
    interval: float
    due_at: float
    latest: RunnerLook | WaitError | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, item: RunnerLook | WaitError) -> None:
        # Only the newest look matters: a slow reader skips looks, never the end.
        self.latest = item
        self.ready.set()


class RunnerWatch:
    """What a trigger reads: each look at its runner until the deadline passes."""

    def __init__(self, waiter: _RunnerWaiter) -> None:
        self._waiter = waiter

    def until(self, deadline_at: float | None) -> AsyncIterator[RunnerLook]:
        """Yield each look; stop silently at the deadline; raise :class:`WaitError`."""
        return newest(self._waiter, deadline_at)


class RunnerPoller(SharedPoller[_RunnerWaiter]):
    """Looks at the runners of every runner wait registered for one connection in one event loop."""

    kind = "maestro-runner"

    def watch(self, runner_id: str, interval_seconds: float) -> AbstractAsyncContextManager[RunnerWatch]:
        """Register a wait for the duration of an ``async with`` block."""
        return self._watch(runner_id, clamped_interval(interval_seconds, "interval_seconds"))

    @asynccontextmanager
    async def _watch(self, runner_id: str, interval: float) -> AsyncIterator[RunnerWatch]:
        # Whoever defers has just looked at the runner, so the first look is an interval away.
        waiter = _RunnerWaiter(runner_id, interval, due_at=time.monotonic() + interval)
        async with self.registered(waiter):
            yield RunnerWatch(waiter)

    async def poll(self, client: AsyncMaestroClient, due: list[_RunnerWaiter]) -> None:
        started = time.monotonic()
        wanted = {waiter.runner_id for waiter in due}
        # A listing cannot beat one read when one runner is due.
        listed = await self._list_online(client, due, wanted) if len(wanted) > 1 else None
        if isinstance(listed, _Handled):
            return
        looked = (started, time.monotonic())
        unread = []
        for waiter in due:
            if listed is None:
                unread.append(waiter)
            elif waiter.runner_id in listed:
                schedule_after(waiter, looked)
                waiter.offer(RunnerLook(True, listed[waiter.runner_id]))
            elif listed.complete:
                schedule_after(waiter, looked)
                waiter.offer(RunnerLook(False))
            else:
                unread.append(waiter)
        by_runner: dict[str, list[_RunnerWaiter]] = {}
        for waiter in unread:
            by_runner.setdefault(waiter.runner_id, []).append(waiter)
        for runner_id, waiters in by_runner.items():
            await self._get(client, runner_id, waiters, started)

    async def _list_online(
        self, client: AsyncMaestroClient, due: list[_RunnerWaiter], wanted: set[str]
    ) -> _Listed | None:
        """The online runners among those wanted; None when the listing failed (each is read instead)."""
        started = time.monotonic()
        found = _Listed()
        try:
            for number in range(len(wanted) + 1):
                self.requests += 1
                page = await client.runners.list(online=True, page=number, size=PAGE_SIZE)
                found.update(
                    (r.machine_id, r) for r in page.content if r.machine_id in wanted and r.is_online
                )
                missing = wanted - found.keys()
                pages_left = page.total_pages - number - 1
                if not missing or not page.content or pages_left <= 0:
                    found.complete = True
                    return found
                if pages_left >= len(missing):  # reading the missing ones costs less than paging on
                    break
        except RateLimitError:
            # Maestro asked us to slow down: one read per runner now would be the opposite.
            log.warning(
                "Maestro is rate limiting runner listings; skipping this look at %d runner(s)", len(wanted)
            )
        except MaestroError as exc:
            if is_transient(exc):
                log.warning("Listing online runners failed (%s); reading each runner instead this time", exc)
                return None
            error = WaitError(f"listing the online runners failed: {exc}", retryable=not is_permanent(exc))
            for waiter in due:
                waiter.offer(error)
        else:
            return found
        # Every due wait has had its answer, or waits for the next look: read none of them now.
        looked = (started, time.monotonic())
        for waiter in due:
            schedule_after(waiter, looked)
        return _Handled()

    async def _get(
        self, client: AsyncMaestroClient, runner_id: str, waiters: list[_RunnerWaiter], started: float
    ) -> None:
        self.requests += 1
        try:
            runner = await client.runners.get(runner_id)
        except NotFoundError as exc:
            item: RunnerLook | WaitError = WaitError(
                f"Maestro runner {runner_id!r} does not exist (any more): {exc}", retryable=False
            )
        except MaestroError as exc:
            if is_transient(exc):
                log.warning("Could not read Maestro runner %r, trying again later: %s", runner_id, exc)
                for waiter in waiters:
                    schedule_after(waiter, (started, time.monotonic()))
                return
            item = WaitError(str(exc), retryable=not is_permanent(exc))
        else:
            item = RunnerLook(runner.is_online, runner)
        for waiter in waiters:
            schedule_after(waiter, (started, time.monotonic()))
            waiter.offer(item)


class _Listed(dict[str, Runner]):
    """The online runners a listing found, by id; ``complete`` when every online runner was seen, so
    that a runner not found is known to be offline."""

    def __init__(self, complete: bool = False) -> None:
        super().__init__()
        self.complete = complete


class _Handled(_Listed):
    """The listing's answer when it failed in a way that ends or postpones every due wait itself."""
