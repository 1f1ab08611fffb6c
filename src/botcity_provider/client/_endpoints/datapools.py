"""Datapools: queues of items that bots take one at a time (``maestro-api.md`` §4.9, §6.7-6.9).

Bodies are those of the official SDK 0.9.1 as its recorded traffic shows them: a pool is always sent
whole (its ``to_dict``), an item's report is the whole item with the new state (its ``json_to_update``),
since the server's handling of a partial body is unknown. Pull is never resent: a lost answer has already
handed the item to this caller, and a second pull would take another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pydantic

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, RawResponse, model_parser
from botcity_provider.client._errors import ValidationError
from botcity_provider.client._models import Page
from botcity_provider.client._models.datapools import (
    Datapool,
    DatapoolEntry,
    DatapoolEntryListing,
    DatapoolListing,
    DatapoolSettings,
    DatapoolSummary,
    EntryState,
)

from ._common import call, ignore_body, label, page_parser, paging

__all__ = [
    "ERROR_TYPES",
    "cancel_entry",
    "create_datapool",
    "datapool_label",
    "datapool_settings",
    "datapool_summary",
    "delete_entry",
    "entry_id",
    "entry_pages",
    "entry_state",
    "get_datapool",
    "get_entry",
    "list_datapools",
    "list_entries",
    "pull_entry",
    "push_datapool_entry",
    "push_values",
    "report_body",
    "update_datapool",
    "update_entry",
    "updated_pool_body",
]

POOL_HINT = "check the datapool label"
ENTRY_HINT = "check the datapool label and the item's id"
ERROR_TYPES = ("SYSTEM", "BUSINESS")

T = TypeVar("T")
_pool = model_parser(Datapool, "Reading the datapool")
_entry = model_parser(DatapoolEntry, "Reading the datapool item")


# --- arguments ------------------------------------------------------------------------------------


def datapool_label(value: object) -> str:
    """A non-empty datapool label, with no ``/`` (a path segment Maestro cannot route, §3)."""
    name = label(value, "label", "the datapool's label")
    if "/" in name:
        raise ValidationError("label", f"{name!r} contains '/', which Maestro cannot tell from the path")
    return name


def entry_id(value: object) -> str:
    """An item's id as Maestro gave it: non-empty text (a number is taken as its text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("entry_id", f"must be the item's id as Maestro gave it, got {value!r}")
    if "/" in value:
        raise ValidationError("entry_id", f"{value!r} contains '/', which Maestro cannot tell from the path")
    return value


def entry_state(value: object) -> EntryState | None:
    """A state to filter items by (``PENDING``, ``DONE``…), or None for every state."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("state", f"must be an item state such as 'PENDING' or 'DONE', got {value!r}")
    return EntryState(value.strip().upper())


def datapool_settings(values: Mapping[str, Any]) -> DatapoolSettings:
    """The settings, checked: types, choices, no unknown name. Those not given take the SDK's defaults."""
    given = dict(values)
    if isinstance(given.get("fields"), Iterable) and not isinstance(given["fields"], str | Mapping):
        given["fields"] = list(given["fields"])
    try:
        return DatapoolSettings.model_validate(given)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"])
        problem = "is not a datapool setting" if first["type"] == "extra_forbidden" else str(first["msg"])
        raise ValidationError(where.lstrip(".") or "settings", problem[:1].lower() + problem[1:]) from None


def push_values(items: object) -> list[dict[str, Any]]:
    """Every item's values, checked before the first is pushed."""
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable):
        raise ValidationError("items", "must be a list of mappings of values, one per item")
    checked = [check.json_parameters(item, f"items[{index}]") for index, item in enumerate(items)]
    if not checked:
        raise ValidationError("items", "is empty; give at least one item")
    return checked


# --- pools ----------------------------------------------------------------------------------------


