"""Tasks: create, read, list and the update family (finish, restart, interrupt, cancel, kill)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, model_parser
from botcity_provider.client._errors import ValidationError
from botcity_provider.client._models import FinishStatus, Page, Task, TaskState
from botcity_provider.client._models.base import CreateTaskBody

from ._common import TASK_HINT, call, days_back, page_parser, paging

_task = model_parser(Task, "Reading the task")


def create_task(
    activity_label: str,
    parameters: Mapping[str, Any] | None,
    priority: int,
    test: bool,
    min_execution_date: Any,
) -> Call[Task]:
    """``POST /api/v2/task``. Not idempotent: Maestro has no idempotency key, so never resent blindly."""
    body = CreateTaskBody(
        activity_label=check.activity_label(activity_label),
        parameters=check.json_parameters(parameters),
        priority=check.priority(priority),
        test=bool(test),
        min_execution_date=check.min_execution_date(min_execution_date),
    )
    return call(
        "tasks.create",
        (),
        f"Creating a task for automation {body.activity_label!r}",
        _task,
        json=body.model_dump(by_alias=True, exclude_none=True),
        idempotent=False,
        hint="check the automation label in Maestro",
    )


def get_task(task_id: object) -> Call[Task]:
    """``GET /api/v2/task/{id}``."""
    ident = check.task_id(task_id, "task_id")
    return call("tasks.get", (ident,), f"Getting task {ident}", _task, hint=TASK_HINT)


DEFAULT_TASK_SORT = ("dateCreation,desc",)
"""Newest first: Spring's ``sort`` items, in priority order."""


def list_tasks(
    *,
    activity_label: str | None = None,
    states: Iterable[TaskState | str] | None = None,
    days: int | None = None,
    machine_id: str | None = None,
    page: int = 0,
    size: int = 100,
    sort: Iterable[str] = DEFAULT_TASK_SORT,
) -> Call[Page[Task]]:
    """``GET /api/v2/task``: one page of the workspace's tasks, newest first by default."""
    query = paging(page, size) + [("sort", order) for order in sort] + days_back(days)
    if activity_label is not None:
        query.append(("activityLabel", check.activity_label(activity_label)))
    if isinstance(states, str):  # a str is an iterable of str: "RUNNING" would become "R,U,N,..."
        raise ValidationError("states", f"must be a list of states, e.g. [{states!r}], not one string")
    if states:
        query.append(("stateFilter", ",".join(str(state) for state in states)))
    if machine_id:
        query.append(("machineId", machine_id))
    return call("tasks.list", (), "Listing tasks", page_parser(Task, "Listing tasks"), query=tuple(query))


def _update(task_id: object, body: dict[str, Any], doing: str, *, idempotent: bool = True) -> Call[Task]:
    ident = check.task_id(task_id, "task_id")
    return call(
        "tasks.update",
        (ident,),
        f"{doing} task {ident}",
        _task,
        json=body,
        idempotent=idempotent,
        hint=TASK_HINT,
    )


def finish_task(
    task_id: object,
    status: FinishStatus | str,
    message: str,
    items: tuple[int | None, int | None, int | None],
) -> Call[Task]:
    """``POST /api/v2/task/{id}`` with a finish status, as a bot reports its end."""
    if status not in FinishStatus.__members__.values():
        raise ValidationError(
            "status", f"must be one of SUCCESS, FAILED, PARTIALLY_COMPLETED, got {status!r}"
        )
    total, processed, failed = items
    body = {
        "state": "FINISHED",
        "finishStatus": str(status),
        "finishMessage": message,
        "totalItems": total,
        "processedItems": processed,
        "failedItems": failed,
    }
    return _update(task_id, body, "Finishing")


def restart_task(task_id: object) -> Call[Task]:
    """Queue the task again. Not idempotent: a resend could reset a run the first one started."""
    return _update(task_id, {"state": "START"}, "Restarting", idempotent=False)


def interrupt_task(task_id: object) -> Call[Task]:
    """Ask the bot to stop at its next check (cooperative)."""
    return _update(task_id, {"interrupted": True}, "Interrupting")


def cancel_task(task_id: object) -> Call[Task]:
    """Cancel a task that is still queued."""
    return _update(task_id, {"state": "CANCELED"}, "Cancelling")


def kill_task(task_id: object) -> Call[Task]:
    """Ask the runner to end the bot's process."""
    return _update(task_id, {"interrupted": True, "killed": True}, "Killing")
