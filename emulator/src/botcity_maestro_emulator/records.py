"""Builders of the JSON objects the emulator returns (besides tasks): one place for every field spelling.

The spellings come from maestro-api.md §6; where the SDKs disagree both spellings are returned, as that
document recommends (artifact ``fileName``/``filename``, entry ``dataPoolLabel``/``datapoolLabel``).
"""

from __future__ import annotations

import uuid
from typing import Any

from botcity_maestro_emulator.timefmt import iso

ENTRY_STATES = ("PENDING", "PROCESSING", "DONE", "ERROR", "TIMEOUT", "CANCELED")
ENTRY_FINISHED_STATES = ("DONE", "ERROR", "CANCELED")
ENTRY_UPDATABLE = (
    "priority",
    "values",
    "state",
    "uniqueKey",
    "displayValue",
    "message",
    "errorType",
    "retryIndex",
    "runner",
    "taskId",
    "parent",
    "child",
)
DATAPOOL_DEFAULTS: dict[str, Any] = {
    "name": None,
    "defaultActivity": None,
    "consumptionPolicy": "FIFO",
    "schema": [],
    "trigger": "NEVER",
    "autoRetry": True,
    "maxAutoRetry": 0,
    "abortOnError": True,
    "maxErrorsBeforeInactive": 0,
    "enableProcessingTime": True,
    "itemMaxProcessingTime": 0,
    "active": True,
    "repositoryLabel": "DEFAULT",
}


def new_id() -> str:
    """Return a string id for alerts, logs entries, errors, datapools and entries (never reused)."""
    return uuid.uuid4().hex


def error_record(
    task: dict[str, Any], body: dict[str, Any], *, error_id: str, organization: str, at: float
) -> dict[str, Any]:
    """Build an error entry (``POST /api/v2/error``) for ``task`` from a request-like ``body``."""
    return {
        "id": error_id,
        "taskId": task["id"],
        "activityLabel": task["activityLabel"],
        "automationLabel": task["activityLabel"],
        "organizationLabel": organization,
        "type": body.get("type"),
        "message": body.get("message"),
        "stackTrace": body.get("stackTrace"),
        "language": body.get("language"),
        "tags": body.get("tags") or {},
        "dateCreation": iso(at),
        "screenshot": None,
        "attachments": [],
    }


def alert_record(
    task: dict[str, Any],
    *,
    alert_id: str,
    title: str,
    message: str,
    alert_type: str,
    organization: str,
    at: float,
) -> dict[str, Any]:
    """Build an alert (``POST /api/v2/alerts``) for ``task``."""
    return {
        "id": alert_id,
        "organizationLabel": organization,
        "taskId": task["id"],
        "activityName": task["activityName"],
        "activityLabel": task["activityLabel"],
        "botId": task["agentId"],
        "title": title,
        "message": message,
        "type": alert_type,
        "date": iso(at),
        "repositoryLabel": "DEFAULT",
    }


def artifact_record(
    artifact_id: int, task: dict[str, Any], name: str, filename: str, *, organization: str, at: float
) -> dict[str, Any]:
    """Build artifact metadata; ``size`` is ``None`` until the file is uploaded."""
    return {
        "id": artifact_id,
        "type": "ARTIFACT",
        "taskId": task["id"],
        "taskName": task["activityLabel"],
        "name": name,
        "fileName": filename,
        "filename": filename,
        "storageFileName": f"{artifact_id}-{filename}",
        "storageFilePath": f"artifacts/{artifact_id}",
        "organizationId": organization,
        "organizationLabel": organization,
        "user": None,
        "dateCreation": iso(at),
        "size": None,
    }


def datapool_record(body: dict[str, Any], *, pool_id: str, organization: str, at: float) -> dict[str, Any]:
    """Build a datapool from a create body; the request's ``defaultAutomation`` is answered as
    ``defaultActivity``, the spelling of the GET response the SDK reads."""
    pool = {"id": pool_id, "label": body["label"], **DATAPOOL_DEFAULTS}
    merge_datapool(pool, body)
    pool["organizationLabel"] = organization
    pool["dateCreation"] = iso(at)
    return pool


def merge_datapool(pool: dict[str, Any], body: dict[str, Any]) -> None:
    """Merge an update body into a datapool, keeping ``schema`` a list (the SDK crashes on ``null``)."""
    for key in DATAPOOL_DEFAULTS:
        if key in body:
            pool[key] = body[key]
    if "defaultAutomation" in body:
        pool["defaultActivity"] = body["defaultAutomation"]
    if not isinstance(pool.get("schema"), list):
        pool["schema"] = []


