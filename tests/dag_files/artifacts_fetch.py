"""DAGs for the result-file tests: a task whose emulated bot posts the files of the run's conf, then a fetch
of those matching the conf's names into the conf's destination."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.artifacts import MaestroFetchArtifactsOperator
from botcity_provider.operators.maestro import MaestroCreateTaskOperator

CONF = "{{ dag_run.conf['%s'] }}"
START = datetime(2026, 1, 1)
ALIAS = "maestro-artifacts/tests/results"

with DAG(
    dag_id="artifacts_fetch",
    start_date=START,
    schedule=None,
    catchup=False,
    render_template_as_native_obj=True,
):
    bot = MaestroCreateTaskOperator(
        task_id="bot",
        activity_label="report-bot",
        parameters={"_emulator": {"artifacts": CONF % "files"}},
        deferrable=False,
        poll_interval=1,
    )
    MaestroFetchArtifactsOperator(
        task_id="fetch",
        maestro_task_id=bot.output,
        destination=CONF % "destination",
        names=CONF % "names",
        asset_alias=ALIAS,
    )
