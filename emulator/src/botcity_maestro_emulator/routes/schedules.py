"""Schedules: cron-timed tasks of an automation, stored and served (maestro-api.md §4.10).

No source shows the bodies of these routes, only that listed items carry a Quartz ``cron`` (read in UTC),
an ``activityLabel`` and ``parameters``. The emulator takes ``{activityLabel, cron, parameters?, active?,
test?, priority?, description?}`` on create and, since a PUT replaces, the same whole body on update.

The emulator only keeps schedules: it never fires them. No task is ever created by a schedule here, so a
test of a schedule's effect needs the real server.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from botcity_maestro_emulator.errors import bad_request
from botcity_maestro_emulator.paging import page_request, paginate
from botcity_maestro_emulator.records import new_id, schedule_record
from botcity_maestro_emulator.routes.common import Auth, lookup, read_object, reply
from botcity_maestro_emulator.schemas import cron_problem, optional_str, priority_of, required_str
from botcity_maestro_emulator.timefmt import iso, now

router = APIRouter()
SORTABLE_SCHEDULE_FIELDS = ("id", "activityLabel", "cron", "priority", "dateCreation", "dateLastModified")


def parse_schedule(body: dict[str, Any]) -> dict[str, Any]:
    """Validate a schedule body and return it normalised (defaults filled in), or raise the 400."""
    cron = required_str(body, "cron").strip()
    problem = cron_problem(cron)
    if problem is not None:
        raise bad_request("cron", f"{cron!r} is not a Quartz cron expression: {problem}")
    parameters = body.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise bad_request("parameters", "must be a JSON object")
    return {
        "activityLabel": required_str(body, "activityLabel"),
        "cron": cron,
        "parameters": parameters or {},
        "active": _flag(body, "active", default=True),
        "test": _flag(body, "test", default=False),
        "priority": priority_of(body),
        "description": optional_str(body, "description"),
    }


def _flag(body: dict[str, Any], field: str, *, default: bool) -> bool:
    value = body.get(field)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad_request(field, f"must be a boolean, got {value!r}")
    return value


@router.get("/api/v2/scheduling")
async def list_schedules(request: Request, emulator: Auth) -> Response:
    """Return a Spring page of schedules, oldest first unless sorted; ``activityLabel`` filters them."""
    params = request.query_params
    # No tiebreak: the store keeps creation order, and a stable sort keeps it among equal dates.
    page = page_request(params, fields=SORTABLE_SCHEDULE_FIELDS, default_sort="dateCreation,asc")
    wanted = params.get("activityLabel")
    items = [
        item for item in emulator.store.values("schedule") if not wanted or item["activityLabel"] == wanted
    ]
    return reply(paginate(items, page))


@router.post("/api/v2/scheduling")
async def create_schedule(request: Request, emulator: Auth) -> Response:
    """Store a new schedule and return it with its id."""
    body = parse_schedule(await read_object(request))
    schedule_id = new_id()
    record = schedule_record(body, schedule_id=schedule_id, organization=emulator.config.login, at=now())
    return reply(emulator.store.put("schedule", schedule_id, record))


@router.get("/api/v2/scheduling/{scheduleId}")
async def get_schedule(scheduleId: str, emulator: Auth) -> Response:
    """Return one schedule, or 404."""
    return reply(lookup(emulator, "schedule", scheduleId, "schedule"))


@router.put("/api/v2/scheduling/{scheduleId}")
async def replace_schedule(scheduleId: str, request: Request, emulator: Auth) -> Response:
    """Replace a schedule's fields with the whole body given; its id and creation date stay."""
    previous = lookup(emulator, "schedule", scheduleId, "schedule")
    body = parse_schedule(await read_object(request))
    at = now()
    record = schedule_record(body, schedule_id=scheduleId, organization=emulator.config.login, at=at)
    record.update(dateCreation=previous["dateCreation"], dateLastModified=iso(at))
    return reply(emulator.store.put("schedule", scheduleId, record))


@router.delete("/api/v2/scheduling/{scheduleId}")
async def delete_schedule(scheduleId: str, emulator: Auth) -> Response:
    """Remove a schedule and return it as it was, or 404."""
    lookup(emulator, "schedule", scheduleId, "schedule")
    return reply(emulator.store.delete("schedule", scheduleId))
