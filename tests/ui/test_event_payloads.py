"""In a real Airflow (make airflow's api-server, scheduler, dag-processor and triggerer), a deferred wait's
event leaves the bot's parameters in Maestro: not in the task's log, where the triggerer writes every event
it fires ("Trigger fired event ... result=..."), and not in any row of the metadata database.

A value is planted in the parameters of a Maestro task created outside Airflow; the example sensor DAG
waits for it, deferred; then its logs (through the REST API, as the UI shows them) and a dump of the
database are searched for it.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from botcity_provider.client import MaestroClient

from ._support import AirflowApi

DAG_ID = "maestro_sensor"
TASK = "wait_for_reconciliation"


def _wait_for_run(api: AirflowApi, run_path: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    state = api.get(run_path)["state"]
    while state not in ("success", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        state = api.get(run_path)["state"]
    return state


@pytest.mark.timeout(300)
def test_no_parameter_of_the_bot_in_the_task_log_or_the_database(airflow: Any, api: AirflowApi) -> None:
    planted = f"CARD-{uuid.uuid4().hex}"
    with MaestroClient(airflow.emulator_url, airflow.emulator_login, airflow.emulator_key) as client:
        task = client.tasks.create(
            "nightly-reconciliation",
            parameters={"card_number": planted, "_emulator": {"queue_seconds": 1, "run_seconds": 3}},
        )
    run = api.post(
        f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None, "conf": {"maestro_task_id": task.id}}
    )
    run_path = f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run['dag_run_id'], safe='')}"
    assert _wait_for_run(api, run_path, 240) == "success"

    instance = api.get(f"{run_path}/taskInstances/{TASK}")
    log = json.dumps(
        api.get(f"{run_path}/taskInstances/{TASK}/logs/{instance['try_number']}", full_content="true")
    )
    assert "Trigger fired event" in log, "the triggerer wrote the event into this log"
    assert f"Maestro task {task.id} has finished with status SUCCESS" in log
    assert planted not in log

    with sqlite3.connect(airflow.home / "airflow.db") as db:
        rows = "\n".join(db.iterdump())
    assert str(task.id) in rows and "maestro_sensor" in rows, "the dump holds the run"
    assert planted not in rows
