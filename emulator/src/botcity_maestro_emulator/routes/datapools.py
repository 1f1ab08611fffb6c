"""Datapools and their entries: create, read, activate, summary, push, pull, save, cancel (§4.9).

Each route that reads or changes a pool first lets the pool's emulated bot catch up (``consumer``), after
the body is read and with no ``await`` until the answer, so the bot never acts between a route's look and
its change.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from botcity_maestro_emulator.consumer import pool_consumer
from botcity_maestro_emulator.errors import ApiError, bad_request, not_found
from botcity_maestro_emulator.paging import page_request, paginate
from botcity_maestro_emulator.records import (
    ENTRY_FINISHED_STATES,
    ENTRY_STATES,
    ENTRY_UPDATABLE,
    datapool_record,
    entry_record,
    merge_datapool,
    new_id,
)
from botcity_maestro_emulator.routes.common import Auth, lookup, read_object, reply
from botcity_maestro_emulator.schemas import choice, priority_of, required_str
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.timefmt import iso, now, parse_iso

router = APIRouter()
SORTABLE_POOL_FIELDS = ("id", "label", "name", "dateCreation", "active")
SORTABLE_ENTRY_FIELDS = ("id", "state", "priority", "dateRegister", "dateProcessing", "dateFinished")


def _pool(emulator: Emulator, label: str) -> dict[str, Any]:
    return lookup(emulator, "datapool", label, "datapool")


def _caught_up(emulator: Emulator, label: str) -> dict[str, Any]:
    """Return the pool (or raise 404) once its bot has done what it would have done by now."""
    pool = _pool(emulator, label)
    emulator.consumers.catch_up(label, now())
    return pool


def _entries(emulator: Emulator, label: str) -> list[dict[str, Any]]:
    return [entry for entry in emulator.store.values("entry") if entry["dataPoolLabel"] == label]


def _entry(emulator: Emulator, label: str, entry_id: str) -> dict[str, Any]:
    _caught_up(emulator, label)
    entry = emulator.store.get("entry", entry_id)
    if entry is None or entry["dataPoolLabel"] != label:
        raise not_found("entry", f"{entry_id!r} of datapool {label!r}")
    return entry


def _check_pool_body(body: dict[str, Any]) -> None:
    if body.get("schema") is not None and not isinstance(body["schema"], list):
        raise bad_request("schema", "must be a list of fields")
    choice(body, "consumptionPolicy", ("FIFO", "LIFO"), None)
    choice(body, "trigger", ("ALWAYS", "NEVER", "NO_TASK_ACTIVE"), None)


@router.post("/api/v2/datapool")
async def create_datapool(request: Request, emulator: Auth) -> Response:
    """Create a datapool; labels are unique (409 when taken).

    The reserved ``_emulator`` key (``{"consumer": {...}}``) gives the pool a bot; the pool as stored
    and answered has no such key (``datapool_record`` copies only the pool's fields).
    """
    body = await read_object(request)
    label = required_str(body, "label")
    _check_pool_body(body)
    consumer = pool_consumer(body)
    if emulator.store.get("datapool", label) is not None:
        raise ApiError(409, f"datapool {label!r} already exists")
    at = now()
    pool = emulator.store.put(
        "datapool", label, datapool_record(body, pool_id=new_id(), organization=emulator.config.login, at=at)
    )
    if consumer is not None:
        emulator.consumers.configure(label, consumer, at)
    return reply(pool)


@router.get("/api/v2/datapool")
async def list_datapools(request: Request, emulator: Auth) -> Response:
    """List datapools as a Spring page."""
    page = page_request(request.query_params, fields=SORTABLE_POOL_FIELDS, default_sort="label,asc")
    return reply(paginate(emulator.store.values("datapool"), page))


@router.get("/api/v2/datapool/{label}")
async def get_datapool(label: str, emulator: Auth) -> Response:
    """Return a datapool (``defaultActivity`` spelling, ``schema`` always a list, ``active`` boolean)."""
    return reply(_caught_up(emulator, label))


@router.post("/api/v2/datapool/{label}")
async def update_datapool(label: str, request: Request, emulator: Auth) -> Response:
    """Merge a datapool body (the SDK's activate/deactivate send the whole pool)."""
    _pool(emulator, label)
    body = await read_object(request)
    _check_pool_body(body)
    # The bot works up to now under the old settings: a deactivation stops it from now on, not before.
    pool = dict(_caught_up(emulator, label))
    merge_datapool(pool, body)
    return reply(emulator.store.put("datapool", label, pool))


@router.delete("/api/v2/datapool/{label}")
async def delete_datapool(label: str, emulator: Auth) -> Response:
    """Delete a datapool and its entries."""
    _pool(emulator, label)
    for entry in _entries(emulator, label):
        emulator.store.delete("entry", entry["id"])
    emulator.consumers.dropped(label)
    emulator.store.delete("datapool", label)
    return reply({"message": f"datapool {label!r} deleted"})


@router.get("/api/v2/datapool/{label}/summary")
async def summary(label: str, emulator: Auth) -> Response:
    """Count entries per state; the SDK reads ``countPending``."""
    pool = _caught_up(emulator, label)
    entries = _entries(emulator, label)
    counts = {state: 0 for state in ENTRY_STATES}
    durations = []
    for entry in entries:
        counts[entry["state"]] = counts.get(entry["state"], 0) + 1
        if entry["state"] == "DONE" and entry["dateProcessing"] and entry["dateFinished"]:
            durations.append(parse_iso(entry["dateFinished"]) - parse_iso(entry["dateProcessing"]))
    body = {f"count{state.title()}": count for state, count in counts.items()}
    body["avgDone"] = round(1000 * sum(durations) / len(durations)) if durations else 0
    body["active"] = pool["active"]
    return reply(body)


@router.post("/api/v2/datapool/{label}/push")
async def push(label: str, request: Request, emulator: Auth) -> Response:
    """Add a PENDING entry (inactive pools still accept pushes)."""
    _pool(emulator, label)
    body = await read_object(request)
    priority_of(body)
    if body.get("values") is not None and not isinstance(body["values"], dict):
        raise bad_request("values", "must be a JSON object")
    _caught_up(emulator, label)
    entry_id, at = new_id(), now()
    entry = emulator.store.put("entry", entry_id, entry_record(label, body, entry_id=entry_id, at=at))
    emulator.consumers.pushed(label, entry, at)
    return reply(entry)


@router.get("/api/v2/datapool/{label}/pull")
async def pull(label: str, emulator: Auth) -> Response:
    """Hand out the next PENDING entry as PROCESSING: highest priority first, then FIFO or LIFO.

    Nothing pending, or an inactive pool, is a 204 with an empty body (the SDK's ``None``).
    """
    pool = _caught_up(emulator, label)
    pending = [entry for entry in _entries(emulator, label) if entry["state"] == "PENDING"]
    if not pool["active"] or not pending:
        return Response(status_code=204)
    if pool["consumptionPolicy"] == "LIFO":
        pending.reverse()
    chosen = max(pending, key=lambda entry: entry["priority"] or 0)
    updated = {**chosen, "state": "PROCESSING", "dateProcessing": iso(now())}
    return reply(emulator.store.put("entry", chosen["id"], updated))


@router.get("/api/v2/datapool/{label}/view")
async def view(label: str, request: Request, emulator: Auth) -> Response:
    """List a datapool's entries as a Spring page."""
    _caught_up(emulator, label)
    page = page_request(request.query_params, fields=SORTABLE_ENTRY_FIELDS, default_sort="dateRegister,asc")
    return reply(paginate(_entries(emulator, label), page))


@router.get("/api/v2/datapool/{label}/entry/{entryId}")
async def get_entry(label: str, entryId: str, emulator: Auth) -> Response:
    """Return one entry, with both ``dataPoolLabel`` and ``datapoolLabel``."""
    return reply(_entry(emulator, label, entryId))


@router.post("/api/v2/datapool/{label}/entry/{entryId}")
async def save_entry(label: str, entryId: str, request: Request, emulator: Auth) -> Response:
    """Merge an entry update (``report_done``/``report_error``) and return the merged entry."""
    _entry(emulator, label, entryId)
    body = await read_object(request)
    choice(body, "state", ENTRY_STATES, None)
    choice(body, "errorType", ("SYSTEM", "BUSINESS"), None)
    entry = dict(_entry(emulator, label, entryId))
    before, at = entry["state"], now()
    for key in ENTRY_UPDATABLE:
        if key in body and (key != "state" or body[key] is not None):
            entry[key] = body[key]
    if body.get("state") in ENTRY_FINISHED_STATES:
        entry["dateFinished"] = iso(at)
    saved = emulator.store.put("entry", entryId, entry)
    emulator.consumers.saved(label, before, saved, at)
    return reply(saved)


@router.put("/api/v2/datapool/{label}/entry/{entryId}/cancel")
async def cancel_entry(label: str, entryId: str, request: Request, emulator: Auth) -> Response:
    """Cancel a PENDING entry (409 otherwise)."""
    _entry(emulator, label, entryId)
    body = await read_object(request)
    entry = _entry(emulator, label, entryId)
    if entry["state"] != "PENDING":
        raise ApiError(409, f"entry {entryId!r} is {entry['state']}; only PENDING entries can be canceled")
    message = body.get("message")
    updated = {**entry, "state": "CANCELED", "message": message, "dateFinished": iso(now())}
    return reply(emulator.store.put("entry", entryId, updated))


@router.delete("/api/v2/datapool/{label}/entry/{entryId}")
async def delete_entry(label: str, entryId: str, emulator: Auth) -> Response:
    """Delete an entry."""
    _entry(emulator, label, entryId)
    emulator.store.delete("entry", entryId)
    return reply({"message": f"entry {entryId!r} deleted"})
