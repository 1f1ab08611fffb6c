"""``client.runners`` ("machines"): where bots run, online or not, their log and what they ran."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import partial

from botcity_provider.client._endpoints import runners as api
from botcity_provider.client._models import Page
from botcity_provider.client._models.runners import Runner, RunnerLogLine, RunnerTasksSummary

from ._base import AsyncResource, Resource


class Runners(Resource):
    """Where bots run, online or not (unverified routes: fields nobody confirmed are kept in
    ``model_extra``)."""

    def get(self, runner_id: str) -> Runner:
        """One runner, by its machine id (unverified)."""
        return self._client._run(api.get_runner(runner_id))

    def tasks_summary(self, runner_id: str, *, days: int = 30) -> RunnerTasksSummary:
        """Counts of the runner's tasks of the last ``days`` days, by state and finish status (unverified)."""
        return self._client._run(api.runner_tasks_summary(runner_id, days))

    def log(self, runner_id: str) -> list[RunnerLogLine]:
        """The runner's log lines (unverified: the shape is a guess; unknown fields are kept)."""
        return self._client._run(api.runner_log(runner_id))

    def list(
        self, *, page: int = 0, size: int = 100, online: bool | None = None, type: str | None = None
    ) -> Page[Runner]:
        """One page of runners in id order, only the online (or offline) ones if asked (unverified)."""
        return self._client._run(api.list_runners(page=page, size=size, online=online, type=type))

    def iter(
        self, *, size: int = 100, online: bool | None = None, type: str | None = None
    ) -> Iterator[Runner]:
        """Every runner that matches, a page of ``size`` fetched when the loop reaches it (unverified)."""
        return self._client._iterate(partial(api.list_runners, size=size, online=online, type=type))


class AsyncRunners(AsyncResource):
    """Where bots run, online or not (unverified routes: fields nobody confirmed are kept in
    ``model_extra``)."""

    async def get(self, runner_id: str) -> Runner:
        """One runner, by its machine id (unverified)."""
        return await self._client._run(api.get_runner(runner_id))

    async def tasks_summary(self, runner_id: str, *, days: int = 30) -> RunnerTasksSummary:
        """Counts of the runner's tasks of the last ``days`` days, by state and finish status (unverified)."""
        return await self._client._run(api.runner_tasks_summary(runner_id, days))

    async def log(self, runner_id: str) -> list[RunnerLogLine]:
        """The runner's log lines (unverified: the shape is a guess; unknown fields are kept)."""
        return await self._client._run(api.runner_log(runner_id))

    async def list(
        self, *, page: int = 0, size: int = 100, online: bool | None = None, type: str | None = None
    ) -> Page[Runner]:
        """One page of runners in id order, only the online (or offline) ones if asked (unverified)."""
        return await self._client._run(api.list_runners(page=page, size=size, online=online, type=type))

    def iter(
        self, *, size: int = 100, online: bool | None = None, type: str | None = None
    ) -> AsyncIterator[Runner]:
        """Every runner that matches, a page of ``size`` fetched when the loop reaches it (unverified)."""
        return self._client._iterate(partial(api.list_runners, size=size, online=online, type=type))
