"""MaestroTaskFinishedTrigger: an asset watcher that fires once for each Maestro task that finishes.

For event-driven scheduling (Airflow 3)::

    bot_done = Asset(
        "maestro://maestro_default/invoices",
        watchers=[AssetWatcher("invoices_done", MaestroTaskFinishedTrigger(activity_label="invoices"))],
    )

    with DAG("after_invoices", schedule=[bot_done]): ...

It fires on finishes, never on a state: each task of the automation that finishes after the watcher
first looked is one asset event, once; a task that had finished before is never one. Its kwargs are
plain, deterministic JSON (Airflow knows a watcher's trigger by them), and its cursor lives in Airflow
3.3's asset state store, so a restarted or replaced triggerer goes on where the last one stopped: what
finished meanwhile fires, what was told of does not fire again. Airflow 3.0 to 3.2 have no such store:
there a restarted triggerer starts from its first look again, so nothing fires twice, but tasks that
finished while no triggerer watched are not told of.

Importing this module is light (a DAG file builds the trigger when it is parsed): the poller and the
client are imported in the triggerer, off its event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Collection
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.triggers import BaseEventTrigger
from airflow.triggers.base import TriggerEvent

from botcity_provider._defaults import DEFAULT_CONN_ID
from botcity_provider._events import FINISH_STATUSES, normalize_statuses
from botcity_provider._intervals import DEFAULT_POLL_INTERVAL_SECONDS, clamped_interval
from botcity_provider.triggers._off_loop import load_off_loop

if TYPE_CHECKING:
    from botcity_provider.client import Task
    from botcity_provider.triggers._finish_cursor import Cursor

__all__ = ["MaestroTaskFinishedTrigger", "finish_payload"]

log = logging.getLogger(__name__)

# After an error that ends a watch (the connection cannot be read, Maestro refuses the key), the wait
# before watching again: long enough not to flood the log, short enough to notice a fixed connection.
REWATCH_AFTER_SECONDS = 60.0
PAYLOAD_FIELDS = (
    "maestro_task_id",
    "activity_label",
    "state",
    "finish_status",
    "message",
    "total_items",
    "processed_items",
    "failed_items",
    "runner",
    "finished_at",
)
"""What an asset event's payload holds (``extra["payload"]`` of each triggering asset event)."""


