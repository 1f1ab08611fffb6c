"""``client.artifacts``: result files attached to tasks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from pathlib import Path

from botcity_provider.client import checks as check
from botcity_provider.client._endpoints import artifacts as api
from botcity_provider.client._flows import artifacts as flows
from botcity_provider.client._models import Artifact, Page
from botcity_provider.client._paging import async_kept, kept

from ._base import AsyncResource, Resource

__all__ = ["Artifacts", "AsyncArtifacts"]


def _of_task(task_id: int | str | None) -> Callable[[Artifact], bool]:
    wanted = None if task_id is None else check.task_id(task_id, "task_id")  # refused before any request
    return lambda artifact: wanted is None or artifact.task_id == wanted


class Artifacts(Resource):
    """Result files attached to tasks."""

    def upload(self, task_id: int | str, path: str | Path, *, name: str | None = None) -> Artifact:
        """Stream a local file to Maestro as an artifact of the task; memory use does not grow with it."""
        return self._client._run(flows.upload_artifact(task_id, path, name))

    def get(self, artifact_id: int | str) -> Artifact:
        """An artifact's record."""
        return self._client._run(api.get_artifact(artifact_id))

    def list(
        self, *, task_id: int | str | None = None, days: int = 7, page: int = 0, size: int = 100
    ) -> Page[Artifact]:
        """One page of the workspace's artifacts (only one task's with ``task_id``), newest first."""
        return self._client._run(api.list_artifacts(task_id=task_id, days=days, page=page, size=size))

    def iter(self, *, task_id: int | str | None = None, days: int = 7, size: int = 100) -> Iterator[Artifact]:
        """Every artifact of the last ``days`` (one task's with ``task_id``), newest first, page by page."""
        return kept(
            self._client._iterate(partial(api.artifact_pages, task_id=task_id, days=days, size=size)),
            _of_task(task_id),
        )

    def download(self, artifact_id: int | str, destination: str | Path) -> Path:
        """Stream an artifact's file to ``destination``; the file appears whole or not at all."""
        return self._client._run(api.download_artifact(artifact_id, destination))


class AsyncArtifacts(AsyncResource):
    """Result files attached to tasks."""

    async def upload(self, task_id: int | str, path: str | Path, *, name: str | None = None) -> Artifact:
        """Stream a local file to Maestro as an artifact of the task; memory use does not grow with it."""
        return await self._client._run(flows.upload_artifact(task_id, path, name))

    async def get(self, artifact_id: int | str) -> Artifact:
        """An artifact's record."""
        return await self._client._run(api.get_artifact(artifact_id))

    async def list(
        self, *, task_id: int | str | None = None, days: int = 7, page: int = 0, size: int = 100
    ) -> Page[Artifact]:
        """One page of the workspace's artifacts (only one task's with ``task_id``), newest first."""
        return await self._client._run(api.list_artifacts(task_id=task_id, days=days, page=page, size=size))

    def iter(
        self, *, task_id: int | str | None = None, days: int = 7, size: int = 100
    ) -> AsyncIterator[Artifact]:
        """Every artifact of the last ``days`` (one task's with ``task_id``), newest first, page by page."""
        return async_kept(
            self._client._iterate(partial(api.artifact_pages, task_id=task_id, days=days, size=size)),
            _of_task(task_id),
        )

    async def download(self, artifact_id: int | str, destination: str | Path) -> Path:
        """Stream an artifact's file to ``destination``; the file appears whole or not at all."""
        return await self._client._run(api.download_artifact(artifact_id, destination))