def create_datapool(pool: object, settings: DatapoolSettings) -> Call[None]:
    """``POST /api/v2/datapool``. Not idempotent: a resend finds the label taken. The official SDK
    ignores the answer, so it is not read; the pool is read back with :func:`get_datapool`."""
    name = datapool_label(pool)
    body = {"label": name, **settings.model_dump(by_alias=True, mode="json")}
    doing = f"Creating datapool {name!r}"
    return call("datapools.create", (), doing, ignore_body, json=body, idempotent=False)


def get_datapool(pool: object) -> Call[Datapool]:
    """``GET /api/v2/datapool/{label}``."""
    name = datapool_label(pool)
    return call("datapools.get", (name,), f"Getting datapool {name!r}", _pool, hint=POOL_HINT)


def updated_pool_body(
    current: Datapool, settings: DatapoolSettings, changed: Iterable[str]
) -> dict[str, Any]:
    """The whole pool as the SDK sends it: what the server has, with the ``changed`` settings replaced.

    Settings the server did not send take the SDK's defaults, so the body is always complete.
    """
    wanted = set(changed)
    body: dict[str, Any] = {"label": current.label}
    for field, info in DatapoolSettings.model_fields.items():
        value = getattr(settings if field in wanted else current, field)
        if value is None and field not in wanted:
            value = info.get_default(call_default_factory=True)
        body[info.alias or field] = _wire(value)
    return body


def _wire(value: Any) -> Any:
    if isinstance(value, list):
        return [_wire(item) for item in value]
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(by_alias=True, mode="json", include=_FIELD_KEYS)
    return str(value) if isinstance(value, str) else value


_FIELD_KEYS = {"label", "type", "unique_id", "display_value"}


def update_datapool(pool: object, body: Mapping[str, Any]) -> Call[Datapool]:
    """``POST /api/v2/datapool/{label}``: the whole pool (a resend sends the same pool again)."""
    name = datapool_label(pool)
    doing = f"Updating datapool {name!r}"
    return call("datapools.update", (name,), doing, _pool, json=dict(body), hint=POOL_HINT)


def datapool_summary(pool: str) -> Call[DatapoolSummary]:
    """``GET /api/v2/datapool/{label}/summary``: counts of items by state."""
    name = datapool_label(pool)
    parse = model_parser(DatapoolSummary, "Reading the datapool summary")
    doing = f"Reading the summary of datapool {name!r}"
    return call("datapools.summary", (name,), doing, parse, hint=POOL_HINT)


def list_datapools(*, page: int = 0, size: int = 50) -> Call[Page[DatapoolListing]]:
    """``GET /api/v2/datapool`` (unverified): one page of the workspace's pools."""
    parse = page_parser(DatapoolListing, "Listing datapools")
    return call("datapools.list", (), "Listing datapools", parse, query=tuple(paging(page, size)))


# --- items ----------------------------------------------------------------------------------------


def push_datapool_entry(pool: str, values: Mapping[str, Any], priority: int) -> Call[DatapoolEntry]:
    """``POST /api/v2/datapool/{label}/push``: add an item for bots to take. Not idempotent."""
    name = datapool_label(pool)
    body = {"priority": check.priority(priority), "values": check.json_parameters(values, "values")}
    parse = model_parser(DatapoolEntry, "Pushing the datapool item")
    doing = f"Pushing an item to datapool {name!r}"
    return call("datapools.push", (name,), doing, parse, json=body, idempotent=False, hint=POOL_HINT)


def _pulled(raw: RawResponse) -> DatapoolEntry | None:
    # 204 (or an empty body) is how Maestro says that nothing is pending; the SDK returns None too.
    if raw.status == 204 or not raw.body.strip():
        return None
    return _entry(raw)


def pull_entry(pool: object) -> Call[DatapoolEntry | None]:
    """``GET /api/v2/datapool/{label}/pull``: the next pending item, now PROCESSING, or None.

    Not idempotent although a GET: the server hands the item out, so a resend would take a second one.
    """
    name = datapool_label(pool)
    doing = f"Taking the next item of datapool {name!r}"
    return call("datapools.pull", (name,), doing, _pulled, idempotent=False, hint=POOL_HINT)


