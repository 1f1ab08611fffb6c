"""Never a duplicate, never an orphan: retries reattach, lost answers resolve, limits stop the bot."""

from __future__ import annotations

import pytest

MODES = ["deferred", "polled"]
AIRFLOW_2 = not __import__("airflow").__version__.startswith("3.")


@pytest.mark.parametrize("variant", ["durable", "keyed"])
def test_retry_after_the_create_takes_the_task_over(run_dag, maestro_conn, variant: str) -> None:
    # Try 1 creates the task, then its first look at it is answered 408, which a wait does not ride out but
    # an Airflow retry may mend (a 400 would fail the task for good): the try fails after the create.
    maestro_conn.set_faults(
        script=[{"match": "GET /api/v2/task/{taskId}", "action": "status", "status": 408, "count": 1}]
    )
    result = run_dag(f"retry_after_create_{variant}")
    assert result.state == "success", result.log[-4000:]
    assert maestro_conn.stats()["tasks_created"] == 1, "the retry made a second Maestro task"
    assert "created by an earlier try" in result.log or "Reconnecting to existing job" in result.log


def test_a_retry_after_the_task_succeeded_succeeds_at_once(run_dag, maestro_conn) -> None:
    maestro_conn.set_faults(
        script=[{"match": "GET /api/v2/task/{taskId}", "action": "status", "status": 408, "count": 1}]
    )
    result = run_dag("retry_after_success")
    assert result.state == "success", result.log[-4000:]
    stats = maestro_conn.stats()
    assert stats["tasks_created"] == 1
    assert stats["requests"]["POST /api/v2/task"] == 1


def test_a_retry_after_the_bot_failed_runs_it_again_in_a_new_task(run_dag, maestro_conn) -> None:
    result = run_dag("retry_after_failure")
    assert result.state == "failed"
    tasks = maestro_conn.tasks()
    assert len(tasks) == 2, "one task per try: the failed bot is not taken over"
    assert all(task["outcome"] == "FAILED" for task in tasks)


@pytest.mark.parametrize("mode", MODES)
def test_lost_create_answer_makes_no_duplicate(run_dag, maestro_conn, mode: str) -> None:
    maestro_conn.set_faults(script=[{"match": "POST /api/v2/task", "action": "lost", "count": 1}])
    result = run_dag(f"lost_create_{mode}")
    assert result.state == "success", result.log[-4000:]
    stats = maestro_conn.stats()
    assert stats["faults"]["lost_create"] == 1
    assert stats["tasks_created"] == 1
    assert stats["requests"]["POST /api/v2/task"] == 1, "a lost create is resolved by lookup, not resent"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("limit", ["timeout", "execution_timeout"])
def test_limits_stop_the_maestro_task(run_dag, maestro_conn, mode: str, limit: str) -> None:
    if (mode, limit) == ("deferred", "execution_timeout") and AIRFLOW_2:
        pytest.skip("Airflow 2's dag.test() runs the trigger inside the task's own execution-timeout alarm")
    result = run_dag(f"{limit}_{mode}")
    assert result.state == "failed"
    (task,) = maestro_conn.tasks()
    assert task["state"] in ("CANCELED", "FINISHED"), f"Maestro task left {task['state']}"
    assert "Stopping Maestro task" in result.log
