"""``client.alerts``: alerts shown in the Maestro portal."""

from __future__ import annotations

from botcity_provider.client import _endpoints as api
from botcity_provider.client._models import Alert, AlertType, Page

from ._base import AsyncResource, Resource


class Alerts(Resource):
    """Alerts shown in the Maestro portal."""

    def create(
        self, task_id: int | str, title: str, message: str, alert_type: AlertType | str = "INFO"
    ) -> Alert:
        """Raise an alert for a task."""
        return self._client._run(api.create_alert(task_id, title, message, alert_type))

    def list(
        self, task_id: int | str | None = None, *, days: int = 30, page: int = 0, size: int = 50
    ) -> Page[Alert]:
        """Alerts newest first, of one task or of the whole workspace (unverified route: a guess)."""
        return self._client._run(api.list_alerts(task_id, days=days, page=page, size=size))


class AsyncAlerts(AsyncResource):
    """Alerts shown in the Maestro portal."""

    async def create(
        self, task_id: int | str, title: str, message: str, alert_type: AlertType | str = "INFO"
    ) -> Alert:
        """Raise an alert for a task."""
        return await self._client._run(api.create_alert(task_id, title, message, alert_type))

    async def list(
        self, task_id: int | str | None = None, *, days: int = 30, page: int = 0, size: int = 50
    ) -> Page[Alert]:
        """Alerts newest first, of one task or of the whole workspace (unverified route: a guess)."""
        return await self._client._run(api.list_alerts(task_id, days=days, page=page, size=size))
