"""Checks of caller input, run before any request so a mistake costs no round trip. Public: the Airflow
operators run them on their rendered arguments before they make a request.

Each check raises :class:`ValidationError` naming the argument as the caller wrote it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ._config import base_url, has_userinfo
from ._errors import ValidationError

__all__ = [
    "activity_label",
    "artifact_id",
    "base_url",
    "destination",
    "has_userinfo",
    "json_parameters",
    "min_execution_date",
    "priority",
    "readable_file",
    "task_arguments",
    "task_id",
]

MIN_PRIORITY, MAX_PRIORITY = 0, 10


def activity_label(value: object) -> str:
    """A non-blank automation label."""
    if not isinstance(value, str):
        raise ValidationError("activity_label", f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValidationError("activity_label", "is empty; give the label of the automation in Maestro")
    return value.strip()


def priority(value: object) -> int:
    """An integer from 0 (lowest) to 10 (highest), as Maestro ranks tasks."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("priority", f"must be an integer from 0 to 10, got {value!r}")
    if not MIN_PRIORITY <= value <= MAX_PRIORITY:
        raise ValidationError("priority", f"must be from 0 to 10, got {value}")
    return value


def task_id(value: object, field: str = "maestro_task_id") -> int:
    """A Maestro task id: a positive integer, or its decimal text (as templates render it)."""
    return _positive_id(value, field, "task")


def artifact_id(value: object, field: str = "artifact_id") -> int:
    """A Maestro artifact id."""
    return _positive_id(value, field, "artifact")


def _positive_id(value: object, field: str, what: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, f"must be a positive {what} id, got {value!r}")
    return value


def json_parameters(value: object, field: str = "parameters") -> dict[str, Any]:
    """A mapping JSON can encode as it is: no datetimes, sets, bytes, NaN or non-string keys."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(field, f"must be a mapping of names to values, got {type(value).__name__}")
    _check_json(value, field)
    return dict(value)


def _check_json(value: object, where: str) -> None:
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(where, f"is {value!r}, which JSON cannot encode")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(where, f"has key {key!r}; JSON object keys must be strings")
            _check_json(item, f"{where}[{key!r}]")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]")
        return
    advice = " (pass it as an ISO-8601 string)" if isinstance(value, date) else ""
    raise ValidationError(where, f"is a {type(value).__name__}, which JSON cannot encode{advice}")


def min_execution_date(value: object) -> str | None:
    """An ISO-8601 text in UTC; a naive datetime is taken to be UTC already, as Maestro does."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("min_execution_date", f"{value!r} is not an ISO-8601 date-time") from None
    if not isinstance(value, datetime):
        raise ValidationError("min_execution_date", f"must be a datetime, got {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def readable_file(value: object, field: str = "path") -> Path:
    """A path to an existing regular file that this process can read."""
    if not isinstance(value, str | os.PathLike):
        raise ValidationError(field, f"must be a file path, got {type(value).__name__}")
    path = Path(value)
    if not path.exists():
        raise ValidationError(field, f"{str(path)!r} does not exist")
    if path.is_dir():
        raise ValidationError(field, f"{str(path)!r} is a directory; give a file")
    if not path.is_file():
        raise ValidationError(field, f"{str(path)!r} is not a regular file")
    try:
        with path.open("rb") as handle:
            handle.read(0)
    except OSError as exc:
        raise ValidationError(field, f"{str(path)!r} cannot be read: {exc.strerror or exc}") from None
    return path


def destination(value: object, field: str = "destination") -> Path:
    """A path a download can be written to: not a folder, and in a folder that exists."""
    if not isinstance(value, str | os.PathLike):
        raise ValidationError(field, f"must be a file path, got {type(value).__name__}")
    path = Path(value)
    if path.is_dir():
        raise ValidationError(field, f"{str(path)!r} is a directory; give the file's path")
    if not path.parent.is_dir():
        raise ValidationError(field, f"the folder {str(path.parent)!r} does not exist")
    return path


def task_arguments(
    activity_label_: object, parameters: object, priority_: object, min_execution_date_: object
) -> None:
    """Check every argument of a task's creation at once (what an operator does before any request)."""
    activity_label(activity_label_)
    json_parameters(parameters)
    priority(priority_)
    min_execution_date(min_execution_date_)
