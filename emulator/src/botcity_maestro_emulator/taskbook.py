"""Task operations on top of the store: create, find, update, list, each advancing schedules lazily."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams

from botcity_maestro_emulator.bot_output import SCREENSHOT_NAME, SCREENSHOT_PNG, due_output
from botcity_maestro_emulator.config import EmulatorConfig
from botcity_maestro_emulator.errors import ApiError, bad_request, not_found
from botcity_maestro_emulator.history import describe
from botcity_maestro_emulator.lifecycle import TaskRecord, advance, apply_update, ended_by_bot, new_task
from botcity_maestro_emulator.paging import select
from botcity_maestro_emulator.records import alert_record, artifact_record, error_record, new_id
from botcity_maestro_emulator.schemas import BOT_ERROR_TYPE, TASK_STATES, NewTask, parse_task_update
from botcity_maestro_emulator.stats import Stats
from botcity_maestro_emulator.store import Store
from botcity_maestro_emulator.uploads import FileArea

SORTABLE_TASK_FIELDS = (
    "id",
    "state",
    "activityLabel",
    "activityName",
    "agentId",
    "userEmail",
    "userCreationName",
    "organizationLabel",
    "repositoryLabel",
    "dateCreation",
    "dateLastModified",
    "dateStartRunning",
    "minExecutionDate",
    "finishStatus",
    "finishMessage",
    "test",
    "interrupted",
    "killed",
    "machineId",
    "priority",
    "totalItems",
    "processedItems",
    "failedItems",
)


class TaskBook:
    """Tasks of one emulator; every read first applies the transitions that are due (see ``lifecycle``)."""

    def __init__(
        self, store: Store, config: EmulatorConfig, stats: Stats, files: FileArea | None = None
    ) -> None:
        self.store = store
        self.config = config
        self.stats = stats
        self.files = files

    def create(self, spec: NewTask, at: float) -> TaskRecord:
        """Create a task; with a known-activity list, an unknown label is a 404 as on a real workspace."""
        activities = self.config.activities
        if activities is not None and spec.activity_label not in activities:
            raise ApiError(404, f"automation {spec.activity_label!r} not found")
        record = new_task(
            self.store.new_task_id(),
            spec,
            login=self.config.login,
            queue_seconds=self.config.queue_seconds,
            run_seconds=self.config.run_seconds,
            at=at,
        )
        self.store.save_task(record)
        self.stats.tasks_created += 1
        return record

    def find(self, raw_id: object, at: float) -> TaskRecord:
        """Return the task with id ``raw_id`` (a number or numeric string) as of ``at``, or raise 404."""
        text = str(raw_id).strip()
        record = self.store.tasks.get(int(text)) if text.isdigit() else None
        if record is None:
            raise not_found("task", raw_id)
        self.refresh(record, at)
        return record

    def update(self, raw_id: str, body: Any, at: float) -> TaskRecord:
        """Apply a partial update (finish, restart, interrupt, cancel, kill): ``lifecycle.TRANSITIONS``."""
        record = self.find(raw_id, at)
        apply_update(record, parse_task_update(body), at)
        self.store.save_task(record)
        return record

    def refresh(self, record: TaskRecord, at: float) -> None:
        """Advance one task and persist what changed, including the errors its bot reports."""
        reported = advance(record, at)
        s = record.schedule
        output, s.output_posted = due_output(
            s.bot_output, s.output_posted, picked_up_at=s.picked_up_at, ended_at=s.ended_at, at=at
        )
        if reported is None and not output:
            return
        self.store.save_task(record)
        for when, spec in output:
            self._post_output(record, spec, when)
        if reported is None:
            return
        # The bot reported its errors as its run ended, which may be long before this read noticed it.
        reported_at = record.schedule.ended_at or at
        for message in reported:
            body = {"type": BOT_ERROR_TYPE, "message": message, "stackTrace": "", "language": "PYTHON"}
            error_id = new_id()
            login = self.config.login
            entry = error_record(record.wire, body, error_id=error_id, organization=login, at=reported_at)
            self.store.put("error", error_id, entry)
        if ended_by_bot(record):
            self._post_result_files(record, reported_at)

    def _post_output(self, record: TaskRecord, spec: dict[str, Any], at: float) -> None:
        """Post one timed error entry (with its screenshot) or alert of ``_emulator``, dated ``at``."""
        login = self.config.login
        if spec["kind"] == "alert":
            alert_id = new_id()
            alert = alert_record(
                record.wire,
                alert_id=alert_id,
                title=spec["title"],
                message=spec["message"],
                alert_type=spec["type"],
                organization=login,
                at=at,
            )
            self.store.put("alert", alert_id, alert)
            return
        body = {"type": spec["type"], "message": spec["message"], "stackTrace": "", "language": "PYTHON"}
        error_id = new_id()
        entry = error_record(record.wire, body, error_id=error_id, organization=login, at=at)
        if spec["screenshot"]:
            entry["screenshot"] = SCREENSHOT_NAME
            if self.files is not None:
                path = self.files.error_file_path(error_id, "screenshot")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(SCREENSHOT_PNG)
        self.store.put("error", error_id, entry)

    def _post_result_files(self, record: TaskRecord, at: float) -> None:
        """Post the result files of ``_emulator.artifacts``, as a bot does just before it finishes."""
        if self.files is None:
            return
        for spec in record.schedule.artifacts:
            pattern = str(spec["content"]).encode()
            size = len(pattern) if spec.get("size") is None else int(spec["size"])
            artifact_id = self.store.new_artifact_id()
            name = str(spec["name"])
            entry = artifact_record(
                artifact_id, record.wire, name, name, organization=self.config.login, at=at
            )
            entry["size"] = self.files.write_artifact(artifact_id, pattern, size)
            self.store.put("artifact", str(artifact_id), entry)

    def refresh_all(self, at: float) -> None:
        """Advance every task that can still move by itself."""
        for task_id in list(self.store.active):
            self.refresh(self.store.tasks[task_id], at)

    def count_by_state(self, at: float) -> dict[str, int]:
        """Count tasks per state (for ``/_emulator/stats``)."""
        self.refresh_all(at)
        counts = dict.fromkeys(TASK_STATES, 0)
        for record in self.store.tasks.values():
            counts[record.state] = counts.get(record.state, 0) + 1
        return counts

    def matching(self, params: QueryParams, at: float) -> list[dict[str, Any]]:
        """Return the tasks that pass the listing filters ``days``, ``stateFilter``, ``activityLabel``,
        ``machineId`` (unsorted; the caller pages them)."""
        self.refresh_all(at)
        states = _state_filter(params.get("stateFilter"))
        tasks = select(
            (r.wire for r in self.store.tasks.values()), params, at, ("activityLabel", "machineId")
        )
        return [task for task in tasks if states is None or task["state"] in states]

    def describe_all(self, at: float) -> list[dict[str, Any]]:
        """Return every task with its internal schedule (for ``/_emulator/tasks``)."""
        return [describe(record) for record in self.records(at)]

    def records(self, at: float) -> list[TaskRecord]:
        """Return every task as of ``at``, oldest first."""
        self.refresh_all(at)
        return list(self.store.tasks.values())


def _state_filter(raw: str | None) -> frozenset[str] | None:
    if not raw:
        return None
    states = frozenset(part.strip().upper() for part in raw.split(",") if part.strip())
    unknown = sorted(states - set(TASK_STATES))
    if unknown:
        raise bad_request("stateFilter", f"unknown state {unknown[0]!r}; known: {', '.join(TASK_STATES)}")
    return states
