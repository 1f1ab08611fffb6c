"""Alerts shown in the portal."""

from __future__ import annotations

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, model_parser
from botcity_provider.client._errors import ValidationError
from botcity_provider.client._models import Alert, AlertType

from ._common import call


def create_alert(task_id: object, title: str, message: str, alert_type: AlertType | str) -> Call[Alert]:
    """``POST /api/v2/alerts`` (plural, as the API spells it)."""
    ident = check.task_id(task_id, "task_id")
    if alert_type not in AlertType.__members__.values():
        raise ValidationError("alert_type", f"must be INFO, WARN or ERROR, got {alert_type!r}")
    body = {"taskId": ident, "title": title, "message": message, "type": str(alert_type)}
    parse = model_parser(Alert, "Creating the alert")
    doing = f"Creating an alert for task {ident}"
    return call("alerts.create", (), doing, parse, json=body, idempotent=False)
