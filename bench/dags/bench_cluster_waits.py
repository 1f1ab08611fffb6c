"""The DAGs of ``bench/cluster.py``: many deferred bot runs, waited for by our trigger or by one GET each.

``bench_waits_poller`` is the provider as users run it (``MaestroCreateTaskOperator``, deferrable).
``bench_waits_get`` is the same operator handing its wait to the one-GET-per-wait trigger of
``bench/triggers/botcity_bench_triggers.py`` instead, so the two differ in the triggerer only. The run's
``conf`` gives the size: ``{"size": 1000, "automations": 50, "tag": "..."}``. The bots never end by
themselves (the emulator's ``NEVER``): the benchmark finishes them, as bots report their own end, once
it has measured the waits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from airflow.providers.common.compat.sdk import DAG, task
from botcity_bench_triggers import SharedClientGetTrigger

from botcity_provider._waiting import backstop
from botcity_provider.operators.maestro import MaestroCreateTaskOperator

POLL_INTERVAL_SECONDS = 5.0


class OneGetCreateTaskOperator(MaestroCreateTaskOperator):
    """Our create operator, deferring to a trigger that reads its task with one GET per interval."""

    def defer_to_trigger(
        self,
        task_id: int,
        *,
        interval: float,
        deadline_at: float | None,
        activity_label: str | None,
        cancel_on_kill: bool = False,
    ) -> NoReturn:
        trigger = SharedClientGetTrigger(
            maestro_conn_id=self.maestro_conn_id,
            maestro_task_id=task_id,
            poll_interval_seconds=interval,
            deadline_at=deadline_at,
            success_statuses=self.success_statuses,
            activity_label=activity_label,
        )
        self.defer(trigger=trigger, method_name="execute_complete", timeout=backstop(deadline_at))


def _bots(conf: dict[str, Any]) -> list[dict[str, Any]]:
    size, automations = int(conf.get("size", 10)), int(conf.get("automations", 1))
    return [
        {
            "activity_label": f"bench-bot-{index % automations:02d}",
            "parameters": {
                "index": index,
                "tag": str(conf.get("tag", "")),
                "_emulator": {"queue_seconds": 0.5, "outcome": "NEVER"},
            },
        }
        for index in range(size)
    ]


for design, operator in (("poller", MaestroCreateTaskOperator), ("get", OneGetCreateTaskOperator)):
    with DAG(
        dag_id=f"bench_waits_{design}",
        start_date=datetime(2026, 1, 1),
        schedule=None,
        catchup=False,
        max_active_tasks=2000,
        tags=["benchmark"],
    ):

        @task
        def bots(dag_run: Any = None) -> list[dict[str, Any]]:
            return _bots(dict(dag_run.conf or {}))

        operator.partial(
            task_id="run_bot", deferrable=True, poll_interval=POLL_INTERVAL_SECONDS
        ).expand_kwargs(bots())
