"""Cancel and restart, against the emulator, in real DAG runs."""

from __future__ import annotations

import time

import pytest

from botcity_provider.client import MaestroClient


def _client(handle) -> MaestroClient:
    return MaestroClient(handle.url, handle.login, handle.key)


def _running(handle, **emulated) -> int:
    with _client(handle) as client:
        task_id = client.tasks.create(
            "long-bot", parameters={"_emulator": {"queue_seconds": 0, **emulated}}
        ).id
        deadline = time.monotonic() + 5
        while client.tasks.get(task_id).state != "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.05)
    return task_id


def _state(handle, task_id: int):
    with _client(handle) as client:
        return client.tasks.get(task_id)


def test_cancel_a_queued_task(run_dag, maestro_conn) -> None:
    with _client(maestro_conn) as client:
        task_id = client.tasks.create("queued-bot", parameters={"_emulator": {"queue_seconds": 60}}).id
    result = run_dag("cancel_gentle", {"maestro_task_id": task_id})
    assert result.state == "success"
    assert _state(maestro_conn, task_id).state == "CANCELED"
    assert f"Maestro task {task_id} was queued: cancelled; it is now cancelled (CANCELED)" in result.log


def test_a_bot_that_honours_the_interrupt_is_not_killed(run_dag, maestro_conn) -> None:
    task_id = _running(maestro_conn, outcome="NEVER")
    result = run_dag("cancel_gentle", {"maestro_task_id": task_id})
    assert result.state == "success"
    task = _state(maestro_conn, task_id)
    assert (task.state, task.interrupted, task.killed) == ("FINISHED", True, False)
    # What Maestro says, not only "FINISHED": the bot stopped, FAILED, with its reason.
    assert (
        f"Maestro task {task_id} was running: asked to stop; it is now finished with status FAILED: "
        f"{task.finish_message}"
    ) in result.log


def test_a_bot_that_ignores_the_interrupt_is_killed_after_the_grace_period(run_dag, maestro_conn) -> None:
    task_id = _running(maestro_conn, outcome="NEVER", ignore_interrupt=True)
    result = run_dag("cancel_gentle", {"maestro_task_id": task_id})
    assert result.state == "success"
    assert "was running: asked to stop, then killed after" in result.log
    assert _state(maestro_conn, task_id).killed


def test_force_kills_at_once(run_dag, maestro_conn) -> None:
    task_id = _running(maestro_conn, outcome="NEVER")
    run_dag("cancel_forced", {"maestro_task_id": task_id})
    stats = maestro_conn.stats()
    assert _state(maestro_conn, task_id).killed
    assert stats["requests"]["POST /api/v2/task/{taskId}"] == 1, "no interrupt before the kill"


def test_cancelling_a_finished_task_is_a_logged_no_op(run_dag, maestro_conn) -> None:
    with _client(maestro_conn) as client:
        task_id = client.tasks.create("done-bot").id
        client.tasks.finish(task_id, "SUCCESS", "all good")
    result = run_dag("cancel_gentle", {"maestro_task_id": task_id})
    assert result.state == "success"
    assert "nothing to stop" in result.log
    assert _state(maestro_conn, task_id).finish_status == "SUCCESS"


@pytest.mark.parametrize("mode", ["polled", "deferred"])
def test_restart_a_failed_task_and_wait(run_dag, maestro_conn, mode: str) -> None:
    with _client(maestro_conn) as client:
        task = client.tasks.create("crm-bot", parameters={"_emulator": {"outcome": ["FAILED", "SUCCESS"]}})
        while not client.tasks.get(task.id).is_terminal:
            time.sleep(0.05)
        assert client.tasks.get(task.id).finish_status == "FAILED"
    result = run_dag(f"restart_{mode}", {"maestro_task_id": task.id}, xcom_keys=("return_value",))
    assert result.state == "success", result.log[-3000:]
    assert result.xcoms[("restart", "return_value")] == task.id
    assert _state(maestro_conn, task.id).finish_status == "SUCCESS"


def test_each_try_links_its_own_task(run_dag, maestro_conn) -> None:
    # Try 1 creates task 1 and fails reading it (a 408, which a wait does not ride out but an Airflow
    # retry may mend); try 2 (reattach off) creates task 2.
    maestro_conn.set_faults(
        script=[{"match": "GET /api/v2/task/{taskId}", "action": "status", "status": 408, "count": 1}]
    )
    result = run_dag("link_per_try", xcom_keys=("_link_MaestroTaskLink", "maestro_task_id"))
    assert result.state == "success", result.log[-3000:]
    ids = sorted(task["id"] for task in maestro_conn.tasks())
    assert len(ids) == 2
    assert result.xcoms[("run_bot", "maestro_task_id")] == ids[-1]
    assert result.xcoms[("run_bot", "_link_MaestroTaskLink")] == f"{maestro_conn.url}/tasks/{ids[-1]}"
