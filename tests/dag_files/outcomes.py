"""DAGs for the outcome matrix: one create-and-wait task whose bot outcome and accepted statuses come from
the run's conf, so one file covers success, FAILED and PARTIALLY_COMPLETED, deferrable or not."""

from __future__ import annotations

import os
from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.maestro import MaestroCreateTaskOperator

for deferrable in (True, False):
    for accept_partial in (True, False):
        name = (
            f"outcome_{'deferred' if deferrable else 'polled'}_{'partial_ok' if accept_partial else 'strict'}"
        )
        with DAG(dag_id=name, start_date=datetime(2026, 1, 1), schedule=None, catchup=False) as dag:
            MaestroCreateTaskOperator(
                task_id="run_bot",
                activity_label="outcome-bot",
                parameters={
                    "_emulator": {
                        "outcome": "{{ dag_run.conf.get('outcome', 'SUCCESS') }}",
                        "message": "{{ dag_run.conf.get('message', 'done') }}",
                        "errors": ["{{ dag_run.conf.get('error', 'no error') }}"],
                        "items": [10, 7, 3],
                    }
                },
                success_statuses=["SUCCESS", "PARTIALLY_COMPLETED"] if accept_partial else None,
                deferrable=deferrable,
                poll_interval=float(os.environ.get("MAESTRO_TEST_POLL_SECONDS", "1")),
            )
        globals()[name] = dag
