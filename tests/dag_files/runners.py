"""DAGs for the runner tests: wait for a runner (its id from the run's conf), or create a task only when a
runner is online."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.maestro import MaestroCreateTaskOperator
from botcity_provider.sensors.runner import MaestroRunnerSensor

RUNNER = "{{ dag_run.conf['runner'] }}"
START = datetime(2026, 1, 1)

for mode in ("poke", "reschedule", "deferrable"):
    for timeout in (60, 3):
        with DAG(
            dag_id=f"runner_sensor_{mode}" + ("_short" if timeout < 60 else ""),
            start_date=START,
            schedule=None,
            catchup=False,
        ):
            MaestroRunnerSensor(
                task_id="wait_for_runner",
                runner_id=RUNNER,
                poke_interval=1,
                timeout=timeout,
                mode="reschedule" if mode == "reschedule" else "poke",
                deferrable=mode == "deferrable",
            )

for named in (True, False):
    with DAG(
        dag_id=f"require_runner_{'named' if named else 'any'}", start_date=START, schedule=None, catchup=False
    ):
        MaestroCreateTaskOperator(
            task_id="run_bot",
            activity_label="runner-bot",
            require_runner_online=True,
            runner_id=RUNNER if named else None,
            wait_for_completion=False,
        )