def entry_record(label: str, body: dict[str, Any], *, entry_id: str, at: float) -> dict[str, Any]:
    """Build a PENDING datapool entry from a push body."""
    values = body.get("values")
    return {
        "id": entry_id,
        "dataPoolLabel": label,
        "datapoolLabel": label,
        "state": "PENDING",
        "values": values if isinstance(values, dict) else {},
        "priority": body.get("priority") or 0,
        "uniqueKey": body.get("uniqueKey"),
        "displayValue": body.get("displayValue"),
        "message": None,
        "errorType": None,
        "retryIndex": 0,
        "runner": None,
        "taskId": None,
        "parent": body.get("parent"),
        "child": body.get("child"),
        "dateRegister": iso(at),
        "dateProcessing": None,
        "dateFinished": None,
    }


def log_record(body: dict[str, Any], *, organization: str, at: float) -> dict[str, Any]:
    """Build a log definition; its id follows the ``<workspace>-<activityLabel>`` pattern (§4.5)."""
    label = body["activityLabel"]
    return {
        "id": f"{organization}-{label}",
        "organizationLabel": organization,
        "label": label,
        "activityLabel": label,
        "columns": body["columns"],
        "repositoryLabel": "DEFAULT",
        "dateCreation": iso(at),
    }


# --- automations, bots, runners, schedules (maestro-api.md §4.10; field sets beyond those named there are
# the emulator's guesses, kept small) ----------------------------------------------------------------------

_PARAMETER_TYPES = {bool: "BOOLEAN", int: "INTEGER", float: "DOUBLE"}


def automation_record(
    label: str,
    *,
    name: str | None,
    description: str | None,
    parameters: list[dict[str, Any]],
    organization: str,
    at: float,
) -> dict[str, Any]:
    """Build an automation ("activity"); ``parameters`` is the ``[{label, type, required}]`` n8n reads."""
    return {
        "id": new_id(),
        "label": label,
        "name": name or label,
        "description": description,
        "parameters": parameters,
        "organizationLabel": organization,
        "repositoryLabel": "DEFAULT",
        "dateCreation": iso(at),
    }


def parameters_of_task(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Describe a first task's parameters as an automation's parameter list (the reserved key left out)."""
    return [
        {"label": key, "type": _PARAMETER_TYPES.get(type(value), "TEXT"), "required": False}
        for key, value in values.items()
        if key != "_emulator"
    ]


def bot_record(body: dict[str, Any], *, organization: str, at: float) -> dict[str, Any]:
    """Build a deployed bot version; its file fields stay ``None`` until the upload.

    ``sha256`` and ``contentType`` are the emulator's own: no source shows what Maestro records of the
    file, and a test wants to know that the bytes and the part's type arrived as sent."""
    return {
        "id": new_id(),
        "botId": body["botId"],
        "version": body["version"],
        "technology": body.get("technology") or "PYTHON",
        "command": body.get("command"),
        "organizationLabel": organization,
        "repositoryLabel": body.get("repositoryLabel") or "DEFAULT",
        "released": False,
        "fileName": None,
        "size": None,
        "sha256": None,
        "contentType": None,
        "dateCreation": iso(at),
        "dateLastModified": iso(at),
        "dateRelease": None,
    }


def runner_record(machine_id: str, body: dict[str, Any], *, organization: str, at: float) -> dict[str, Any]:
    """Build a runner ("machine"); the dashboard reads ``name`` and ``isOnline``."""
    return {
        "id": machine_id,
        "machineId": machine_id,
        "name": body.get("name") or machine_id,
        "isOnline": bool(body.get("isOnline", True)),
        "type": body.get("type") or "DESKTOP",
        "version": body.get("version"),
        "organizationLabel": organization,
        "dateCreation": iso(at),
        "dateLastConnection": iso(at),
    }


def schedule_record(
    body: dict[str, Any], *, schedule_id: str, organization: str, at: float
) -> dict[str, Any]:
    """Build a schedule; ``cron`` is a Quartz expression read in UTC (§4.10)."""
    parameters = body.get("parameters")
    return {
        "id": schedule_id,
        "activityLabel": body["activityLabel"],
        "cron": body["cron"],
        "timeZone": "UTC",
        "parameters": parameters if isinstance(parameters, dict) else {},
        "active": bool(body.get("active", True)),
        "test": bool(body.get("test", False)),
        "priority": body.get("priority") or 0,
        "description": body.get("description"),
        "organizationLabel": organization,
        "dateCreation": iso(at),
        "dateLastModified": iso(at),
    }
