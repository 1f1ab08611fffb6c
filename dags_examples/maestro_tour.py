"""The whole job in one DAG: create a bot task and wait, hand a bot a file, cancel a stuck bot, and
restart a bot that failed.

Runs against BotCity Maestro or, for trying it out, the bundled emulator (``make demo``). Whether the
waits run in the triggerer (freeing the worker slot) or on the worker follows ``[operators]
default_deferrable``, which ``make demo`` turns on; pass ``deferrable=True`` to choose it per task. The
``_emulator`` parameters tell the emulator how each bot behaves; a real bot never sees them unless you
keep them, so drop them when you point the connection at your workspace.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import datetime
from pathlib import Path

# The compat imports work on Airflow 2.11 and 3.x alike; on 3.x alone, `from airflow.sdk import DAG, task`.
from airflow.providers.common.compat.sdk import DAG, Param, task

from botcity_provider.operators.maestro import (
    MaestroCancelTaskOperator,
    MaestroCreateTaskOperator,
    MaestroRestartTaskOperator,
    MaestroUploadArtifactOperator,
)
from botcity_provider.sensors.maestro import MaestroTaskSensor

with DAG(
    dag_id="maestro_tour",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "example"],
    doc_md=__doc__,
    # How long Maestro holds the invoice bot's task before a runner may take it: longer than the create and
    # the upload can be apart in your Airflow. A run can set its own (Trigger DAG w/ config, or
    # `airflow dags test ... -c '{"hold_seconds": 10}'`).
    params={
        "hold_seconds": Param(45, type="integer", minimum=0, description="seconds before the bot may start")
    },
) as dag:
    # 1. Create a task and wait for the bot.
    run_payroll_bot = MaestroCreateTaskOperator(
        task_id="run_payroll_bot",
        activity_label="payroll-bot",
        parameters={"airflow_run": "{{ run_id }}", "_emulator": {"run_seconds": 3, "items": [120, 118, 2]}},
        priority=5,
        poll_interval=1,
    )

    # 2. Queue a bot, hand it its input file, then wait for it. Maestro attaches files to a task, so the
    # task exists first; min_execution_date keeps runners off it for a while, and require_queued makes the
    # upload fail, instead of passing silently, if its bot could have started without the file.
    @task
    def write_invoices() -> str:
        folder = Path(tempfile.mkdtemp(prefix="invoices-"))
        path = folder / "invoices.csv"
        with path.open("w", newline="") as out:
            rows = csv.writer(out)
            rows.writerow(["invoice", "amount"])
            rows.writerows([f"INV-{n:04d}", n * 10] for n in range(1, 101))
        return str(path)

    queue_invoice_bot = MaestroCreateTaskOperator(
        task_id="queue_invoice_bot",
        activity_label="invoice-bot",
        parameters={"source": "invoices.csv", "_emulator": {"queue_seconds": 0, "run_seconds": 2}},
        min_execution_date="{{ macros.datetime.utcnow() + macros.timedelta(seconds=params.hold_seconds) }}",
        wait_for_completion=False,
    )
    upload_invoices = MaestroUploadArtifactOperator(
        task_id="upload_invoices",
        maestro_task_id=queue_invoice_bot.output,
        path=write_invoices(),
        require_queued=True,
    )
    # The bot starts hold_seconds after its task is created: a look every 5 s is plenty.
    wait_invoice_bot = MaestroTaskSensor(
        task_id="wait_invoice_bot", maestro_task_id=queue_invoice_bot.output, poke_interval=5
    )
    upload_invoices >> wait_invoice_bot

    # 3. Cancel a bot still waiting in the queue (it would never end on its own).
    start_report_bot = MaestroCreateTaskOperator(
        task_id="start_report_bot",
        activity_label="report-bot",
        parameters={"_emulator": {"outcome": "NEVER", "queue_seconds": 60}},
        wait_for_completion=False,
    )
    cancel_report_bot = MaestroCancelTaskOperator(
        task_id="cancel_report_bot", maestro_task_id=start_report_bot.output, grace_period=2
    )

    # 4. A bot that fails once: its failure and the bot's own errors show in the log; a restart succeeds.
    run_crm_bot = MaestroCreateTaskOperator(
        task_id="run_crm_bot",
        activity_label="crm-bot",
        parameters={
            "_emulator": {
                "outcome": ["FAILED", "SUCCESS"],
                "run_seconds": 1,
                "errors": ["TimeoutError: CRM portal did not answer in 30 s"],
            }
        },
        poll_interval=1,
    )
    restart_crm_bot = MaestroRestartTaskOperator(
        task_id="restart_crm_bot",
        maestro_task_id="{{ ti.xcom_pull(task_ids='run_crm_bot', key='maestro_task_id') }}",
        trigger_rule="all_failed",
        poll_interval=1,
    )
    run_crm_bot >> restart_crm_bot
