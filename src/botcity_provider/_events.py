"""What a wait ends with, shared by the trigger, the sensor and the operators. Standard library only.

A wait ends with exactly one :class:`TaskEvent`. ``status`` is one of:

* ``success``: the task finished with a status the user counts as success;
* ``failure``: it finished otherwise, or was cancelled;
* ``timeout``: the deadline passed first;
* ``error``: the wait itself failed (wrong credentials, task gone).

``task`` is the last snapshot of the Maestro task as plain JSON, so the event can cross the
triggerer boundary.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal, TypedDict, cast

__all__ = [
    "DEFAULT_SUCCESS_STATUSES",
    "EVENT_STATUSES",
    "FINISH_STATUSES",
    "TERMINAL_STATES",
    "TaskEvent",
    "classify",
    "make_event",
    "normalize_statuses",
    "stop_action",
    "validate_event",
]

EventStatus = Literal["success", "failure", "timeout", "error"]
EVENT_STATUSES: tuple[EventStatus, ...] = ("success", "failure", "timeout", "error")
TERMINAL_STATES = frozenset({"FINISHED", "CANCELED"})
FINISH_STATUSES = frozenset({"SUCCESS", "FAILED", "PARTIALLY_COMPLETED"})
DEFAULT_SUCCESS_STATUSES = ("SUCCESS",)


class TaskEvent(TypedDict):
    """The payload of the one event a wait yields."""

    status: EventStatus
    maestro_task_id: int
    message: str
    task: dict[str, Any] | None


def make_event(
    status: EventStatus, maestro_task_id: int, message: str, task: Mapping[str, Any] | None
) -> TaskEvent:
    """Build an event, copying the task snapshot so later changes cannot leak into it."""
    return TaskEvent(
        status=status, maestro_task_id=maestro_task_id, message=message, task=dict(task) if task else None
    )


def normalize_statuses(statuses: Collection[str] | str | None, field: str = "success_statuses") -> list[str]:
    """Upper-cased finish statuses, checked against the three Maestro knows."""
    if statuses is None:
        return list(DEFAULT_SUCCESS_STATUSES)
    items = [statuses] if isinstance(statuses, str) else list(statuses)
    wanted = [str(item).strip().upper() for item in items]
    unknown = sorted(set(wanted) - FINISH_STATUSES)
    if unknown or not wanted:
        raise ValueError(
            f"{field}: {unknown or 'nothing'} is not a Maestro finish status; "
            f"use any of {sorted(FINISH_STATUSES)}"
        )
    return wanted


def classify(
    state: str, finish_status: str | None, success_statuses: Collection[str]
) -> Literal["success", "failure"] | None:
    """Say how a task stands: ``None`` while it may still change, else success or failure.

    A state this code does not know (a new one, or ``TIMEOUT``) counts as not finished: waiting on is
    safe, declaring an outcome the server did not give is not.
    """
    if state not in TERMINAL_STATES:
        return None
    if state == "FINISHED" and finish_status in success_statuses:
        return "success"
    return "failure"


StopAction = Literal["none", "cancel", "interrupt", "kill"]


def stop_action(state: str, *, force: bool) -> StopAction:
    """The kindest way to stop a task in this state: a queued one is cancelled, a running one asked
    to stop (or killed when ``force``), one that ended is left alone."""
    if state in TERMINAL_STATES:
        return "none"
    if state == "START":
        return "cancel"
    return "kill" if force else "interrupt"


def validate_event(event: object) -> TaskEvent:
    """Check an event before trusting it: the resume path must not act on a malformed payload."""
    if not isinstance(event, Mapping):
        raise ValueError(f"expected a Maestro task event, got {type(event).__name__}")
    status = event.get("status")
    if status not in EVENT_STATUSES:
        raise ValueError(f"unknown Maestro task event status {status!r}")
    task_id = event.get("maestro_task_id")
    if isinstance(task_id, bool) or not isinstance(task_id, int):
        raise ValueError(f"Maestro task event without a task id: {task_id!r}")
    task = event.get("task")
    if task is not None and not isinstance(task, Mapping):
        raise ValueError("Maestro task event with a malformed task snapshot")
    message = event.get("message")
    return make_event(cast(EventStatus, status), task_id, message if isinstance(message, str) else "", task)
