"""``client.schedules``: cron-timed tasks of an automation (unverified routes).

An update reads the schedule, then sends it whole with the changes (PUT replaces): a flow, in
:mod:`botcity_provider.client._flows.schedules`. The emulator never fires schedules, so their effect
needs the real server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from functools import partial
from typing import Any

from botcity_provider.client._endpoints import schedules as api
from botcity_provider.client._flows import schedules as flows
from botcity_provider.client._models import Page
from botcity_provider.client._models.schedules import Schedule

from ._base import AsyncResource, Resource

__all__ = ["AsyncSchedules", "Schedules"]


class Schedules(Resource):
    """Schedules: tasks of an automation created at the times a Quartz cron gives (in UTC). Unverified
    routes: fields nobody confirmed are in ``model_extra``."""

    def create(
        self,
        activity_label: str,
        cron: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        active: bool = True,
        test: bool = False,
        priority: int = 0,
        description: str | None = None,
    ) -> Schedule:
        """Schedule the automation (unverified); ``cron`` is Quartz: seconds first, '?' in one day field.
        Never resent: a second schedule would create every task twice."""
        return self._client._run(
            api.create_schedule(
                activity_label,
                cron,
                parameters=parameters,
                active=active,
                test=test,
                priority=priority,
                description=description,
            )
        )

    def get(self, schedule_id: str | int) -> Schedule:
        """The schedule as Maestro has it (unverified)."""
        return self._client._run(api.get_schedule(schedule_id))

    def update(
        self,
        schedule_id: str | int,
        *,
        activity_label: str | None = None,
        cron: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        active: bool | None = None,
        test: bool | None = None,
        priority: int | None = None,
        description: str | None = None,
    ) -> Schedule:
        """Change the fields given (``None`` keeps one; unverified): read the schedule, send it back whole."""
        return self._client._run(
            flows.update_schedule(
                schedule_id,
                api.schedule_changes(
                    activity_label=activity_label,
                    cron=cron,
                    parameters=parameters,
                    active=active,
                    test=test,
                    priority=priority,
                    description=description,
                ),
            )
        )

    def delete(self, schedule_id: str | int) -> None:
        """Delete the schedule (unverified); it creates no task after this."""
        return self._client._run(api.delete_schedule(schedule_id))

    def list(self, *, activity_label: str | None = None, page: int = 0, size: int = 100) -> Page[Schedule]:
        """One page of schedules (pages count from 0; unverified), of one automation when given."""
        return self._client._run(api.list_schedules(activity_label=activity_label, page=page, size=size))

    def iter(self, *, activity_label: str | None = None, size: int = 100) -> Iterator[Schedule]:
        """Every schedule (of one automation when given; unverified), a page fetched as the loop needs it."""
        return self._client._iterate(partial(api.list_schedules, activity_label=activity_label, size=size))


class AsyncSchedules(AsyncResource):
    """Schedules: tasks of an automation created at the times a Quartz cron gives (in UTC). Unverified
    routes: fields nobody confirmed are in ``model_extra``."""

    async def create(
        self,
        activity_label: str,
        cron: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        active: bool = True,
        test: bool = False,
        priority: int = 0,
        description: str | None = None,
    ) -> Schedule:
        """Schedule the automation (unverified); ``cron`` is Quartz: seconds first, '?' in one day field.
        Never resent: a second schedule would create every task twice."""
        return await self._client._run(
            api.create_schedule(
                activity_label,
                cron,
                parameters=parameters,
                active=active,
                test=test,
                priority=priority,
                description=description,
            )
        )

    async def get(self, schedule_id: str | int) -> Schedule:
        """The schedule as Maestro has it (unverified)."""
        return await self._client._run(api.get_schedule(schedule_id))

    async def update(
        self,
        schedule_id: str | int,
        *,
        activity_label: str | None = None,
        cron: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        active: bool | None = None,
        test: bool | None = None,
        priority: int | None = None,
        description: str | None = None,
    ) -> Schedule:
        """Change the fields given (``None`` keeps one; unverified): read the schedule, send it back whole."""
        return await self._client._run(
            flows.update_schedule(
                schedule_id,
                api.schedule_changes(
                    activity_label=activity_label,
                    cron=cron,
                    parameters=parameters,
                    active=active,
                    test=test,
                    priority=priority,
                    description=description,
                ),
            )
        )

    async def delete(self, schedule_id: str | int) -> None:
        """Delete the schedule (unverified); it creates no task after this."""
        return await self._client._run(api.delete_schedule(schedule_id))

    async def list(
        self, *, activity_label: str | None = None, page: int = 0, size: int = 100
    ) -> Page[Schedule]:
        """One page of schedules (pages count from 0; unverified), of one automation when given."""
        return await self._client._run(
            api.list_schedules(activity_label=activity_label, page=page, size=size)
        )

    def iter(self, *, activity_label: str | None = None, size: int = 100) -> AsyncIterator[Schedule]:
        """Every schedule (of one automation when given; unverified), a page fetched as the loop needs it."""
        return self._client._iterate(partial(api.list_schedules, activity_label=activity_label, size=size))
