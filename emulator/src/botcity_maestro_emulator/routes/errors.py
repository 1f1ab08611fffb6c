"""Error entries reported by bots, with screenshot and attachments, and their listing (§4.7)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from botcity_maestro_emulator.errors import bad_request
from botcity_maestro_emulator.paging import page_request, paginate, select
from botcity_maestro_emulator.records import error_record, new_id
from botcity_maestro_emulator.routes.common import Auth, lookup, read_object, reply, task_of_body
from botcity_maestro_emulator.schemas import optional_str
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.timefmt import now
from botcity_maestro_emulator.uploads import receive_file

router = APIRouter()
SORTABLE_ERROR_FIELDS = (
    "id",
    "taskId",
    "activityLabel",
    "automationLabel",
    "type",
    "message",
    "dateCreation",
)


@router.post("/api/v2/error")
async def create_error(request: Request, emulator: Auth) -> Response:
    """Record an error entry; the SDK accepts exactly 201 and reads ``id`` from the reply."""
    body = await read_object(request)
    at = now()
    task = task_of_body(emulator, body, at)
    for field in ("type", "message", "stackTrace", "language"):
        optional_str(body, field)
    if body.get("tags") is not None and not isinstance(body["tags"], dict):
        raise bad_request("tags", "must be a JSON object of strings")
    error_id = new_id()
    entry = error_record(task, body, error_id=error_id, organization=emulator.config.login, at=at)
    return reply(emulator.store.put("error", error_id, entry), status=201)


async def _attach(request: Request, emulator: Emulator, error_id: str, screenshot: bool) -> dict[str, Any]:
    entry = lookup(emulator, "error", error_id, "error")
    slot = "screenshot" if screenshot else f"attachment-{len(entry['attachments'])}"
    upload = await receive_file(request, emulator.files.error_file_path(entry["id"], slot))
    emulator.stats.bytes_uploaded += upload.size
    name = upload.filename or slot
    if screenshot:
        updated = {**entry, "screenshot": name}
    else:
        updated = {**entry, "attachments": [*entry["attachments"], name]}
    return emulator.store.put("error", entry["id"], updated)


@router.post("/api/v2/error/{errorId}/screenshot")
async def upload_screenshot(errorId: str, request: Request, emulator: Auth) -> Response:
    """Store the screenshot of an error entry (multipart ``file``)."""
    return reply(await _attach(request, emulator, errorId, screenshot=True))


@router.post("/api/v2/error/{errorId}/attachments")
async def upload_attachment(errorId: str, request: Request, emulator: Auth) -> Response:
    """Store one more attachment of an error entry (multipart ``file``)."""
    return reply(await _attach(request, emulator, errorId, screenshot=False))


@router.get("/api/v2/error")
async def list_errors(request: Request, emulator: Auth) -> Response:
    """List error entries as a Spring page, filtered by ``taskId``, ``automationLabel`` and ``days``."""
    params = request.query_params
    page = page_request(params, fields=SORTABLE_ERROR_FIELDS, default_sort="dateCreation,desc")
    at = now()
    # The emulated bots report their errors lazily: let every due one exist before answering.
    emulator.tasks.refresh_all(at)
    items = select(emulator.store.values("error"), params, at, ("taskId", "automationLabel"))
    return reply(paginate(items, page))


@router.get("/api/v2/error/{errorId}")
async def get_error(errorId: str, emulator: Auth) -> Response:
    """Return one error entry."""
    return reply(lookup(emulator, "error", errorId, "error"))
