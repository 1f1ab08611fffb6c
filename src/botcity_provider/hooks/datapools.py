"""What the datapool operator, sensor and trigger do in Maestro: push each item once, tell which of a
task instance's items are still in the bots' hands, read how they ended, and take pending ones out.

**Each item once.** Every pushed item carries, in its values, a key of the task instance that pushed it
and of the item (:class:`Marker`: ``airflow_key = "<dag>/<run>/<task>/<map index>#<item key>"``). Maestro
has no batch push and no way to ask "is this item there?", so when a push may have happened (a retry of
the Airflow task, a push whose answer was lost) the pool's items are listed once, and those that carry
this task instance's keys are not pushed again. A first try lists nothing: one request per item.

**Waiting.** One summary request per poll says whether anything in the pool is pending or processing
(:func:`wait_step`); only when the pool's count of finished items moved does a listing tell which of ours
are still in hand, so that other DAGs' items in a shared pool never keep ours waiting.

Everything here is asyncio, driven by the triggerer's loop or, in a worker, by :func:`run_with_client`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from botcity_provider.client import (
    AsyncMaestroClient,
    ClientConfig,
    DatapoolEntry,
    DatapoolSummary,
    EntryState,
    MaestroConnectError,
    MaestroError,
    RateLimitError,
    ValidationError,
)
from botcity_provider.hooks._items import Item, ItemsError, ItemSource

__all__ = [
    "ENTRY_PAGE_SIZE",
    "ItemSource",
    "ItemsError",
    "Marker",
    "Outcome",
    "PoolLook",
    "PoolWaitTimeoutError",
    "PushIncompleteError",
    "PushReport",
    "Selection",
    "counts_of",
    "look_at_pool",
    "outcomes",
    "push_once",
    "run_with_client",
    "summary_line",
    "take_out_pending",
    "wait_for_items",
    "wait_step",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

# Items per listing page: Maestro's page limit is not documented (Spring's default cap is 2000).
ENTRY_PAGE_SIZE = 500
IN_HAND = frozenset({EntryState.PENDING, EntryState.PROCESSING})
FAILED = frozenset({EntryState.ERROR, EntryState.TIMEOUT, EntryState.CANCELED})
# Rounds of "push what is not in the pool yet" before the task fails (and an Airflow retry goes on).
PUSH_ROUNDS = 3
# A 429 that outlived the client's own retries holds every pusher this long when it names no wait.
RATE_LIMIT_PAUSE_SECONDS = 5.0


@dataclass(frozen=True)
class Marker:
    """The key a task instance's items carry in their values, under ``field``: ``prefix`` + item key."""

    field: str
    prefix: str

    @classmethod
    def of_task_instance(cls, field: str, dag_id: str, run_id: str, task_id: str, map_index: int) -> Marker:
        """The marker of one task instance: readable in the portal, the same in every try."""
        return cls(field, f"{dag_id}/{run_id}/{task_id}/{map_index}#")

    def value(self, key: str) -> str:
        """What an item of key ``key`` carries."""
        return self.prefix + key

    def key_in(self, values: dict[str, Any]) -> str | None:
        """The item key of an entry this task instance pushed, else None."""
        carried = values.get(self.field)
        if isinstance(carried, str) and carried.startswith(self.prefix):
            return carried[len(self.prefix) :]
        return None

    def to_json(self) -> dict[str, str]:
        """Plain JSON, for a trigger's kwargs."""
        return {"field": self.field, "prefix": self.prefix}


@dataclass(frozen=True)
class Selection:
    """The items a wait is about: a task instance's (by marker), given ids, or the whole pool."""

    marker: Marker | None = None
    entry_ids: frozenset[str] | None = None

    @property
    def whole_pool(self) -> bool:
        """True when every item of the pool counts."""
        return self.marker is None and self.entry_ids is None

    def key_of(self, entry: DatapoolEntry) -> str | None:
        """The entry's key in this selection (its item key, or its id), or None if it is not in it."""
        if self.marker is not None:
            return self.marker.key_in(entry.values)
        if self.entry_ids is None or str(entry.id) in self.entry_ids:
            return str(entry.id)
        return None


