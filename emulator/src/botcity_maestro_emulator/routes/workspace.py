"""Version, login, alerts and e-mail messages (maestro-api.md §2, §4.1, §4.3, §4.4)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from botcity_maestro_emulator.config import SERVER_VERSION
from botcity_maestro_emulator.errors import bad_request
from botcity_maestro_emulator.records import new_id
from botcity_maestro_emulator.routes.common import (
    Auth,
    emulator_of,
    read_json,
    read_object,
    reply,
    task_of_body,
)
from botcity_maestro_emulator.schemas import choice, expect_object, optional_str
from botcity_maestro_emulator.timefmt import iso, now

router = APIRouter()
ALERT_TYPES = ("INFO", "WARN", "ERROR")
MESSAGE_TYPES = ("TEXT", "HTML")


@router.get("/api/v2/maestro/version")
async def version() -> Response:
    """Answer without auth: the SDK calls it before logging in, and needs a PEP 440 version ≥ 3.0.2."""
    return reply({"version": SERVER_VERSION})


@router.post("/api/v2/workspace/login")
async def login(request: Request) -> Response:
    """Trade the workspace login and key for a token; ``organizationLabel`` equals the login."""
    emulator = emulator_of(request)
    body = await read_json(request)
    token = emulator.login(expect_object(body) if body is not None else {}, now())
    return reply({"accessToken": token, "organizationLabel": emulator.config.login})


@router.post("/api/v2/alerts")
async def create_alert(request: Request, emulator: Auth) -> Response:
    """Record an alert for a task; the SDK needs a JSON object back."""
    body = await read_object(request)
    at = now()
    task = task_of_body(emulator, body, at)
    alert_id = new_id()
    alert = {
        "id": alert_id,
        "organizationLabel": emulator.config.login,
        "taskId": task["id"],
        "activityName": task["activityName"],
        "activityLabel": task["activityLabel"],
        "botId": task["agentId"],
        "title": optional_str(body, "title", ""),
        "message": optional_str(body, "message", ""),
        "type": choice(body, "type", ALERT_TYPES, "INFO"),
        "date": iso(at),
        "repositoryLabel": "DEFAULT",
    }
    return reply(emulator.store.put("alert", alert_id, alert))


@router.post("/api/v2/message")
async def send_message(request: Request, emulator: Auth) -> Response:
    """Pretend to send an e-mail; the SDK insists on exactly 200."""
    body = await read_object(request)
    for field in ("emails", "logins"):
        value = body.get(field) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad_request(field, "must be a list of strings")
    message_id = new_id()
    message = {
        "id": message_id,
        "emails": body.get("emails") or [],
        "logins": body.get("logins") or [],
        "subject": optional_str(body, "subject", ""),
        "body": optional_str(body, "body", ""),
        "type": choice(body, "type", MESSAGE_TYPES, "TEXT"),
        "group": body.get("group"),
        "date": iso(now()),
    }
    return reply(emulator.store.put("message", message_id, message))