class MaestroTaskFinishedTrigger(BaseEventTrigger):
    """Yield one event for each task of an automation that finishes, for an ``AssetWatcher``.

    :param activity_label: the automation whose tasks to watch.
    :param finish_statuses: the finish statuses to fire on (default: all three, SUCCESS, FAILED and
        PARTIALLY_COMPLETED).
    :param include_canceled: also fire when a task is canceled (its payload's ``state`` is CANCELED and
        ``finish_status`` None).
    :param maestro_conn_id: the Airflow connection of the workspace.
    :param poll_interval_seconds: seconds between two looks (at least 1). Every watcher and its poll of
        one connection in a triggerer share one listing per look.
    """

    def __init__(
        self,
        *,
        activity_label: str,
        finish_statuses: Collection[str] | None = None,
        include_canceled: bool = False,
        maestro_conn_id: str = DEFAULT_CONN_ID,
        poll_interval_seconds: float = DEFAULT_POLL_INTERVAL_SECONDS,
    ) -> None:
        super().__init__()
        if not isinstance(activity_label, str) or not activity_label.strip():
            raise ValueError(f"activity_label must be an automation's label, got {activity_label!r}")
        self.activity_label = activity_label
        statuses = sorted(FINISH_STATUSES) if finish_statuses is None else finish_statuses
        # Sorted: the same statuses in another order are the same trigger to Airflow.
        self.finish_statuses = sorted(set(normalize_statuses(statuses, "finish_statuses")))
        self.include_canceled = bool(include_canceled)
        self.maestro_conn_id = str(maestro_conn_id)
        self.poll_interval_seconds = clamped_interval(poll_interval_seconds)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and deterministic JSON kwargs: Airflow identifies a watcher's trigger by them."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "activity_label": self.activity_label,
                "finish_statuses": list(self.finish_statuses),
                "include_canceled": self.include_canceled,
                "maestro_conn_id": self.maestro_conn_id,
                "poll_interval_seconds": self.poll_interval_seconds,
            },
        )

    @property
    def cursor_key(self) -> str:
        """The key of this watcher's cursor in the asset state store (one per automation and filter)."""
        statuses = ",".join([*self.finish_statuses, *(["CANCELED"] if self.include_canceled else [])])
        return f"botcity.finished/{self.maestro_conn_id}/{self.activity_label}/{statuses}"

    def watches(self, task: Task) -> bool:
        """Whether a finished or canceled task is one this watcher fires on."""
        if task.activity_label != self.activity_label:
            return False
        if str(task.state) == "CANCELED":
            return self.include_canceled
        return str(task.state) == "FINISHED" and str(task.finish_status) in self.finish_statuses

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Watch for as long as the triggerer runs the watcher, one event per finish."""
        await load_off_loop()
        from botcity_provider.triggers._poller import TaskPoller
        from botcity_provider.triggers._shared_poller import WaitError

        cursor = await self._load_cursor()
        while True:
            poller = TaskPoller.for_connection(self.maestro_conn_id)
            try:
                async with poller.watch_finishes(self.watches, cursor, self.poll_interval_seconds) as watch:
                    async for look in watch.looks():
                        told = look.before
                        for task in look.tasks:
                            self.log.info(
                                "Maestro task %s of %r finished: firing", task.id, self.activity_label
                            )
                            yield TriggerEvent(finish_payload(task))
                            told = _told(told, task)
                            await self._store(told)
                        cursor = look.after
                        await self._store(cursor)
            except WaitError as exc:
                self.log.error(
                    "Watching the finished tasks of %r stopped (%s); watching again in %.0f s",
                    self.activity_label,
                    exc,
                    REWATCH_AFTER_SECONDS,
                )
            await asyncio.sleep(REWATCH_AFTER_SECONDS)

    async def _load_cursor(self) -> Cursor:
        from botcity_provider.triggers._finish_cursor import Cursor

        store = getattr(self, "asset_state_store", None)
        if store is None:
            self.log.info("No asset state store (Airflow before 3.3): watching from the first look")
            return Cursor()
        try:
            stored = await store.aget(self.cursor_key, default=None)
        except Exception as exc:  # a store we cannot read must not stop the watch
            self.log.warning("Could not read this watcher's cursor (%s): watching from the first look", exc)
            return Cursor()
        cursor = Cursor.from_json(stored)
        if cursor is None:
            self.log.info("No cursor stored for %r yet: watching from the first look", self.activity_label)
            return Cursor()
        self.log.info(
            "Going on from the stored cursor of %r (horizon %s)", self.activity_label, cursor.horizon
        )
        return cursor

    async def _store(self, cursor: Cursor) -> None:
        store = getattr(self, "asset_state_store", None)
        if store is None:
            return
        try:
            await store.aset(self.cursor_key, cursor.to_json())
        except Exception as exc:  # e.g. one watcher on two assets: the store cannot tell which to use
            self.log.warning("Could not store this watcher's cursor (%s); a restart may fire it again", exc)


def _told(cursor: Cursor, task: Task) -> Cursor:
    from botcity_provider.triggers._finish_cursor import with_told

    return with_told(cursor, task)


def finish_payload(task: Task) -> dict[str, Any]:
    """What an asset event says of a finished task: plain JSON, never the task's parameters."""
    finished_at = task.date_last_modified
    return {
        "maestro_task_id": task.id,
        "activity_label": task.activity_label,
        "state": str(task.state),
        "finish_status": None if task.finish_status is None else str(task.finish_status),
        "message": task.finish_message,
        "total_items": task.total_items,
        "processed_items": task.processed_items,
        "failed_items": task.failed_items,
        "runner": task.machine_id,
        "finished_at": None if finished_at is None else finished_at.isoformat(),
    }
