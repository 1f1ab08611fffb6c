"""``client.logs``: an automation's tabular log, its entries and their CSV export."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from botcity_provider.client._endpoints import logs as api
from botcity_provider.client._models.logs import Log, LogColumn, LogEntry

from ._base import AsyncResource, Resource

Columns = Iterable[LogColumn | Mapping[str, Any]]


class Logs(Resource):
    """An automation's tabular log (one per automation label), its entries and their CSV export."""

    def create(self, activity_label: str, columns: Columns) -> Log:
        """Define the log: ``columns`` are :class:`LogColumn` or dicts of name, label and width."""
        return self._client._run(api.create_log(activity_label, columns, self._client.config.login))

    def get(self, activity_label: str) -> Log:
        """The log's definition (its columns)."""
        return self._client._run(api.get_log(activity_label))

    def add(self, activity_label: str, values: Mapping[str, Any]) -> None:
        """Add a row; ``values`` are keyed by column *label*. Never resent: a resend adds a second row."""
        return self._client._run(api.add_entry(activity_label, values))

    def entries(self, activity_label: str, *, days: int = 7) -> list[LogEntry]:
        """The rows added in the last ``days`` days, every column present (``""`` where none was given)."""
        return self._client._run(api.list_entries(activity_label, days))

    def export(self, activity_label: str, destination: str | Path, *, days: int = 7) -> Path:
        """Stream the rows of the last ``days`` days as CSV into ``destination`` (whole or not at all)."""
        return self._client._run(api.export_log(activity_label, destination, days))

    def delete(self, activity_label: str) -> None:
        """Delete the log and every entry of it."""
        return self._client._run(api.delete_log(activity_label))

    def list(self) -> list[Log]:
        """Every log of the workspace."""
        return self._client._run(api.list_logs())


class AsyncLogs(AsyncResource):
    """An automation's tabular log (one per automation label), its entries and their CSV export."""

    async def create(self, activity_label: str, columns: Columns) -> Log:
        """Define the log: ``columns`` are :class:`LogColumn` or dicts of name, label and width."""
        return await self._client._run(api.create_log(activity_label, columns, self._client.config.login))

    async def get(self, activity_label: str) -> Log:
        """The log's definition (its columns)."""
        return await self._client._run(api.get_log(activity_label))

    async def add(self, activity_label: str, values: Mapping[str, Any]) -> None:
        """Add a row; ``values`` are keyed by column *label*. Never resent: a resend adds a second row."""
        return await self._client._run(api.add_entry(activity_label, values))

    async def entries(self, activity_label: str, *, days: int = 7) -> list[LogEntry]:
        """The rows added in the last ``days`` days, every column present (``""`` where none was given)."""
        return await self._client._run(api.list_entries(activity_label, days))

    async def export(self, activity_label: str, destination: str | Path, *, days: int = 7) -> Path:
        """Stream the rows of the last ``days`` days as CSV into ``destination`` (whole or not at all)."""
        return await self._client._run(api.export_log(activity_label, destination, days))

    async def delete(self, activity_label: str) -> None:
        """Delete the log and every entry of it."""
        return await self._client._run(api.delete_log(activity_label))

    async def list(self) -> list[Log]:
        """Every log of the workspace."""
        return await self._client._run(api.list_logs())
