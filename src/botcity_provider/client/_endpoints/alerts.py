"""Alerts shown in the portal."""

from __future__ import annotations

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, model_parser
from botcity_provider.client._errors import ValidationError
from botcity_provider.client._models import Alert, AlertType, Page

from ._common import call, page_parser, task_listing


def create_alert(task_id: object, title: str, message: str, alert_type: AlertType | str) -> Call[Alert]:
    """``POST /api/v2/alerts`` (plural, as the API spells it)."""
    ident = check.task_id(task_id, "task_id")
    if alert_type not in AlertType.__members__.values():
        raise ValidationError("alert_type", f"must be INFO, WARN or ERROR, got {alert_type!r}")
    body = {"taskId": ident, "title": title, "message": message, "type": str(alert_type)}
    parse = model_parser(Alert, "Creating the alert")
    doing = f"Creating an alert for task {ident}"
    return call("alerts.create", (), doing, parse, json=body, idempotent=False)


def list_alerts(
    task_id: object = None, *, days: int = 30, page: int = 0, size: int = 50
) -> Call[Page[Alert]]:
    """``GET /api/v2/alerts``: alerts newest first, for one task or (``task_id`` None) the workspace.

    Unverified route: no SDK reads alerts; it mirrors the errors listing (a Spring page by ``date``).
    """
    query, whose = task_listing(task_id, days, page, size, "date")
    parse = page_parser(Alert, "Listing alerts")
    return call("alerts.list", (), f"Listing the alerts of {whose}", parse, query=query)
