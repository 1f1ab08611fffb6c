"""``client.datapools``: queues of items that bots take one at a time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botcity_provider.client import _endpoints as api
from botcity_provider.client._models import DatapoolEntry, DatapoolSummary

from ._base import AsyncResource, Resource


class Datapools(Resource):
    """Datapools: queues of items that bots take one at a time."""

    def push(self, label: str, values: Mapping[str, Any], *, priority: int = 0) -> DatapoolEntry:
        """Add an item to a datapool."""
        return self._client._run(api.push_datapool_entry(label, values, priority))

    def summary(self, label: str) -> DatapoolSummary:
        """How many items of a datapool are pending, processing, done…"""
        return self._client._run(api.datapool_summary(label))


class AsyncDatapools(AsyncResource):
    """Datapools: queues of items that bots take one at a time."""

    async def push(self, label: str, values: Mapping[str, Any], *, priority: int = 0) -> DatapoolEntry:
        """Add an item to a datapool."""
        return await self._client._run(api.push_datapool_entry(label, values, priority))

    async def summary(self, label: str) -> DatapoolSummary:
        """How many items of a datapool are pending, processing, done…"""
        return await self._client._run(api.datapool_summary(label))
