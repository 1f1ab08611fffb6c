"""DAGs that ``make test-cluster`` drives through Airflow's REST API on the Celery deployment.

Each takes its size and timings from the run's ``conf``, so one parsed file serves every scenario:
``{"size": 200, "automations": 20, "run_seconds": 60}``. Every bot gets its map index as a parameter, and
the emulator's ``_emulator`` knob for its timings.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.providers.common.compat.sdk import DAG, task

from botcity_provider.operators.datapool import MaestroDatapoolPushOperator
from botcity_provider.operators.maestro import MaestroCreateTaskOperator


def _bots(conf: dict[str, Any]) -> list[dict[str, Any]]:
    size, automations = int(conf.get("size", 10)), int(conf.get("automations", 1))
    queue, run = float(conf.get("queue_seconds", 0.5)), float(conf.get("run_seconds", 5))
    outcome = str(conf.get("outcome", "SUCCESS"))
    return [
        {
            "activity_label": f"cluster-bot-{index % automations:02d}",
            "parameters": {
                "index": index,
                # Staggered ends, as real bots finish at different moments.
                "_emulator": {
                    "queue_seconds": queue,
                    "run_seconds": run + (index % 7) * 0.5,
                    "outcome": outcome,
                },
            },
        }
        for index in range(size)
    ]


for deferrable in (True, False):
    mode = "deferred" if deferrable else "polled"
    with DAG(
        dag_id=f"cluster_{mode}",
        start_date=datetime(2026, 1, 1),
        schedule=None,
        catchup=False,
        max_active_tasks=1000,
        default_args={"retries": 3, "retry_delay": timedelta(seconds=2)},
        tags=["cluster-test"],
    ):

        @task
        def bots(dag_run: Any = None) -> list[dict[str, Any]]:
            return _bots(dict(dag_run.conf or {}))

        MaestroCreateTaskOperator.partial(
            task_id="run_bot", deferrable=deferrable, poll_interval=2
        ).expand_kwargs(bots())

# Items pushed into a datapool, two at a time, with retries: a worker killed mid-push must cost the retry
# only the items that did not land.
with DAG(
    dag_id="cluster_datapool",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(seconds=2)},
    render_template_as_native_obj=True,
    tags=["cluster-test"],
):
    MaestroDatapoolPushOperator(
        task_id="push",
        datapool="{{ dag_run.conf['pool'] }}",
        items=[{"order": n} for n in range(300)],
        key_field="order",
        max_concurrency=2,
    )
