"""DAGs for the sensor, cancel, restart and link tests; the Maestro task id comes from the run's conf."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.maestro import (
    MaestroCancelTaskOperator,
    MaestroCreateTaskOperator,
    MaestroRestartTaskOperator,
)
from botcity_provider.sensors.maestro import MaestroTaskSensor

TASK_ID = "{{ dag_run.conf['maestro_task_id'] }}"
START = datetime(2026, 1, 1)

for mode in ("poke", "reschedule", "deferrable"):
    with DAG(dag_id=f"sensor_{mode}", start_date=START, schedule=None, catchup=False):
        MaestroTaskSensor(
            task_id="wait",
            maestro_task_id=TASK_ID,
            poke_interval=1,
            timeout=30,
            mode="reschedule" if mode == "reschedule" else "poke",
            deferrable=mode == "deferrable",
            success_statuses=["SUCCESS", "PARTIALLY_COMPLETED"],
        )

for force in (False, True):
    with DAG(
        dag_id=f"cancel_{'forced' if force else 'gentle'}", start_date=START, schedule=None, catchup=False
    ):
        MaestroCancelTaskOperator(task_id="stop", maestro_task_id=TASK_ID, force=force, grace_period=1.5)

for deferrable in (False, True):
    with DAG(
        dag_id=f"restart_{'deferred' if deferrable else 'polled'}",
        start_date=START,
        schedule=None,
        catchup=False,
    ):
        MaestroRestartTaskOperator(
            task_id="restart", maestro_task_id=TASK_ID, deferrable=deferrable, poll_interval=1
        )

with DAG(
    dag_id="link_per_try",
    start_date=START,
    schedule=None,
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
):
    MaestroCreateTaskOperator(
        task_id="run_bot", activity_label="link-bot", reattach=False, deferrable=False, poll_interval=1
    )
