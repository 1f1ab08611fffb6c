"""Stopping the bot when Airflow gives up: on_kill, Airflow's own deferral timeout, a user's kill."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest

from botcity_provider.client import MaestroClient, stop_action
from botcity_provider.operators.maestro import MaestroCreateTaskOperator
from botcity_provider.triggers.maestro import MaestroTaskTrigger


@pytest.mark.parametrize(
    ("state", "force", "action"),
    [
        ("START", False, "cancel"),
        ("START", True, "cancel"),
        ("RUNNING", False, "interrupt"),
        ("RUNNING", True, "kill"),
        ("TIMEOUT", True, "kill"),
        ("SOMETHING_NEW", False, "interrupt"),
        ("FINISHED", True, "none"),
        ("CANCELED", True, "none"),
    ],
)
def test_stop_action_table(state: str, force: bool, action: str) -> None:
    assert stop_action(state, force=force) == action


def _running_task(handle) -> int:
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        task_id = client.tasks.create(
            "stuck-bot", parameters={"_emulator": {"outcome": "NEVER", "queue_seconds": 0}}
        ).id
        while client.tasks.get(task_id).state != "RUNNING":
            time.sleep(0.05)
    return task_id


def _task(handle, task_id: int):
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return client.tasks.get(task_id)


def test_on_kill_stops_the_bot(maestro_conn) -> None:
    task_id = _running_task(maestro_conn)
    operator = MaestroCreateTaskOperator(task_id="run", activity_label="stuck-bot")
    operator._maestro_task_id = task_id  # what submit_job records once the task exists
    operator.on_kill()
    assert _task(maestro_conn, task_id).killed


def test_on_kill_leaves_the_bot_when_told_to(maestro_conn) -> None:
    task_id = _running_task(maestro_conn)
    operator = MaestroCreateTaskOperator(task_id="run", activity_label="stuck-bot", cancel_on_kill=False)
    operator._maestro_task_id = task_id
    operator.on_kill()
    assert _task(maestro_conn, task_id).state == "RUNNING"


class _TaskInstance:
    """The slice of a task instance that resume_execution reads: Airflow schedules '__fail__' itself."""

    def __init__(self, maestro_task_id: int) -> None:
        self.task_id, self.map_index, self._value = "run", -1, maestro_task_id

    def xcom_pull(self, *, task_ids: str, key: str, map_indexes: int) -> int:
        assert (task_ids, key, map_indexes) == ("run", "maestro_task_id", -1)
        return self._value


def test_airflows_own_deferral_timeout_stops_the_bot(maestro_conn) -> None:
    task_id = _running_task(maestro_conn)
    operator = MaestroCreateTaskOperator(task_id="run", activity_label="stuck-bot")
    with pytest.raises(Exception, match=r"(?i)timeout|trigger"):
        operator.resume_execution("__fail__", {"error": "Trigger timeout"}, {"ti": _TaskInstance(task_id)})
    assert _task(maestro_conn, task_id).killed


async def test_a_users_kill_reaches_the_bot_through_the_trigger(maestro_conn) -> None:
    task_id = _running_task(maestro_conn)
    trigger = MaestroTaskTrigger(
        maestro_conn_id="botcity_maestro_default", maestro_task_id=task_id, cancel_on_kill=True
    )
    await trigger.on_kill()
    assert _task(maestro_conn, task_id).killed


async def test_the_trigger_leaves_the_bot_alone_unless_asked(maestro_conn) -> None:
    task_id = _running_task(maestro_conn)
    await MaestroTaskTrigger(maestro_conn_id="botcity_maestro_default", maestro_task_id=task_id).on_kill()
    assert _task(maestro_conn, task_id).state == "RUNNING"


def _deferred_ti(map_index: int = 3) -> SimpleNamespace:
    return SimpleNamespace(dag_id="d", task_id="run_bot", run_id="r1", map_index=map_index, try_number=1)


def _states_are(monkeypatch, answer) -> list[dict]:
    """Airflow's answer to the triggerer's 'what state is this task instance in' (apache/airflow#73454)."""
    runner = pytest.importorskip("airflow.sdk.execution_time.task_runner")
    asked: list[dict] = []

    def get_task_states(**query):
        asked.append(query)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(runner.RuntimeTaskInstance, "get_task_states", staticmethod(get_task_states))
    return asked


def _waiting_trigger(task_id: int, ti) -> MaestroTaskTrigger:
    trigger = MaestroTaskTrigger(
        maestro_conn_id="botcity_maestro_default", maestro_task_id=task_id, cancel_on_kill=True
    )
    trigger.task_instance = ti
    return trigger


async def test_a_wait_handed_to_another_triggerer_leaves_the_bot_running(maestro_conn, monkeypatch) -> None:
    task_id = _running_task(maestro_conn)
    asked = _states_are(monkeypatch, {"r1": {"run_bot_3": "deferred"}})
    await _waiting_trigger(task_id, _deferred_ti()).on_kill()
    assert asked == [{"dag_id": "d", "map_index": None, "task_ids": ["run_bot"], "run_ids": ["r1"]}]
    task = _task(maestro_conn, task_id)
    assert (task.state, task.killed, task.interrupted) == ("RUNNING", False, False)


@pytest.mark.parametrize("state", ["failed", "success", None])
async def test_a_user_who_ended_the_wait_stops_the_bot(maestro_conn, monkeypatch, state) -> None:
    task_id = _running_task(maestro_conn)
    # Unmapped, the execution API names the instance by its task id alone.
    _states_are(monkeypatch, {"r1": {"run_bot": state}})
    await _waiting_trigger(task_id, _deferred_ti(map_index=-1)).on_kill()
    assert _task(maestro_conn, task_id).killed


async def test_a_state_that_cannot_be_read_counts_as_the_users_kill(
    maestro_conn, monkeypatch, caplog
) -> None:
    task_id = _running_task(maestro_conn)
    _states_are(monkeypatch, ConnectionError("supervisor gone"))
    await _waiting_trigger(task_id, _deferred_ti()).on_kill()
    assert _task(maestro_conn, task_id).killed
    assert "supervisor gone" in caplog.text and "d.run_bot[3] (r1)" in caplog.text


async def test_the_waits_a_triggerer_lost_at_once_ask_airflow_once(monkeypatch) -> None:
    from botcity_provider.triggers._handover import wait_goes_on

    # Two runs of a mapped task handed over, one index of which a user marked failed meanwhile.
    states = {run: {f"run_bot_{index}": "deferred" for index in range(100)} for run in ("r1", "r2")}
    states["r2"]["run_bot_7"] = "failed"
    asked = _states_are(monkeypatch, states)
    tis = [_deferred_ti(index) for index in range(100)]
    tis += [SimpleNamespace(**{**vars(_deferred_ti(index)), "run_id": "r2"}) for index in range(100)]
    answers = await asyncio.gather(*(wait_goes_on(ti) for ti in tis))
    assert asked == [{"dag_id": "d", "map_index": None, "task_ids": ["run_bot"], "run_ids": ["r1", "r2"]}]
    assert [index for index, goes_on in enumerate(answers) if not goes_on] == [107]
    # Who asks after the question went out gets a question of their own, never an answer older than it.
    assert await wait_goes_on(_deferred_ti(5))
    assert len(asked) == 2


async def test_a_question_that_failed_counts_as_every_users_kill(monkeypatch, caplog) -> None:
    from botcity_provider.triggers._handover import wait_goes_on

    _states_are(monkeypatch, ConnectionError("supervisor gone"))
    answers = await asyncio.gather(*(wait_goes_on(_deferred_ti(index)) for index in range(5)))
    assert answers == [False] * 5
    assert caplog.text.count("supervisor gone") == 5


def test_reattach_off_turns_durable_off_too() -> None:
    assert MaestroCreateTaskOperator(task_id="a", activity_label="x", reattach=False).durable is False
