"""Tell people in Maestro how a DAG's bot did: an alert on its Maestro task, or an e-mail.

``MaestroNotifier`` is an Airflow notifier: give it to ``on_success_callback`` or ``on_failure_callback``
(here, through ``default_args``, for every task). It posts an alert on the Maestro task the DAG run
started, which people see in the Maestro portal beside the bot's own logs; a task of the run that never
reached Maestro (a failing ``check_totals`` before any bot, say) still finds the run's Maestro task, and
with none at all the notifier e-mails ``emails`` through Maestro instead.

The ``_emulator`` parameter only tells the bundled emulator how to behave; remove it for a real bot.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG, task

from botcity_provider.notifications.maestro import MaestroNotifier
from botcity_provider.operators.maestro import MaestroCreateTaskOperator

on_failure = MaestroNotifier(
    title="{{ dag.dag_id }}: {{ ti.task_id }} failed",
    message="Airflow run {{ run_id }}, try {{ ti.try_number }}: {{ exception }}",
    alert_type="ERROR",
    emails=["rpa-team@example.com"],  # only when the run has no Maestro task to alert on
)

with DAG(
    dag_id="maestro_notify",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "example"],
    doc_md=__doc__,
    default_args={"on_failure_callback": on_failure},
) as dag:
    bot = MaestroCreateTaskOperator(
        task_id="run_invoice_bot",
        activity_label="invoice-bot",
        parameters={"_emulator": {"run_seconds": 1, "items": [40, 40, 0]}},
        poll_interval=1,
        timeout=timedelta(hours=1),
        on_success_callback=MaestroNotifier(
            title="Invoices processed: {{ dag.dag_id }}",
            message="Airflow run {{ run_id }} is done with the bot; totals are checked next.",
            alert_type="INFO",
        ),
    )

    @task
    def check_totals() -> str:
        """Stands for the DAG's own work after the bot; a failure here alerts on the bot's task too."""
        return "totals match"

    bot >> check_totals()
