"""``client.automations`` ("activities"): what bots can run, with their declared parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import partial

from botcity_provider.client._endpoints import automations as api
from botcity_provider.client._models import Page
from botcity_provider.client._models.automations import Automation

from ._base import AsyncResource, Resource


class Automations(Resource):
    """What bots can run, with their declared parameters (unverified routes: fields nobody confirmed are
    kept in ``model_extra``)."""

    def list(
        self, *, page: int = 0, size: int = 100, label: str | None = None, name: str | None = None
    ) -> Page[Automation]:
        """One page of automations in label order, searched by ``label`` and ``name`` (unverified)."""
        return self._client._run(api.list_automations(page=page, size=size, label=label, name=name))

    def iter(
        self, *, size: int = 100, label: str | None = None, name: str | None = None
    ) -> Iterator[Automation]:
        """Every automation that matches, a page of ``size`` fetched when the loop reaches it (unverified)."""
        return self._client._iterate(partial(api.list_automations, size=size, label=label, name=name))

    def get(self, label: str) -> Automation:
        """One automation with its declared parameters (unverified)."""
        return self._client._run(api.get_automation(label))


class AsyncAutomations(AsyncResource):
    """What bots can run, with their declared parameters (unverified routes: fields nobody confirmed are
    kept in ``model_extra``)."""

    async def list(
        self, *, page: int = 0, size: int = 100, label: str | None = None, name: str | None = None
    ) -> Page[Automation]:
        """One page of automations in label order, searched by ``label`` and ``name`` (unverified)."""
        return await self._client._run(api.list_automations(page=page, size=size, label=label, name=name))

    def iter(
        self, *, size: int = 100, label: str | None = None, name: str | None = None
    ) -> AsyncIterator[Automation]:
        """Every automation that matches, a page of ``size`` fetched when the loop reaches it (unverified)."""
        return self._client._iterate(partial(api.list_automations, size=size, label=label, name=name))

    async def get(self, label: str) -> Automation:
        """One automation with its declared parameters (unverified)."""
        return await self._client._run(api.get_automation(label))
