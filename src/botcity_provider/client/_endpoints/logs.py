"""Logs: an automation's tabular log, defined by its columns, written an entry at a time (§4.5)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pydantic

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, RawResponse, json_body, model_parser
from botcity_provider.client._errors import ResponseValidationError, ValidationError
from botcity_provider.client._models.logs import Log, LogColumn, LogEntry

from ._common import call, days_back, ignore_body

__all__ = [
    "add_entry",
    "create_log",
    "delete_log",
    "export_log",
    "get_log",
    "list_entries",
    "list_logs",
    "list_parser",
    "log_columns",
]

LOG_HINT = "check the automation label; its log may not exist yet (create it with logs.create)"
M = TypeVar("M", bound=pydantic.BaseModel)
_OK = frozenset({200})  # the official SDK accepts exactly 200 for an entry and for a delete


def create_log(
    activity_label: object, columns: Iterable[LogColumn | Mapping[str, Any]], organization: str
) -> Call[Log]:
    """``POST /api/v2/log``: define the automation's log. Keyed by the label: a resend defines it again."""
    label = check.activity_label(activity_label)
    body = {
        "activityLabel": label,
        "columns": [column.model_dump(exclude_none=True) for column in log_columns(columns)],
        "organizationLabel": organization,
    }
    parse = model_parser(Log, "Reading the new log")
    return call("logs.create", (), f"Creating the log of automation {label!r}", parse, json=body)


def log_columns(columns: object) -> list[LogColumn]:
    """The columns, checked: at least one, each a :class:`LogColumn` or a dict of name, label, width."""
    if isinstance(columns, str | bytes | Mapping) or not isinstance(columns, Iterable):
        raise ValidationError(
            "columns", "must be a list of columns (LogColumn or dicts of name, label, width)"
        )
    checked = [_column(column, f"columns[{index}]") for index, column in enumerate(columns)]
    if not checked:
        raise ValidationError("columns", "is empty; a log needs at least one column")
    labels = [column.label for column in checked]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise ValidationError("columns", f"label {twice[0]!r} is used by more than one column")
    return checked


def _column(value: object, field: str) -> LogColumn:
    if isinstance(value, LogColumn):
        return value
    if not isinstance(value, Mapping):
        raise ValidationError(field, f"must be a LogColumn or a dict of name, label, width, got {value!r}")
    try:
        return LogColumn.model_validate(dict(value))
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValidationError(f"{field}.{where}", str(first["msg"]).lower()) from None


def get_log(activity_label: object) -> Call[Log]:
    """``GET /api/v2/log/{label}``: the log's definition."""
    label = check.activity_label(activity_label)
    parse = model_parser(Log, "Reading the log")
    return call("logs.get", (label,), f"Getting the log of automation {label!r}", parse, hint=LOG_HINT)


def add_entry(activity_label: object, values: object) -> Call[None]:
    """``POST /api/v2/log/{label}/entry``. Not idempotent: a resend adds a second row."""
    label = check.activity_label(activity_label)
    if isinstance(values, Mapping) and not values:
        raise ValidationError("values", "is empty; give a value for at least one column label")
    row = check.json_parameters(values, "values")
    return call(
        "logs.add_entry",
        (label,),
        f"Adding an entry to the log of automation {label!r}",
        ignore_body,
        json=row,
        expected=_OK,
        idempotent=False,
        hint=LOG_HINT,
    )


def list_entries(activity_label: object, days: int) -> Call[list[LogEntry]]:
    """``GET /api/v2/log/{label}/entry-list?days=N``: the rows of the last ``days`` days."""
    label = check.activity_label(activity_label)
    doing = f"Listing the entries of the log of automation {label!r}"
    query = tuple(_days(days))
    return call("logs.entries", (label,), doing, list_parser(LogEntry, doing), query=query, hint=LOG_HINT)


def export_log(activity_label: object, destination: object, days: int) -> Call[Path]:
    """``GET /api/v2/log/{label}/export?days=N&format=csv``, streamed into ``destination``."""
    label = check.activity_label(activity_label)
    query = (*_days(days), ("format", "csv"))
    target = check.destination(destination)
    return call(
        "logs.export",
        (label,),
        f"Exporting the log of automation {label!r}",
        lambda raw: target,
        query=query,
        download_to=target,
        hint=LOG_HINT,
    )


def delete_log(activity_label: object) -> Call[None]:
    """``DELETE /api/v2/log/{label}``: the log and all its entries."""
    label = check.activity_label(activity_label)
    doing = f"Deleting the log of automation {label!r}"
    return call("logs.delete", (label,), doing, ignore_body, expected=_OK, hint=LOG_HINT)


def list_logs() -> Call[list[Log]]:
    """``GET /api/v2/log``: every log of the workspace."""
    return call("logs.list", (), "Listing logs", list_parser(Log, "Listing logs"))


def _days(days: int) -> list[tuple[str, str]]:
    window = days_back(days)
    if not window:  # None: these routes have no default window
        raise ValidationError("days", "must be a positive number of days, got None")
    return window


def list_parser(model: type[M], what: str) -> Callable[[RawResponse], list[M]]:
    """A parser for a JSON array of ``model`` (a page's ``content`` too, should the server page it)."""

    def parse(raw: RawResponse) -> list[M]:
        data = json_body(raw, what)
        if isinstance(data, dict) and isinstance(data.get("content"), list):
            data = data["content"]
        if not isinstance(data, list):
            raise ResponseValidationError(what, f"expected a JSON array, got {type(data).__name__}")
        return [model.model_validate(item) for item in data]

    return parse
