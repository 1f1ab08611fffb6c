"""One DAG whose every task gets one bad input, as a user would write it: ``tests/test_bad_input.py``
runs it once and reads, task by task, the error each one fails with.

The connections ``maestro_bad_input`` (good), ``maestro_wrong_key`` and ``maestro_no_scheme`` exist only
while that test runs. Each failure is also written, as Airflow hands it to ``on_failure_callback``, to the
file named by ``$BOTCITY_BAD_INPUT_RECORD``: the test reads the exception there, whatever the version of
Airflow and however its log renders tracebacks.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from typing import Any

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.datapool import MaestroDatapoolPushOperator
from botcity_provider.operators.maestro import MaestroCreateTaskOperator, MaestroUploadArtifactOperator
from botcity_provider.sensors.datapool import MaestroDatapoolSensor
from botcity_provider.sensors.maestro import MaestroTaskSensor

CONN = "maestro_bad_input"
MISSING_FILE = "/nonexistent/botcity-bad-input/orders.csv"
MISSING_ITEMS = "/nonexistent/botcity-bad-input/orders.jsonl"
UNKNOWN_POOL = "no-such-pool"
UNKNOWN_TASK_ID = 987654


def record_failure(context: Any) -> None:
    """Append the task's exception (class name and text, as its log shows them) to the record file."""
    path = os.environ.get("BOTCITY_BAD_INPUT_RECORD")
    if not path:
        return
    error = context.get("exception")
    entry = {"task_id": context["ti"].task_id, "error": type(error).__name__, "message": str(error)}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


with DAG(
    dag_id="bad_input_catalogue",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "test"],
    default_args={"retries": 0, "on_failure_callback": record_failure},
):
    for name, priority in (("priority_11", 11), ("priority_minus_1", -1)):
        MaestroCreateTaskOperator(
            task_id=name, activity_label="any-bot", priority=priority, maestro_conn_id=CONN
        )
    for name, label in (("label_empty", ""), ("label_blank", "   ")):
        MaestroCreateTaskOperator(task_id=name, activity_label=label, maestro_conn_id=CONN)
    MaestroCreateTaskOperator(
        task_id="parameters_datetime",
        activity_label="any-bot",
        parameters={"month": "2026-11", "when": datetime(2026, 11, 1, 8, 30)},
        maestro_conn_id=CONN,
    )
    MaestroCreateTaskOperator(
        task_id="parameters_set",
        activity_label="any-bot",
        parameters={"ids": {1, 2, 3}},
        maestro_conn_id=CONN,
    )
    MaestroUploadArtifactOperator(
        task_id="file_missing", maestro_task_id=1, path=MISSING_FILE, maestro_conn_id=CONN
    )
    MaestroUploadArtifactOperator(
        task_id="file_is_a_directory", maestro_task_id=1, path=tempfile.gettempdir(), maestro_conn_id=CONN
    )
    MaestroCreateTaskOperator(
        task_id="server_without_scheme", activity_label="any-bot", maestro_conn_id="maestro_no_scheme"
    )
    MaestroCreateTaskOperator(
        task_id="wrong_key", activity_label="any-bot", maestro_conn_id="maestro_wrong_key"
    )
    MaestroTaskSensor(
        task_id="unknown_task_id",
        maestro_task_id=UNKNOWN_TASK_ID,
        poke_interval=1,
        timeout=30,
        mode="poke",
        deferrable=False,
        maestro_conn_id=CONN,
    )
    pushes: dict[str, dict[str, Any]] = {
        "items_not_a_list": {"items": 42},
        "items_same_key": {"items": [{"order": 1}, {"order": 1}], "key_field": "order"},
        "items_without_key": {"items": [{"order": 1}, {"n": 2}], "key_field": "order"},
        "items_with_the_push_key": {"items": [{"order": 1, "airflow_key": "mine"}]},
        "items_file_of_no_format": {"items": "/nonexistent/botcity-bad-input/orders.txt"},
        "items_file_missing": {"items": MISSING_ITEMS},
        "push_unknown_pool": {"items": [{"order": 1}], "datapool": UNKNOWN_POOL},
    }
    for name, arguments in pushes.items():
        MaestroDatapoolPushOperator(task_id=name, **{"datapool": "orders", **arguments}, maestro_conn_id=CONN)
    MaestroDatapoolSensor(
        task_id="sensor_unknown_pool",
        datapool=UNKNOWN_POOL,
        poke_interval=1,
        timeout=30,
        mode="poke",
        maestro_conn_id=CONN,
    )
