"""The ``/_emulator/`` seeding routes: automations and runners a test needs before it can list them, and
the bots that work a datapool's items.

A real workspace gets its automations from the portal, its runners from the machines that connect and
the bots that empty its datapools from its own deployments; the emulator has none of these, so tests
create them here. Like every ``/_emulator/`` route these are never faulted or counted, and ask for the
admin token when one is set.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from botcity_maestro_emulator.consumer import ConsumerSettings, parse_settings
from botcity_maestro_emulator.errors import bad_request
from botcity_maestro_emulator.records import new_id, runner_record
from botcity_maestro_emulator.routes.admin import admin_only
from botcity_maestro_emulator.routes.automations import register_automation
from botcity_maestro_emulator.routes.common import emulator_of, lookup, read_json, read_object, reply
from botcity_maestro_emulator.routes.machines import SWITCHES, find_runner, wire
from botcity_maestro_emulator.schemas import optional_str, required_str
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.timefmt import iso, now

router = APIRouter(prefix="/_emulator", dependencies=[Depends(admin_only)])
LOG_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")


@router.post("/automations")
async def seed_automation(request: Request) -> Response:
    """Create or replace an automation ``{label, name?, description?, parameters?}``."""
    return reply(register_automation(emulator_of(request), await read_json(request), now()))


@router.post("/runners")
async def seed_runner(request: Request) -> Response:
    """Create or replace a runner ``{machineId, name?, isOnline?, type?, version?, onlineAfterSeconds?,
    offlineAfterSeconds?}``: online by default; with a schedule, in the state opposite to its first switch.
    """
    emulator = emulator_of(request)
    body = await read_object(request)
    machine_id = required_str(body, "machineId")
    fields: dict[str, Any] = {key: optional_str(body, key) for key in ("name", "type", "version")}
    at = now()
    switches = _switches(body, at)
    online = body.get("isOnline")
    if online is None:
        online = not switches[0][1] if switches else True
    if not isinstance(online, bool):
        raise bad_request("isOnline", f"must be a boolean, got {online!r}")
    if switches and switches[0][1] is online:
        state = "online" if online else "offline"
        raise bad_request("isOnline", f"the runner's first switch would leave it {state}, as it starts")
    record = runner_record(
        machine_id, {**fields, "isOnline": online}, organization=emulator.config.login, at=at
    )
    if switches:
        record[SWITCHES] = switches
    previous = emulator.store.get("runner", machine_id)
    if previous is not None:
        # Replacing keeps the runner's age, as re-registering a machine would.
        record["dateCreation"] = previous["dateCreation"]
    return reply(wire(emulator.store.put("runner", machine_id, record)))


def _switches(body: dict[str, Any], at: float) -> list[list[Any]]:
    """The runner's scheduled ``[at, online]`` switches, earliest first, from its two delays."""
    switches = []
    for key, online in (("onlineAfterSeconds", True), ("offlineAfterSeconds", False)):
        delay = body.get(key)
        if delay is None:
            continue
        if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay < float("inf"):
            raise bad_request(key, f"must be a number of seconds, 0 or more, got {delay!r}")
        switches.append([at + float(delay), online])
    if len(switches) == 2 and switches[0][0] == switches[1][0]:
        raise bad_request("offlineAfterSeconds", "must differ from onlineAfterSeconds")
    return sorted(switches)


@router.post("/runners/{machineId}/online")
async def runner_online(machineId: str, request: Request) -> Response:
    """Mark a runner online (it has just connected), or 404."""
    return reply(_set_online(emulator_of(request), machineId, True))


@router.post("/runners/{machineId}/offline")
async def runner_offline(machineId: str, request: Request) -> Response:
    """Mark a runner offline, or 404. The emulator's own runner still picks tasks up while offline."""
    return reply(_set_online(emulator_of(request), machineId, False))


def _set_online(emulator: Emulator, machine_id: str, online: bool) -> dict[str, Any]:
    # The runner as served has no schedule: a switch by hand drops what was left of it, as a test that
    # takes a runner over expects it to stay as set.
    runner = dict(find_runner(emulator, machine_id))
    runner["isOnline"] = online
    if online:
        runner["dateLastConnection"] = iso(now())
    return emulator.store.put("runner", machine_id, runner)


@router.post("/runners/{machineId}/log")
async def append_runner_log(machineId: str, request: Request) -> Response:
    """Append a line ``{message, level?}`` (level INFO by default) to a runner's log; return the line."""
    emulator = emulator_of(request)
    find_runner(emulator, machineId)
    body = await read_object(request)
    message = required_str(body, "message")
    level = (optional_str(body, "level") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise bad_request("level", f"must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    line_id = new_id()
    line = {
        "id": line_id,
        "machineId": machineId,
        "dateCreation": iso(now()),
        "level": level,
        "message": message,
    }
    return reply(emulator.store.put("runner_log", line_id, line))


@router.get("/datapools/{label}/consumer")
async def get_consumer(label: str, request: Request) -> Response:
    """Return the settings of the datapool's bot (every key), ``null`` when it has none, or 404."""
    emulator = emulator_of(request)
    lookup(emulator, "datapool", label, "datapool")
    emulator.consumers.catch_up(label, now())
    return reply(_shown(emulator.consumers.settings(label)))


@router.put("/datapools/{label}/consumer")
async def put_consumer(label: str, request: Request) -> Response:
    """Set or replace the datapool's bot (``null`` or ``{}`` removes it); return its settings."""
    emulator = emulator_of(request)
    body = await read_json(request)
    lookup(emulator, "datapool", label, "datapool")
    settings = parse_settings(body)
    return reply(_shown(emulator.consumers.configure(label, settings, now())))


@router.delete("/datapools/{label}/consumer")
async def delete_consumer(label: str, request: Request) -> Response:
    """Remove the datapool's bot (the item it holds goes back to PENDING); answer ``null``."""
    emulator = emulator_of(request)
    lookup(emulator, "datapool", label, "datapool")
    return reply(_shown(emulator.consumers.configure(label, None, now())))


def _shown(settings: ConsumerSettings | None) -> dict[str, Any] | None:
    return None if settings is None else settings.to_json()
