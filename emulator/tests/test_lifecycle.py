"""Task lifecycle over HTTP: scheduled transitions, the ``_emulator`` parameter, update semantics."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle

from .helpers import QUEUE_SECONDS, RUN_SECONDS, Api, wait_for


def _finished(api: Api, task_id: int, timeout_seconds: float = 3.0) -> dict[str, Any]:
    task: dict[str, Any] = wait_for(
        lambda: api.task(task_id), lambda t: t["state"] == "FINISHED", timeout_seconds
    )
    return task


def _running(api: Api, task_id: int) -> dict[str, Any]:
    task: dict[str, Any] = wait_for(lambda: api.task(task_id), lambda t: t["state"] == "RUNNING")
    return task


def test_default_run_goes_start_running_finished(api: Api) -> None:
    created = api.create_task("demo", parameters={"a": 1})
    assert created["state"] == "START" and created["dateStartRunning"] is None
    running = _running(api, created["id"])
    assert running["machineId"] and running["dateStartRunning"].endswith("Z")
    done = _finished(api, created["id"])
    assert (done["finishStatus"], done["totalItems"], done["processedItems"], done["failedItems"]) == (
        "SUCCESS",
        1,
        1,
        0,
    )
    assert done["finishMessage"]
    assert done["dateLastModified"] > done["dateStartRunning"] > done["dateCreation"]


@pytest.mark.parametrize("outcome", ["SUCCESS", "FAILED", "PARTIALLY_COMPLETED"])
def test_each_outcome(api: Api, outcome: str) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"outcome": outcome}})
    assert _finished(api, task["id"])["finishStatus"] == outcome


def test_never_stays_running_until_the_api_finishes_it(api: Api) -> None:
    params = {"_emulator": {"outcome": "NEVER", "queue_seconds": 0, "run_seconds": 0}}
    task = api.create_task("demo", parameters=params)
    time.sleep(0.3)
    assert api.task(task["id"])["state"] == "RUNNING"
    body = {"state": "FINISHED", "finishStatus": "SUCCESS", "finishMessage": "by bot"}
    finished = api.update(task["id"], body)
    assert (finished["state"], finished["finishMessage"]) == ("FINISHED", "by bot")


def test_outcome_list_is_consumed_one_per_run(api: Api) -> None:
    params = {"_emulator": {"outcome": ["FAILED", "SUCCESS"], "queue_seconds": 0, "run_seconds": 0.1}}
    task = api.create_task("demo", parameters=params)
    assert task["parameters"]["_emulator"]["outcome"] == ["FAILED", "SUCCESS"]
    assert _finished(api, task["id"])["finishStatus"] == "FAILED"
    for _ in range(2):
        restarted = api.update(task["id"], {"state": "START"})
        assert (restarted["state"], restarted["finishStatus"], restarted["totalItems"]) == (
            "START",
            None,
            None,
        )
        assert _finished(api, task["id"])["finishStatus"] == "SUCCESS"
    schedules = {row["id"]: row for row in api.emulator.tasks()}
    assert schedules[task["id"]]["runs"] == 3


def test_items_message_and_reported_errors(api: Api) -> None:
    params = {
        "_emulator": {
            "outcome": "FAILED",
            "message": "portal down",
            "items": [10, 7, 3],
            "errors": ["login failed", "timeout"],
            "queue_seconds": 0,
            "run_seconds": 0.1,
        }
    }
    task = api.create_task("invoices", parameters=params)
    done = _finished(api, task["id"])
    assert (done["finishMessage"], done["totalItems"], done["processedItems"], done["failedItems"]) == (
        "portal down",
        10,
        7,
        3,
    )
    errors = api.get("/api/v2/error", params={"taskId": task["id"]}).json()["content"]
    assert sorted(e["message"] for e in errors) == ["login failed", "timeout"]
    assert {e["automationLabel"] for e in errors} == {"invoices"}


def test_the_bot_reports_its_errors_when_its_run_ends_not_when_someone_looks(api: Api) -> None:
    params = {"_emulator": {"outcome": "FAILED", "errors": ["boom"], "queue_seconds": 0, "run_seconds": 0}}
    task = api.create_task("demo", parameters=params)
    time.sleep(0.2)  # let the run end well before the first read that notices it
    done = api.task(task["id"])
    (error,) = api.get("/api/v2/error", params={"taskId": task["id"]}).json()["content"]
    assert error["dateCreation"] == done["dateLastModified"]


def test_errors_are_not_reported_on_success(api: Api) -> None:
    params = {"_emulator": {"errors": ["never"], "queue_seconds": 0, "run_seconds": 0}}
    task = api.create_task("demo", parameters=params)
    _finished(api, task["id"])
    assert api.get("/api/v2/error").json()["totalElements"] == 0


def test_per_task_timings_override_the_defaults(api: Api) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 0, "run_seconds": 0}})
    assert api.task(task["id"])["state"] == "FINISHED"
    slow = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 30}})
    time.sleep(QUEUE_SECONDS + RUN_SECONDS + 0.1)
    assert api.task(slow["id"])["state"] == "START"


def test_min_execution_date_in_the_future_keeps_the_task_queued(api: Api) -> None:
    task = api.create_task("demo", minExecutionDate="2999-01-02T03:04:05.600000")
    assert task["minExecutionDate"] == "2999-01-02T03:04:05.600Z"
    time.sleep(QUEUE_SECONDS + 0.1)
    assert api.task(task["id"])["state"] == "START"


def test_finish_of_a_queued_task_and_refinish_last_wins(api: Api) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 30}})
    first = api.update(task["id"], {"state": "FINISHED", "finishStatus": "FAILED", "finishMessage": "a"})
    assert (first["state"], first["finishStatus"]) == ("FINISHED", "FAILED")
    second = api.update(task["id"], {"state": "FINISHED", "finishStatus": "SUCCESS", "finishMessage": "b"})
    assert (second["finishStatus"], second["finishMessage"]) == ("SUCCESS", "b")


def test_cancel_of_a_queued_task_never_runs(api: Api) -> None:
    task = api.create_task("demo")
    assert api.update(task["id"], {"state": "CANCELED"})["state"] == "CANCELED"
    time.sleep(QUEUE_SECONDS + RUN_SECONDS + 0.1)
    final = api.task(task["id"])
    assert (final["state"], final["dateStartRunning"], final["finishStatus"]) == ("CANCELED", None, None)


def test_interrupt_of_a_queued_task_only_sets_the_flag_then_the_bot_stops(api: Api) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"outcome": "NEVER"}})
    updated = api.update(task["id"], {"interrupted": True})
    assert (updated["state"], updated["interrupted"], updated["killed"]) == ("START", True, False)
    done = _finished(api, task["id"])
    assert done["dateStartRunning"] is not None, "it was picked up, not canceled"
    assert (done["finishStatus"], done["finishMessage"]) == ("FAILED", "Interrupted at the user's request")


def test_kill_of_a_queued_task_only_sets_the_flags_then_the_runner_ends_it(api: Api) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"outcome": "NEVER"}})
    updated = api.update(task["id"], {"interrupted": True, "killed": True})
    assert (updated["state"], updated["interrupted"], updated["killed"]) == ("START", True, True)
    done = _finished(api, task["id"])
    assert (done["finishStatus"], done["finishMessage"]) == ("FAILED", "Killed at the user's request")
    assert done["dateStartRunning"] == done["dateLastModified"]


def test_interrupt_of_a_running_task_stops_within_half_a_second(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 0, "outcome": "NEVER"}})
    _running(api, task["id"])
    asked_at = time.time()
    assert api.update(task["id"], {"interrupted": True})["interrupted"] is True
    answered_at = time.time()
    done = _finished(api, task["id"])
    assert (done["finishStatus"], done["finishMessage"]) == ("FAILED", "Interrupted at the user's request")
    # The server took the request between these two moments: when the bot stopped, by the server's own
    # schedule, does not depend on how slowly this test polled.
    stopped_at = _epoch(done["dateLastModified"])
    assert asked_at < stopped_at <= answered_at + 0.5


def test_ignore_interrupt_keeps_running(api: Api) -> None:
    params = {"_emulator": {"queue_seconds": 0, "outcome": "NEVER", "ignore_interrupt": True}}
    task = api.create_task("demo", parameters=params)
    _running(api, task["id"])
    api.update(task["id"], {"interrupted": True})
    time.sleep(0.6)
    still = api.task(task["id"])
    assert (still["state"], still["interrupted"]) == ("RUNNING", True)
    killed = api.update(task["id"], {"interrupted": True, "killed": True})
    assert (killed["state"], killed["finishStatus"], killed["killed"]) == ("FINISHED", "FAILED", True)


def test_kill_of_a_running_task_finishes_it_at_once(api: Api) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 0, "run_seconds": 30}})
    _running(api, task["id"])
    killed = api.update(task["id"], {"interrupted": True, "killed": True})
    assert (killed["state"], killed["finishStatus"], killed["finishMessage"]) == (
        "FINISHED",
        "FAILED",
        "Killed at the user's request",
    )


def test_actions_on_a_terminal_task_change_only_flags(api: Api) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 0, "run_seconds": 0}})
    done = api.task(task["id"])
    for body in ({"state": "CANCELED"}, {"interrupted": True}, {"interrupted": True, "killed": True}):
        after = api.update(task["id"], body)
        unchanged = {k: v for k, v in after.items() if k not in ("interrupted", "killed")}
        assert unchanged == {k: v for k, v in done.items() if k not in ("interrupted", "killed")}
    assert after["interrupted"] is True and after["killed"] is True


def test_restart_clears_the_previous_run(api: Api) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 0, "run_seconds": 0}})
    api.update(task["id"], {"interrupted": True, "killed": True})
    restarted = api.update(task["id"], {"state": "START"})
    for key in ("finishStatus", "finishMessage", "totalItems", "processedItems", "failedItems"):
        assert restarted[key] is None
    assert (restarted["interrupted"], restarted["killed"], restarted["machineId"]) == (False, False, None)
    assert _finished(api, task["id"])["finishStatus"] == "SUCCESS"


def test_admin_tasks_shows_the_schedule(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 5, "run_seconds": 7}})
    (row,) = emulator.tasks()
    assert row["id"] == task["id"] and row["outcome"] == "SUCCESS" and row["runs"] == 1
    assert row["run_start_at"] == pytest.approx(row["created_at"] + 5)
    assert row["finish_at"] == pytest.approx(row["created_at"] + 12)


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _admin_row(emulator: EmulatorHandle, task_id: int) -> dict[str, Any]:
    (row,) = [row for row in emulator.tasks() if row["id"] == task_id]
    return row


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        ({"interrupted": True, "killed": True}, "FAILED"),
        ({"state": "CANCELED"}, None),
        (
            {"state": "FINISHED", "finishStatus": "PARTIALLY_COMPLETED", "finishMessage": "by hand"},
            "PARTIALLY_COMPLETED",
        ),
    ],
)
def test_admin_tasks_agrees_with_the_api_on_a_stopped_task(
    api: Api, emulator: EmulatorHandle, body: dict[str, Any], outcome: str | None
) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 0, "run_seconds": 60}})
    _running(api, task["id"])
    api.update(task["id"], body)
    seen = api.task(task["id"])

    row = _admin_row(emulator, task["id"])

    assert (row["state"], row["outcome"]) == (seen["state"], seen["finishStatus"]) == (seen["state"], outcome)
    assert row["finish_at"] == pytest.approx(_epoch(seen["dateLastModified"]), abs=0.001)
    assert row["run_start_at"] == pytest.approx(_epoch(seen["dateStartRunning"]), abs=0.001)


def test_admin_tasks_agrees_with_the_api_on_an_interrupted_task(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 0, "run_seconds": 60}})
    _running(api, task["id"])
    api.update(task["id"], {"interrupted": True})
    done = _finished(api, task["id"])

    row = _admin_row(emulator, task["id"])

    assert (row["outcome"], done["finishStatus"]) == ("FAILED", "FAILED")
    assert row["finish_at"] == pytest.approx(_epoch(done["dateLastModified"]), abs=0.001)
    assert row["history"][-1]["ended_by"] == "interrupt"


def test_admin_tasks_lists_every_run_of_a_restarted_task(api: Api, emulator: EmulatorHandle) -> None:
    params = {"_emulator": {"outcome": ["FAILED", "SUCCESS"], "queue_seconds": 0, "run_seconds": 0.1}}
    task = api.create_task("demo", parameters=params)
    failed = _finished(api, task["id"])
    api.update(task["id"], {"state": "START"})
    succeeded = _finished(api, task["id"])

    row = _admin_row(emulator, task["id"])

    assert (row["runs"], row["outcome"]) == (2, "SUCCESS")
    first, second = row["history"]
    assert (first["finishStatus"], first["finishMessage"]) == (
        failed["finishStatus"],
        failed["finishMessage"],
    )
    assert first["ended_at"] == pytest.approx(_epoch(failed["dateLastModified"]), abs=0.001)
    assert (second["finishStatus"], second["ended_by"]) == ("SUCCESS", "bot")
    assert second["picked_up_at"] == pytest.approx(_epoch(succeeded["dateStartRunning"]), abs=0.001)
