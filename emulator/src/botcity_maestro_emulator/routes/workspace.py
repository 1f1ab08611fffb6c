"""Version, login, alerts and e-mail messages (maestro-api.md §2, §4.1, §4.3, §4.4)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from botcity_maestro_emulator.config import SERVER_VERSION
from botcity_maestro_emulator.errors import bad_request
from botcity_maestro_emulator.paging import page_request, paginate, select
from botcity_maestro_emulator.records import alert_record, new_id
from botcity_maestro_emulator.routes.common import (
    Auth,
    emulator_of,
    read_json,
    read_object,
    reply,
    task_of_body,
)
from botcity_maestro_emulator.schemas import ALERT_TYPES, choice, expect_object, optional_str
from botcity_maestro_emulator.timefmt import iso, now

router = APIRouter()
SORTABLE_ALERT_FIELDS = ("date", "id")
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
    alert = alert_record(
        task,
        alert_id=alert_id,
        title=optional_str(body, "title", "") or "",
        message=optional_str(body, "message", "") or "",
        alert_type=choice(body, "type", ALERT_TYPES, "INFO") or "INFO",
        organization=emulator.config.login,
        at=at,
    )
    return reply(emulator.store.put("alert", alert_id, alert))


@router.get("/api/v2/alerts")
async def list_alerts(request: Request, emulator: Auth) -> Response:
    """List alerts as a Spring page, filtered by ``taskId`` and ``days`` (newest first by default).

    Not confirmed against a real workspace: it mirrors ``GET /api/v2/error``, with the alert's ``date``
    standing for ``dateCreation``.
    """
    params = request.query_params
    page = page_request(params, fields=SORTABLE_ALERT_FIELDS, default_sort="date,desc")
    at = now()
    # The emulated bots post their alerts lazily: let every due one exist before answering.
    emulator.tasks.refresh_all(at)
    items = select(emulator.store.values("alert"), params, at, ("taskId",), dated="date")
    return reply(paginate(items, page))


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
