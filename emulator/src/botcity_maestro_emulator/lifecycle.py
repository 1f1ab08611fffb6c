"""The task lifecycle of the emulated runner and bot, as two transition tables; no I/O, no clock.

Invariants:

1. A task's state is a function of its stored :class:`Schedule` and the wall clock. Nothing runs in the
   background: :func:`advance` materialises the due transitions whenever a task is read, so a restarted
   emulator continues every schedule from the state file.
2. Only a task whose schedule is ``automatic`` moves by itself (START → RUNNING → FINISHED). Any API action
   that decides the end of a run (finish, cancel, a kill of a running task) switches ``automatic`` off.
3. An API update is classified into exactly one :class:`Event`, and ``TRANSITIONS[(event, state)]`` picks
   exactly one effect; there is no other place where an update changes a task.
4. Restart is the only way back to START. It starts a new run, which consumes the next scripted outcome;
   the run it replaces is kept in ``history``, so what happened before a restart stays visible.
5. Interrupt and kill only set flags through the API (maestro-api.md §5); it is the emulated bot and runner
   that react, also to flags set while the task was still queued.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from botcity_maestro_emulator.bot_output import plan
from botcity_maestro_emulator.schemas import ITEM_KEYS, TASK_STATES, NewTask
from botcity_maestro_emulator.timefmt import iso

INTERRUPT_REACTION_SECONDS = 0.2
"""How long the emulated bot takes to notice an interrupt request (the contract is "within 0.5 s")."""
MACHINE_ID = "emulator-runner"
INTERRUPTED_MESSAGE = "Interrupted at the user's request"
KILLED_MESSAGE = "Killed at the user's request"
DEFAULT_ITEMS = {"SUCCESS": (1, 1, 0), "FAILED": (1, 0, 1), "PARTIALLY_COMPLETED": (2, 1, 1)}
DEFAULT_MESSAGES = {
    "SUCCESS": "Finished successfully (emulated bot)",
    "FAILED": "Failed (emulated bot)",
    "PARTIALLY_COMPLETED": "Partially completed (emulated bot)",
}


class Ending(StrEnum):
    """What ended a run, as the run history reports it."""

    BOT = "bot"
    """The emulated bot finished with its scripted outcome."""
    INTERRUPT = "interrupt"
    """The bot stopped because it was asked to (``interrupted``)."""
    KILL = "kill"
    """The runner killed the bot (``killed``)."""
    CANCEL = "cancel"
    API = "api"
    """Someone finished the task through the API."""
    RESTART = "restart"
    """A restart replaced the run before it ended."""


STOP_MESSAGES: dict[str, str] = {Ending.INTERRUPT: INTERRUPTED_MESSAGE, Ending.KILL: KILLED_MESSAGE}
TERMINAL_STATES = ("FINISHED", "CANCELED")


@dataclass(slots=True)
class Schedule:
    """When the current run starts and ends, and how the emulated bot behaves; all times are epoch seconds."""

    created_at: float
    queued_at: float
    queue_seconds: float
    run_seconds: float
    outcomes: list[str]
    runs: int = 1
    not_before_at: float | None = None
    stop_at: float | None = None
    """When the bot stops early because an interrupt or a kill was requested, if it will."""
    stop_cause: str = Ending.INTERRUPT
    automatic: bool = True
    message: str | None = None
    items: list[int] | None = None
    errors: list[str] = field(default_factory=list)
    ignore_interrupt: bool = False
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    """Result files the bot posts when a run ends by itself, as :class:`~.schemas.ResultFile` fields."""
    bot_output: list[dict[str, Any]] = field(default_factory=list)
    """Timed error entries and alerts the bot posts while each run goes on (see ``bot_output.plan``)."""
    output_posted: int = 0
    """How many entries of ``bot_output`` the current run has posted; a restart sets it back to 0."""
    picked_up_at: float | None = None
    ended_at: float | None = None
    ended_by: str | None = None
    """An :class:`Ending` once the current run has ended."""
    history: list[dict[str, Any]] = field(default_factory=list)
    """The runs before the current one, oldest first, as :func:`run_summary` describes them."""

    @property
    def outcome(self) -> str:
        """Return the scripted outcome of the current run; the last one repeats."""
        return self.outcomes[min(self.runs, len(self.outcomes)) - 1]

    def run_start_at(self) -> float:
        """Return when a runner picks the current run up (never before ``minExecutionDate``)."""
        start = self.queued_at + self.queue_seconds
        return start if self.not_before_at is None else max(start, self.not_before_at)

    def finish_at(self) -> float | None:
        """Return when the bot finishes the current run by itself, or ``None`` for a ``NEVER`` outcome."""
        return None if self.outcome == "NEVER" else self.run_start_at() + self.run_seconds

    def planned_end(self) -> tuple[float, str] | None:
        """Return when and why the current run will end unless the API ends it first.

        A requested stop wins a tie with the bot's own finish; ``None`` means the run never ends by itself.
        """
        finish = self.finish_at()
        if self.stop_at is not None and (finish is None or self.stop_at <= finish):
            return self.stop_at, self.stop_cause
        return None if finish is None else (finish, Ending.BOT)


@dataclass(slots=True)
class TaskRecord:
    """A task as the API shows it (``wire``) plus the schedule only the emulator knows."""

    wire: dict[str, Any]
    schedule: Schedule

    @property
    def id(self) -> int:
        return int(self.wire["id"])

    @property
    def state(self) -> str:
        return str(self.wire["state"])

    def to_json(self) -> dict[str, Any]:
        """Return the journal form of the record."""
        return {"wire": self.wire, "schedule": asdict(self.schedule)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TaskRecord:
        """Rebuild a record from its journal form."""
        return cls(wire=dict(data["wire"]), schedule=Schedule(**data["schedule"]))


def run_summary(record: TaskRecord) -> dict[str, Any]:
    """Describe the current run: when it was queued, picked up and ended (epoch seconds), and how."""
    s, wire = record.schedule, record.wire
    return {
        "run": s.runs,
        "queued_at": s.queued_at,
        "picked_up_at": s.picked_up_at,
        "ended_at": s.ended_at,
        "ended_by": s.ended_by,
        "state": wire["state"],
        "finishStatus": wire["finishStatus"],
        "finishMessage": wire["finishMessage"],
    }


def ended_by_bot(record: TaskRecord) -> bool:
    """Whether the current run has ended by the bot finishing it (when it posts its result files)."""
    return record.state == "FINISHED" and record.schedule.ended_by == Ending.BOT


def runs_of(record: TaskRecord) -> list[dict[str, Any]]:
    """Return every run of the task, oldest first; the last one is the current run."""
    return [*record.schedule.history, run_summary(record)]


def new_task(
    task_id: int, spec: NewTask, *, login: str, queue_seconds: float, run_seconds: float, at: float
) -> TaskRecord:
    """Create a START task whose first run is scheduled from ``at``; the overrides win over the defaults."""
    o = spec.overrides
    schedule = Schedule(
        created_at=at,
        queued_at=at,
        queue_seconds=queue_seconds if o.queue_seconds is None else o.queue_seconds,
        run_seconds=run_seconds if o.run_seconds is None else o.run_seconds,
        outcomes=list(o.outcomes),
        not_before_at=spec.not_before_at,
        message=o.message,
        items=None if o.items is None else list(o.items),
        errors=list(o.errors),
        ignore_interrupt=o.ignore_interrupt,
        artifacts=[asdict(result) for result in o.artifacts],
        bot_output=plan(o),
    )
    return TaskRecord(wire=_initial_wire(task_id, spec, login, at), schedule=schedule)


def _initial_wire(task_id: int, spec: NewTask, login: str, at: float) -> dict[str, Any]:
    """Return the task JSON of a new task (field list of maestro-api.md §6.1)."""
    return {
        "id": task_id,
        "state": "START",
        "parameters": spec.parameters,
        "inputFile": None,
        "activityLabel": spec.activity_label,
        "activityName": spec.activity_label,
        "agentId": spec.activity_label,
        "userEmail": f"{login}@maestro.emulator",
        "userCreationName": login,
        "organizationLabel": login,
        "repositoryLabel": "DEFAULT",
        "dateCreation": iso(at),
        "dateLastModified": iso(at),
        "dateStartRunning": None,
        "minExecutionDate": iso(spec.not_before_at),
        "finishStatus": None,
        "finishMessage": None,
        "test": spec.test,
        "interrupted": False,
        "killed": False,
        "machineId": None,
        "priority": spec.priority,
        **dict.fromkeys(ITEM_KEYS),
    }


# --- time-triggered transitions (the emulated runner and bot) -------------------------------------------


def _pick_up(record: TaskRecord, at: float) -> list[str] | None:
    start = record.schedule.run_start_at()
    if at < start:
        return None
    record.schedule.picked_up_at = start
    record.wire.update(
        state="RUNNING", dateStartRunning=iso(start), machineId=MACHINE_ID, dateLastModified=iso(start)
    )
    return []


def _end_run(record: TaskRecord, at: float) -> list[str] | None:
    s = record.schedule
    planned = s.planned_end()
    if planned is None or at < planned[0]:
        return None
    end, cause = planned
    _ended(s, cause, end)
    if cause in STOP_MESSAGES:
        _set_finished(record.wire, "FAILED", STOP_MESSAGES[cause], (None, None, None), end)
        return []
    status = s.outcome
    items = tuple(s.items) if s.items is not None else DEFAULT_ITEMS[status]
    _set_finished(record.wire, status, s.message or DEFAULT_MESSAGES[status], items, end)
    return list(s.errors) if status == "FAILED" else []


RUNNER_STEPS: dict[str, Callable[[TaskRecord, float], list[str] | None]] = {
    "START": _pick_up,
    "RUNNING": _end_run,
}


def advance(record: TaskRecord, at: float) -> list[str] | None:
    """Apply every transition due by ``at``.

    :returns: ``None`` when nothing changed; otherwise the error messages the bot reports (often none), which
        the caller must store and journal together with the task.
    """
    reported: list[str] = []
    changed = False
    while record.schedule.automatic and record.state in RUNNER_STEPS:
        result = RUNNER_STEPS[record.state](record, at)
        if result is None:
            break
        changed = True
        reported.extend(result)
    return reported if changed else None


# --- event-triggered transitions (the API) --------------------------------------------------------------


class Event(StrEnum):
    """What a partial ``POST /api/v2/task/{taskId}`` body asks for."""

    RESTART = "restart"
    FINISH = "finish"
    CANCEL = "cancel"
    INTERRUPT = "interrupt"
    KILL = "kill"
    FLAGS = "flags"


def classify(update: Mapping[str, Any]) -> Event:
    """Decide which action an update body is (the state field wins, then the flags)."""
    state = update.get("state")
    if state == "START":
        return Event.RESTART
    if state == "FINISHED" or "finishStatus" in update:
        return Event.FINISH
    if state == "CANCELED":
        return Event.CANCEL
    if update.get("killed") is True:
        return Event.KILL
    if update.get("interrupted") is True:
        return Event.INTERRUPT
    return Event.FLAGS


def _set_finished(
    wire: dict[str, Any], status: str | None, message: str | None, items: tuple[Any, ...], at: float
) -> None:
    wire.update(state="FINISHED", finishStatus=status, finishMessage=message, dateLastModified=iso(at))
    wire.update(zip(ITEM_KEYS, items, strict=True))


def _ended(schedule: Schedule, cause: str, at: float) -> None:
    schedule.automatic = False
    schedule.ended_at = at
    schedule.ended_by = cause


def _stop_by(schedule: Schedule, at: float, cause: str) -> None:
    """Make the bot stop at ``at`` unless an earlier stop is already due."""
    if schedule.stop_at is None or at < schedule.stop_at:
        schedule.stop_at, schedule.stop_cause = at, cause


def _restart(record: TaskRecord, update: Mapping[str, Any], at: float) -> None:
    s = record.schedule
    if s.ended_at is None:
        _ended(s, Ending.RESTART, at)
    s.history.append(run_summary(record))
    s.runs += 1
    s.queued_at = at
    s.stop_at, s.stop_cause = None, Ending.INTERRUPT
    s.picked_up_at = s.ended_at = s.ended_by = None
    s.output_posted = 0
    s.automatic = True
    record.wire.update(state="START", finishStatus=None, finishMessage=None, interrupted=False, killed=False)
    record.wire.update(dateStartRunning=None, machineId=None, dateLastModified=iso(at))
    record.wire.update(dict.fromkeys(ITEM_KEYS))


def _finish(record: TaskRecord, update: Mapping[str, Any], at: float) -> None:
    _ended(record.schedule, Ending.API, at)
    record.schedule.stop_at = None
    wire = record.wire
    status = update.get("finishStatus", wire["finishStatus"])
    message = update.get("finishMessage", wire["finishMessage"])
    _set_finished(wire, status, message, tuple(update.get(k, wire[k]) for k in ITEM_KEYS), at)


def _cancel(record: TaskRecord, update: Mapping[str, Any], at: float) -> None:
    _ended(record.schedule, Ending.CANCEL, at)
    record.wire.update(state="CANCELED", dateLastModified=iso(at))


def _interrupt_soon(record: TaskRecord, update: Mapping[str, Any], at: float) -> None:
    """A bot polls its flag while it runs: a queued one notices right after it is picked up."""
    s = record.schedule
    if not s.ignore_interrupt:
        _stop_by(s, max(at, s.run_start_at()) + INTERRUPT_REACTION_SECONDS, Ending.INTERRUPT)


def _kill_at_pick_up(record: TaskRecord, update: Mapping[str, Any], at: float) -> None:
    """The runner acts on ``killed``: a task it has not picked up yet is ended the moment it is."""
    _stop_by(record.schedule, record.schedule.run_start_at(), Ending.KILL)


def _kill_now(record: TaskRecord, update: Mapping[str, Any], at: float) -> None:
    _ended(record.schedule, Ending.KILL, at)
    _set_finished(record.wire, "FAILED", KILLED_MESSAGE, (None, None, None), at)


def _flags_only(record: TaskRecord, update: Mapping[str, Any], at: float) -> None:
    """Change nothing beyond the flags and priority already merged by :func:`apply_update`."""


Effect = Callable[[TaskRecord, Mapping[str, Any], float], None]
TRANSITIONS: dict[tuple[Event, str], Effect] = {
    **{(Event.RESTART, state): _restart for state in TASK_STATES},
    **{(Event.FINISH, state): _finish for state in TASK_STATES},
    **{(Event.FLAGS, state): _flags_only for state in TASK_STATES},
    (Event.CANCEL, "START"): _cancel,
    (Event.CANCEL, "RUNNING"): _cancel,
    (Event.INTERRUPT, "START"): _interrupt_soon,
    (Event.INTERRUPT, "RUNNING"): _interrupt_soon,
    (Event.KILL, "START"): _kill_at_pick_up,
    (Event.KILL, "RUNNING"): _kill_now,
    **{
        (event, state): _flags_only
        for event in (Event.CANCEL, Event.INTERRUPT, Event.KILL)
        for state in TERMINAL_STATES
    },
}


def apply_update(record: TaskRecord, update: Mapping[str, Any], at: float) -> Event:
    """Apply a validated partial update to a task already advanced to ``at``; return the event it was."""
    event = classify(update)
    for key in ("interrupted", "killed", "priority"):
        if key in update:
            record.wire[key] = update[key]
    TRANSITIONS[(event, record.state)](record, update, at)
    return event
