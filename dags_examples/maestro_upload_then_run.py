"""Hand a bot its input file, then let it run.

Maestro attaches files to a task, so the task is created first and its file uploaded after (streamed: any
size, constant memory). Maestro has no way to hold a task until its files are there; what it has is
``min_execution_date``: no runner picks the task up before then. Set it further ahead than the create and
the upload can be apart in your Airflow (a few seconds, more on a busy scheduler), and let the upload check
the order: with ``require_queued=True`` it fails, instead of passing silently, if the task had already
left the queue, so its bot may have started without the file. A sensor then waits for the bot.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import datetime
from pathlib import Path

from airflow.providers.common.compat.sdk import DAG, Param, task

from botcity_provider.operators.maestro import MaestroCreateTaskOperator, MaestroUploadArtifactOperator
from botcity_provider.sensors.maestro import MaestroTaskSensor

with DAG(
    dag_id="maestro_upload_then_run",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "example"],
    doc_md=__doc__,
    # How long Maestro holds the order bot's task before a runner may take it: longer than the create and
    # the upload can be apart in your Airflow. A run can set its own (Trigger DAG w/ config, or
    # `airflow dags test ... -c '{"hold_seconds": 10}'`).
    params={
        "hold_seconds": Param(30, type="integer", minimum=0, description="seconds before the bot may start")
    },
) as dag:

    @task
    def export_orders() -> str:
        path = Path(tempfile.mkdtemp(prefix="orders-")) / "orders.csv"
        with path.open("w", newline="") as out:
            rows = csv.writer(out)
            rows.writerow(["order", "customer", "total"])
            rows.writerows([f"ORD-{n:05d}", f"customer-{n % 37}", n * 3] for n in range(1, 501))
        return str(path)

    queue_bot = MaestroCreateTaskOperator(
        task_id="queue_order_bot",
        activity_label="order-entry-bot",
        parameters={"input": "orders.csv", "_emulator": {"queue_seconds": 0, "run_seconds": 2}},
        min_execution_date="{{ macros.datetime.utcnow() + macros.timedelta(seconds=params.hold_seconds) }}",
        wait_for_completion=False,
    )
    upload = MaestroUploadArtifactOperator(
        task_id="upload_orders",
        maestro_task_id=queue_bot.output,
        path=export_orders(),
        name="orders.csv",
        require_queued=True,
    )
    # The bot starts hold_seconds after its task is created: a look every 5 s is plenty.
    wait = MaestroTaskSensor(task_id="wait_order_bot", maestro_task_id=queue_bot.output, poke_interval=5)
    upload >> wait
