"""One bot task per customer: dynamic task mapping over 50 customers.

Each mapped instance creates its own Maestro task, has its own link and XComs, and on a retry takes
over only its own task. Deferred, the 50 waits share one poller in the triggerer, which learns all their
states from a task listing or two per poll instead of 50 requests.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG, task

from botcity_provider.operators.maestro import MaestroCreateTaskOperator

CUSTOMERS = 50

with DAG(
    dag_id="maestro_mapped",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    max_active_tasks=CUSTOMERS,
    tags=["botcity", "example"],
    doc_md=__doc__,
) as dag:

    @task
    def customers() -> list[dict]:
        # Staggered run times, as real bots finish at different moments.
        return [
            {"customer": f"C{n:03d}", "_emulator": {"queue_seconds": 0.1, "run_seconds": 0.2 + (n % 5) * 0.1}}
            for n in range(1, CUSTOMERS + 1)
        ]

    MaestroCreateTaskOperator.partial(
        task_id="update_customer", activity_label="customer-update-bot", poll_interval=1
    ).expand(parameters=customers())
