"""Schedules: cron-timed tasks of an automation (unverified routes, ``maestro-api.md`` §4.10).

The cron is checked as Quartz reads it (:mod:`.._cron`) before anything is sent. No source shows the
bodies; the fields sent are those the listing shows (``activityLabel``, ``cron``, ``parameters``) and those
a task has (``test``, ``priority``), plus ``active`` and ``description``.
"""

from __future__ import annotations

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, model_parser
from botcity_provider.client._cron import cron_problem
from botcity_provider.client._errors import ValidationError
from botcity_provider.client._models import Page
from botcity_provider.client._models.schedules import Schedule, ScheduleBody

from ._common import call, ignore_body, page_parser, paging

__all__ = [
    "create_schedule",
    "cron_expression",
    "delete_schedule",
    "get_schedule",
    "list_schedules",
    "merged",
    "replace_schedule",
    "schedule_changes",
    "schedule_id",
]

SCHEDULE_HINT = "check the schedule id (client.schedules.list shows them)"
_schedule = model_parser(Schedule, "Reading the schedule")


def schedule_id(value: object) -> str:
    """A schedule id: non-blank text, or a positive number (no source says which Maestro uses)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValidationError("schedule_id", f"must be a schedule id (non-empty text or a number), got {value!r}")


def cron_expression(value: object) -> str:
    """A Quartz cron expression, checked, its fields joined by one space."""
    if not isinstance(value, str):
        raise ValidationError("cron", f"must be a Quartz cron expression (text), got {type(value).__name__}")
    problem = cron_problem(value)
    if problem is not None:
        raise ValidationError("cron", f"{value.strip()!r} is not a Quartz cron expression: {problem}")
    return " ".join(value.split())


def _flag(value: object, field: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(field, f"must be True or False, got {value!r}")
    return value


def _description(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationError("description", f"must be text, got {type(value).__name__}")
    return value


def schedule_changes(
    *,
    activity_label: object = None,
    cron: object = None,
    parameters: object = None,
    active: object = None,
    test: object = None,
    priority: object = None,
    description: object = None,
) -> ScheduleBody:
    """The fields given, each checked; those left ``None`` stay ``None`` (kept as they are on update)."""
    return ScheduleBody(
        activity_label=None if activity_label is None else check.activity_label(activity_label),
        cron=None if cron is None else cron_expression(cron),
        parameters=None if parameters is None else check.json_parameters(parameters),
        active=_flag(active, "active"),
        test=_flag(test, "test"),
        priority=None if priority is None else check.priority(priority),
        description=_description(description),
    )


def merged(current: Schedule, changes: ScheduleBody) -> ScheduleBody:
    """The whole schedule a PUT sends: ``current``'s writable fields, overlaid with ``changes``."""
    kept = ScheduleBody(
        activity_label=current.activity_label,
        cron=current.cron,
        parameters=current.parameters,
        active=current.active,
        test=current.test,
        priority=current.priority,
        description=current.description,
    )
    return kept.model_copy(update=changes.model_dump(exclude_none=True))


def list_schedules(
    *, activity_label: str | None = None, page: int = 0, size: int = 100
) -> Call[Page[Schedule]]:
    """``GET /api/v2/scheduling`` (unverified): one page of schedules, of one automation when given."""
    query = paging(page, size)
    if activity_label is not None:
        query.append(("activityLabel", check.activity_label(activity_label)))
    parse = page_parser(Schedule, "Listing schedules")
    return call("schedules.list", (), "Listing schedules", parse, query=tuple(query))


def get_schedule(schedule: object) -> Call[Schedule]:
    """``GET /api/v2/scheduling/{id}`` (unverified)."""
    ident = schedule_id(schedule)
    return call("schedules.get", (ident,), f"Getting schedule {ident!r}", _schedule, hint=SCHEDULE_HINT)


def create_schedule(
    activity_label: object,
    cron: object,
    *,
    parameters: object = None,
    active: object = True,
    test: object = False,
    priority: object = 0,
    description: object = None,
) -> Call[Schedule]:
    """``POST /api/v2/scheduling`` (unverified). Not idempotent: a resend makes a second schedule, and
    each would create its own tasks."""
    body = schedule_changes(
        activity_label=check.activity_label(activity_label),
        cron=cron_expression(cron),
        parameters=check.json_parameters(parameters),
        active=active,
        test=test,
        priority=check.priority(priority),
        description=description,
    )
    return call(
        "schedules.create",
        (),
        f"Scheduling automation {body.activity_label!r} at {body.cron!r}",
        _schedule,
        json=body.wire(),
        idempotent=False,
        hint="check the automation label in Maestro",
    )


def replace_schedule(schedule: object, body: ScheduleBody) -> Call[Schedule]:
    """``PUT /api/v2/scheduling/{id}`` (unverified) with the whole schedule: a resend sets the same."""
    ident = schedule_id(schedule)
    doing = f"Updating schedule {ident!r}"
    return call("schedules.update", (ident,), doing, _schedule, json=body.wire(), hint=SCHEDULE_HINT)


def delete_schedule(schedule: object) -> Call[None]:
    """``DELETE /api/v2/scheduling/{id}`` (unverified)."""
    ident = schedule_id(schedule)
    doing = f"Deleting schedule {ident!r}"
    return call("schedules.delete", (ident,), doing, ignore_body, hint=SCHEDULE_HINT)
