"""Tasks: create, get, partial update, list (maestro-api.md §4.2, §5)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from botcity_maestro_emulator.paging import page_request, paginate
from botcity_maestro_emulator.routes.automations import note_task_label
from botcity_maestro_emulator.routes.common import Auth, read_json, reply
from botcity_maestro_emulator.schemas import parse_new_task
from botcity_maestro_emulator.taskbook import SORTABLE_TASK_FIELDS
from botcity_maestro_emulator.timefmt import now

router = APIRouter()


@router.post("/api/v2/task")
async def create_task(request: Request, emulator: Auth) -> Response:
    """Create a START task; the ``_emulator`` parameter scripts what its bot does.

    A label no automation has yet becomes one (``GET /api/v2/activity`` lists it), as tests rarely seed them.
    """
    spec = parse_new_task(await read_json(request))
    at = now()
    record = emulator.tasks.create(spec, at)
    note_task_label(emulator, spec.activity_label, spec.parameters, at)
    return reply(record.wire)


@router.get("/api/v2/task")
async def list_tasks(request: Request, emulator: Auth) -> Response:
    """List tasks as a Spring page, newest first unless ``sort`` says otherwise."""
    params = request.query_params
    page = page_request(params, fields=SORTABLE_TASK_FIELDS, default_sort="dateCreation,desc", tiebreak="id")
    return reply(paginate(emulator.tasks.matching(params, now()), page))


@router.get("/api/v2/task/{taskId}")
async def get_task(taskId: str, emulator: Auth) -> Response:
    """Return one task as of now (transitions that are due are applied first)."""
    return reply(emulator.tasks.find(taskId, now()).wire)


@router.post("/api/v2/task/{taskId}")
async def update_task(taskId: str, request: Request, emulator: Auth) -> Response:
    """Apply a partial update (finish, restart, interrupt, cancel, kill) and return the whole task."""
    body = await read_json(request)
    return reply(emulator.tasks.update(taskId, body, now()).wire)
