"""No waiting interval below the floor, for any input: refused where a DAG is parsed, raised to the floor
where it cannot be refused (a trigger's kwargs, the hook's own wait).

Every wait of the provider sleeps between two looks at Maestro; an interval of zero would turn each of
them into a busy loop (about 18 task listings a second from one deferred sensor, measured).
"""

from __future__ import annotations

import logging
import textwrap
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from botcity_provider._intervals import MIN_POLL_INTERVAL_SECONDS
from botcity_provider.client import MaestroClient
from botcity_provider.operators.datapool import MaestroDatapoolPushOperator
from botcity_provider.operators.maestro import MaestroCreateTaskOperator, MaestroRestartTaskOperator
from botcity_provider.sensors.datapool import MaestroDatapoolSensor
from botcity_provider.sensors.maestro import MaestroTaskSensor
from botcity_provider.sensors.runner import MaestroRunnerSensor
from botcity_provider.triggers.datapool import MaestroDatapoolTrigger
from botcity_provider.triggers.finished import MaestroTaskFinishedTrigger
from botcity_provider.triggers.maestro import MaestroTaskTrigger
from botcity_provider.triggers.runner import MaestroRunnerTrigger

TOO_SHORT = [0, 0.0, 0.5, timedelta(0), timedelta(milliseconds=200), -1]


def _create(**kwargs: Any) -> Any:
    return MaestroCreateTaskOperator(task_id="create", activity_label="bot", **kwargs)


def _restart(**kwargs: Any) -> Any:
    return MaestroRestartTaskOperator(task_id="restart", maestro_task_id=1, **kwargs)


def _push(**kwargs: Any) -> Any:
    return MaestroDatapoolPushOperator(
        task_id="push", datapool="orders", items=[], wait_for_completion=True, **kwargs
    )


def _sensor(mode: str, deferrable: bool, **kwargs: Any) -> Any:
    return MaestroTaskSensor(task_id="wait", maestro_task_id=1, mode=mode, deferrable=deferrable, **kwargs)


def _pool_sensor(mode: str, deferrable: bool, **kwargs: Any) -> Any:
    return MaestroDatapoolSensor(
        task_id="wait", datapool="orders", mode=mode, deferrable=deferrable, **kwargs
    )


@pytest.mark.parametrize("value", TOO_SHORT, ids=repr)
@pytest.mark.parametrize("deferrable", [True, False])
@pytest.mark.parametrize("make", [_create, _restart, _push], ids=["create", "restart", "push"])
def test_operators_refuse_a_poll_interval_below_the_floor(make: Any, deferrable: bool, value: Any) -> None:
    with pytest.raises(ValueError, match=r"^poll_interval must be at least 1 second") as caught:
        make(poll_interval=value, deferrable=deferrable)
    assert "busy loop" in str(caught.value)


def _runner_sensor(mode: str, deferrable: bool, **kwargs: Any) -> Any:
    return MaestroRunnerSensor(
        task_id="wait", runner_id="runner-1", mode=mode, deferrable=deferrable, **kwargs
    )


@pytest.mark.parametrize("value", TOO_SHORT, ids=repr)
@pytest.mark.parametrize(
    ("mode", "deferrable"), [("poke", False), ("reschedule", False), ("poke", True)], ids=str
)
@pytest.mark.parametrize(
    "sensor", [_sensor, _pool_sensor, _runner_sensor], ids=["task", "datapool", "runner"]
)
def test_the_sensors_refuse_a_poke_interval_below_the_floor_in_every_mode(
    sensor: Any, mode: str, deferrable: bool, value: Any
) -> None:
    # Ours looks before Airflow's sensor base, whose words (and exception class) differ between versions.
    with pytest.raises(ValueError, match=r"^poke_interval must be at least 1 s"):
        sensor(mode, deferrable, poke_interval=value)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (_create, "poll_interval"),
        (_restart, "poll_interval"),
        (_push, "poll_interval"),
        (lambda: _sensor("poke", True), "poke_interval"),
        (lambda: _pool_sensor("reschedule", False), "poke_interval"),
        (lambda: _runner_sensor("poke", True), "poke_interval"),
    ],
    ids=["create", "restart", "push", "sensor", "datapool-sensor", "runner-sensor"],
)
def test_an_interval_from_default_args_meets_the_same_floor(make: Any, field: str) -> None:
    from datetime import datetime

    from airflow.providers.common.compat.sdk import DAG

    dag = DAG("busy_defaults", start_date=datetime(2026, 1, 1), schedule=None, default_args={field: 0.5})
    with dag, pytest.raises(ValueError, match=rf"^{field} must be at least 1 s"):
        make()


