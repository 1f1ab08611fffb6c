"""One worker process doing Maestro work the way a DAG's tasks do: ours, or the official SDK as written today.

``python bench/_logins_child.py KIND EXECUTIONS HOOKS PAUSE`` (PAUSE: seconds between executions), with
the connection in ``$AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT``. Prints ``{"seconds": ...}``; the logins are
counted by the emulator, not here.

* ``ours``: ``MaestroCreateTaskOperator.execute`` (create, then wait without deferring) EXECUTIONS times,
  then ``MaestroHook.test_connection`` on HOOKS fresh hooks. No Airflow database: the context holds
  just what the operator reads (a task instance that takes XComs, a task-state store).
* ``sdk``: per execution, what a ``PythonOperator`` callable does with ``botcity-maestro-sdk`` 0.9.1 today:
  a ``BotMaestroSDK``, ``login()``, ``create_task``, then ``get_task`` until it finishes; then HOOKS more
  ``BotMaestroSDK`` instances that log in and read a task.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

CONN_ID = "botcity_maestro_default"
LABEL = "login-bot"
PARAMETERS = {"_emulator": {"queue_seconds": 0, "run_seconds": 0}}
# The operators' floor; the SDK baseline polls as often, so both sides wait alike (logins are counted).
POLL_SECONDS = 1.0


class TaskInstance:
    """The parts of an Airflow task instance the operator touches."""

    def __init__(self, task_id: str) -> None:
        self.dag_id, self.run_id, self.task_id = "bench", "manual__bench", task_id
        self.map_index, self.try_number = -1, 1
        self.start_date = datetime.now(UTC)
        self.stats_tags: dict[str, str] = {}
        self.xcoms: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value


class StateStore(dict[str, Any]):
    def set(self, key: str, value: Any) -> None:
        self[key] = value


def ours(executions: int, hooks: int, pause: float) -> None:
    from botcity_provider.hooks.maestro import MaestroHook
    from botcity_provider.operators.maestro import MaestroCreateTaskOperator

    for number in range(executions):
        operator = MaestroCreateTaskOperator(
            task_id=f"run_bot_{number}",
            activity_label=LABEL,
            parameters=PARAMETERS,
            deferrable=False,
            poll_interval=POLL_SECONDS,
        )
        context = {"ti": TaskInstance(operator.task_id), "task_state_store": StateStore()}
        operator.execute(context)  # type: ignore[arg-type]
        time.sleep(pause)
    for _ in range(hooks):
        ok, message = MaestroHook(maestro_conn_id=CONN_ID).test_connection()
        if not ok:
            raise RuntimeError(message)


def sdk(executions: int, hooks: int, pause: float) -> None:
    from botcity.maestro import BotMaestroSDK

    conn = json.loads(os.environ["AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT"])
    task_id = 0
    for _ in range(executions):
        maestro = BotMaestroSDK(conn["host"], conn["login"], conn["password"])
        maestro.login()
        task_id = maestro.create_task(LABEL, PARAMETERS).id
        while maestro.get_task(task_id).state != "FINISHED":
            time.sleep(POLL_SECONDS)
        time.sleep(pause)
    for _ in range(hooks):
        maestro = BotMaestroSDK(conn["host"], conn["login"], conn["password"])
        maestro.login()
        maestro.get_task(task_id)


def main() -> None:
    kind, executions, hooks, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # Airflow logs to stdout; keep ours clean
    # Imports first: the time below is the work, not loading Airflow or the SDK.
    importlib.import_module("botcity_provider.operators.maestro" if kind == "ours" else "botcity.maestro")
    started = time.perf_counter()
    {"ours": ours, "sdk": sdk}[kind](executions, hooks, pause)
    print(json.dumps({"seconds": time.perf_counter() - started}), file=protocol, flush=True)


if __name__ == "__main__":
    main()
