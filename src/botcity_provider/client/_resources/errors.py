"""``client.errors``: errors reported for tasks, with their screenshot and attachments.

A report takes the official SDK's steps (``maestro-api.md`` §4.7): create the error, then send its
files. That is a flow, in :mod:`botcity_provider.client._flows.errors`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Iterator
from functools import partial

from botcity_provider.client._endpoints import errors as api
from botcity_provider.client._flows import errors as flows
from botcity_provider.client._models import Page, TaskError
from botcity_provider.client._models.errors import ReportedError

from ._base import AsyncResource, Resource

__all__ = ["AsyncErrors", "Errors"]

FilePath = str | os.PathLike[str]


class Errors(Resource):
    """Errors reported for tasks (by bots, or by this client), with their screenshot and attachments."""

    def report(
        self,
        task_id: int | str,
        error: BaseException | str,
        *,
        screenshot: FilePath | None = None,
        attachments: Iterable[FilePath] = (),
        tags: dict[str, str] | None = None,
    ) -> TaskError:
        """Report an exception (type, message, traceback) or a message for a task, as the official SDK
        does; ``tags`` add to (or replace) its default ones. Never resent: a resend reports twice."""
        return self._client._run(flows.report_error(task_id, error, screenshot, attachments, tags))

    def get(self, error_id: str) -> ReportedError:
        """One reported error (unverified route: fields nobody confirmed are in ``model_extra``)."""
        return self._client._run(api.get_error(error_id))

    def list(
        self, task_id: int | str | None = None, *, days: int = 30, page: int = 0, size: int = 50
    ) -> Page[ReportedError]:
        """The errors reported, newest first, for one task or (``task_id`` None) the whole workspace
        (unverified route)."""
        return self._client._run(api.list_errors(task_id, days=days, page=page, size=size))

    def iter(self, task_id: int | str, *, days: int = 30, size: int = 50) -> Iterator[ReportedError]:
        """Every error reported for one task in the last ``days``, newest first, a page at a time."""
        return self._client._iterate(partial(api.list_errors, task_id, days=days, size=size))


class AsyncErrors(AsyncResource):
    """Errors reported for tasks (by bots, or by this client), with their screenshot and attachments."""

    async def report(
        self,
        task_id: int | str,
        error: BaseException | str,
        *,
        screenshot: FilePath | None = None,
        attachments: Iterable[FilePath] = (),
        tags: dict[str, str] | None = None,
    ) -> TaskError:
        """Report an exception (type, message, traceback) or a message for a task, as the official SDK
        does; ``tags`` add to (or replace) its default ones. Never resent: a resend reports twice."""
        return await self._client._run(flows.report_error(task_id, error, screenshot, attachments, tags))

    async def get(self, error_id: str) -> ReportedError:
        """One reported error (unverified route: fields nobody confirmed are in ``model_extra``)."""
        return await self._client._run(api.get_error(error_id))

    async def list(
        self, task_id: int | str | None = None, *, days: int = 30, page: int = 0, size: int = 50
    ) -> Page[ReportedError]:
        """The errors reported, newest first, for one task or (``task_id`` None) the whole workspace
        (unverified route)."""
        return await self._client._run(api.list_errors(task_id, days=days, page=page, size=size))

    def iter(self, task_id: int | str, *, days: int = 30, size: int = 50) -> AsyncIterator[ReportedError]:
        """Every error reported for one task in the last ``days``, newest first, a page at a time."""
        return self._client._iterate(partial(api.list_errors, task_id, days=days, size=size))
