"""One pure function per Maestro operation: arguments in, a :class:`Call` out, no I/O.

Paths, field spellings and statuses are those of the Maestro v2 API as the official SDKs use it.
Arguments are checked here, so bad input is refused before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import checks as check
from ._core import Call, RawResponse, Upload, json_body, model_parser, path
from ._errors import ResponseValidationError, ValidationError
from ._models import (
    Alert,
    AlertType,
    Artifact,
    CreateTaskBody,
    DatapoolEntry,
    DatapoolSummary,
    FinishStatus,
    Page,
    Task,
    TaskError,
    TaskState,
)

TASK_HINT = "check the Maestro task id"
_task = model_parser(Task, "Reading the task")


def _page_parser(model: type[Any], what: str) -> Any:
    page_model = Page[model]  # type: ignore[valid-type]

    def parse(raw: RawResponse) -> Any:
        data = json_body(raw, what)
        if isinstance(data, list):  # some Maestro versions answer a bare list
            data = {"content": data, "totalPages": 1, "totalElements": len(data), "size": len(data)}
        if not isinstance(data, dict):
            raise ResponseValidationError(what, f"expected a page object, got {type(data).__name__}")
        return page_model.model_validate(data)

    return parse


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
    return Call(
        method="POST",
        path="/api/v2/task",
        doing=f"Creating a task for automation {body.activity_label!r}",
        parse=_task,
        json=body.model_dump(by_alias=True, exclude_none=True),
        idempotent=False,
        hint="check the automation label in Maestro",
    )


def get_task(task_id: object) -> Call[Task]:
    """``GET /api/v2/task/{id}``."""
    ident = check.task_id(task_id, "task_id")
    return Call("GET", path("/api/v2/task/{}", ident), f"Getting task {ident}", _task, hint=TASK_HINT)


def list_tasks(
    *,
    activity_label: str | None = None,
    states: Iterable[TaskState | str] | None = None,
    days: int | None = None,
    machine_id: str | None = None,
    page: int = 0,
    size: int = 100,
    sort: Iterable[str] = ("dateCreation,desc",),
) -> Call[Page[Task]]:
    """``GET /api/v2/task``: one page of the workspace's tasks, newest first by default."""
    if isinstance(page, bool) or not isinstance(page, int) or page < 0:
        raise ValidationError("page", f"must be 0 or more (pages count from 0), got {page!r}")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 1000:
        raise ValidationError("size", f"must be from 1 to 1000, got {size!r}")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise ValidationError("days", f"must be a positive number of days, got {days!r}")
    query: list[tuple[str, str]] = [("page", str(page)), ("size", str(size))]
    query += [("sort", order) for order in sort]
    if days is not None:
        query.append(("days", str(days)))
    if activity_label is not None:
        query.append(("activityLabel", check.activity_label(activity_label)))
    if isinstance(states, str):  # a str is an iterable of str: "RUNNING" would become "R,U,N,..."
        raise ValidationError("states", f"must be a list of states, e.g. [{states!r}], not one string")
    if states:
        query.append(("stateFilter", ",".join(str(state) for state in states)))
    if machine_id:
        query.append(("machineId", machine_id))
    return Call("GET", "/api/v2/task", "Listing tasks", _page_parser(Task, "Listing tasks"), tuple(query))


