"""A bot's parameters (customer data, sometimes credentials) stay in Maestro: a deferred wait's event,
which Airflow logs in the task log and keeps in its database, carries only what resuming needs.

A value is planted in the parameters of a Maestro task created outside Airflow; a deferrable sensor waits
for it in a real DAG run; then the run's log and every row of the metadata database are searched for it.
(An operator's own ``parameters`` are a rendered template field, shown in the UI by design: the sensor
keeps that legitimate copy out of the search.)
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

from botcity_provider.client import MaestroClient


def _database_rows(home: Path) -> str:
    """Every row of every table of the SQLite metadata database, as text."""
    with sqlite3.connect(home / "airflow.db") as db:
        return "\n".join(db.iterdump())


def test_a_planted_parameter_is_in_no_log_and_no_row(
    run_dag: Any, maestro_conn: Any, airflow_db: Path
) -> None:
    planted = f"CARD-{uuid.uuid4().hex}"
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        task = client.tasks.create("elsewhere-bot", parameters={"card_number": planted})
        assert client.tasks.get(task.id).parameters["card_number"] == planted, "the value is in Maestro"
    result = run_dag("sensor_deferrable", {"maestro_task_id": task.id})
    assert result.state == "success", result.log[-3000:]
    assert f"Maestro task {task.id} has finished with status SUCCESS" in result.log, "the event was read"
    assert planted not in result.log
    rows = _database_rows(airflow_db)
    assert "next_kwargs" in rows or "trigger" in rows, "the dump holds Airflow's tables"
    assert planted not in rows
