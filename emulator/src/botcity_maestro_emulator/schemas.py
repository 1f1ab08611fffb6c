"""Validation of request bodies, written from maestro-api.md alone (never shared with the client).

Each parser turns untrusted JSON into a small frozen value or raises a 400 :class:`ApiError` whose message
starts with the offending field, so a client developer sees at once which field Maestro would reject.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botcity_maestro_emulator.errors import ApiError, bad_request
from botcity_maestro_emulator.timefmt import parse_iso

TASK_STATES = ("START", "RUNNING", "FINISHED", "CANCELED")
FINISH_STATUSES = ("SUCCESS", "FAILED", "PARTIALLY_COMPLETED")
OUTCOMES = (*FINISH_STATUSES, "NEVER")
UPDATABLE_STATES = ("START", "FINISHED", "CANCELED")
ITEM_KEYS = ("totalItems", "processedItems", "failedItems")
OVERRIDE_KEY = "_emulator"
_OVERRIDE_FIELDS = (
    "outcome",
    "queue_seconds",
    "run_seconds",
    "message",
    "items",
    "errors",
    "alerts",
    "ignore_interrupt",
    "artifacts",
)
_RESULT_FILE_FIELDS = ("name", "content", "size")
_TIMED_ERROR_FIELDS = ("after_seconds", "type", "message", "screenshot")
_TIMED_ALERT_FIELDS = ("after_seconds", "title", "message", "type")
ALERT_TYPES = ("INFO", "WARN", "ERROR")
BOT_ERROR_TYPE = "EmulatedBotError"
"""The ``type`` of the error entries the emulated bot reports, unless a timed error names its own."""


@dataclass(frozen=True)
class Overrides:
    """Per-task behaviour of the emulated bot, read from the reserved ``_emulator`` task parameter."""

    outcomes: tuple[str, ...] = ("SUCCESS",)
    """Finish status of each run in turn; the last one repeats. ``NEVER`` keeps the run going forever."""
    queue_seconds: float | None = None
    """Seconds in START before a runner picks the task up; ``None`` means the server default."""
    run_seconds: float | None = None
    """Seconds in RUNNING before the bot finishes; ``None`` means the server default."""
    message: str | None = None
    """``finishMessage`` the bot reports."""
    items: tuple[int, int, int] | None = None
    """``[total, processed, failed]`` item counts the bot reports."""
    errors: tuple[str, ...] = ()
    """Messages the bot reports as error entries when a run ends FAILED."""
    timed_errors: tuple[TimedError, ...] = ()
    """Error entries the bot reports while a run is RUNNING (the object entries of ``errors``)."""
    alerts: tuple[TimedAlert, ...] = ()
    """Alerts the bot posts while a run is RUNNING."""
    ignore_interrupt: bool = False
    """Whether the bot ignores a cooperative interrupt request, as a badly written bot would."""
    artifacts: tuple[ResultFile, ...] = ()
    """Result files the bot posts to its task when a run ends by itself (whatever its finish status)."""


@dataclass(frozen=True)
class ResultFile:
    """One result file the emulated bot posts: ``content`` (text, sent as UTF-8), repeated and cut to
    ``size`` bytes when a size is given, so a test can ask for a big file without sending it."""

    name: str
    content: str
    size: int | None = None


@dataclass(frozen=True)
class TimedError:
    """An error entry the bot reports ``after_seconds`` into each run, if the run is still going then."""

    after_seconds: float
    message: str
    type: str = BOT_ERROR_TYPE
    screenshot: bool = False
    """Whether the bot also uploads a screenshot of the error, as ``POST /api/v2/error/{id}/screenshot``."""


@dataclass(frozen=True)
class TimedAlert:
    """An alert the bot posts ``after_seconds`` into each run, if the run is still going then."""

    after_seconds: float
    title: str
    message: str
    type: str = "INFO"


@dataclass(frozen=True)
class NewTask:
    """A validated ``POST /api/v2/task`` body."""

    activity_label: str
    parameters: dict[str, Any]
    test: bool
    priority: int
    not_before_at: float | None
    """``minExecutionDate`` as epoch seconds: the runner never starts the task earlier."""
    overrides: Overrides


def expect_object(body: Any, where: str = "body") -> dict[str, Any]:
    """Return ``body`` if it is a JSON object, else raise the 400 a Spring controller would."""
    if not isinstance(body, dict):
        raise bad_request(where, "must be a JSON object")
    return body


def is_int(value: Any) -> bool:
    """Tell JSON integers from booleans, which Python counts as integers."""
    return isinstance(value, int) and not isinstance(value, bool)


def optional_str(body: Mapping[str, Any], field: str, default: str | None = None) -> str | None:
    """Read an optional string field; ``null`` and absence give ``default``."""
    value = body.get(field)
    if value is None:
        return default
    if not isinstance(value, str):
        raise bad_request(field, "must be a string")
    return value


def required_str(body: Mapping[str, Any], field: str) -> str:
    """Read a string field that must be present and not blank."""
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(field, "must be a non-empty string")
    return value


def priority_of(body: Mapping[str, Any], field: str = "priority") -> int:
    """Read a Maestro priority: 0 (lowest) to 10 (highest), 0 when absent."""
    value = body.get(field, 0)
    if value is None:
        return 0
    if not is_int(value) or not 0 <= value <= 10:
        raise bad_request(field, f"must be an integer from 0 to 10, got {value!r}")
    return int(value)


def choice(body: Mapping[str, Any], field: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    """Read an enum-valued string field, rejecting values outside ``allowed``."""
    value = body.get(field, default)
    if value is None:
        return None
    if isinstance(value, str) and value in allowed:
        return value
    raise bad_request(field, f"must be one of {', '.join(allowed)}, got {value!r}")


def parse_new_task(body: Any) -> NewTask:
    """Validate a task-creation body: label, parameters, test flag, priority, minimum execution date."""
    data = expect_object(body)
    label = required_str(data, "activityLabel")
    parameters = data.get("parameters")
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, dict):
        raise bad_request("parameters", "must be a JSON object")
    test = data.get("test", False)
    if test is not None and not isinstance(test, bool):
        raise bad_request("test", "must be a boolean")
    not_before = optional_str(data, "minExecutionDate")
    try:
        not_before_at = None if not_before is None else parse_iso(not_before)
    except ValueError as exc:
        raise bad_request("minExecutionDate", f"must be an ISO-8601 date-time, got {not_before!r}") from exc
    return NewTask(
        activity_label=label,
        parameters=parameters,
        test=bool(test),
        priority=priority_of(data),
        not_before_at=not_before_at,
        overrides=parse_overrides(parameters.get(OVERRIDE_KEY)),
    )


def parse_overrides(value: Any) -> Overrides:
    """Validate the reserved ``_emulator`` parameter; unknown keys are refused so typos cannot pass."""
    if value is None:
        return Overrides()
    where = f"parameters.{OVERRIDE_KEY}"
    data = expect_object(value, where)
    unknown = sorted(set(data) - set(_OVERRIDE_FIELDS))
    if unknown:
        raise bad_request(f"{where}.{unknown[0]}", f"unknown key; known keys: {', '.join(_OVERRIDE_FIELDS)}")
    messages, timed_errors = _errors(data.get("errors"), f"{where}.errors")
    return Overrides(
        outcomes=_outcomes(data.get("outcome"), f"{where}.outcome"),
        queue_seconds=_seconds(data.get("queue_seconds"), f"{where}.queue_seconds"),
        run_seconds=_seconds(data.get("run_seconds"), f"{where}.run_seconds"),
        message=optional_str(data, "message"),
        items=_items(data.get("items"), f"{where}.items"),
        errors=messages,
        timed_errors=timed_errors,
        alerts=_alerts(data.get("alerts"), f"{where}.alerts"),
        ignore_interrupt=_flag(data.get("ignore_interrupt"), f"{where}.ignore_interrupt"),
        artifacts=_result_files(data.get("artifacts"), f"{where}.artifacts"),
    )


def _result_files(value: Any, where: str) -> tuple[ResultFile, ...]:
    """``[{name, content?, size?}]``: ``content`` defaults to the name and a newline."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise bad_request(where, "must be a list of {name, content?, size?} objects")
    files = []
    for index, entry in enumerate(value):
        at = f"{where}[{index}]"
        data = expect_object(entry, at)
        unknown = sorted(set(data) - set(_RESULT_FILE_FIELDS))
        if unknown:
            raise bad_request(
                f"{at}.{unknown[0]}", f"unknown key; known keys: {', '.join(_RESULT_FILE_FIELDS)}"
            )
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise bad_request(f"{at}.name", "must be a non-empty string")
        content = data.get("content", f"{name}\n")
        size = data.get("size")
        if not isinstance(content, str) or (size is not None and content == ""):
            raise bad_request(f"{at}.content", "must be a string, not empty when a size is given")
        if size is not None and not (is_int(size) and size >= 0):
            raise bad_request(f"{at}.size", f"must be a non-negative integer, got {size!r}")
        files.append(ResultFile(name, content, size))
    return tuple(files)


