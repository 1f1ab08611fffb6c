"""Each way a bot can end, seen from a real DAG run, deferred and polled."""

from __future__ import annotations

import pytest

MODES = ["deferred", "polled"]


@pytest.mark.parametrize("mode", MODES)
def test_success(run_dag, maestro_conn, mode: str) -> None:
    result = run_dag(
        f"outcome_{mode}_strict",
        {"outcome": "SUCCESS"},
        xcom_keys=("return_value", "maestro_task_id", "_link_MaestroTaskLink"),
    )
    assert result.state == "success", result.log[-3000:]
    (task,) = maestro_conn.tasks()
    assert result.xcoms[("run_bot", "return_value")] == task["id"]
    assert result.xcoms[("run_bot", "maestro_task_id")] == task["id"]
    assert result.xcoms[("run_bot", "_link_MaestroTaskLink")] == f"{maestro_conn.url}/tasks/{task['id']}"
    assert "items processed/failed/total: 7/3/10" in result.log


@pytest.mark.parametrize("mode", MODES)
def test_failed_bot_fails_the_task_with_its_message_and_errors(run_dag, maestro_conn, mode: str) -> None:
    conf = {
        "outcome": "FAILED",
        "message": "The portal was down",
        "error": "ConnectionError: portal.example unreachable",
    }
    result = run_dag(f"outcome_{mode}_strict", conf, xcom_keys=("_link_MaestroTaskLink",))
    assert result.state == "failed"
    assert result.task_states == {"run_bot": "failed"}
    assert "MaestroTaskFailedError" in result.log
    assert "The portal was down" in result.log
    assert "ConnectionError: portal.example unreachable" in result.log, "the bot's own error entries"
    (task,) = maestro_conn.tasks()
    assert result.xcoms[("run_bot", "_link_MaestroTaskLink")].endswith(f"/tasks/{task['id']}"), (
        "link kept on failure"
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("dag", "expected"), [("strict", "failed"), ("partial_ok", "success")])
def test_partially_completed(run_dag, maestro_conn, mode: str, dag: str, expected: str) -> None:
    result = run_dag(
        f"outcome_{mode}_{dag}", {"outcome": "PARTIALLY_COMPLETED", "message": "3 invoices skipped"}
    )
    assert result.state == expected
    if expected == "failed":
        assert "PARTIALLY_COMPLETED" in result.log
        assert "3 invoices skipped" in result.log


def test_bad_input_fails_before_any_request_and_without_retries(run_dag, maestro_conn) -> None:
    result = run_dag("bad_priority")
    assert result.state == "failed"
    # Airflow 3.0's in-process dag.test() keeps the log of a task that fails this early to itself.
    if not __import__("airflow").__version__.startswith("3.0."):
        assert "priority: must be from 0 to 10, got 11" in result.log
    assert maestro_conn.stats()["requests_total"] == 0
    assert maestro_conn.tasks() == []