@pytest.mark.parametrize("value", [1, 1.0, 30, timedelta(seconds=2)], ids=repr)
def test_the_floor_itself_and_longer_intervals_are_accepted(value: Any) -> None:
    assert _create(poll_interval=value).poll_interval >= MIN_POLL_INTERVAL_SECONDS
    assert _sensor("poke", True, poke_interval=value).poke_interval >= MIN_POLL_INTERVAL_SECONDS


def test_a_dag_with_a_busy_loop_fails_to_parse_naming_the_parameter(tmp_path: Path) -> None:
    from tests.dag_runs import dag_bag_class

    (tmp_path / "busy.py").write_text(
        textwrap.dedent(
            """
            from datetime import datetime
            from airflow.providers.common.compat.sdk import DAG
            from botcity_provider.sensors.maestro import MaestroTaskSensor

            with DAG(dag_id="busy", start_date=datetime(2026, 1, 1), schedule=None):
                MaestroTaskSensor(task_id="wait", maestro_task_id=7, poke_interval=0, deferrable=True)
            """
        )
    )
    bag = dag_bag_class()(str(tmp_path))
    (error,) = bag.import_errors.values()
    assert "poke_interval must be at least 1 second" in error


@pytest.mark.parametrize("value", [0, 0.0, 0.01, -5, "0", None, float("nan")], ids=repr)
def test_the_trigger_raises_what_it_is_given_to_the_floor(
    value: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        trigger = MaestroTaskTrigger(
            maestro_conn_id="botcity_maestro_default", maestro_task_id=1, poll_interval_seconds=value
        )
    assert trigger.poll_interval_seconds == MIN_POLL_INTERVAL_SECONDS
    assert trigger.serialize()[1]["poll_interval_seconds"] == MIN_POLL_INTERVAL_SECONDS
    assert any("below the floor" in record.getMessage() for record in caplog.records)
    pool = MaestroDatapoolTrigger(
        maestro_conn_id="botcity_maestro_default", datapool="orders", poll_interval_seconds=value
    )
    assert pool.serialize()[1]["poll_interval_seconds"] == MIN_POLL_INTERVAL_SECONDS
    runner = MaestroRunnerTrigger(
        maestro_conn_id="botcity_maestro_default", runner_id="runner-1", poll_interval_seconds=value
    )
    assert runner.serialize()[1]["poll_interval_seconds"] == MIN_POLL_INTERVAL_SECONDS
    watcher = MaestroTaskFinishedTrigger(activity_label="bot", poll_interval_seconds=value)
    assert watcher.serialize()[1]["poll_interval_seconds"] == MIN_POLL_INTERVAL_SECONDS


def _stuck_task(handle: Any) -> int:
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return client.tasks.create("stuck-bot", parameters={"_emulator": {"outcome": "NEVER"}}).id


async def test_a_trigger_from_old_kwargs_with_interval_zero_polls_at_the_floor(maestro_conn: Any) -> None:
    task_id = _stuck_task(maestro_conn)
    # As the triggerer rebuilds a trigger from a row an older DAG wrote.
    kwargs = {
        "maestro_conn_id": "botcity_maestro_default",
        "maestro_task_id": task_id,
        "poll_interval_seconds": 0,
        "deadline_at": None,
        "activity_label": "stuck-bot",
    }
    before = maestro_conn.stats()["requests_total"]
    started = time.monotonic()
    kwargs["deadline_at"] = time.time() + 3.5
    events = [event.payload async for event in MaestroTaskTrigger(**kwargs).run()]
    elapsed = time.monotonic() - started
    sent = maestro_conn.stats()["requests_total"] - before
    assert [event["status"] for event in events] == ["timeout"]
    # One login and at most one listing per second waited (a busy loop made about 18 a second).
    assert sent <= 1 + elapsed / MIN_POLL_INTERVAL_SECONDS + 1, f"{sent} requests in {elapsed:.1f} s"


def test_the_workers_own_wait_polls_at_the_floor_too(maestro_conn: Any) -> None:
    from botcity_provider._waiting import wait_for_task
    from botcity_provider.hooks.maestro import MaestroHook, MaestroTaskTimeoutError

    task_id = _stuck_task(maestro_conn)
    before = maestro_conn.stats()["requests_total"]
    started = time.monotonic()
    with pytest.raises(MaestroTaskTimeoutError):
        wait_for_task(
            MaestroHook().client,
            task_id,
            success_statuses=["SUCCESS"],
            poll_interval_seconds=0,
            deadline_at=time.time() + 3.5,
        )
    elapsed = time.monotonic() - started
    sent = maestro_conn.stats()["requests_total"] - before
    assert sent <= 1 + elapsed / MIN_POLL_INTERVAL_SECONDS + 1, f"{sent} requests in {elapsed:.1f} s"
