"""The client's namespaces: ``client.tasks``, ``client.artifacts``, ``client.errors``, ``client.alerts``,
``client.datapools``.

Every method is a one-line hand-off: build the call (or flow) in ``_endpoints`` / ``_flows``, give it to
the client. The asyncio twins carry an ``Async`` prefix and the same names and signatures, which
``tests/client/test_twins.py`` checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _endpoints as api
from . import _flows as flows
from ._models import (
    Alert,
    AlertType,
    Artifact,
    DatapoolEntry,
    DatapoolSummary,
    FinishStatus,
    Page,
    Task,
    TaskError,
    TaskState,
)

if TYPE_CHECKING:
    from ._async import AsyncMaestroClient
    from ._sync import MaestroClient

__all__ = [
    "Alerts",
    "Artifacts",
    "AsyncAlerts",
    "AsyncArtifacts",
    "AsyncDatapools",
    "AsyncErrors",
    "AsyncTasks",
    "Datapools",
    "Errors",
    "Tasks",
]

Items = tuple[int | None, int | None, int | None]


class _Resource:
    def __init__(self, client: MaestroClient) -> None:
        self._client = client


class _AsyncResource:
    def __init__(self, client: AsyncMaestroClient) -> None:
        self._client = client


class Tasks(_Resource):
    """Maestro tasks: runs of an automation by a bot."""

    def create(
        self,
        activity_label: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        priority: int = 0,
        test: bool = False,
        min_execution_date: datetime | str | None = None,
        idempotency_key: str | None = None,
    ) -> Task:
        """Create a task. With ``idempotency_key``, a lost answer never leads to a second task."""
        call = api.create_task(
            activity_label, flows.with_key(parameters, idempotency_key), priority, test, min_execution_date
        )
        return self._client._run(flows.create_task(call, activity_label, idempotency_key, datetime.now(UTC)))

    def get(self, task_id: int | str) -> Task:
        """The task as Maestro has it now."""
        return self._client._run(api.get_task(task_id))

    def list(
        self,
        *,
        activity_label: str | None = None,
        states: Iterable[TaskState | str] | None = None,
        days: int | None = None,
        machine_id: str | None = None,
        page: int = 0,
        size: int = 100,
    ) -> Page[Task]:
        """One page of tasks, newest first, optionally filtered."""
        call = api.list_tasks(
            activity_label=activity_label,
            states=states,
            days=days,
            machine_id=machine_id,
            page=page,
            size=size,
        )
        return self._client._run(call)

    def find(
        self, activity_label: str, idempotency_key: str, *, since: datetime, prefix: bool = False
    ) -> Task | None:
        """The newest task created with this idempotency key (or a key starting with it) since ``since``."""
        return self._client._run(flows.find_task(activity_label, idempotency_key, since=since, prefix=prefix))

    def finish(
        self,
        task_id: int | str,
        status: FinishStatus | str,
        message: str = "",
        *,
        items: Items = (None, None, None),
    ) -> Task:
        """Report the end of a task, as a bot does. ``items`` is (total, processed, failed)."""
        return self._client._run(api.finish_task(task_id, status, message, items))

    def restart(self, task_id: int | str) -> Task:
        """Queue a task again (Maestro allows this for test tasks and finished ones)."""
        return self._client._run(api.restart_task(task_id))

    def interrupt(self, task_id: int | str) -> Task:
        """Ask the bot to stop at its next check."""
        return self._client._run(api.interrupt_task(task_id))

    def cancel(self, task_id: int | str) -> Task:
        """Cancel a queued task."""
        return self._client._run(api.cancel_task(task_id))

    def kill(self, task_id: int | str) -> Task:
        """Ask the runner to end the bot's process."""
        return self._client._run(api.kill_task(task_id))

    def stop(self, task_id: int | str, *, force: bool = False, grace_seconds: float = 0.0) -> flows.Stopped:
        """Stop a task the kindest way its state allows: cancel a queued one; ask a running one to stop
        and kill it if it still runs after ``grace_seconds`` (at once with ``force``); leave an ended
        one alone. Safe to repeat: it reads the task before it acts."""
        return self._client._run(flows.stop_task(task_id, force=force, grace_seconds=grace_seconds))


