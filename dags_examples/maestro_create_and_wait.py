"""Create a Maestro task for an automation and wait for its bot to finish.

The most common job: a DAG hands a business process to a bot and goes on once the bot is done.
With ``deferrable=True`` the wait happens in Airflow's triggerer, so no worker slot is held while the
bot runs, for minutes or hours. The task fails, with the bot's own message and error entries, if the
bot ends in a status outside ``success_statuses``.

The ``_emulator`` parameter only tells the bundled emulator how to behave; remove it for a real bot.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.maestro import MaestroCreateTaskOperator

with DAG(
    dag_id="maestro_create_and_wait",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "example"],
    doc_md=__doc__,
) as dag:
    MaestroCreateTaskOperator(
        task_id="run_invoice_bot",
        activity_label="invoice-bot",
        parameters={"airflow_run": "{{ run_id }}", "_emulator": {"run_seconds": 2, "items": [40, 39, 1]}},
        priority=5,
        poll_interval=1,
        timeout=timedelta(hours=2),
        success_statuses=["SUCCESS", "PARTIALLY_COMPLETED"],
    )
