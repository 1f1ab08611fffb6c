"""``client.datapools``: queues of items that bots take one at a time.

The official SDK's multi-step calls (``maestro-api.md`` §4.9), such as an update (read the pool, send
it back whole) or a report (read the item, check its state, send it back), are flows, in
:mod:`botcity_provider.client._flows.datapools`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Any, Literal, Unpack

from botcity_provider.client._endpoints import datapools as api
from botcity_provider.client._flows import datapools as flows
from botcity_provider.client._models import Page
from botcity_provider.client._models.datapools import (
    Datapool,
    DatapoolChanges,
    DatapoolEntry,
    DatapoolEntryListing,
    DatapoolField,
    DatapoolListing,
    DatapoolOptions,
    DatapoolSummary,
    EntryState,
)
from botcity_provider.client._paging import async_kept, kept

from ._base import AsyncResource, Resource

__all__ = ["AsyncDatapools", "Datapools"]

Fields = Iterable[DatapoolField | Mapping[str, Any]]
Entries = list[DatapoolEntry]
ErrorType = Literal["SYSTEM", "BUSINESS"]


def _of_state(state: object) -> Callable[[DatapoolEntry], bool]:
    wanted = api.entry_state(state)  # checked now: iter_entries() refuses a bad state before any request
    return lambda entry: wanted is None or entry.state == wanted


def _settings(
    default_automation: str | None, consumption_policy: str, fields: Fields, **rest: Any
) -> dict[str, Any]:
    return {
        "default_automation": default_automation,
        "consumption_policy": consumption_policy,
        "fields": fields,
        **rest,
    }


class Datapools(Resource):
    """Datapools: queues of items that bots take one at a time, highest priority first."""

    def create(
        self,
        label: str,
        *,
        default_automation: str | None = None,
        consumption_policy: Literal["FIFO", "LIFO"] = "FIFO",
        fields: Fields = (),
        **settings: Unpack[DatapoolOptions],
    ) -> Datapool:
        """Create a pool (settings not given take the official SDK's defaults) and return it as stored."""
        return self._client._run(
            flows.create_pool(label, _settings(default_automation, consumption_policy, fields, **settings))
        )

    def get(self, label: str) -> Datapool:
        """The pool as Maestro has it now."""
        return self._client._run(api.get_datapool(label))

    def update(self, label: str, **changes: Unpack[DatapoolChanges]) -> Datapool:
        """Change some settings; the pool is read and sent back whole, as the official SDK does."""
        return self._client._run(flows.update_pool(label, changes))

    def activate(self, label: str) -> Datapool:
        """Let bots take items again."""
        return self._client._run(flows.update_pool(label, {"active": True}))

    def deactivate(self, label: str) -> Datapool:
        """Stop bots taking items; pushes are still accepted."""
        return self._client._run(flows.update_pool(label, {"active": False}))

    def summary(self, label: str) -> DatapoolSummary:
        """How many items of a datapool are pending, processing, done…"""
        return self._client._run(api.datapool_summary(label))

    def push(self, label: str, values: Mapping[str, Any], *, priority: int = 0) -> DatapoolEntry:
        """Add an item (PENDING). Never resent: a resend adds a second item."""
        return self._client._run(api.push_datapool_entry(label, values, priority))

    def push_many(self, label: str, items: Iterable[Mapping[str, Any]], *, priority: int = 0) -> Entries:
        """Add items one push each, in order; all are checked first. A failed push says how many went."""
        return self._client._run(flows.push_items(label, items, priority))

    def next(self, label: str) -> DatapoolEntry | None:
        """Take the next pending item (now PROCESSING), or None when nothing is pending or the pool is
        inactive. Never resent: a lost answer has taken an item already."""
        return self._client._run(api.pull_entry(label))

    def get_entry(self, label: str, entry_id: str) -> DatapoolEntry:
        """One item as Maestro has it now."""
        return self._client._run(api.get_entry(label, entry_id))

    def done(
        self, label: str, entry_id: str, message: str | None = None, *, task_id: int | str | None = None
    ) -> DatapoolEntry:
        """Report an item DONE (``task_id``: the task that processed it; else the item's own)."""
        return self._client._run(
            flows.report_item(label, entry_id, EntryState.DONE, message, task_id=task_id)
        )

    def failed(
        self,
        label: str,
        entry_id: str,
        message: str | None = None,
        *,
        error_type: ErrorType = "SYSTEM",
        task_id: int | str | None = None,
    ) -> DatapoolEntry:
        """Report an item ERROR: a SYSTEM error (the bot failed) or a BUSINESS one (the data is wrong)."""
        return self._client._run(
            flows.report_item(
                label, entry_id, EntryState.ERROR, message, error_type=error_type, task_id=task_id
            )
        )

    def cancel(self, label: str, entry_id: str, message: str | None = None) -> DatapoolEntry:
        """Cancel a PENDING item, so that no bot takes it."""
        return self._client._run(flows.cancel_item(label, entry_id, message))

    def delete_entry(self, label: str, entry_id: str) -> None:
        """Delete an item that no bot holds (not PROCESSING nor TIMEOUT)."""
        return self._client._run(flows.delete_item(label, entry_id))

    def entries(
        self, label: str, *, page: int = 0, size: int = 50, state: EntryState | str | None = None
    ) -> Page[DatapoolEntryListing]:
        """One page of the pool's items (unverified route); with ``state``, only those, counts unfiltered."""
        return self._client._run(api.list_entries(label, state=state, page=page, size=size))

    def iter_entries(
        self, label: str, *, size: int = 50, state: EntryState | str | None = None
    ) -> Iterator[DatapoolEntryListing]:
        """Every item of the pool (unverified route), only those in ``state`` when given, a page at a time."""
        return kept(self._client._iterate(partial(api.entry_pages, label, size=size)), _of_state(state))

    def list(self, *, page: int = 0, size: int = 50) -> Page[DatapoolListing]:
        """One page of the workspace's pools (unverified route)."""
        return self._client._run(api.list_datapools(page=page, size=size))

    def iter(self, *, size: int = 50) -> Iterator[DatapoolListing]:
        """Every pool of the workspace (unverified route), a page fetched when the loop reaches it."""
        return self._client._iterate(partial(api.list_datapools, size=size))


class AsyncDatapools(AsyncResource):
    """Datapools: queues of items that bots take one at a time, highest priority first."""

    async def create(
        self,
        label: str,
        *,
        default_automation: str | None = None,
        consumption_policy: Literal["FIFO", "LIFO"] = "FIFO",
        fields: Fields = (),
        **settings: Unpack[DatapoolOptions],
    ) -> Datapool:
        """Create a pool (settings not given take the official SDK's defaults) and return it as stored."""
        return await self._client._run(
            flows.create_pool(label, _settings(default_automation, consumption_policy, fields, **settings))
        )

    async def get(self, label: str) -> Datapool:
        """The pool as Maestro has it now."""
        return await self._client._run(api.get_datapool(label))

    async def update(self, label: str, **changes: Unpack[DatapoolChanges]) -> Datapool:
        """Change some settings; the pool is read and sent back whole, as the official SDK does."""
        return await self._client._run(flows.update_pool(label, changes))

    async def activate(self, label: str) -> Datapool:
        """Let bots take items again."""
        return await self._client._run(flows.update_pool(label, {"active": True}))

    async def deactivate(self, label: str) -> Datapool:
        """Stop bots taking items; pushes are still accepted."""
        return await self._client._run(flows.update_pool(label, {"active": False}))

    async def summary(self, label: str) -> DatapoolSummary:
        """How many items of a datapool are pending, processing, done…"""
        return await self._client._run(api.datapool_summary(label))

    async def push(self, label: str, values: Mapping[str, Any], *, priority: int = 0) -> DatapoolEntry:
        """Add an item (PENDING). Never resent: a resend adds a second item."""
        return await self._client._run(api.push_datapool_entry(label, values, priority))

    async def push_many(
        self, label: str, items: Iterable[Mapping[str, Any]], *, priority: int = 0
    ) -> Entries:
        """Add items one push each, in order; all are checked first. A failed push says how many went."""
        return await self._client._run(flows.push_items(label, items, priority))

    async def next(self, label: str) -> DatapoolEntry | None:
        """Take the next pending item (now PROCESSING), or None when nothing is pending or the pool is
        inactive. Never resent: a lost answer has taken an item already."""
        return await self._client._run(api.pull_entry(label))

    async def get_entry(self, label: str, entry_id: str) -> DatapoolEntry:
        """One item as Maestro has it now."""
        return await self._client._run(api.get_entry(label, entry_id))

    async def done(
        self, label: str, entry_id: str, message: str | None = None, *, task_id: int | str | None = None
    ) -> DatapoolEntry:
        """Report an item DONE (``task_id``: the task that processed it; else the item's own)."""
        return await self._client._run(
            flows.report_item(label, entry_id, EntryState.DONE, message, task_id=task_id)
        )

    async def failed(
        self,
        label: str,
        entry_id: str,
        message: str | None = None,
        *,
        error_type: ErrorType = "SYSTEM",
        task_id: int | str | None = None,
    ) -> DatapoolEntry:
        """Report an item ERROR: a SYSTEM error (the bot failed) or a BUSINESS one (the data is wrong)."""
        return await self._client._run(
            flows.report_item(
                label, entry_id, EntryState.ERROR, message, error_type=error_type, task_id=task_id
            )
        )

    async def cancel(self, label: str, entry_id: str, message: str | None = None) -> DatapoolEntry:
        """Cancel a PENDING item, so that no bot takes it."""
        return await self._client._run(flows.cancel_item(label, entry_id, message))

    async def delete_entry(self, label: str, entry_id: str) -> None:
        """Delete an item that no bot holds (not PROCESSING nor TIMEOUT)."""
        return await self._client._run(flows.delete_item(label, entry_id))

    async def entries(
        self, label: str, *, page: int = 0, size: int = 50, state: EntryState | str | None = None
    ) -> Page[DatapoolEntryListing]:
        """One page of the pool's items (unverified route); with ``state``, only those, counts unfiltered."""
        return await self._client._run(api.list_entries(label, state=state, page=page, size=size))

    def iter_entries(
        self, label: str, *, size: int = 50, state: EntryState | str | None = None
    ) -> AsyncIterator[DatapoolEntryListing]:
        """Every item of the pool (unverified route), only those in ``state`` when given, a page at a time."""
        return async_kept(self._client._iterate(partial(api.entry_pages, label, size=size)), _of_state(state))

    async def list(self, *, page: int = 0, size: int = 50) -> Page[DatapoolListing]:
        """One page of the workspace's pools (unverified route)."""
        return await self._client._run(api.list_datapools(page=page, size=size))

    def iter(self, *, size: int = 50) -> AsyncIterator[DatapoolListing]:
        """Every pool of the workspace (unverified route), a page fetched when the loop reaches it."""
        return self._client._iterate(partial(api.list_datapools, size=size))
