"""The bot's output in a real task log: each error entry (with its screenshot's link) and each alert of
the bot appears once while a create or restart operator or the sensor waits, deferred or polled, with
the workspace's key masked; not at all when ``log_bot_output=False``."""

from __future__ import annotations

import pytest

from tests.dag_runs import times_logged

ERROR = "The bot reported an error on Maestro task {id}: TimeoutError: portal slow after login with ***"
ALERT = "The bot raised a WARN alert on Maestro task {id}: Half done: 20 of 40"
MODES = ["deferred", "polled"]


def _told_once(result, maestro_conn, task_id: int) -> None:
    assert result.state == "success", result.log[-3000:]
    error = ERROR.format(id=task_id) + f" (screenshot: {maestro_conn.url}/tasks/{task_id})"
    assert times_logged(result.log, error) == 1, result.log[-3000:]
    assert times_logged(result.log, ALERT.format(id=task_id)) == 1, result.log[-3000:]
    # (Airflow 3.0 itself writes the key in its debug lines; ours must not.)
    assert not [line for line in result.log.splitlines() if "The bot " in line and maestro_conn.key in line]


@pytest.mark.parametrize("mode", MODES)
def test_the_create_operator_shows_what_the_bot_reports(run_dag, maestro_conn, mode: str) -> None:
    result = run_dag(f"bot_output_create_{mode}")
    (task,) = maestro_conn.tasks()
    _told_once(result, maestro_conn, task["id"])


@pytest.mark.parametrize("mode", MODES)
def test_quiet_when_turned_off(run_dag, maestro_conn, mode: str) -> None:
    result = run_dag(f"bot_output_create_{mode}_quiet")
    assert result.state == "success", result.log[-3000:]
    assert "The bot reported an error" not in result.log and "The bot raised" not in result.log
    requests = maestro_conn.stats()["requests"]
    assert requests.get("GET /api/v2/error", 0) == requests.get("GET /api/v2/alerts", 0) == 0


@pytest.mark.parametrize("mode", MODES)
def test_a_restart_shows_its_own_run_only(run_dag, maestro_conn, mode: str) -> None:
    result = run_dag(f"bot_output_restart_{mode}")
    (task,) = maestro_conn.tasks()
    # The first run's entries are still in Maestro, dated before the restart: they are not news.
    _told_once(result, maestro_conn, task["id"])


@pytest.mark.parametrize("mode", ["poke", "deferred"])
def test_the_sensor_shows_what_the_bot_reports(run_dag, maestro_conn, mode: str) -> None:
    result = run_dag(f"bot_output_sensor_{mode}")
    (task,) = maestro_conn.tasks()
    _told_once(result, maestro_conn, task["id"])
