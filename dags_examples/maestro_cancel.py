"""Stop a bot: cancel it while queued, or ask it to stop (then kill it) while it runs.

A task that already ended is left alone, so the cancel task is safe to run whatever the bot did.
"""

from __future__ import annotations

import time
from datetime import datetime

from airflow.providers.common.compat.sdk import DAG, task

from botcity_provider.operators.maestro import MaestroCancelTaskOperator, MaestroCreateTaskOperator

with DAG(
    dag_id="maestro_cancel",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "example"],
    doc_md=__doc__,
) as dag:
    start = MaestroCreateTaskOperator(
        task_id="start_scraper_bot",
        activity_label="scraper-bot",
        # This emulated bot ignores polite stop requests, so the operator ends up killing it.
        parameters={"_emulator": {"outcome": "NEVER", "queue_seconds": 0.5, "ignore_interrupt": True}},
        wait_for_completion=False,
    )

    @task
    def let_it_start() -> None:
        time.sleep(2)

    stop = MaestroCancelTaskOperator(
        task_id="stop_scraper_bot",
        maestro_task_id=start.output,
        grace_period=2,  # seconds the bot gets to stop by itself before it is killed
    )
    start >> let_it_start() >> stop
