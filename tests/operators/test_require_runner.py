"""MaestroCreateTaskOperator(require_runner_online=True): no task for a runner that is offline."""

from __future__ import annotations

from botcity_provider.client import MaestroClient

OWN = "emulator-runner"
CREATE = "POST /api/v2/task"
RUNNERS = ("GET /api/v2/machine/{machineId}", "GET /api/v2/machine/pagination")


def _tasks(handle) -> list:
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return list(client.tasks.list().content)


def _runner_requests(handle) -> int:
    seen = handle.stats()["requests"]
    return sum(seen.get(key, 0) for key in RUNNERS)


def test_an_offline_runner_gets_no_task(run_dag, maestro_conn) -> None:
    maestro_conn.add_runner("vm-off", online=False)
    result = run_dag("require_runner_named", {"runner": "vm-off"})
    assert result.state == "failed"
    assert "Maestro runner 'vm-off' is offline" in result.log and "was not created" in result.log
    assert _tasks(maestro_conn) == [] and maestro_conn.stats()["tasks_created"] == 0
    assert _runner_requests(maestro_conn) == 1


def test_an_online_runner_gets_its_task(run_dag, maestro_conn) -> None:
    maestro_conn.add_runner("vm-on")
    result = run_dag("require_runner_named", {"runner": "vm-on"}, xcom_keys=("return_value",))
    assert result.state == "success", result.log[-3000:]
    tasks = _tasks(maestro_conn)
    assert [task.activity_label for task in tasks] == ["runner-bot"]
    assert result.xcoms[("run_bot", "return_value")] == tasks[0].id
    assert _runner_requests(maestro_conn) == 1


def test_an_unknown_runner_fails_at_once(run_dag, maestro_conn) -> None:
    result = run_dag("require_runner_named", {"runner": "nowhere"})
    assert result.state == "failed"
    assert "nowhere" in result.log and "404" in result.log and "was not created" in result.log
    assert "AirflowFailException" in result.log
    assert _tasks(maestro_conn) == []


def test_without_a_runner_id_any_online_runner_will_do(run_dag, maestro_conn) -> None:
    maestro_conn.set_runner_online(OWN, False)
    maestro_conn.add_runner("vm-off", online=False)
    refused = run_dag("require_runner_any")
    assert refused.state == "failed"
    assert "No Maestro runner of the workspace is online" in refused.log and "was not created" in refused.log
    assert _tasks(maestro_conn) == []
    maestro_conn.set_runner_online("vm-off", True)
    accepted = run_dag("require_runner_any")
    assert accepted.state == "success", accepted.log[-3000:]
    assert len(_tasks(maestro_conn)) == 1
    assert _runner_requests(maestro_conn) == 2  # one check per run
