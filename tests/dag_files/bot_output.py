"""DAGs for the bot's output in the task log: a bot that reports an error entry (with a screenshot) and an
alert while it runs, waited for by each kind of wait, deferred and polled."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.maestro import MaestroCreateTaskOperator, MaestroRestartTaskOperator
from botcity_provider.sensors.maestro import MaestroTaskSensor

START = datetime(2026, 1, 1)
# Polls 2 s apart, so that a line told twice stands apart from one record's copies (tests/dag_runs.py);
# the bot runs 10 s, so that both listings (read in turn) are read while it runs.
# The error's text carries the workspace's key, which the hook masks: the log must show *** instead.
BOT = {
    "_emulator": {
        "queue_seconds": 0.1,
        "run_seconds": 10,
        "errors": [
            {
                "after_seconds": 0.5,
                "type": "TimeoutError",
                "message": "portal slow after login with {{ conn.botcity_maestro_default.password }}",
                "screenshot": True,
            }
        ],
        "alerts": [{"after_seconds": 1.0, "title": "Half done", "message": "20 of 40", "type": "WARN"}],
    }
}

for deferrable in (True, False):
    mode = "deferred" if deferrable else "polled"
    for told in (True, False):
        with DAG(
            dag_id=f"bot_output_create_{mode}" + ("" if told else "_quiet"),
            start_date=START,
            schedule=None,
            catchup=False,
        ):
            MaestroCreateTaskOperator(
                task_id="run_bot",
                activity_label="talking-bot",
                parameters=BOT,
                deferrable=deferrable,
                poll_interval=2,
                log_bot_output=told,
            )

    with DAG(dag_id=f"bot_output_restart_{mode}", start_date=START, schedule=None, catchup=False):
        first = MaestroCreateTaskOperator(
            task_id="first_run",
            activity_label="talking-bot",
            parameters=BOT,
            deferrable=False,
            poll_interval=2,
            log_bot_output=False,
        )
        first >> MaestroRestartTaskOperator(
            task_id="run_again",
            maestro_task_id="{{ ti.xcom_pull(task_ids='first_run') }}",
            deferrable=deferrable,
            poll_interval=2,
        )

for sensor_mode in ("poke", "deferred"):
    with DAG(dag_id=f"bot_output_sensor_{sensor_mode}", start_date=START, schedule=None, catchup=False):
        MaestroCreateTaskOperator(
            task_id="start_bot", activity_label="talking-bot", parameters=BOT, wait_for_completion=False
        ) >> MaestroTaskSensor(
            task_id="wait_for_bot",
            maestro_task_id="{{ ti.xcom_pull(task_ids='start_bot') }}",
            poke_interval=2,
            deferrable=sensor_mode == "deferred",
        )
