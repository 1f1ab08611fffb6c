"""DAGs for the chaos suite (``tests/chaos``): the example DAGs' jobs, with short bots and one-second polls.

Each DAG reaches a known state without faults; the chaos test runs them against an emulator that fails
often and checks they still reach it. They use the connection ``maestro_chaos``, which only the chaos
harness defines, so other tests never reach the faulty emulator by accident.

Where Airflow retries are set, it is where a user needs them. Creating an artifact and restarting a
task are single calls Maestro cannot make safe to repeat, so the provider does not; under the chaos
profile about one try in three of them fails, and they get six retries. The profile never faults one
request more than twice in a row, and an Airflow retry sends the same request again, so the third try
of such a call at the latest gets through. Stopping a task gets the same. Creates that do not wait get
three, since a retry must take over the task an earlier try made. Waits (sensor, trigger, polling) get no
retries: they must ride out faults by themselves.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from airflow.providers.common.compat.sdk import DAG, task

from botcity_provider.operators.maestro import (
    MaestroCancelTaskOperator,
    MaestroCreateTaskOperator,
    MaestroRestartTaskOperator,
    MaestroUploadArtifactOperator,
)
from botcity_provider.sensors.maestro import MaestroTaskSensor

CONN = "maestro_chaos"
POLL = 1.0
START = datetime(2026, 1, 1)
RETRIED = {"retries": 3, "retry_delay": timedelta(seconds=0)}
ONE_CALL = {"retries": 6, "retry_delay": timedelta(seconds=0)}
COMMON = {"start_date": START, "schedule": None, "catchup": False, "tags": ["botcity", "chaos"]}


def bot(**emulated: object) -> dict[str, object]:
    """An emulated bot that queues briefly and runs about a second, plus what the DAG asks of it."""
    return {"_emulator": {"queue_seconds": 0.2, "run_seconds": 1.0, **emulated}}


for deferrable in (True, False):
    mode = "deferred" if deferrable else "polled"

    with DAG(dag_id=f"chaos_create_and_wait_{mode}", **COMMON):
        MaestroCreateTaskOperator(
            task_id="run_invoice_bot",
            activity_label="chaos-invoice-bot",
            parameters={"month": "{{ ds }}", **bot(items=[40, 39, 1])},
            priority=5,
            poll_interval=POLL,
            deferrable=deferrable,
            success_statuses=["SUCCESS", "PARTIALLY_COMPLETED"],
            maestro_conn_id=CONN,
            **RETRIED,
        )

    with DAG(dag_id=f"chaos_sensor_{mode}", **COMMON):
        queued = MaestroCreateTaskOperator(
            task_id="queue_reconciliation",
            activity_label="chaos-reconciliation-bot",
            parameters=bot(),
            wait_for_completion=False,
            maestro_conn_id=CONN,
            **RETRIED,
        )
        MaestroTaskSensor(
            task_id="wait_for_reconciliation",
            maestro_task_id=queued.output,
            poke_interval=POLL,
            timeout=300,
            deferrable=deferrable,
            maestro_conn_id=CONN,
        )

    with DAG(dag_id=f"chaos_timeout_{mode}", **COMMON):
        # A bot that never ends: the operator's timeout must fail the task and stop the bot.
        MaestroCreateTaskOperator(
            task_id="run_stuck_bot",
            activity_label="chaos-stuck-bot",
            parameters=bot(outcome="NEVER"),
            poll_interval=POLL,
            timeout=3,
            deferrable=deferrable,
            maestro_conn_id=CONN,
        )


with DAG(dag_id="chaos_upload", **COMMON):

    @task
    def export_orders() -> str:
        # In the run's own folder (the harness names it), removed with the test's other files.
        folder = tempfile.mkdtemp(prefix="chaos-orders-", dir=os.environ.get("BOTCITY_CHAOS_WORKDIR"))
        path = Path(folder) / "orders.csv"
        with path.open("w", newline="") as out:
            rows = csv.writer(out)
            rows.writerow(["order", "customer", "total"])
            rows.writerows([f"ORD-{n:05d}", f"customer-{n % 37}", n * 3] for n in range(1, 501))
        return str(path)

    queue_bot = MaestroCreateTaskOperator(
        task_id="queue_order_bot",
        activity_label="chaos-order-entry-bot",
        parameters={"input": "orders.csv", **bot()},
        min_execution_date="{{ macros.datetime.utcnow() + macros.timedelta(seconds=1) }}",
        wait_for_completion=False,
        maestro_conn_id=CONN,
        **RETRIED,
    )
    upload = MaestroUploadArtifactOperator(
        task_id="upload_orders",
        maestro_task_id=queue_bot.output,
        path=export_orders(),
        name="orders.csv",
        maestro_conn_id=CONN,
        **ONE_CALL,
    )
    wait = MaestroTaskSensor(
        task_id="wait_order_bot",
        maestro_task_id=queue_bot.output,
        poke_interval=POLL,
        timeout=300,
        deferrable=True,
        maestro_conn_id=CONN,
    )
    upload >> wait


with DAG(dag_id="chaos_cancel", **COMMON):
    start = MaestroCreateTaskOperator(
        task_id="start_scraper_bot",
        activity_label="chaos-scraper-bot",
        # Ignores polite stop requests, so the cancel ends up killing it.
        parameters=bot(outcome="NEVER", ignore_interrupt=True),
        wait_for_completion=False,
        maestro_conn_id=CONN,
        **RETRIED,
    )

    @task
    def let_it_start() -> None:
        time.sleep(1)

    stop = MaestroCancelTaskOperator(
        task_id="stop_scraper_bot",
        maestro_task_id=start.output,
        grace_period=1,
        maestro_conn_id=CONN,
        **ONE_CALL,
    )
    start >> let_it_start() >> stop


with DAG(dag_id="chaos_restart", **COMMON):
    # The bot fails on its first run and succeeds on the second: the sensor fails, the restart succeeds.
    first = MaestroCreateTaskOperator(
        task_id="queue_crm_bot",
        activity_label="chaos-crm-bot",
        parameters=bot(outcome=["FAILED", "SUCCESS"], errors=["TimeoutError: the CRM portal did not answer"]),
        wait_for_completion=False,
        maestro_conn_id=CONN,
        **RETRIED,
    )
    watch = MaestroTaskSensor(
        task_id="watch_crm_bot",
        maestro_task_id=first.output,
        poke_interval=POLL,
        timeout=300,
        deferrable=True,
        maestro_conn_id=CONN,
    )
    restart = MaestroRestartTaskOperator(
        task_id="restart_crm_bot",
        maestro_task_id="{{ ti.xcom_pull(task_ids='queue_crm_bot', key='maestro_task_id') }}",
        trigger_rule="all_failed",
        poll_interval=POLL,
        deferrable=False,
        maestro_conn_id=CONN,
        **ONE_CALL,
    )
    first >> watch >> restart


with DAG(dag_id="chaos_queue_fast_bot", **COMMON):
    # Queues a bot that fails at once: "queue it" must succeed however fast the bot ends (replayed by
    # tests/chaos/test_findings.py with a lost create answer, so the task is seen only once it ended).
    MaestroCreateTaskOperator(
        task_id="queue_fast_bot",
        activity_label="chaos-fast-bot",
        parameters=bot(outcome="FAILED", queue_seconds=0, run_seconds=0),
        wait_for_completion=False,
        maestro_conn_id=CONN,
        **RETRIED,
    )
