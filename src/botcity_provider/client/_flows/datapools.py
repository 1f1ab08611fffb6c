"""The datapool flows: the official SDK's multi-step calls (``maestro-api.md`` §4.9).

Create then read the pool back; read the pool, then send it whole with the changes; read an item, check
its state as the SDK does, then report, cancel or delete it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botcity_provider.client import checks as check
from botcity_provider.client._endpoints import datapools as api
from botcity_provider.client._engine import Operation
from botcity_provider.client._errors import MaestroError, ValidationError
from botcity_provider.client._models.datapools import Datapool, DatapoolEntry, EntryState

__all__ = ["cancel_item", "create_pool", "delete_item", "push_items", "report_item", "update_pool"]

# States from which the official SDK allows each step (it checks them itself before it writes).
_REPORTABLE = "anything but PENDING (a bot takes an item with next() first)"
_DELETABLE = frozenset({EntryState.PENDING, EntryState.CANCELED, EntryState.DONE, EntryState.ERROR})


def create_pool(pool: object, settings: Mapping[str, Any]) -> Operation[Datapool]:
    """Create the pool, then read it back: the SDK ignores the create's answer, so nobody knows it."""
    name, checked = api.datapool_label(pool), api.datapool_settings(settings)
    yield api.create_datapool(name, checked)
    created: Datapool = yield api.get_datapool(name)
    return created


def update_pool(pool: object, changes: Mapping[str, Any]) -> Operation[Datapool]:
    """Read the pool and send it back whole with ``changes``, as the SDK's activate/deactivate do."""
    name, checked = api.datapool_label(pool), api.datapool_settings(changes)
    current: Datapool = yield api.get_datapool(name)
    updated: Datapool = yield api.update_datapool(name, api.updated_pool_body(current, checked, changes))
    return updated


def push_items(pool: object, items: object, priority: int) -> Operation[list[DatapoolEntry]]:
    """Push each item in turn (the API has no batch push); all are checked before the first is sent."""
    name, rows, rank = api.datapool_label(pool), api.push_values(items), check.priority(priority)
    pushed: list[DatapoolEntry] = []
    for row in rows:
        try:
            pushed.append((yield api.push_datapool_entry(name, row, rank)))
        except MaestroError as exc:
            exc.add_note(f"{len(pushed)} of {len(rows)} items were pushed before this one failed")
            raise
    return pushed


def report_item(
    pool: object,
    entry: object,
    state: EntryState,
    message: object,
    *,
    error_type: object = None,
    task_id: object = None,
) -> Operation[DatapoolEntry]:
    """Read the item and send it back whole in ``state``, as the SDK's ``report_done``/``report_error``."""
    name, ident, text = api.datapool_label(pool), api.entry_id(entry), _message(message)
    kind = None if error_type is None else _error_type(error_type)
    task = None if task_id is None else str(check.task_id(task_id, "task_id"))
    current: DatapoolEntry = yield api.get_entry(name, ident)
    if current.state is EntryState.PENDING:
        raise _wrong_state(name, ident, current, f"reported {state}", _REPORTABLE)
    body = api.report_body(current, state, text, error_type=kind, task_id=task)
    reported: DatapoolEntry = yield api.update_entry(name, ident, body)
    return reported


def cancel_item(pool: object, entry: object, message: object) -> Operation[DatapoolEntry]:
    """Read the item and cancel it if it is still PENDING, as the SDK's ``cancel_entry``."""
    name, ident, text = api.datapool_label(pool), api.entry_id(entry), _message(message)
    current: DatapoolEntry = yield api.get_entry(name, ident)
    if current.state is not EntryState.PENDING:
        raise _wrong_state(name, ident, current, "canceled", "PENDING")
    canceled: DatapoolEntry = yield api.cancel_entry(name, ident, text)
    return canceled


def delete_item(pool: object, entry: object) -> Operation[None]:
    """Read the item and delete it unless a bot holds it (PROCESSING, TIMEOUT), as the SDK's
    ``delete_entry``."""
    name, ident = api.datapool_label(pool), api.entry_id(entry)
    current: DatapoolEntry = yield api.get_entry(name, ident)
    if current.state not in _DELETABLE:
        raise _wrong_state(name, ident, current, "deleted", "PENDING, CANCELED, DONE or ERROR")
    yield api.delete_entry(name, ident)
    return None


def _wrong_state(pool: str, ident: str, entry: DatapoolEntry, doing: str, allowed: str) -> ValidationError:
    state = entry.state or "in no state"
    return ValidationError(
        "entry_id", f"item {ident!r} of datapool {pool!r} is {state}: it can be {doing} from {allowed}"
    )


def _message(value: object) -> str:
    if value is None:
        return ""  # what the SDK sends when it is given no message
    if not isinstance(value, str):
        raise ValidationError("message", f"must be text, got {type(value).__name__}")
    return value


def _error_type(value: object) -> str:
    if value not in api.ERROR_TYPES:
        raise ValidationError("error_type", f"must be SYSTEM or BUSINESS, got {value!r}")
    return str(value)
