"""Runners ("machines"): the Spring page, one runner, its log and its tasks summary (maestro-api.md §4.10).

Only the paths and the ``name``/``isOnline`` item fields are documented. The log and the tasks summary are
the emulator's guesses, kept small:

- ``GET /api/v2/machine/log/{machineId}`` answers a JSON array of lines, oldest first, each
  ``{id, machineId, dateCreation, level, message}``;
- ``GET /api/v2/machine/{machineId}/tasks-summary?days=N`` answers ``{machineId, days, since, total,
  states: {START, RUNNING, FINISHED, CANCELED}, finishStatuses: {SUCCESS, FAILED, PARTIALLY_COMPLETED}}``,
  counting the tasks the runner picked up (``machineId``) that were created in the last ``days`` days.

A runner comes into being through ``POST /_emulator/runners``; the emulator's own runner (the one whose id
every picked-up task carries) is always there, online, and can be replaced like any other.

A seeded runner may also go online and offline by itself (``onlineAfterSeconds``, ``offlineAfterSeconds``).
Nothing runs in the background: the switches are stored with the runner, as epoch seconds, and the due ones
are applied whenever a runner is read (:func:`runner_at`), so its state is a function of the stored record
and the wall clock, and a restarted emulator keeps the schedule. Setting a runner online or offline by hand
drops what is left of its schedule.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import QueryParams

from botcity_maestro_emulator.errors import bad_request, not_found
from botcity_maestro_emulator.lifecycle import MACHINE_ID
from botcity_maestro_emulator.paging import integer_param, page_request, paginate, sort_items
from botcity_maestro_emulator.records import runner_record
from botcity_maestro_emulator.routes.common import Auth, reply
from botcity_maestro_emulator.schemas import FINISH_STATUSES, TASK_STATES
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.timefmt import iso, now

router = APIRouter()
SORTABLE_RUNNER_FIELDS = (
    "machineId",
    "name",
    "isOnline",
    "type",
    "version",
    "dateCreation",
    "dateLastConnection",
)
DEFAULT_SUMMARY_DAYS = 30
_BOOLEANS = {"true": True, "false": False}
SWITCHES = "_switches"
"""The runner record's own key for its scheduled ``[at, online]`` switches, earliest first; never served."""


def runner_at(record: dict[str, Any], at: float) -> tuple[dict[str, Any], bool]:
    """Apply the switches of a stored runner due by ``at``; return the record and whether it changed.

    A switch online also sets ``dateLastConnection`` to its own moment, not the moment of the read: the
    answer is the same whenever the runner is read after it.
    """
    switches = record.get(SWITCHES) or []
    due = [switch for switch in switches if switch[0] <= at]
    if not due:
        return record, False
    changed = dict(record)
    for moment, online in due:
        changed["isOnline"] = bool(online)
        if online:
            changed["dateLastConnection"] = iso(moment)
    changed[SWITCHES] = switches[len(due) :]
    if not changed[SWITCHES]:
        del changed[SWITCHES]
    return changed, True


def wire(record: dict[str, Any]) -> dict[str, Any]:
    """The runner as the API shows it: its schedule is the emulator's own."""
    return {key: value for key, value in record.items() if key != SWITCHES}


def all_runners(emulator: Emulator) -> list[dict[str, Any]]:
    """Return every runner as it is now, the emulator's own included (stored on first sight, so its dates
    stay put); a runner whose schedule switched it since the last read is stored as it now is."""
    at = now()
    if emulator.store.get("runner", MACHINE_ID) is None:
        record = runner_record(
            MACHINE_ID, {"name": "Emulator runner"}, organization=emulator.config.login, at=at
        )
        emulator.store.put("runner", MACHINE_ID, record)
    runners = []
    for stored in emulator.store.values("runner"):
        record, changed = runner_at(stored, at)
        if changed:
            emulator.store.put("runner", record["machineId"], record)
        runners.append(wire(record))
    return sort_items(runners, [("machineId", False)])


