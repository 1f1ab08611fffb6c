"""Restart a bot that failed, and wait for the second run.

``run_crm_bot`` fails on its first run (the emulated portal is down); its error, with the bot's own
error entries, is in its log. ``restart_crm_bot`` runs only when it failed, queues the same Maestro task
again and waits for it. The DAG run succeeds when the restart does.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.maestro import MaestroCreateTaskOperator, MaestroRestartTaskOperator

with DAG(
    dag_id="maestro_restart",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "example"],
    doc_md=__doc__,
) as dag:
    first_run = MaestroCreateTaskOperator(
        task_id="run_crm_bot",
        activity_label="crm-bot",
        parameters={
            "_emulator": {
                "outcome": ["FAILED", "SUCCESS"],
                "run_seconds": 1,
                "errors": ["TimeoutError: the CRM portal did not answer in 30 s"],
            }
        },
        poll_interval=1,
    )
    restart = MaestroRestartTaskOperator(
        task_id="restart_crm_bot",
        maestro_task_id="{{ ti.xcom_pull(task_ids='run_crm_bot', key='maestro_task_id') }}",
        trigger_rule="all_failed",
        poll_interval=1,
    )
    first_run >> restart