def _timed_entry(entry: Any, at: str, known: tuple[str, ...]) -> tuple[dict[str, Any], float]:
    """Check one timed bot-output object: only ``known`` keys, and the ``after_seconds`` it needs."""
    data = expect_object(entry, at)
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise bad_request(f"{at}.{unknown[0]}", f"unknown key; known keys: {', '.join(known)}")
    after = _seconds(data.get("after_seconds"), f"{at}.after_seconds")
    if after is None:
        raise bad_request(f"{at}.after_seconds", "is required (seconds from the start of the run)")
    return data, after


def _text(data: Mapping[str, Any], field: str, at: str, default: str) -> str:
    value = data.get(field)
    if value is None:
        return default
    if not isinstance(value, str):
        raise bad_request(f"{at}.{field}", f"must be a string, got {value!r}")
    return value


def _errors(value: Any, where: str) -> tuple[tuple[str, ...], tuple[TimedError, ...]]:
    """``errors``: a message (reported when a run ends FAILED) or a timed object, entry by entry."""
    if value is None:
        return (), ()
    shape = "must be a list of messages or {after_seconds, type?, message?, screenshot?} objects"
    if not isinstance(value, list):
        raise bad_request(where, shape)
    messages: list[str] = []
    timed: list[TimedError] = []
    for index, entry in enumerate(value):
        if isinstance(entry, str):
            messages.append(entry)
            continue
        at = f"{where}[{index}]"
        if not isinstance(entry, dict):
            raise bad_request(at, shape)
        data, after = _timed_entry(entry, at, _TIMED_ERROR_FIELDS)
        error_type = _text(data, "type", at, BOT_ERROR_TYPE)
        if not error_type.strip():
            raise bad_request(f"{at}.type", "must be a non-empty string")
        message = _text(data, "message", at, "")
        screenshot = _flag(data.get("screenshot"), f"{at}.screenshot")
        timed.append(TimedError(after, message, error_type, screenshot))
    return tuple(messages), tuple(timed)


