"""The life of a poller that every wait of one connection in one event loop shares: registration, the
loop that looks at the due waits, the HTTP client, and the end when the last wait leaves.

What a look is differs (tasks: :mod:`._poller`; datapools: :mod:`._pool_poller`); when and how often
it happens does not: each wait is looked at once per interval and never sooner, whatever the server
answers, so an error never turns into a busy loop; a wait due a moment later joins a look, a little
early, instead of costing one of its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from airflow.providers.common.compat.sdk import AirflowFailException

from botcity_provider.client import AsyncMaestroClient

__all__ = [
    "JOIN_EARLY",
    "Scheduled",
    "SharedPoller",
    "WaitError",
    "due_now",
    "newest",
    "schedule_after",
    "wait_set",
]

log = logging.getLogger(__name__)

# The share of its interval by which a wait may be looked at early, to share a look with the others.
JOIN_EARLY = 0.25


class WaitError(Exception):
    """Waiting cannot go on: what it waits for is gone, or Maestro refuses our credentials.

    :param retryable: whether an Airflow retry of the waiting task could get further (not when Maestro
        does not know the task or pool, or refuses the credentials: it would answer a retry the same).
    """

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Scheduled(Protocol):
    """What the poller needs of a wait: when it is due, its interval, and a way to hand it an error."""

    due_at: float
    interval: float

    def offer(self, item: WaitError) -> None: ...


class Offered(Protocol):
    """What a trigger reads from its wait: the newest thing offered, and a flag that something was."""

    latest: Any
    ready: asyncio.Event


W = TypeVar("W", bound=Scheduled)
P = TypeVar("P", bound="SharedPoller")  # type: ignore[type-arg]

_REGISTRY: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[type, str], SharedPoller]] = (  # type: ignore[type-arg]
    weakref.WeakKeyDictionary()
)


class SharedPoller(Generic[W]):
    """Looks, for every wait registered for one connection in one event loop, at what each waits for.

    Subclasses say what a look is (:meth:`poll`); this class runs it while something waits and stops
    (closing its HTTP client) when the last wait leaves, cancelled or not.
    """

    kind: ClassVar[str] = "maestro"

    def __init__(self, conn_id: str) -> None:
        self.conn_id = conn_id
        self._waiters: set[W] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.cycles = 0
        self.requests = 0
        self.hook: Any = None

    @classmethod
    def for_connection(cls: type[P], conn_id: str) -> P:
        """The running loop's poller of this class for this connection, created on first use."""
        pollers = _REGISTRY.setdefault(asyncio.get_running_loop(), {})
        key = (cls, conn_id)
        if key not in pollers:
            pollers[key] = cls(conn_id)
        return pollers[key]  # type: ignore[return-value]

    @property
    def waiting(self) -> int:
        """How many waits are registered."""
        return len(self._waiters)

    async def poll(self, client: AsyncMaestroClient, due: list[W]) -> None:
        """Look at the due waits once and offer each what was seen (or reschedule it)."""
        raise NotImplementedError

    @asynccontextmanager
    async def registered(self, waiter: W) -> AsyncIterator[W]:
        """Keep ``waiter`` among the polled waits for the duration of an ``async with`` block."""
        self._waiters.add(waiter)
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"{self.kind}-poller-{self.conn_id}"
            )
        try:
            yield waiter
        finally:
            self._waiters.discard(waiter)
            if not self._waiters and self._task is not None:
                self._wake.set()
                await asyncio.shield(self._task)

    async def _run(self) -> None:
        # Loops again if a wait arrived while the client was closing; stops for good on a failure.
        while self._waiters:
            try:
                client = await self._client()
            except Exception as exc:  # the connection cannot be read: every wait must hear of it
                # A connection the hook refused stays wrong on a retry; a lookup that failed may not.
                retryable = not isinstance(exc, AirflowFailException)
                error = WaitError(f"cannot use connection {self.conn_id!r}: {exc}", retryable=retryable)
                self.fail_all(error)
                return
            try:
                await self._loop(client)
            except Exception as exc:  # a bug must end the waits loudly, not leave them hanging
                log.exception("The Maestro poller of %r stopped", self.conn_id)
                self.fail_all(WaitError(f"the poller stopped: {exc}", retryable=True))
                return
            finally:
                await client.aclose()

    async def _client(self) -> AsyncMaestroClient:
        from botcity_provider.hooks.maestro import MaestroHook

        # Kept: it knows the connection's portal, for links in what the waits log.
        hook = self.hook = MaestroHook(maestro_conn_id=self.conn_id)
        return await hook.get_async_client()

    async def _loop(self, client: AsyncMaestroClient) -> None:
        while self._waiters:
            due = due_now(self._waiters, time.monotonic())
            if due:
                self.cycles += 1
                await self.poll(client, due)
            if not self._waiters:
                return
            self._wake.clear()
            pause = min(waiter.due_at for waiter in self._waiters) - time.monotonic()
            if pause > 0:
                await wait_set(self._wake, pause)

    def fail_all(self, error: WaitError) -> None:
        """End every wait with ``error``."""
        for waiter in list(self._waiters):
            waiter.offer(error)


def due_now(waiters: Collection[W], now: float) -> list[W]:
    """The waits to look at now: none until one is due, then also those due a moment later.

    A wait due a moment later joins this look (once, a little early) instead of costing a read of its
    own every cycle: waits that began a few milliseconds apart would otherwise never share a listing.
    """
    if not any(waiter.due_at <= now for waiter in waiters):
        return []
    return [waiter for waiter in waiters if waiter.due_at <= now + waiter.interval * JOIN_EARLY]


def schedule_after(waiter: Scheduled, looked: tuple[float, float]) -> None:
    """Set the wait's next look: an interval after this one began, and at least half an interval after
    its answer (``looked`` is when the request went out and when it was answered), so that a server
    slower than the interval is not asked again the moment it answers."""
    sent, answered = looked
    waiter.due_at = max(sent + waiter.interval, answered + waiter.interval / 2)


async def newest(waiter: Offered, deadline_at: float | None) -> AsyncIterator[Any]:
    """Yield what the poller offers the wait, the newest only (a slow reader skips looks, never the end);
    stop silently at the deadline (epoch seconds); raise the :class:`WaitError` offered."""
    while True:
        remaining = None if deadline_at is None else deadline_at - time.time()
        if remaining is not None and remaining <= 0:
            return
        if not await wait_set(waiter.ready, remaining):
            return
        waiter.ready.clear()
        item = waiter.latest
        if isinstance(item, WaitError):
            raise item
        if item is not None:
            yield item


async def wait_set(event: asyncio.Event, seconds: float | None) -> bool:
    """Whether ``event`` is set within ``seconds`` (None: no limit).

    Not ``asyncio.wait_for``: on Python 3.11 it returns, instead of raising, when a cancellation comes in
    the step the event is set, and a trigger the triggerer cancelled would wait on until its deadline.
    """
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    return True
