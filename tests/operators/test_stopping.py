"""Stopping the bot when Airflow gives up: on_kill, Airflow's own deferral timeout, a user's kill."""

from __future__ import annotations

import time

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


def test_reattach_off_turns_durable_off_too() -> None:
    assert MaestroCreateTaskOperator(task_id="a", activity_label="x", reattach=False).durable is False
