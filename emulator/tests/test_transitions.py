"""The pure lifecycle tables, driven with a fake clock: no server, no sleeping."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botcity_maestro_emulator.errors import ApiError
from botcity_maestro_emulator.history import describe
from botcity_maestro_emulator.lifecycle import (
    INTERRUPT_REACTION_SECONDS,
    TRANSITIONS,
    Event,
    TaskRecord,
    advance,
    apply_update,
    classify,
    new_task,
    runs_of,
)
from botcity_maestro_emulator.schemas import TASK_STATES, parse_new_task, parse_task_update

T0 = 1_800_000_000.0


def _task(**overrides: object) -> TaskRecord:
    spec = parse_new_task(
        {"activityLabel": "demo", "parameters": {"_emulator": overrides} if overrides else {}}
    )
    return new_task(1, spec, login="demo", queue_seconds=1.0, run_seconds=2.0, at=T0)


def test_every_event_has_an_effect_in_every_state() -> None:
    assert {(event, state) for event in Event for state in TASK_STATES} == set(TRANSITIONS)


@pytest.mark.parametrize(
    ("body", "event"),
    [
        ({"state": "START"}, Event.RESTART),
        ({"state": "FINISHED", "finishStatus": "SUCCESS"}, Event.FINISH),
        ({"finishStatus": "FAILED"}, Event.FINISH),
        ({"state": "CANCELED"}, Event.CANCEL),
        ({"interrupted": True, "killed": True}, Event.KILL),
        ({"interrupted": True}, Event.INTERRUPT),
        ({"priority": 3}, Event.FLAGS),
    ],
)
def test_classify(body: dict[str, object], event: Event) -> None:
    assert classify(body) is event


def test_transitions_follow_the_clock() -> None:
    record = _task()
    assert advance(record, T0 + 0.99) is None and record.state == "START"
    assert advance(record, T0 + 1.0) == [] and record.state == "RUNNING"
    assert advance(record, T0 + 2.9) is None
    assert advance(record, T0 + 3.0) == [] and record.state == "FINISHED"
    assert record.wire["dateLastModified"].endswith(".000Z")


def test_a_late_read_applies_every_due_step_at_the_scheduled_times() -> None:
    record = _task(outcome="FAILED", errors=["boom"])
    assert advance(record, T0 + 100) == ["boom"]
    assert record.wire["dateStartRunning"] < record.wire["dateLastModified"]
    assert record.wire["finishStatus"] == "FAILED"


def test_restart_consumes_the_next_outcome_and_the_last_repeats() -> None:
    record = _task(outcome=["FAILED", "PARTIALLY_COMPLETED"])
    statuses = []
    at = T0
    for _ in range(3):
        at += 10
        advance(record, at)
        statuses.append(record.wire["finishStatus"])
        apply_update(record, {"state": "START"}, at)
    assert statuses == ["FAILED", "PARTIALLY_COMPLETED", "PARTIALLY_COMPLETED"]
    assert record.schedule.runs == 4


def test_interrupt_ends_the_run_after_the_reaction_time() -> None:
    record = _task(outcome="NEVER")
    advance(record, T0 + 5)
    apply_update(record, {"interrupted": True}, T0 + 5)
    assert advance(record, T0 + 5 + INTERRUPT_REACTION_SECONDS / 2) is None
    advance(record, T0 + 5 + INTERRUPT_REACTION_SECONDS)
    assert (record.state, record.wire["finishMessage"]) == ("FINISHED", "Interrupted at the user's request")


def test_a_natural_finish_before_the_interrupt_is_noticed_wins() -> None:
    record = _task(run_seconds=0.1)
    advance(record, T0 + 1.05)
    apply_update(record, {"interrupted": True}, T0 + 1.05)
    advance(record, T0 + 10)
    assert record.wire["finishStatus"] == "SUCCESS"


def test_interrupting_a_queued_task_only_sets_the_flag_and_the_bot_stops_once_picked_up() -> None:
    record = _task(outcome="NEVER")
    apply_update(record, {"interrupted": True}, T0 + 0.5)
    assert (record.state, record.wire["interrupted"], record.wire["finishStatus"]) == ("START", True, None)
    assert advance(record, T0 + 1.0) == [] and record.state == "RUNNING"
    advance(record, T0 + 1.0 + INTERRUPT_REACTION_SECONDS)
    assert (record.state, record.wire["finishStatus"]) == ("FINISHED", "FAILED")
    assert record.wire["finishMessage"] == "Interrupted at the user's request"


def test_a_bot_that_ignores_interrupts_runs_a_queued_interrupted_task_to_its_end() -> None:
    record = _task(ignore_interrupt=True)
    apply_update(record, {"interrupted": True}, T0)
    advance(record, T0 + 10)
    assert (record.wire["finishStatus"], record.wire["interrupted"]) == ("SUCCESS", True)


def test_killing_a_queued_task_only_sets_the_flags_and_the_runner_ends_it_at_pick_up() -> None:
    record = _task(ignore_interrupt=True)
    apply_update(record, {"interrupted": True, "killed": True}, T0 + 0.5)
    assert (record.state, record.wire["killed"]) == ("START", True)
    advance(record, T0 + 10)
    assert (record.wire["finishStatus"], record.wire["finishMessage"]) == (
        "FAILED",
        "Killed at the user's request",
    )
    assert record.wire["dateStartRunning"] == record.wire["dateLastModified"] == "2027-01-15T08:00:01.000Z"


def test_the_runs_of_a_restarted_task_keep_the_failure_before_the_restart() -> None:
    record = _task(outcome=["FAILED", "SUCCESS"], message="portal down")
    advance(record, T0 + 10)
    apply_update(record, {"state": "START"}, T0 + 10)
    advance(record, T0 + 20)
    first, second = runs_of(record)
    assert (first["run"], first["state"], first["finishStatus"], first["finishMessage"]) == (
        1,
        "FINISHED",
        "FAILED",
        "portal down",
    )
    assert (first["queued_at"], first["picked_up_at"], first["ended_at"], first["ended_by"]) == (
        T0,
        T0 + 1,
        T0 + 3,
        "bot",
    )
    assert (second["run"], second["finishStatus"], second["queued_at"], second["ended_at"]) == (
        2,
        "SUCCESS",
        T0 + 10,
        T0 + 13,
    )


def test_a_restart_before_the_end_closes_the_run_it_replaces() -> None:
    record = _task(outcome="NEVER")
    advance(record, T0 + 2)
    apply_update(record, {"state": "START"}, T0 + 2)
    (replaced, current) = runs_of(record)
    assert (replaced["state"], replaced["ended_at"], replaced["ended_by"]) == ("RUNNING", T0 + 2, "restart")
    assert (current["state"], current["picked_up_at"], current["ended_at"]) == ("START", None, None)


@pytest.mark.parametrize(
    ("body", "outcome", "ended_by"),
    [
        ({"interrupted": True, "killed": True}, "FAILED", "kill"),
        ({"state": "CANCELED"}, None, "cancel"),
        ({"state": "FINISHED", "finishStatus": "PARTIALLY_COMPLETED"}, "PARTIALLY_COMPLETED", "api"),
    ],
)
def test_admin_row_of_an_ended_task_says_what_happened(
    body: dict[str, object], outcome: str | None, ended_by: str
) -> None:
    record = _task(run_seconds=30)
    advance(record, T0 + 2)
    apply_update(record, body, T0 + 2)
    row = describe(record)
    assert (row["outcome"], row["finish_at"], row["run_start_at"]) == (outcome, T0 + 2, T0 + 1)
    assert row["history"][-1]["ended_by"] == ended_by


def test_admin_row_of_an_interrupted_task_says_when_it_will_stop() -> None:
    record = _task(run_seconds=30)
    advance(record, T0 + 2)
    apply_update(record, {"interrupted": True}, T0 + 2)
    row = describe(record)
    assert (row["outcome"], row["finish_at"]) == ("FAILED", T0 + 2 + INTERRUPT_REACTION_SECONDS)


def test_admin_row_of_a_task_canceled_in_the_queue_never_started() -> None:
    record = _task()
    apply_update(record, {"state": "CANCELED"}, T0 + 0.5)
    row = describe(record)
    assert (row["run_start_at"], row["finish_at"], row["outcome"]) == (None, T0 + 0.5, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"activityLabel": ""}, "activityLabel"),
        ({"activityLabel": "   "}, "activityLabel"),
        ({}, "activityLabel"),
        ({"activityLabel": "a", "priority": 11}, "priority"),
        ({"activityLabel": "a", "priority": -1}, "priority"),
        ({"activityLabel": "a", "priority": True}, "priority"),
        ({"activityLabel": "a", "parameters": [1]}, "parameters"),
        ({"activityLabel": "a", "parameters": "x"}, "parameters"),
        ({"activityLabel": "a", "minExecutionDate": "tomorrow"}, "minExecutionDate"),
        ({"activityLabel": "a", "parameters": {"_emulator": {"outcome": "MAYBE"}}}, "_emulator.outcome"),
        ({"activityLabel": "a", "parameters": {"_emulator": {"outcom": "FAILED"}}}, "_emulator.outcom"),
        ({"activityLabel": "a", "parameters": {"_emulator": {"items": [1, 2]}}}, "_emulator.items"),
        ({"activityLabel": "a", "parameters": {"_emulator": []}}, "_emulator"),
    ],
)
def test_invalid_task_bodies_name_the_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_new_task(body)
    assert caught.value.status == 400 and field in caught.value.message


@pytest.mark.parametrize(
    "body", [{"state": "RUNNING"}, {"finishStatus": "OK"}, {"totalItems": -1}, {"interrupted": "yes"}, []]
)
def test_invalid_updates_are_refused(body: object) -> None:
    with pytest.raises(ApiError) as caught:
        parse_task_update(body)
    assert caught.value.status == 400


UPDATES = [
    {"state": "START"},
    {"state": "FINISHED", "finishStatus": "SUCCESS", "finishMessage": "ok"},
    {"state": "CANCELED"},
    {"interrupted": True},
    {"interrupted": True, "killed": True},
    {"priority": 4},
]


@settings(max_examples=300, deadline=None)
@given(
    outcome=st.sampled_from(["SUCCESS", "FAILED", "NEVER", ["FAILED", "SUCCESS"]]),
    steps=st.lists(st.one_of(st.floats(0, 4), st.sampled_from(UPDATES)), max_size=25),
)
def test_invariants_hold_for_any_sequence(outcome: object, steps: list[object]) -> None:
    record = _task(outcome=outcome)
    at, restarts = T0, 0
    for step in steps:
        if isinstance(step, float):
            at += step
            advance(record, at)
            assert advance(record, at) is None, "advancing twice to the same time must be a no-op"
        else:
            assert isinstance(step, dict)
            advance(record, at)
            apply_update(record, parse_task_update(step), at)
            restarts += step.get("state") == "START"
        wire = record.wire
        assert record.state in TASK_STATES and record.schedule.runs == 1 + restarts
        runs = runs_of(record)
        assert [run["run"] for run in runs] == list(range(1, 2 + restarts))
        assert all(run["ended_at"] is not None for run in runs[:-1]), "every earlier run has ended"
        assert (runs[-1]["ended_at"] is not None) is (record.state in ("FINISHED", "CANCELED"))
        if record.state in ("START", "RUNNING", "CANCELED"):
            assert wire["finishStatus"] is None
        if record.state == "START":
            assert wire["dateStartRunning"] is None and wire["machineId"] is None
        assert wire["dateLastModified"] >= wire["dateCreation"]