@dataclass(frozen=True)
class Outcome:
    """How one item ended (or where it stands), as the pool's listing shows it."""

    entry_id: str
    key: str
    state: str
    message: str | None
    error_type: str | None
    values: dict[str, Any] = field(repr=False, compare=False)

    @property
    def in_hand(self) -> bool:
        """Still pending or processing."""
        return self.state in IN_HAND

    @property
    def failed(self) -> bool:
        """Ended without being done: an error, a timeout, or canceled."""
        return self.state in FAILED

    def to_json(self) -> dict[str, Any]:
        """The outcome for XCom, without the item's values (a big pool would make a huge XCom)."""
        return {
            "entry_id": self.entry_id,
            "key": self.key,
            "state": self.state,
            "message": self.message,
            "error_type": self.error_type,
        }


class PushIncompleteError(MaestroError):
    """Some items could not be pushed after every round; an Airflow retry pushes only what is missing."""


@dataclass
class PushReport:
    """What a push did: the entry id of every item (in the source's order) and what it cost."""

    ids: list[str]
    pushed: int = 0
    found: int = 0
    push_requests: int = 0
    listings: int = 0


def wait_step(summary: DatapoolSummary, finished_before: int | None) -> Literal["done", "check", "wait"]:
    """What a poll of a pool's summary means for a wait on some of its items.

    ``done`` when nothing in the pool is pending or processing; ``check`` (list the pool to see which
    of ours are in hand) when items finished since the last check, or on the first look; else ``wait``.
    """
    if summary.count_pending + summary.count_processing == 0:
        return "done"
    if finished_before is None or finished(summary) != finished_before:
        return "check"
    return "wait"


def finished(summary: DatapoolSummary) -> int:
    """How many items of the pool have ended, whatever the way."""
    return summary.count_done + summary.count_error + summary.count_timeout + summary.count_canceled


@dataclass(frozen=True)
class PoolLook:
    """One look at a pool for a wait: its counts and, when they were checked, how many of the selected
    items are still in hand (None: not checked this time, nothing of ours can have finished)."""

    summary: DatapoolSummary
    finished: int
    in_hand: int | None
    found: list[Outcome] | None = None

    @property
    def done(self) -> bool:
        """Nothing selected is pending or processing."""
        return self.in_hand == 0


class PoolWaitTimeoutError(Exception):
    """The deadline passed with selected items still in hand."""


async def look_at_pool(
    client: AsyncMaestroClient, label: str, selection: Selection, finished_before: int | None
) -> PoolLook:
    """One summary request, and a listing only when :func:`wait_step` says that items finished."""
    summary = await client.datapools.summary(label)
    step = wait_step(summary, finished_before)
    if step == "done":
        return PoolLook(summary, finished(summary), 0)
    if step == "wait":
        return PoolLook(summary, finished(summary), None)
    if selection.whole_pool:
        return PoolLook(summary, finished(summary), summary.count_pending + summary.count_processing)
    found = await outcomes(client, label, selection)
    return PoolLook(summary, finished(summary), sum(1 for o in found if o.in_hand), found)


async def wait_for_items(
    client: AsyncMaestroClient,
    label: str,
    selection: Selection,
    *,
    interval_seconds: float,
    deadline_at: float | None,
    logger: logging.Logger | Any = log,
) -> PoolLook:
    """Poll here until nothing selected is in hand; a transient error only delays the next look.

    :raises PoolWaitTimeoutError: the deadline (epoch seconds) passed first.
    """
    from botcity_provider.client import is_transient

    finished_before: int | None = None
    said = ""
    while True:
        try:
            look = await look_at_pool(client, label, selection, finished_before)
        except MaestroError as exc:
            if not is_transient(exc):
                raise
            logger.warning("Could not read datapool %r, trying again: %s", label, exc)
        else:
            if (line := summary_line(label, look.summary)) != said:
                logger.info("%s", line)
                said = line
            if look.done:
                return look
            finished_before = look.finished
        if deadline_at is not None and time.time() + interval_seconds > deadline_at:
            raise PoolWaitTimeoutError(f"the items of datapool {label!r} were not all processed in time")
        await asyncio.sleep(interval_seconds)


