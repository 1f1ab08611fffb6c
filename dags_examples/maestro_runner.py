"""Wait until a Maestro runner is online, then queue a task for it: a task queued while no runner is
connected waits in Maestro's queue where nobody sees it; here the wait shows in Airflow instead.

Give the runner's machine id as the run's ``runner_id`` parameter (Maestro's Runners page lists them).
The default is the emulator's own runner, which is always online, so a plain ``airflow dags test``
against the emulator runs through.

``wait_for_runner`` defers to the triggerer when ``[operators] default_deferrable`` is on. ``run_bot``
checks the runner once more just before it creates the task (one request): if the runner went offline
meanwhile, it creates nothing and fails, and its retry looks again a minute later.

The ``_emulator`` parameter only tells the bundled emulator how to behave; remove it for a real bot.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG, Param

from botcity_provider.operators.maestro import MaestroCreateTaskOperator
from botcity_provider.sensors.runner import MaestroRunnerSensor

RUNNER = "{{ params.runner_id }}"

with DAG(
    dag_id="maestro_runner",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "example"],
    doc_md=__doc__,
    params={
        "runner_id": Param(
            "emulator-runner", type="string", minLength=1, description="the runner's machine id"
        )
    },
) as dag:
    wait_for_runner = MaestroRunnerSensor(
        task_id="wait_for_runner",
        runner_id=RUNNER,
        poke_interval=10,
        timeout=timedelta(hours=1),
        mode="reschedule",  # between two looks, the worker slot is free (when not deferred)
    )
    run_bot = MaestroCreateTaskOperator(
        task_id="run_bot",
        activity_label="invoice-entry-bot",
        parameters={"batch": "{{ run_id }}", "_emulator": {"queue_seconds": 1, "run_seconds": 2}},
        require_runner_online=True,
        runner_id=RUNNER,
        poll_interval=5,
        retries=3,
        retry_delay=timedelta(minutes=1),
    )
    wait_for_runner >> run_bot
