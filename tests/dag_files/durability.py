"""DAGs for the durability tests: retries that must not duplicate, and limits that must stop the bot."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.maestro import MaestroCreateTaskOperator

ARGS = {"retries": 1, "retry_delay": timedelta(seconds=0)}

for durable in (True, False):
    with DAG(
        dag_id=f"retry_after_create_{'durable' if durable else 'keyed'}",
        start_date=datetime(2026, 1, 1),
        schedule=None,
        catchup=False,
        default_args=ARGS,
    ):
        MaestroCreateTaskOperator(
            task_id="run_bot",
            activity_label="durable-bot",
            # Long enough to be still running when the retry comes, a poll interval and a try later.
            parameters={"_emulator": {"run_seconds": 5.0}},
            deferrable=False,
            poll_interval=1,
            durable=durable,
        )

# The bot is done in a blink: by the time the retry runs, the earlier try's task has succeeded.
with DAG(
    dag_id="retry_after_success",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    default_args=ARGS,
):
    MaestroCreateTaskOperator(
        task_id="run_bot",
        activity_label="quick-bot",
        parameters={"_emulator": {"queue_seconds": 0, "run_seconds": 0}},
        deferrable=False,
        poll_interval=1,
        durable=False,
    )

# The bot fails: the retry runs it again, in a new task.
with DAG(
    dag_id="retry_after_failure",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    default_args=ARGS,
):
    MaestroCreateTaskOperator(
        task_id="run_bot",
        activity_label="failing-bot",
        parameters={"_emulator": {"outcome": "FAILED", "run_seconds": 0.2}},
        deferrable=False,
        poll_interval=1,
    )

for deferrable in (True, False):
    mode = "deferred" if deferrable else "polled"
    with DAG(dag_id=f"lost_create_{mode}", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
        MaestroCreateTaskOperator(
            task_id="run_bot", activity_label="lost-bot", deferrable=deferrable, poll_interval=1
        )

    with DAG(dag_id=f"timeout_{mode}", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
        MaestroCreateTaskOperator(
            task_id="run_bot",
            activity_label="slow-bot",
            parameters={"_emulator": {"outcome": "NEVER", "queue_seconds": 0.1}},
            deferrable=deferrable,
            poll_interval=1,
            timeout=2,
        )

    with DAG(
        dag_id=f"execution_timeout_{mode}", start_date=datetime(2026, 1, 1), schedule=None, catchup=False
    ):
        MaestroCreateTaskOperator(
            task_id="run_bot",
            activity_label="slow-bot",
            parameters={"_emulator": {"outcome": "NEVER", "queue_seconds": 0.1}},
            deferrable=deferrable,
            poll_interval=1,
            execution_timeout=timedelta(seconds=4),
        )
