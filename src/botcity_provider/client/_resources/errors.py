"""``client.errors``: errors that bots reported for their tasks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import partial

from botcity_provider.client import _endpoints as api
from botcity_provider.client._models import Page, TaskError

from ._base import AsyncResource, Resource


class Errors(Resource):
    """Errors that bots reported for their tasks."""

    def list(self, task_id: int | str, *, days: int = 30, page: int = 0, size: int = 50) -> Page[TaskError]:
        """The errors reported for one task, newest first."""
        return self._client._run(api.list_errors(task_id, days=days, page=page, size=size))

    def iter(self, task_id: int | str, *, days: int = 30, size: int = 50) -> Iterator[TaskError]:
        """Every error reported for one task in the last ``days``, newest first, a page at a time."""
        return self._client._iterate(partial(api.list_errors, task_id, days=days, size=size))


class AsyncErrors(AsyncResource):
    """Errors that bots reported for their tasks."""

    async def list(
        self, task_id: int | str, *, days: int = 30, page: int = 0, size: int = 50
    ) -> Page[TaskError]:
        """The errors reported for one task, newest first."""
        return await self._client._run(api.list_errors(task_id, days=days, page=page, size=size))

    def iter(self, task_id: int | str, *, days: int = 30, size: int = 50) -> AsyncIterator[TaskError]:
        """Every error reported for one task in the last ``days``, newest first, a page at a time."""
        return self._client._iterate(partial(api.list_errors, task_id, days=days, size=size))