def get_entry(pool: object, entry: object) -> Call[DatapoolEntry]:
    """``GET /api/v2/datapool/{label}/entry/{id}``."""
    name, ident = datapool_label(pool), entry_id(entry)
    doing = f"Getting item {ident!r} of datapool {name!r}"
    return call("datapools.get_entry", (name, ident), doing, _entry, hint=ENTRY_HINT)


def report_body(
    current: DatapoolEntry,
    state: EntryState,
    message: str,
    *,
    error_type: str | None = None,
    task_id: str | None = None,
) -> dict[str, Any]:
    """The whole item with its new state, as the SDK's ``save()`` sends it (``taskId`` as text)."""
    return {
        "priority": current.priority,
        "values": current.values,
        "dataPoolLabel": current.datapool_label,
        "state": str(state),
        "uniqueKey": current.unique_key,
        "displayValue": current.display_value,
        "message": message,
        "errorType": error_type if error_type is not None else current.error_type,
        "retryIndex": current.retry_index,
        "runner": current.runner,
        "taskId": task_id if task_id is not None else current.task_id,
        "parent": current.parent,
        "child": current.child,
    }


def update_entry(pool: object, entry: object, body: Mapping[str, Any]) -> Call[DatapoolEntry]:
    """``POST /api/v2/datapool/{label}/entry/{id}``: the item's new state. A resend sets it again."""
    name, ident = datapool_label(pool), entry_id(entry)
    doing = f"Reporting item {ident!r} of datapool {name!r} {body.get('state')}"
    return call("datapools.update_entry", (name, ident), doing, _entry, json=dict(body), hint=ENTRY_HINT)


def cancel_entry(pool: object, entry: object, message: str) -> Call[DatapoolEntry]:
    """``PUT /api/v2/datapool/{label}/entry/{id}/cancel``: a pending item is never to be taken."""
    name, ident = datapool_label(pool), entry_id(entry)
    body = {"state": str(EntryState.CANCELED), "message": message}
    doing = f"Canceling item {ident!r} of datapool {name!r}"
    return call("datapools.cancel_entry", (name, ident), doing, _entry, json=body, hint=ENTRY_HINT)


def delete_entry(pool: object, entry: object) -> Call[None]:
    """``DELETE /api/v2/datapool/{label}/entry/{id}``."""
    name, ident = datapool_label(pool), entry_id(entry)
    doing = f"Deleting item {ident!r} of datapool {name!r}"
    return call("datapools.delete_entry", (name, ident), doing, ignore_body, hint=ENTRY_HINT)


def _view(pool: object, page: int, size: int, parse: Callable[[RawResponse], T]) -> Call[T]:
    name = datapool_label(pool)
    doing = f"Listing the items of datapool {name!r}"
    return call("datapools.entries", (name,), doing, parse, query=tuple(paging(page, size)), hint=POOL_HINT)


def entry_pages(pool: object, *, page: int = 0, size: int = 50) -> Call[Page[DatapoolEntryListing]]:
    """``GET /api/v2/datapool/{label}/view`` (unverified): one page of the pool's items, every state."""
    return _view(pool, page, size, page_parser(DatapoolEntryListing, "Listing datapool items"))


def list_entries(
    pool: object, *, state: object = None, page: int = 0, size: int = 50
) -> Call[Page[DatapoolEntryListing]]:
    """One page of the pool's items (unverified route), only those in ``state`` when given.

    The route has no known state filter, so the page is filtered here: its counts (``total_elements``,
    ``total_pages``) are the server's, of every state.
    """
    wanted = entry_state(state)
    if wanted is None:
        return entry_pages(pool, page=page, size=size)
    whole = page_parser(DatapoolEntryListing, "Listing datapool items")

    def parse(raw: RawResponse) -> Page[DatapoolEntryListing]:
        listing: Page[DatapoolEntryListing] = whole(raw)
        return listing.model_copy(update={"content": [e for e in listing.content if e.state == wanted]})

    return _view(pool, page, size, parse)
