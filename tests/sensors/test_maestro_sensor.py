"""MaestroTaskSensor on a task created elsewhere: poke, reschedule and deferrable."""

from __future__ import annotations

import pytest

from botcity_provider.client import MaestroClient

MODES = ["poke", "reschedule", "deferrable"]


def _create(handle, **emulated) -> int:
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return client.tasks.create("elsewhere-bot", parameters={"_emulator": emulated}).id


@pytest.mark.parametrize("mode", MODES)
def test_succeeds_when_the_task_succeeds(run_dag, maestro_conn, mode: str) -> None:
    task_id = _create(maestro_conn, run_seconds=0.8, items=[3, 3, 0])
    result = run_dag(f"sensor_{mode}", {"maestro_task_id": task_id}, xcom_keys=("_link_MaestroTaskLink",))
    assert result.state == "success", result.log[-3000:]
    assert result.xcoms[("wait", "_link_MaestroTaskLink")] == f"{maestro_conn.url}/tasks/{task_id}"
    assert maestro_conn.stats()["tasks_created"] == 1, "a sensor never creates"


@pytest.mark.parametrize("mode", MODES)
def test_accepts_the_statuses_it_is_given(run_dag, maestro_conn, mode: str) -> None:
    task_id = _create(maestro_conn, outcome="PARTIALLY_COMPLETED")
    assert run_dag(f"sensor_{mode}", {"maestro_task_id": task_id}).state == "success"


@pytest.mark.parametrize("mode", MODES)
def test_fails_with_the_bots_words(run_dag, maestro_conn, mode: str) -> None:
    task_id = _create(maestro_conn, outcome="FAILED", message="Invoice portal rejected the login")
    result = run_dag(f"sensor_{mode}", {"maestro_task_id": task_id})
    assert result.state == "failed"
    assert "Invoice portal rejected the login" in result.log


def test_unknown_task_fails_clearly(run_dag, maestro_conn) -> None:
    result = run_dag("sensor_poke", {"maestro_task_id": 424242})
    assert result.state == "failed"
    assert "424242" in result.log
    assert "404" in result.log
