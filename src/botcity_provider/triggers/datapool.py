"""MaestroDatapoolTrigger: waits, in the triggerer, until the items of a datapool are processed.

It waits and changes nothing, with one exception, on a user's act: when a user kills the waiting Airflow
task (Airflow 3.3+ tells triggers so) and ``cancel_on_kill`` is set, the task instance's items still
pending are canceled, so no bot takes them after. Its kwargs are plain JSON (the connection id, the pool,
which items, the interval, an absolute deadline), never a token. Every datapool wait of one connection
in one event loop shares one poller: one summary request per pool per poll cycle (:mod:`._pool_poller`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from botcity_provider._intervals import DEFAULT_POLL_INTERVAL_SECONDS, clamped_interval
from botcity_provider._pool_events import PoolEvent, make_pool_event
from botcity_provider.triggers._off_loop import load_off_loop

if TYPE_CHECKING:
    from botcity_provider.client import DatapoolSummary
    from botcity_provider.hooks.datapools import Selection

__all__ = ["MaestroDatapoolTrigger", "counts_of_summary"]

# Why the items of a killed task are canceled, as Maestro shows it on each of them.
KILLED = "canceled by Airflow: the task that pushed this item was killed"


class MaestroDatapoolTrigger(BaseTrigger):
    """Yield one event when nothing selected in the pool is pending or processing, the deadline passes,
    or waiting becomes impossible.

    :param maestro_conn_id: the Airflow connection of the workspace.
    :param datapool: the pool's label.
    :param marker: ``{"field": ..., "prefix": ...}``: wait for the items a task instance pushed (their
        values carry ``field``, starting with ``prefix``).
    :param entry_ids: wait for these items; with neither, for the whole pool.
    :param poll_interval_seconds: seconds between two looks (at least 1).
    :param deadline_at: epoch seconds after which the wait ends with a ``timeout`` event.
    :param cancel_on_kill: cancel the marker's pending items when a user kills the waiting task.
    """

    def __init__(
        self,
        *,
        maestro_conn_id: str,
        datapool: str,
        marker: dict[str, str] | None = None,
        entry_ids: Sequence[str] | None = None,
        poll_interval_seconds: float = DEFAULT_POLL_INTERVAL_SECONDS,
        deadline_at: float | None = None,
        cancel_on_kill: bool = False,
    ) -> None:
        super().__init__()
        self.maestro_conn_id = str(maestro_conn_id)
        self.datapool = str(datapool)
        self.marker = None if marker is None else {"field": marker["field"], "prefix": marker["prefix"]}
        self.entry_ids = None if entry_ids is None else sorted({str(entry) for entry in entry_ids})
        self.poll_interval_seconds = clamped_interval(poll_interval_seconds)
        self.deadline_at = None if deadline_at is None else float(deadline_at)
        self.cancel_on_kill = bool(cancel_on_kill)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and JSON-only kwargs: what the triggerer stores and rebuilds the trigger from."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "maestro_conn_id": self.maestro_conn_id,
                "datapool": self.datapool,
                "marker": self.marker,
                "entry_ids": self.entry_ids,
                "poll_interval_seconds": self.poll_interval_seconds,
                "deadline_at": self.deadline_at,
                "cancel_on_kill": self.cancel_on_kill,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Wait through the shared poller and yield exactly one event."""
        yield TriggerEvent(dict(await self._wait()))

    def _selection(self) -> Selection:
        from botcity_provider.hooks.datapools import Marker, Selection

        marker = None if self.marker is None else Marker(self.marker["field"], self.marker["prefix"])
        ids = None if self.entry_ids is None else frozenset(self.entry_ids)
        return Selection(marker=marker, entry_ids=ids)

    async def _wait(self) -> PoolEvent:
        await load_off_loop()
        from botcity_provider.hooks.datapools import summary_line
        from botcity_provider.triggers._pool_poller import DatapoolPoller
        from botcity_provider.triggers._shared_poller import WaitError

        label, counts, said = self.datapool, {}, ""
        poller = DatapoolPoller.for_connection(self.maestro_conn_id)
        try:
            async with poller.watch(label, self._selection(), self.poll_interval_seconds) as looks:
                async for look in looks.until(self.deadline_at):
                    counts = counts_of_summary(look.summary)
                    if (line := summary_line(label, look.summary)) != said:
                        self.log.info("%s", line)
                        said = line
                    if look.done:
                        return make_pool_event("success", label, f"The items are processed: {line}", counts)
        except WaitError as exc:
            self.log.error("Stopped waiting for datapool %r: %s", label, exc)
            return make_pool_event("error", label, str(exc), counts, retryable=exc.retryable)
        waited = "" if self.deadline_at is None else f" (deadline {time.ctime(self.deadline_at)})"
        return make_pool_event(
            "timeout", label, f"The items of datapool {label!r} were not processed in time{waited}", counts
        )

    async def on_kill(self) -> None:
        """A user killed the waiting task (Airflow 3.3+): cancel its items still pending."""
        if not self.cancel_on_kill or self.marker is None:
            return
        await load_off_loop()
        from botcity_provider.triggers._handover import wait_goes_on

        if await wait_goes_on(getattr(self, "task_instance", None)):
            self.log.info("The wait on datapool %r goes on, now in another triggerer", self.datapool)
            return
        from botcity_provider.hooks.datapools import take_out_pending
        from botcity_provider.hooks.maestro import MaestroHook

        client = await MaestroHook(maestro_conn_id=self.maestro_conn_id).get_async_client()
        try:
            canceled, processing = await take_out_pending(client, self.datapool, self._selection(), KILLED)
        finally:
            await client.aclose()
        self.log.warning(
            "The Airflow task was killed: canceled %d pending item(s) of datapool %r (%d a bot holds go on)",
            canceled,
            self.datapool,
            processing,
        )


def counts_of_summary(summary: DatapoolSummary) -> dict[str, int]:
    """A pool's counts by state, as plain JSON."""
    return {
        "PENDING": summary.count_pending,
        "PROCESSING": summary.count_processing,
        "DONE": summary.count_done,
        "ERROR": summary.count_error,
        "TIMEOUT": summary.count_timeout,
        "CANCELED": summary.count_canceled,
    }
