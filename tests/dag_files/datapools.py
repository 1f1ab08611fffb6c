"""DAGs for the datapool tests: push items (from the run's conf), wait for the emulator's bot, retry the
failed ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.providers.common.compat.sdk import DAG, task

from botcity_provider.operators.datapool import MaestroDatapoolPushOperator
from botcity_provider.sensors.datapool import MaestroDatapoolSensor

CONF = "{{ dag_run.conf['%s'] }}"
START = datetime(2026, 1, 1)

# Items, pool and key come from the run's conf, natively (a list stays a list).
with DAG(
    dag_id="datapool_push", start_date=START, schedule=None, catchup=False, render_template_as_native_obj=True
):
    MaestroDatapoolPushOperator(
        task_id="push",
        datapool=CONF % "pool",
        items=CONF % "items",
        key_field="{{ dag_run.conf.get('key_field') }}",
    )

for mode in ("deferred", "polled"):
    with DAG(
        dag_id=f"datapool_wait_{mode}",
        start_date=START,
        schedule=None,
        catchup=False,
        render_template_as_native_obj=True,
    ):
        push = MaestroDatapoolPushOperator(
            task_id="push",
            datapool=CONF % "pool",
            items=CONF % "items",
            wait_for_completion=True,
            deferrable=mode == "deferred",
            poll_interval=1,
            max_error_ratio=0.2,
            max_concurrency=8,
            returns="failed_items",
        )

        @task
        def handle(item: dict[str, Any]) -> Any:
            print(f"handling failed order {item['order']}")
            return item["order"]

        handle.expand(item=push.output)

    with DAG(
        dag_id=f"datapool_timeout_{mode}",
        start_date=START,
        schedule=None,
        catchup=False,
        render_template_as_native_obj=True,
    ):
        MaestroDatapoolPushOperator(
            task_id="push",
            datapool=CONF % "pool",
            items=CONF % "items",
            wait_for_completion=True,
            deferrable=mode == "deferred",
            poll_interval=1,
            timeout=timedelta(seconds=4),
        )

# A plain push, for the chaos run: many items, each of which must land once whatever the network does.
with DAG(
    dag_id="datapool_push_fast",
    start_date=START,
    schedule=None,
    catchup=False,
    render_template_as_native_obj=True,
):
    MaestroDatapoolPushOperator(
        task_id="push", datapool=CONF % "pool", items=CONF % "items", key_field="order", max_concurrency=8
    )

# The sensor in each of its modes: the whole pool, or the entries the run's conf names.
for mode, deferrable in (("poke", False), ("reschedule", False), ("deferrable", True)):
    with DAG(
        dag_id=f"datapool_sensor_{mode}",
        start_date=START,
        schedule=None,
        catchup=False,
        render_template_as_native_obj=True,
    ):
        MaestroDatapoolSensor(
            task_id="wait",
            datapool=CONF % "pool",
            entry_ids="{{ dag_run.conf.get('entry_ids') }}",
            mode="poke" if deferrable else mode,
            deferrable=deferrable,
            poke_interval=1,
            timeout=120,
        )

# start_consumer: a task of the pool's default automation takes the items, once.
with DAG(
    dag_id="datapool_consumer",
    start_date=START,
    schedule=None,
    catchup=False,
    render_template_as_native_obj=True,
):
    MaestroDatapoolPushOperator(
        task_id="push", datapool=CONF % "pool", items=CONF % "items", start_consumer=True
    )