def find_runner(emulator: Emulator, machine_id: str) -> dict[str, Any]:
    """Return the runner ``machine_id`` or raise the 404 naming it."""
    for runner in all_runners(emulator):
        if runner["machineId"] == machine_id:
            return runner
    raise not_found("runner", repr(machine_id))


def runner_lines(emulator: Emulator, machine_id: str) -> list[dict[str, Any]]:
    """Return the log lines of a runner, oldest first (the store keeps them in the order they came)."""
    return [line for line in emulator.store.values("runner_log") if line["machineId"] == machine_id]


def _matching(emulator: Emulator, params: QueryParams) -> list[dict[str, Any]]:
    wanted_id = (params.get("machineId") or "").lower()
    wanted_type = (params.get("type") or "").lower()
    online = _online_filter(params.get("isOnline"))
    return [
        runner
        for runner in all_runners(emulator)
        if wanted_id in str(runner["machineId"]).lower()
        and (not wanted_type or str(runner.get("type") or "").lower() == wanted_type)
        and (online is None or runner["isOnline"] is online)
    ]


def _online_filter(raw: str | None) -> bool | None:
    if raw is None or raw == "":
        return None
    if raw.lower() not in _BOOLEANS:
        raise bad_request("isOnline", f"must be true or false, got {raw!r}")
    return _BOOLEANS[raw.lower()]


def tasks_summary(emulator: Emulator, machine_id: str, days: int, at: float) -> dict[str, Any]:
    """Count the runner's tasks created since ``days`` days ago, by state and by finish status."""
    since = iso(at - days * 86400.0)
    tasks = [
        record.wire
        for record in emulator.tasks.records(at)
        if record.wire.get("machineId") == machine_id and record.wire["dateCreation"] >= since
    ]
    states = dict.fromkeys(TASK_STATES, 0)
    statuses = dict.fromkeys(FINISH_STATUSES, 0)
    for task in tasks:
        states[task["state"]] = states.get(task["state"], 0) + 1
        if task.get("finishStatus") is not None:
            statuses[task["finishStatus"]] = statuses.get(task["finishStatus"], 0) + 1
    return {
        "machineId": machine_id,
        "days": days,
        "since": since,
        "total": len(tasks),
        "states": states,
        "finishStatuses": statuses,
    }


# The fixed paths are declared before ``/{machineId}`` so "pagination" and "log" are never taken for ids.
@router.get("/api/v2/machine/pagination")
async def page_runners(request: Request, emulator: Auth) -> Response:
    """Return the runners as a Spring page; ``machineId`` (substring), ``isOnline`` and ``type`` filter."""
    params = request.query_params
    page = page_request(
        params, fields=SORTABLE_RUNNER_FIELDS, default_sort="machineId,asc", tiebreak="machineId"
    )
    return reply(paginate(_matching(emulator, params), page))


@router.get("/api/v2/machine/log/{machineId}")
async def runner_log(machineId: str, emulator: Auth) -> Response:
    """Return the runner's log lines (the emulator's guess of the shape: see the module docstring)."""
    find_runner(emulator, machineId)
    return reply(runner_lines(emulator, machineId))


@router.get("/api/v2/machine/{machineId}")
async def get_runner(machineId: str, emulator: Auth) -> Response:
    """Return one runner, or 404."""
    return reply(find_runner(emulator, machineId))


@router.get("/api/v2/machine/{machineId}/tasks-summary")
async def runner_tasks_summary(machineId: str, request: Request, emulator: Auth) -> Response:
    """Return the counts of the runner's recent tasks; ``days`` (default 30) must be 1 or more."""
    days = integer_param(request.query_params, "days", DEFAULT_SUMMARY_DAYS)
    if days is None or days < 1:
        raise bad_request("days", f"must be a positive number of days, got {days}")
    find_runner(emulator, machineId)
    return reply(tasks_summary(emulator, machineId, days, now()))
