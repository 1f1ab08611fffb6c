"""See what a bot reports while it runs, in the Airflow task's own log.

A bot that runs for minutes says things along the way: an error entry when a page times out (often with a
screenshot), an alert when it is half done. With ``log_bot_output=True`` (the default) the waiting task
logs each of them once, as it happens, with a link to the task in the portal where the screenshot is,
deferred or not. A word of the bot that Airflow knows as a secret (a connection's password, a masked
variable) shows as ``***``.

The ``_emulator`` parameter only tells the bundled emulator how to behave; remove it for a real bot, whose
own ``maestro.error(...)`` and ``maestro.alert(...)`` calls are what shows.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.maestro import MaestroCreateTaskOperator

# What the emulated bot reports, seconds after it starts.
TALKING_BOT = {
    "run_seconds": 5,
    "items": [40, 38, 2],
    "errors": [
        {
            "after_seconds": 1,
            "type": "TimeoutError",
            "message": "The supplier portal took 30 s to answer; retrying",
            "screenshot": True,
        }
    ],
    "alerts": [
        {"after_seconds": 2, "title": "Half done", "message": "20 of 40 invoices", "type": "INFO"},
        {"after_seconds": 3, "title": "Two invoices skipped", "message": "No PDF attached", "type": "WARN"},
    ],
}

with DAG(
    dag_id="maestro_bot_output",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "example"],
    doc_md=__doc__,
) as dag:
    MaestroCreateTaskOperator(
        task_id="run_invoice_bot",
        activity_label="invoice-bot",
        parameters={"airflow_run": "{{ run_id }}", "_emulator": TALKING_BOT},
        poll_interval=1,
        success_statuses=["SUCCESS", "PARTIALLY_COMPLETED"],
        log_bot_output=True,
    )
