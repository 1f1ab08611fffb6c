"""Start a DAG when a bot finishes (Airflow 3): one run for each Maestro task of the automation that ends.

The asset's watcher runs in the triggerer and looks at Maestro's finished tasks every few seconds;
each task of ``month-close-bot`` that finishes becomes one asset event, whose payload says how it
ended. This DAG runs once for each event and reads it from ``triggering_asset_events``. Run by hand
(``airflow dags test``), it has no event to read, and says so.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG, Asset, task
from airflow.sdk import AssetWatcher

from botcity_provider.triggers.finished import MaestroTaskFinishedTrigger

month_close_finished = Asset(
    name="month_close_bot_finished",
    uri="maestro://botcity_maestro_default/month-close-bot",
    watchers=[
        AssetWatcher(
            name="month_close_bot_finished",
            trigger=MaestroTaskFinishedTrigger(
                activity_label="month-close-bot",
                finish_statuses=["SUCCESS", "PARTIALLY_COMPLETED", "FAILED"],
                poll_interval_seconds=5,
            ),
        )
    ],
)

with DAG(
    dag_id="maestro_on_bot_finished",
    start_date=datetime(2026, 1, 1),
    schedule=[month_close_finished],
    catchup=False,
    tags=["botcity", "example"],
    doc_md=__doc__,
) as dag:

    @task
    def book_the_close(triggering_asset_events=None) -> list[int]:
        """Say how each bot run that started this DAG run ended."""
        booked = []
        for event in (triggering_asset_events or {}).get(month_close_finished, []):
            bot = event.extra["payload"]
            print(
                f"Maestro task {bot['maestro_task_id']} of {bot['activity_label']} ended "
                f"{bot['finish_status']} on runner {bot['runner']}: {bot['message']} "
                f"({bot['processed_items']} of {bot['total_items']} items)"
            )
            booked.append(bot["maestro_task_id"])
        if not booked:
            print("Started by hand: no bot run to book")
        return booked

    book_the_close()