async def run_with_client(config: ClientConfig, work: Callable[[AsyncMaestroClient], Awaitable[T]]) -> T:
    """Run ``work`` with an asyncio client of the connection, closed after."""
    from airflow.providers.common.compat.sdk import mask_secret

    client = AsyncMaestroClient(config=config, on_token=mask_secret)
    try:
        return await work(client)
    finally:
        await client.aclose()


async def outcomes(client: AsyncMaestroClient, label: str, selection: Selection) -> list[Outcome]:
    """Every selected item of the pool as it stands now: one listing of the pool (pages of 500)."""
    found: dict[str, Outcome] = {}
    async for entry in client.datapools.iter_entries(label, size=ENTRY_PAGE_SIZE):
        key = selection.key_of(entry)
        if key is not None and key not in found:
            found[key] = Outcome(
                entry_id=str(entry.id),
                key=key,
                state=str(entry.state),
                message=entry.message,
                error_type=entry.error_type,
                values=entry.values,
            )
    return list(found.values())


async def push_once(
    client: AsyncMaestroClient,
    label: str,
    source: ItemSource,
    marker: Marker,
    *,
    count: int,
    priority: int,
    concurrency: int,
    look_first: bool,
    logger: logging.Logger | Any = log,
) -> PushReport:
    """Push each item of ``source`` that the pool does not hold yet (by its marker), ``concurrency`` at a
    time; return every item's entry id.

    :param count: how many items the source has (from :meth:`ItemSource.check`).
    :param look_first: list the pool before pushing (a retry, or a try after a worker died).
    :raises PushIncompleteError: items still missing after every round (the network, 429s).
    """
    pusher = _Pusher(client, label, marker, priority=priority, count=count, logger=logger)
    todo: Iterable[Item] = source
    if look_first:
        await pusher.look(None)
    for _ in range(PUSH_ROUNDS):
        await _each(iter(todo), pusher.push, concurrency)
        if not pusher.unsure and not pusher.again:
            return pusher.report()
        if pusher.unsure:
            await pusher.look(pusher.unsure)  # one listing answers every push whose answer was lost
        todo, pusher.again, pusher.unsure = [*pusher.again, *pusher.unsure], [], []
    missing = sum(1 for entry_id in pusher.ids if not entry_id)
    raise PushIncompleteError(
        f"{missing} of {count} items could not be pushed to datapool {label!r} after {PUSH_ROUNDS} rounds "
        "(see the warnings above); a retry of the Airflow task pushes only the items the pool lacks"
    )


