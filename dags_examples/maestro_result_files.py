"""Run a bot, fetch the result files it posted, and hand them on: to a task of the same DAG, and to a
DAG scheduled on the files.

``fetch_reports`` downloads the task's result files whose names match ``*.csv`` (the bot's log is left
in Maestro), each one streamed to a temporary name and renamed once whole. Each file written is an
asset event of the alias ``maestro-artifacts/month-close``, so ``maestro_result_files_consumer``, which is
scheduled on that alias, runs when the files arrive and reads them from its triggering events.

Against the emulator the bot's files are scripted (``_emulator.artifacts``); a real bot posts its own
(``maestro.post_artifact`` in the BotCity SDK).
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from airflow.providers.common.compat.sdk import DAG, AssetAlias, task

from botcity_provider.operators.artifacts import MaestroFetchArtifactsOperator
from botcity_provider.operators.maestro import MaestroCreateTaskOperator

REPORTS = "maestro-artifacts/month-close"
# Any folder the workers share, or an object store: "s3://aws_default@reports/month-close/".
RESULTS = str(Path(tempfile.gettempdir()) / "month-close")

with DAG(
    dag_id="maestro_result_files",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "example"],
    doc_md=__doc__,
):
    close_month = MaestroCreateTaskOperator(
        task_id="close_month",
        activity_label="month-close-bot",
        parameters={
            "month": "2026-01",
            "_emulator": {
                "run_seconds": 2,
                "artifacts": [
                    {"name": "ledger.csv", "content": "account,balance\n1000,250.00\n2000,-75.50\n"},
                    {"name": "open-items.csv", "content": "invoice,amount\nINV-7,75.50\n"},
                    {"name": "bot.log", "content": "closed 2 accounts\n"},
                ],
            },
        },
        poll_interval=2,
    )
    fetch_reports = MaestroFetchArtifactsOperator(
        task_id="fetch_reports",
        maestro_task_id=close_month.output,
        # A folder per Maestro task: two runs never mix their files.
        destination=RESULTS + "/{{ ti.xcom_pull(task_ids='close_month') }}",
        names="*.csv",
        asset_alias=REPORTS,
    )

    @task
    def count_rows(paths: list[str]) -> int:
        """Read what was fetched: the task's return value is the list of paths written."""
        rows = 0
        for path in paths:
            lines = Path(path).read_text().splitlines()[1:]
            print(f"{Path(path).name}: {len(lines)} rows")
            rows += len(lines)
        return rows

    count_rows(fetch_reports.output)


with DAG(
    dag_id="maestro_result_files_consumer",
    start_date=datetime(2026, 1, 1),
    schedule=[AssetAlias(name=REPORTS)],
    catchup=False,
    tags=["botcity", "example"],
    doc_md="Runs on the month-close bot's result files, as `maestro_result_files` fetches them.",
):

    @task
    def book(triggering_asset_events=None) -> list[str]:
        """Each triggering event is one file: its URI, and the Maestro task and artifact it came from."""
        booked = []
        for events in (triggering_asset_events or {}).values():
            for event in events:
                extra = event.extra
                print(f"{extra['name']} of Maestro task {extra['maestro_task_id']}: {event.asset.uri}")
                booked.append(event.asset.uri)
        if not booked:
            print("Started by hand: no result file to book")
        return booked

    book()
