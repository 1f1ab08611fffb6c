"""Wait for a Maestro task that something else created: a Maestro schedule, a person, another system.

Give the task id as the run's ``maestro_task_id`` parameter. When it is left empty, as in a plain
``airflow dags test``, the first task stands in for that other system and creates one.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG, task

from botcity_provider.sensors.maestro import MaestroTaskSensor

with DAG(
    dag_id="maestro_sensor",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    params={"maestro_task_id": ""},
    tags=["botcity", "example"],
    doc_md=__doc__,
) as dag:

    @task
    def task_created_elsewhere(params: dict | None = None) -> int:
        given = str((params or {}).get("maestro_task_id") or "").strip()
        if given:
            return int(given)
        from botcity_provider.hooks.maestro import MaestroHook

        created = MaestroHook().client.tasks.create(
            "nightly-reconciliation", parameters={"_emulator": {"queue_seconds": 1, "run_seconds": 2}}
        )
        return created.id

    MaestroTaskSensor(
        task_id="wait_for_reconciliation",
        maestro_task_id=task_created_elsewhere(),
        poke_interval=1,
        timeout=600,
    )