class _Pusher:
    """The state of one push: entry ids so far, and the items to push again or to look for."""

    def __init__(
        self,
        client: AsyncMaestroClient,
        label: str,
        marker: Marker,
        *,
        priority: int,
        count: int,
        logger: Any,
    ) -> None:
        self.client, self.label, self.marker, self.priority = client, label, marker, priority
        self.ids: list[str] = [""] * count
        self.in_pool: dict[str, str] = {}
        self.again: list[Item] = []  # surely not pushed (refused before acting): push again
        self.unsure: list[Item] = []  # may have landed (the answer was lost): look before pushing
        self._report = PushReport(ids=self.ids)
        self._resume_at = 0.0
        self._logger = logger
        self._progress = _Progress(count, label, logger)

    def report(self) -> PushReport:
        return self._report

    async def look(self, unsure: list[Item] | None) -> None:
        """List the pool and note the entry of each item already there."""
        self._report.listings += 1
        async for entry in self.client.datapools.iter_entries(self.label, size=ENTRY_PAGE_SIZE):
            key = self.marker.key_in(entry.values)
            if key is not None:
                self.in_pool.setdefault(key, str(entry.id))
        if unsure is not None:
            landed = sum(1 for item in unsure if item.key in self.in_pool)
            self._logger.info(
                "Of %d pushes whose answer was lost, %d reached datapool %r; pushing the other %d again",
                len(unsure),
                landed,
                self.label,
                len(unsure) - landed,
            )

    async def push(self, item: Item) -> None:
        if (known := self.in_pool.get(item.key)) is not None:
            if not self.ids[item.index]:
                self._report.found += 1
            self.ids[item.index] = known
            return
        if (pause := self._resume_at - time.monotonic()) > 0:
            await asyncio.sleep(pause)
        values = {**item.values, self.marker.field: self.marker.value(item.key)}
        self._report.push_requests += 1
        try:
            entry = await self.client.datapools.push(self.label, values, priority=self.priority)
        except MaestroError as exc:
            self._failed(item, exc)
            return
        self.ids[item.index] = str(entry.id)
        self._report.pushed += 1
        self._progress.one()

    def _failed(self, item: Item, exc: MaestroError) -> None:
        from botcity_provider._failures import is_permanent

        if is_permanent(exc):
            raise exc
        if isinstance(exc, RateLimitError | MaestroConnectError):
            # Refused before acting, after the client's own retries: hold every pusher, then again.
            wait = exc.retry_after if isinstance(exc, RateLimitError) and exc.retry_after else None
            self._resume_at = time.monotonic() + (wait or RATE_LIMIT_PAUSE_SECONDS)
            self.again.append(item)
        else:
            self.unsure.append(item)
        self._logger.warning("Push of item %r to datapool %r failed: %s", item.key, self.label, exc)


class _Progress:
    """A log line at every tenth of the items, not one per item."""

    def __init__(self, count: int, label: str, logger: Any) -> None:
        self.count, self.label, self.logger = count, label, logger
        self.done = 0
        self.step = max(1, count // 10)

    def one(self) -> None:
        self.done += 1
        if self.done % self.step == 0 and self.done < self.count:
            self.logger.info("Pushed %d of %d items to datapool %r", self.done, self.count, self.label)


async def take_out_pending(
    client: AsyncMaestroClient, label: str, selection: Selection, why: str, *, concurrency: int = 4
) -> tuple[int, int]:
    """Cancel the selected items still pending, so no bot takes them; return (canceled, processing).

    Maestro cancels only a pending item; one a bot holds (processing) is left to it.
    """
    now = await outcomes(client, label, selection)
    pending = [o for o in now if o.state == EntryState.PENDING]
    canceled = 0

    async def cancel(outcome: Outcome) -> None:
        nonlocal canceled
        try:
            await client.datapools.cancel(label, outcome.entry_id, why)
            canceled += 1
        except ValidationError:
            pass  # a bot took it in the meantime: it is processing now
        except MaestroError as exc:
            log.warning("Could not cancel item %s of datapool %r: %s", outcome.entry_id, label, exc)

    await _each(iter(pending), cancel, concurrency)
    return canceled, sum(1 for o in now if o.state == EntryState.PROCESSING)


async def _each(items: Iterator[T], work: Callable[[T], Awaitable[None]], concurrency: int) -> None:
    """Run ``work`` on every item, ``concurrency`` at a time; the first error stops them all."""

    async def worker() -> None:
        for item in items:  # shared: each worker takes the next item left
            await work(item)

    workers = [asyncio.ensure_future(worker()) for _ in range(max(1, concurrency))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()


def summary_line(label: str, summary: DatapoolSummary) -> str:
    """The pool's counts, as the log says them."""
    return (
        f"datapool {label!r}: {summary.count_pending} pending, {summary.count_processing} processing, "
        f"{summary.count_done} done, {summary.count_error + summary.count_timeout} failed, "
        f"{summary.count_canceled} canceled"
    )


def counts_of(found: Collection[Outcome]) -> dict[str, int]:
    """How many of the items are in each state."""
    counts: dict[str, int] = {}
    for outcome in found:
        counts[outcome.state] = counts.get(outcome.state, 0) + 1
    return counts
