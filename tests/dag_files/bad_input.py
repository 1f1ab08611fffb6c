"""A DAG whose task has a bad argument, rendered from a template: it must fail before any request."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.maestro import MaestroCreateTaskOperator

with DAG(dag_id="bad_priority", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
    MaestroCreateTaskOperator(
        task_id="run_bot",
        activity_label="any-bot",
        priority="{{ 5 + 6 }}",
        retries=3,
        retry_delay=timedelta(seconds=0),
    )