def _update(task_id: object, body: dict[str, Any], doing: str, *, idempotent: bool = True) -> Call[Task]:
    ident = check.task_id(task_id, "task_id")
    return Call(
        "POST",
        path("/api/v2/task/{}", ident),
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


def create_artifact(task_id: object, name: str) -> Call[Artifact]:
    """``POST /api/v2/artifact``: the artifact's record, before its file is sent."""
    ident = check.task_id(task_id, "task_id")
    return Call(
        "POST",
        "/api/v2/artifact",
        f"Creating artifact {name!r} for task {ident}",
        model_parser(Artifact, "Creating the artifact"),
        json={"taskId": ident, "name": name, "filename": name},
        idempotent=False,
        hint=TASK_HINT,
    )


def upload_artifact_file(artifact_id: int, file: Path, name: str) -> Call[None]:
    """``POST /api/v2/artifact/log/{id}``: the file, streamed. Resending replaces it, so it may repeat."""
    return Call(
        "POST",
        path("/api/v2/artifact/log/{}", artifact_id),
        f"Uploading {str(file)!r} as artifact {artifact_id}",
        _ignore_body,
        upload=Upload(path=file, filename=name),
    )


def artifact_name(file: Path, name: str | None) -> str:
    """The name Maestro shows; given the file's extension when it lacks one, as the official SDK does."""
    chosen = file.name if name is None else name
    if not isinstance(chosen, str) or not chosen.strip():
        raise ValidationError("name", "is empty; give the artifact a name or leave it out")
    if file.suffix and not chosen.endswith(file.suffix):
        chosen += file.suffix
    return chosen


def get_artifact(artifact_id: object) -> Call[Artifact]:
    """``GET /api/v2/artifact/{id}``."""
    ident = check.artifact_id(artifact_id)
    parse = model_parser(Artifact, "Reading the artifact")
    return Call("GET", path("/api/v2/artifact/{}", ident), f"Getting artifact {ident}", parse)


def list_artifacts(*, days: int = 7, page: int = 0, size: int = 100) -> Call[Page[Artifact]]:
    """``GET /api/v2/artifact``: one page of the workspace's artifacts, newest first."""
    query = (("size", str(size)), ("page", str(page)), ("sort", "dateCreation,desc"), ("days", str(days)))
    parse = _page_parser(Artifact, "Listing artifacts")
    return Call("GET", "/api/v2/artifact", "Listing artifacts", parse, query)


def download_artifact(artifact_id: object, destination: object) -> Call[Path]:
    """``GET /api/v2/artifact/{id}/file``, streamed into ``destination``."""
    ident = check.artifact_id(artifact_id)
    target = check.destination(destination)
    return Call(
        "GET",
        path("/api/v2/artifact/{}/file", ident),
        f"Downloading artifact {ident}",
        lambda raw: target,
        download_to=target,
    )


def list_errors(task_id: object, *, days: int = 30, page: int = 0, size: int = 50) -> Call[Page[TaskError]]:
    """``GET /api/v2/error``: the errors bots reported for one task, newest first."""
    ident = check.task_id(task_id, "task_id")
    query = (
        ("taskId", str(ident)),
        ("days", str(days)),
        ("page", str(page)),
        ("size", str(size)),
        ("sort", "dateCreation,desc"),
    )
    parse = _page_parser(TaskError, "Listing task errors")
    return Call("GET", "/api/v2/error", f"Listing the errors of task {ident}", parse, query)


def create_alert(task_id: object, title: str, message: str, alert_type: AlertType | str) -> Call[Alert]:
    """``POST /api/v2/alerts`` (plural, as the API spells it)."""
    ident = check.task_id(task_id, "task_id")
    if alert_type not in AlertType.__members__.values():
        raise ValidationError("alert_type", f"must be INFO, WARN or ERROR, got {alert_type!r}")
    body = {"taskId": ident, "title": title, "message": message, "type": str(alert_type)}
    parse = model_parser(Alert, "Creating the alert")
    return Call(
        "POST", "/api/v2/alerts", f"Creating an alert for task {ident}", parse, json=body, idempotent=False
    )


def push_datapool_entry(label: str, values: Mapping[str, Any], priority: int) -> Call[DatapoolEntry]:
    """``POST /api/v2/datapool/{label}/push``: add an item for bots to take."""
    if not isinstance(label, str) or not label.strip():
        raise ValidationError("label", "is empty; give the datapool's label")
    body = {"priority": check.priority(priority), "values": check.json_parameters(values, "values")}
    parse = model_parser(DatapoolEntry, "Pushing the datapool item")
    return Call(
        "POST",
        path("/api/v2/datapool/{}/push", label),
        f"Pushing an item to datapool {label!r}",
        parse,
        json=body,
        idempotent=False,
        hint="check the datapool label",
    )


def datapool_summary(label: str) -> Call[DatapoolSummary]:
    """``GET /api/v2/datapool/{label}/summary``: counts of items by state."""
    if not isinstance(label, str) or not label.strip():
        raise ValidationError("label", "is empty; give the datapool's label")
    parse = model_parser(DatapoolSummary, "Reading the datapool summary")
    doing = f"Reading the summary of datapool {label!r}"
    return Call(
        "GET", path("/api/v2/datapool/{}/summary", label), doing, parse, hint="check the datapool label"
    )


def _ignore_body(raw: RawResponse) -> None:
    return None
