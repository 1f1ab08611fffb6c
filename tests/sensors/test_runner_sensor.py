"""MaestroRunnerSensor on real DAG runs: poke, reschedule and deferrable."""

from __future__ import annotations

import threading
import time

import pytest

MODES = ["poke", "reschedule", "deferrable"]
GET = "GET /api/v2/machine/{machineId}"


def _reads(handle) -> int:
    return handle.stats()["requests"].get(GET, 0)


def _comes_online_after_the_first_look(handle, runner_id: str, seconds: float) -> threading.Thread:
    """Seed the runner offline; once the sensor has looked, schedule it to come online (the emulator's
    own clock does the rest): a slow start of the DAG run cannot let it pass at the first look."""
    handle.add_runner(runner_id, online=False)

    def schedule() -> None:
        deadline = time.monotonic() + 120
        while _reads(handle) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        handle.add_runner(runner_id, online_after_seconds=seconds)

    scheduling = threading.Thread(target=schedule)
    scheduling.start()
    return scheduling


@pytest.mark.parametrize("mode", MODES)
def test_succeeds_once_the_runner_comes_online(run_dag, maestro_conn, mode: str) -> None:
    if mode == "reschedule" and __import__("airflow").__version__.startswith("3.0."):
        # Airflow 3.0's in-process dag.test() hands a rescheduled sensor its first reschedule date as
        # text, and its BaseSensorOperator fails on it ("datetime - str") before poking a second time.
        pytest.skip("Airflow 3.0's dag.test() cannot reschedule a sensor a second time")
    scheduling = _comes_online_after_the_first_look(maestro_conn, "vm-late", 2)
    result = run_dag(f"runner_sensor_{mode}", {"runner": "vm-late"})
    scheduling.join(timeout=120)
    assert result.state == "success", result.log[-3000:]
    assert result.task_states == {"wait_for_runner": "success"}
    assert _reads(maestro_conn) >= 2, "the sensor did not wait for the runner"


@pytest.mark.parametrize("mode", MODES)
def test_an_online_runner_passes_at_the_first_look(run_dag, maestro_conn, mode: str) -> None:
    maestro_conn.add_runner("vm-up")
    result = run_dag(f"runner_sensor_{mode}", {"runner": "vm-up"})
    assert result.state == "success", result.log[-3000:]
    assert _reads(maestro_conn) == 1


@pytest.mark.parametrize("mode", MODES)
def test_an_unknown_runner_fails_at_once_with_maestros_message(run_dag, maestro_conn, mode: str) -> None:
    result = run_dag(f"runner_sensor_{mode}", {"runner": "nowhere"})
    assert result.state == "failed"
    assert "nowhere" in result.log and "404" in result.log
    assert "Check the runner's machine id" in result.log
    assert _reads(maestro_conn) == 1, "an unknown runner was looked at again"


@pytest.mark.parametrize("mode", MODES)
def test_the_timeout_ends_the_wait(run_dag, maestro_conn, mode: str) -> None:
    maestro_conn.add_runner("vm-off", online=False)
    result = run_dag(f"runner_sensor_{mode}_short", {"runner": "vm-off"})
    assert result.state == "failed"
    assert "AirflowSensorTimeout" in result.log or "timed out" in result.log.lower(), result.log[-3000:]
    assert _reads(maestro_conn) >= 2


@pytest.mark.parametrize("mode", MODES)
def test_a_poke_interval_below_the_floor_is_refused_in_every_mode(mode: str) -> None:
    from airflow.providers.common.compat.sdk import DAG

    from botcity_provider.sensors.runner import MaestroRunnerSensor

    kwargs = {"mode": "reschedule" if mode == "reschedule" else "poke", "deferrable": mode == "deferrable"}
    with pytest.raises(ValueError, match="poke_interval must be at least 1 second"):
        MaestroRunnerSensor(task_id="wait", runner_id="vm", poke_interval=0.5, **kwargs)
    with (
        DAG(dag_id="floor", schedule=None, default_args={"poke_interval": 0}),
        pytest.raises(ValueError, match="poke_interval"),
    ):
        MaestroRunnerSensor(task_id="wait", runner_id="vm", **kwargs)
    sensor = MaestroRunnerSensor(task_id="ok", runner_id="vm", poke_interval=1, **kwargs)
    assert sensor.poke_interval == 1.0 and sensor.template_fields == ("runner_id",)
