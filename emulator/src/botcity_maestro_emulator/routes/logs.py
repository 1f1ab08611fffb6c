"""Per-automation tabular logs: definition, entries, reading, deletion (maestro-api.md §4.5)."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Request, Response

from botcity_maestro_emulator.errors import bad_request
from botcity_maestro_emulator.paging import select
from botcity_maestro_emulator.records import log_record, new_id
from botcity_maestro_emulator.routes.common import Auth, lookup, read_object, reply
from botcity_maestro_emulator.schemas import required_str
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.timefmt import iso, now

router = APIRouter()


def _columns(body: dict[str, Any]) -> list[dict[str, Any]]:
    columns = body.get("columns")
    if not isinstance(columns, list) or not columns:
        raise bad_request("columns", "must be a non-empty list")
    for index, column in enumerate(columns):
        if not isinstance(column, dict) or not column.get("label") or not column.get("name"):
            raise bad_request(f"columns[{index}]", "must be an object with a 'name' and a 'label'")
    return columns


def _entries(emulator: Emulator, label: str) -> list[dict[str, Any]]:
    return [entry for entry in emulator.store.values("log_entry") if entry["log"] == label]


@router.post("/api/v2/log")
async def create_log(request: Request, emulator: Auth) -> Response:
    """Define (or redefine) the log of an automation; existing entries are kept."""
    body = await read_object(request)
    label = body.get("activityLabel") or body.get("label")
    definition = {
        "activityLabel": required_str({"activityLabel": label}, "activityLabel"),
        "columns": _columns(body),
    }
    log = log_record(definition, organization=emulator.config.login, at=now())
    return reply(emulator.store.put("log", log["activityLabel"], log))


@router.get("/api/v2/log")
async def list_logs(emulator: Auth) -> Response:
    """Return every log definition (a plain array)."""
    return reply(emulator.store.values("log"))


@router.get("/api/v2/log/{activityLabel}")
async def get_log(activityLabel: str, emulator: Auth) -> Response:
    """Return a log definition; its ``columns`` are never empty."""
    return reply(lookup(emulator, "log", activityLabel, "log"))


@router.delete("/api/v2/log/{activityLabel}")
async def delete_log(activityLabel: str, emulator: Auth) -> Response:
    """Delete a log and its entries; the SDK accepts exactly 200."""
    log = lookup(emulator, "log", activityLabel, "log")
    for entry in _entries(emulator, activityLabel):
        emulator.store.delete("log_entry", entry["id"])
    emulator.store.delete("log", activityLabel)
    return reply({"message": f"log {activityLabel!r} deleted", "id": log["id"]})


@router.post("/api/v2/log/{activityLabel}/entry")
async def add_entry(activityLabel: str, request: Request, emulator: Auth) -> Response:
    """Append an entry keyed by column labels.

    Unknown labels are refused (passing column *names* is the classic mistake); missing ones read back as
    ``""``.
    """
    log = lookup(emulator, "log", activityLabel, "log")
    body = await read_object(request)
    labels = [column["label"] for column in log["columns"]]
    unknown = sorted(set(body) - set(labels))
    if unknown:
        raise bad_request(
            unknown[0], f"is not a column of log {activityLabel!r}; columns: {', '.join(labels)}"
        )
    entry_id = new_id()
    entry = {"id": entry_id, "log": activityLabel, "columns": body, "dateCreation": iso(now())}
    emulator.store.put("log_entry", entry_id, entry)
    return reply({"columns": _complete(body, labels), "dateCreation": entry["dateCreation"]})


def _complete(columns: dict[str, Any], labels: list[str]) -> dict[str, Any]:
    """Give every column a value: the SDK raises ``KeyError`` on an entry missing a label."""
    return {label: columns.get(label, "") for label in labels}


def _recent_entries(
    request: Request, emulator: Emulator, label: str
) -> tuple[list[str], list[dict[str, Any]]]:
    log = lookup(emulator, "log", label, "log")
    labels = [column["label"] for column in log["columns"]]
    entries = [
        {"columns": _complete(entry["columns"], labels), "dateCreation": entry["dateCreation"]}
        for entry in select(_entries(emulator, label), request.query_params, now())
    ]
    return labels, entries


@router.get("/api/v2/log/{activityLabel}/entry-list")
async def list_entries(activityLabel: str, request: Request, emulator: Auth) -> Response:
    """Return the entries of the last ``days`` days as a plain JSON array."""
    _, entries = _recent_entries(request, emulator, activityLabel)
    return reply(entries)


@router.get("/api/v2/log/{activityLabel}/export")
async def export_entries(activityLabel: str, request: Request, emulator: Auth) -> Response:
    """Return the entries of the last ``days`` days as CSV (one column per label, then the date)."""
    labels, entries = _recent_entries(request, emulator, activityLabel)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*labels, "dateCreation"])
    for entry in entries:
        writer.writerow([*(entry["columns"][label] for label in labels), entry["dateCreation"]])
    return Response(buffer.getvalue(), media_type="text/csv")
