"""Automations ("activities"): the plain list, the Spring page and one automation (maestro-api.md §4.10).

An automation comes into being in three ways: ``POST /_emulator/automations`` (a test seeds one, with its
parameter list), the first task created for a new label (so flows that never seeded one keep working), or a
label given to ``--activities`` (listed as known even before any task uses it).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import QueryParams

from botcity_maestro_emulator.errors import bad_request, not_found
from botcity_maestro_emulator.paging import page_request, paginate, sort_items
from botcity_maestro_emulator.records import automation_record, parameters_of_task
from botcity_maestro_emulator.routes.common import Auth, reply
from botcity_maestro_emulator.schemas import expect_object, optional_str, required_str
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.timefmt import now

router = APIRouter()
SORTABLE_AUTOMATION_FIELDS = ("id", "label", "name", "dateCreation")
_FILTERS = (("label", "label"), ("automation", "label"), ("name", "name"))
"""Query parameter → field it searches: case-insensitive substring, like the portal's search box."""


def all_automations(emulator: Emulator) -> list[dict[str, Any]]:
    """Return every automation, the ``--activities`` labels not yet stored included (in label order)."""
    for label in sorted(emulator.config.activities or ()):
        # Stored on first sight rather than at start-up, so a reset brings them back with stable ids.
        note_task_label(emulator, label, {}, now())
    return sort_items(emulator.store.values("automation"), [("label", False)])


def register_automation(emulator: Emulator, body: Any, at: float) -> dict[str, Any]:
    """Create or replace an automation from an admin body ``{label, name?, description?, parameters?}``."""
    data = expect_object(body)
    label = required_str(data, "label")
    record = automation_record(
        label,
        name=optional_str(data, "name"),
        description=optional_str(data, "description"),
        parameters=_parameters(data.get("parameters")),
        organization=emulator.config.login,
        at=at,
    )
    previous = emulator.store.get("automation", label)
    if previous is not None:
        # Replacing keeps identity and age, as editing an automation in the portal would.
        record.update(id=previous["id"], dateCreation=previous["dateCreation"])
    return emulator.store.put("automation", label, record)


def note_task_label(emulator: Emulator, label: str, parameters: dict[str, Any], at: float) -> None:
    """Register the automation of a task's label the first time a task names it."""
    if emulator.store.get("automation", label) is not None:
        return
    record = automation_record(
        label,
        name=None,
        description=None,
        parameters=parameters_of_task(parameters),
        organization=emulator.config.login,
        at=at,
    )
    emulator.store.put("automation", label, record)


def _parameters(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad_request("parameters", "must be a list of {label, type, required}")
    found = []
    for index, item in enumerate(raw):
        where = f"parameters[{index}]"
        entry = expect_object(item, where)
        label = required_str(entry, "label")
        kind = optional_str(entry, "type", "TEXT")
        required = entry.get("required", False)
        if not isinstance(required, bool):
            raise bad_request(f"{where}.required", "must be a boolean")
        found.append({"label": label, "type": kind, "required": required})
    return found


def _matching(emulator: Emulator, params: QueryParams) -> list[dict[str, Any]]:
    wanted = [(field, params[name].lower()) for name, field in _FILTERS if params.get(name)]
    return [
        item
        for item in all_automations(emulator)
        if all(text in str(item.get(field) or "").lower() for field, text in wanted)
    ]


@router.get("/api/v2/activity")
async def list_automations(request: Request, emulator: Auth) -> Response:
    """Return the automations as a plain JSON array (n8n reads it so); ``page``/``size`` cut it when given."""
    params = request.query_params
    items = _matching(emulator, params)
    if params.get("page") is None and params.get("size") is None:
        return reply(items)
    page = page_request(params, fields=SORTABLE_AUTOMATION_FIELDS, default_sort="label,asc")
    return reply(paginate(items, page)["content"])


# Declared before ``/{label}`` so that "pagination" is never taken for a label (nor counted as one).
@router.get("/api/v2/activity/pagination")
async def page_automations(request: Request, emulator: Auth) -> Response:
    """Return the automations as a Spring page; ``label``, ``name`` (or ``automation``) filter them."""
    params = request.query_params
    page = page_request(params, fields=SORTABLE_AUTOMATION_FIELDS, default_sort="label,asc", tiebreak="id")
    return reply(paginate(_matching(emulator, params), page))


@router.get("/api/v2/activity/{label}")
async def get_automation(label: str, emulator: Auth) -> Response:
    """Return one automation with its ``parameters`` list, or 404."""
    for item in all_automations(emulator):
        if item["label"] == label:
            return reply(item)
    raise not_found("automation", repr(label))
