"""DAGs for the notifier tests (tests/notifications): a failing bot alerted on, a plain task e-mailed
about, a plain task alerting on the Maestro task of its run, and connections that cannot deliver."""

from __future__ import annotations

import os
from datetime import datetime

from airflow.providers.common.compat.sdk import DAG, task

from botcity_provider.notifications.maestro import MaestroNotifier, send_maestro_notification
from botcity_provider.operators.maestro import MaestroCreateTaskOperator

START = datetime(2026, 1, 1)
POLL = float(os.environ.get("MAESTRO_TEST_POLL_SECONDS", "1"))
FAILING_BOT = {"_emulator": {"outcome": "FAILED", "message": "The portal was down"}}

with DAG(dag_id="notify_failed_bot", start_date=START, schedule=None, catchup=False):
    MaestroCreateTaskOperator(
        task_id="run_bot",
        activity_label="notify-bot",
        parameters=FAILING_BOT,
        poll_interval=POLL,
        deferrable=False,
        on_failure_callback=MaestroNotifier(
            title="{{ dag.dag_id }}.{{ ti.task_id }} failed",
            message="Airflow run {{ run_id }}, try {{ ti.try_number }}",
            emails=["never@example.com"],
        ),
    )

with DAG(dag_id="notify_plain_success", start_date=START, schedule=None, catchup=False):

    @task(
        on_success_callback=send_maestro_notification(
            title="Report {{ dag_run.conf.get('report', 'daily') }} ready",
            message="{{ ti.task_id }} of {{ dag.dag_id }} succeeded",
            alert_type="INFO",
            emails="{{ dag_run.conf.get('to', 'ops@example.com') }}",
            logins=["analyst"],
        )
    )
    def report() -> str:
        return "ok"

    report()

with DAG(dag_id="notify_from_other_task", start_date=START, schedule=None, catchup=False):
    bot = MaestroCreateTaskOperator(
        task_id="run_bot", activity_label="notify-bot", poll_interval=POLL, deferrable=False
    )

    @task(
        on_failure_callback=MaestroNotifier(
            title="{{ ti.task_id }} failed after the bot",
            message="{{ exception }}",
            alert_type="WARN",
            emails=["never@example.com"],
        )
    )
    def check() -> None:
        raise ValueError("totals do not match")

    bot >> check()

with DAG(dag_id="notify_named_task", start_date=START, schedule=None, catchup=False):

    @task(
        on_success_callback=MaestroNotifier(
            title="Named",
            message="given by the run's conf",
            alert_type="INFO",
            maestro_task_id="{{ dag_run.conf.get('maestro_task_id', '') }}",
        )
    )
    def named() -> None:
        return None

    named()

with DAG(dag_id="notify_unknown_connection", start_date=START, schedule=None, catchup=False):

    @task(
        on_success_callback=MaestroNotifier(
            title="Nowhere", message="-", emails=["ops@example.com"], maestro_conn_id="botcity_nowhere"
        )
    )
    def unknown() -> None:
        return None

    unknown()
