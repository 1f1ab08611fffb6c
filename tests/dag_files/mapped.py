"""Mapped create-and-wait, over parameters and over whole keyword sets, deferred and polled."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.maestro import MaestroCreateTaskOperator

ITEMS = 10
EMULATED = {"queue_seconds": 0.1, "run_seconds": 0.3}

for deferrable in (True, False):
    mode = "deferred" if deferrable else "polled"
    with DAG(
        dag_id=f"mapped_{mode}",
        start_date=datetime(2026, 1, 1),
        schedule=None,
        catchup=False,
        max_active_tasks=ITEMS,
        default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
    ):
        MaestroCreateTaskOperator.partial(
            task_id="per_customer", activity_label="mapped-bot", deferrable=deferrable, poll_interval=1
        ).expand(parameters=[{"customer": f"C{n}", "_emulator": EMULATED} for n in range(ITEMS)])

    with DAG(dag_id=f"mapped_kwargs_{mode}", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
        MaestroCreateTaskOperator.partial(
            task_id="per_queue", deferrable=deferrable, poll_interval=1
        ).expand_kwargs(
            [
                {"activity_label": f"queue-{n}-bot", "priority": n, "parameters": {"_emulator": EMULATED}}
                for n in range(4)
            ]
        )