class AsyncTasks(_AsyncResource):
    """Maestro tasks: runs of an automation by a bot."""

    async def create(
        self,
        activity_label: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        priority: int = 0,
        test: bool = False,
        min_execution_date: datetime | str | None = None,
        idempotency_key: str | None = None,
    ) -> Task:
        """Create a task. With ``idempotency_key``, a lost answer never leads to a second task."""
        call = api.create_task(
            activity_label, flows.with_key(parameters, idempotency_key), priority, test, min_execution_date
        )
        return await self._client._run(
            flows.create_task(call, activity_label, idempotency_key, datetime.now(UTC))
        )

    async def get(self, task_id: int | str) -> Task:
        """The task as Maestro has it now."""
        return await self._client._run(api.get_task(task_id))

    async def list(
        self,
        *,
        activity_label: str | None = None,
        states: Iterable[TaskState | str] | None = None,
        days: int | None = None,
        machine_id: str | None = None,
        page: int = 0,
        size: int = 100,
    ) -> Page[Task]:
        """One page of tasks, newest first, optionally filtered."""
        call = api.list_tasks(
            activity_label=activity_label,
            states=states,
            days=days,
            machine_id=machine_id,
            page=page,
            size=size,
        )
        return await self._client._run(call)

    async def find(
        self, activity_label: str, idempotency_key: str, *, since: datetime, prefix: bool = False
    ) -> Task | None:
        """The newest task created with this idempotency key (or a key starting with it) since ``since``."""
        return await self._client._run(
            flows.find_task(activity_label, idempotency_key, since=since, prefix=prefix)
        )

    async def finish(
        self,
        task_id: int | str,
        status: FinishStatus | str,
        message: str = "",
        *,
        items: Items = (None, None, None),
    ) -> Task:
        """Report the end of a task, as a bot does. ``items`` is (total, processed, failed)."""
        return await self._client._run(api.finish_task(task_id, status, message, items))

    async def restart(self, task_id: int | str) -> Task:
        """Queue a task again (Maestro allows this for test tasks and finished ones)."""
        return await self._client._run(api.restart_task(task_id))

    async def interrupt(self, task_id: int | str) -> Task:
        """Ask the bot to stop at its next check."""
        return await self._client._run(api.interrupt_task(task_id))

    async def cancel(self, task_id: int | str) -> Task:
        """Cancel a queued task."""
        return await self._client._run(api.cancel_task(task_id))

    async def kill(self, task_id: int | str) -> Task:
        """Ask the runner to end the bot's process."""
        return await self._client._run(api.kill_task(task_id))

    async def stop(
        self, task_id: int | str, *, force: bool = False, grace_seconds: float = 0.0
    ) -> flows.Stopped:
        """Stop a task the kindest way its state allows: cancel a queued one; ask a running one to stop
        and kill it if it still runs after ``grace_seconds`` (at once with ``force``); leave an ended
        one alone. Safe to repeat: it reads the task before it acts."""
        return await self._client._run(flows.stop_task(task_id, force=force, grace_seconds=grace_seconds))


class Artifacts(_Resource):
    """Result files attached to tasks."""

    def upload(self, task_id: int | str, path: str | Path, *, name: str | None = None) -> Artifact:
        """Stream a local file to Maestro as an artifact of the task; memory use does not grow with it."""
        return self._client._run(flows.upload_artifact(task_id, path, name))

    def get(self, artifact_id: int | str) -> Artifact:
        """An artifact's record."""
        return self._client._run(api.get_artifact(artifact_id))

    def list(self, *, days: int = 7, page: int = 0, size: int = 100) -> Page[Artifact]:
        """One page of the workspace's artifacts, newest first."""
        return self._client._run(api.list_artifacts(days=days, page=page, size=size))

    def download(self, artifact_id: int | str, destination: str | Path) -> Path:
        """Stream an artifact's file to ``destination``; the file appears whole or not at all."""
        return self._client._run(api.download_artifact(artifact_id, destination))


class AsyncArtifacts(_AsyncResource):
    """Result files attached to tasks."""

    async def upload(self, task_id: int | str, path: str | Path, *, name: str | None = None) -> Artifact:
        """Stream a local file to Maestro as an artifact of the task; memory use does not grow with it."""
        return await self._client._run(flows.upload_artifact(task_id, path, name))

    async def get(self, artifact_id: int | str) -> Artifact:
        """An artifact's record."""
        return await self._client._run(api.get_artifact(artifact_id))

    async def list(self, *, days: int = 7, page: int = 0, size: int = 100) -> Page[Artifact]:
        """One page of the workspace's artifacts, newest first."""
        return await self._client._run(api.list_artifacts(days=days, page=page, size=size))

    async def download(self, artifact_id: int | str, destination: str | Path) -> Path:
        """Stream an artifact's file to ``destination``; the file appears whole or not at all."""
        return await self._client._run(api.download_artifact(artifact_id, destination))


class Errors(_Resource):
    """Errors that bots reported for their tasks."""

    def list(self, task_id: int | str, *, days: int = 30, page: int = 0, size: int = 50) -> Page[TaskError]:
        """The errors reported for one task, newest first."""
        return self._client._run(api.list_errors(task_id, days=days, page=page, size=size))


class AsyncErrors(_AsyncResource):
    """Errors that bots reported for their tasks."""

    async def list(
        self, task_id: int | str, *, days: int = 30, page: int = 0, size: int = 50
    ) -> Page[TaskError]:
        """The errors reported for one task, newest first."""
        return await self._client._run(api.list_errors(task_id, days=days, page=page, size=size))


class Alerts(_Resource):
    """Alerts shown in the Maestro portal."""

    def create(
        self, task_id: int | str, title: str, message: str, alert_type: AlertType | str = "INFO"
    ) -> Alert:
        """Raise an alert for a task."""
        return self._client._run(api.create_alert(task_id, title, message, alert_type))


class AsyncAlerts(_AsyncResource):
    """Alerts shown in the Maestro portal."""

    async def create(
        self, task_id: int | str, title: str, message: str, alert_type: AlertType | str = "INFO"
    ) -> Alert:
        """Raise an alert for a task."""
        return await self._client._run(api.create_alert(task_id, title, message, alert_type))


class Datapools(_Resource):
    """Datapools: queues of items that bots take one at a time."""

    def push(self, label: str, values: Mapping[str, Any], *, priority: int = 0) -> DatapoolEntry:
        """Add an item to a datapool."""
        return self._client._run(api.push_datapool_entry(label, values, priority))

    def summary(self, label: str) -> DatapoolSummary:
        """How many items of a datapool are pending, processing, done…"""
        return self._client._run(api.datapool_summary(label))


class AsyncDatapools(_AsyncResource):
    """Datapools: queues of items that bots take one at a time."""

    async def push(self, label: str, values: Mapping[str, Any], *, priority: int = 0) -> DatapoolEntry:
        """Add an item to a datapool."""
        return await self._client._run(api.push_datapool_entry(label, values, priority))

    async def summary(self, label: str) -> DatapoolSummary:
        """How many items of a datapool are pending, processing, done…"""
        return await self._client._run(api.datapool_summary(label))
