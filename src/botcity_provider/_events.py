"""What a wait ends with, shared by the trigger, the sensor and the operators.

Standard library only at import time (the operators import it at DAG parse time): what needs the client
(whether a state is final, a task from an event's snapshot) imports it when called, while a task runs.

A wait ends with exactly one :class:`TaskEvent`. ``status`` is one of:

* ``success``: the task finished with a status the user counts as success;
* ``failure``: it finished otherwise, or was cancelled;
* ``timeout``: the deadline passed first;
* ``error``: the wait itself failed (wrong credentials, task gone).

``task`` is the last view of the Maestro task as plain JSON, so the event can cross the triggerer
boundary, reduced to what resuming needs (:data:`TASK_SUMMARY_FIELDS`). Airflow logs every event in the
task log and keeps it in its database; the whole task would put the bot's parameters (customer data,
sometimes credentials) and the creator's e-mail in both. ``retryable`` says whether an Airflow retry can
help after an ``error``: not when Maestro does not know the task or refuses the credentials.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

if TYPE_CHECKING:
    from botcity_provider.client import Task

__all__ = [
    "DEFAULT_SUCCESS_STATUSES",
    "EVENT_STATUSES",
    "FINISH_STATUSES",
    "TASK_SUMMARY_FIELDS",
    "TaskEvent",
    "classify",
    "make_event",
    "normalize_statuses",
    "task_of_event",
    "task_summary",
    "validate_event",
]

EventStatus = Literal["success", "failure", "timeout", "error"]
EVENT_STATUSES: tuple[EventStatus, ...] = ("success", "failure", "timeout", "error")
FINISH_STATUSES = frozenset({"SUCCESS", "FAILED", "PARTIALLY_COMPLETED"})
DEFAULT_SUCCESS_STATUSES = ("SUCCESS",)
TASK_SUMMARY_FIELDS = (
    "id",
    "state",
    "finish_status",
    "finish_message",
    "total_items",
    "processed_items",
    "failed_items",
    "machine_id",
    "interrupted",
)
"""What an event keeps of a task: enough to judge it and to say how it ended, never its parameters."""


class TaskEvent(TypedDict):
    """The payload of the one event a wait yields."""

    status: EventStatus
    maestro_task_id: int
    message: str
    task: dict[str, Any] | None
    retryable: bool


def task_summary(task: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The fields of :data:`TASK_SUMMARY_FIELDS` of a task's JSON (snake_case or Maestro's camelCase)."""
    if not task:
        return None
    summary = {}
    for name in TASK_SUMMARY_FIELDS:
        wire = _camel(name)
        if name in task or wire in task:
            summary[name] = task[name] if name in task else task[wire]
    return summary


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def make_event(
    status: EventStatus,
    maestro_task_id: int,
    message: str,
    task: Mapping[str, Any] | None,
    *,
    retryable: bool = True,
) -> TaskEvent:
    """Build an event with a summary of the task (a copy: later changes cannot leak into it)."""
    return TaskEvent(
        status=status,
        maestro_task_id=maestro_task_id,
        message=message,
        task=task_summary(task),
        retryable=retryable,
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
    safe, declaring an outcome the server did not give is not. Which states are final is the client's
    to say (``TaskState.is_terminal``); it is loaded whenever a task is there to classify.
    """
    from botcity_provider.client import TERMINAL_STATES

    if state not in TERMINAL_STATES:
        return None
    if state == "FINISHED" and finish_status in success_statuses:
        return "success"
    return "failure"


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
    # An event written by an earlier release has no "retryable": retrying is what Airflow did then.
    retryable = event.get("retryable") is not False
    text = message if isinstance(message, str) else ""
    return make_event(cast(EventStatus, status), task_id, text, task, retryable=retryable)


def task_of_event(snapshot: Mapping[str, Any] | None) -> Task | None:
    """The task a wait's event carries, checked like a server's answer; None if it carries none.

    :raises AirflowException: the snapshot is not a Maestro task (an event from another version, say).
    """
    if not snapshot:
        return None
    import pydantic
    from airflow.providers.common.compat.sdk import AirflowException

    from botcity_provider.client import Task

    try:
        return Task.model_validate(snapshot)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "task"
        raise AirflowException(
            f"Waiting for the Maestro task ended strangely: the event's task is not a Maestro task "
            f"({where}: {first['msg']})"
        ) from exc