def _alerts(value: Any, where: str) -> tuple[TimedAlert, ...]:
    """``alerts``: ``[{after_seconds, title?, message?, type?}]``, ``type`` one of :data:`ALERT_TYPES`."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise bad_request(where, "must be a list of {after_seconds, title?, message?, type?} objects")
    alerts = []
    for index, entry in enumerate(value):
        at = f"{where}[{index}]"
        data, after = _timed_entry(entry, at, _TIMED_ALERT_FIELDS)
        alert_type = data.get("type", "INFO")
        if alert_type not in ALERT_TYPES:
            raise bad_request(f"{at}.type", f"must be one of {', '.join(ALERT_TYPES)}, got {alert_type!r}")
        title, message = _text(data, "title", at, ""), _text(data, "message", at, "")
        alerts.append(TimedAlert(after, title, message, str(alert_type)))
    return tuple(alerts)


def parse_task_update(body: Any) -> dict[str, Any]:
    """Validate a partial task update and keep only the keys Maestro merges (see maestro-api.md §4.2)."""
    data = expect_object(body)
    update: dict[str, Any] = {}
    if "state" in data:
        update["state"] = choice(data, "state", UPDATABLE_STATES, None)
    if "finishStatus" in data:
        update["finishStatus"] = choice(data, "finishStatus", FINISH_STATUSES, None)
    if "finishMessage" in data:
        update["finishMessage"] = optional_str(data, "finishMessage")
    for key in ITEM_KEYS:
        if key in data:
            value = data[key]
            if value is not None and (not is_int(value) or value < 0):
                raise bad_request(key, f"must be a non-negative integer or null, got {value!r}")
            update[key] = value
    for key in ("interrupted", "killed"):
        if key in data:
            update[key] = _flag(data[key], key)
    if "priority" in data:
        update["priority"] = priority_of(data)
    return update


def _outcomes(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ("SUCCESS",)
    values = value if isinstance(value, list) else [value]
    if not values:
        raise bad_request(where, "must not be an empty list")
    outcomes = []
    for item in values:
        if not isinstance(item, str) or item.upper() not in OUTCOMES:
            raise bad_request(where, f"must be one of {', '.join(OUTCOMES)} or a list of them, got {item!r}")
        outcomes.append(item.upper())
    return tuple(outcomes)


def _seconds(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise bad_request(where, f"must be a non-negative number of seconds, got {value!r}")
    return float(value)


def _items(value: Any, where: str) -> tuple[int, int, int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 3 or not all(is_int(v) and v >= 0 for v in value):
        raise bad_request(where, f"must be [total, processed, failed] non-negative integers, got {value!r}")
    return (value[0], value[1], value[2])


def _flag(value: Any, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise bad_request(where, f"must be a boolean, got {value!r}")
    return value


def task_id_of(raw: Any, where: str = "taskId") -> int:
    """Read a task id given as a number or a numeric string, as the SDKs send both."""
    if is_int(raw):
        return int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    raise ApiError(400, f"{where}: must be a task id (an integer), got {raw!r}")


# --- Quartz cron (schedules, maestro-api.md §4.10) -------------------------------------------------------

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_CRON_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("seconds", 0, 59, ()),
    ("minutes", 0, 59, ()),
    ("hours", 0, 23, ()),
    ("day-of-month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2099, ()),
)
# Forms only Quartz's day fields know: last day (L, L-3), nearest weekday (15W, LW), last or nth weekday of
# the month (5L, FRIL, 6#3). Their numbers are range-checked below like any other value.
_DAY_OF_MONTH_SPECIAL = re.compile(r"^(L(-\d+)?|LW|(\d+)W)$")
_DAY_OF_WEEK_SPECIAL = re.compile(r"^(\w+)(L|#[1-5])$")
_ELEMENT = re.compile(r"^(\*|\w+(-\w+)?)(/(\d+))?$")


def cron_problem(expression: str) -> str | None:
    """Return why ``expression`` is not a Quartz cron expression, or ``None`` when it is one.

    Quartz has seconds first, an optional year last, and needs ``?`` in exactly one of day-of-month and
    day-of-week (it refuses both given, and both ``?``); the Maestro server schedules with Quartz.
    """
    fields = expression.split()
    if len(fields) not in (6, 7):
        return f"needs 6 or 7 space-separated fields (seconds first), got {len(fields)}"
    if (fields[3] == "?") == (fields[5] == "?"):
        return "exactly one of day-of-month and day-of-week must be '?'"
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=False):
        for element in text.split(","):
            if not _cron_element_ok(element.upper(), name, low, high, names):
                return f"{name} field {text!r} is not valid (allowed: {low}-{high}, *, lists, ranges, steps)"
    return None


def _cron_element_ok(element: str, name: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    if element == "?":
        return name in ("day-of-month", "day-of-week")
    if name == "day-of-month" and (special := _DAY_OF_MONTH_SPECIAL.match(element)):
        return special.group(3) is None or _cron_value(special.group(3), low, high, names)
    if name == "day-of-week" and (special := _DAY_OF_WEEK_SPECIAL.match(element)):
        return _cron_value(special.group(1), low, high, names)
    if name == "day-of-week" and element == "L":
        return True
    match = _ELEMENT.match(element)
    if match is None or (match.group(4) is not None and int(match.group(4)) == 0):
        return False
    base = match.group(1)
    return base == "*" or all(_cron_value(part, low, high, names) for part in base.split("-"))


def _cron_value(text: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    if text in names:
        return True
    return text.isdigit() and low <= int(text) <= high
