"""Every example DAG, run as a user runs it: `airflow dags test`, against the emulator, deferred and not."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_0_PLUS

from botcity_provider.client import MaestroClient
from tests.conftest import ROOT, connection_json
from tests.dag_runs import times_logged

EXAMPLES = ROOT / "dags_examples"
MODES = {"deferred": "True", "polled": "False"}


# maestro_upload_then_run holds its bot 30 s for a real Airflow, where the create and the upload can be
# apart by a busy scheduler; `dags test` runs that DAG's three tasks back to back, so its test sets a
# shorter hold, as a user may. The tour keeps its 45 s: under `dags test` its other waits run between
# its create and its upload.
SHORT_HOLD = 10
TOUR_HOLD = 45


def dags_test(handle, dag_id: str, mode: str, tmp_path: Path, conf: dict | None = None) -> str:
    env = dict(os.environ)
    env.update(
        AIRFLOW__CORE__DAGS_FOLDER=str(EXAMPLES),
        AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE=MODES[mode],
        TMPDIR=str(tmp_path),  # where the example DAGs' files go: removed with the test's folder
        AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT=connection_json(handle),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow",
            "dags",
            "test",
            dag_id,
            *(["-c", json.dumps(conf)] if conf else []),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = done.stdout + done.stderr
    (tmp_path / f"{dag_id}.log").write_text(log)
    assert done.returncode == 0, log[-4000:]
    assert "state=success" in log, log[-4000:]
    return log


def by_label(handle) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for task in handle.tasks():
        found.setdefault(task["activityLabel"], []).append(task)
    return found


def test_every_example_has_a_test() -> None:
    tested = {
        "maestro_tour",
        "maestro_create_and_wait",
        "maestro_sensor",
        "maestro_upload_then_run",
        "maestro_cancel",
        "maestro_restart",
        "maestro_mapped",
        "maestro_datapool",
        "maestro_on_bot_finished",
        "maestro_notify",  # run by tests/notifications/test_notifier.py
        "maestro_runner",
        "maestro_result_files",
        "maestro_bot_output",
    }
    assert {path.stem for path in EXAMPLES.glob("maestro_*.py")} == tested


def _assert_held(handle, task_id: int, hold: int) -> None:
    """The run's hold_seconds reached Maestro: its task was not to start before then, and did not."""
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        task = client.tasks.get(task_id)
    assert task.date_creation and task.min_execution_date and task.date_start_running
    held = (task.min_execution_date - task.date_creation).total_seconds()
    assert hold - 5 < held <= hold + 1, held
    assert task.date_start_running >= task.min_execution_date


@pytest.mark.parametrize("mode", MODES)
def test_tour(maestro_conn, airflow_db, mode: str, tmp_path: Path) -> None:
    log = dags_test(maestro_conn, "maestro_tour", mode, tmp_path)
    tasks = by_label(maestro_conn)
    _assert_held(maestro_conn, tasks["invoice-bot"][0]["id"], TOUR_HOLD)
    assert sorted(tasks) == ["crm-bot", "invoice-bot", "payroll-bot", "report-bot"]
    assert all(len(found) == 1 for found in tasks.values()), "one Maestro task per Airflow task"
    assert tasks["report-bot"][0]["state"] == "CANCELED"
    assert tasks["crm-bot"][0]["runs"] == 2, "the failed bot was restarted"
    assert "CRM portal did not answer" in log
    assert maestro_conn.stats()["artifacts"] == 1


@pytest.mark.parametrize("mode", MODES)
def test_create_and_wait(maestro_conn, airflow_db, mode: str, tmp_path: Path) -> None:
    log = dags_test(maestro_conn, "maestro_create_and_wait", mode, tmp_path)
    (task,) = maestro_conn.tasks()
    assert task["state"] == "FINISHED"
    assert "items processed/failed/total: 39/1/40" in log
    assert ("Waiting for Maestro task" in log) is (mode == "deferred")


@pytest.mark.parametrize("mode", MODES)
def test_bot_output(maestro_conn, airflow_db, mode: str, tmp_path: Path) -> None:
    log = dags_test(maestro_conn, "maestro_bot_output", mode, tmp_path)
    (task,) = maestro_conn.tasks()
    said = [
        f"The bot reported an error on Maestro task {task['id']}: TimeoutError: The supplier portal took "
        f"30 s to answer; retrying (screenshot: {maestro_conn.url}/tasks/{task['id']})",
        f"The bot raised a INFO alert on Maestro task {task['id']}: Half done: 20 of 40 invoices",
        f"The bot raised a WARN alert on Maestro task {task['id']}: Two invoices skipped: No PDF attached",
    ]
    assert [times_logged(log, line) for line in said] == [1, 1, 1], log[-4000:]
    assert log.index(said[0]) < log.index(said[1]) < log.index(said[2])


@pytest.mark.parametrize("mode", MODES)
def test_sensor(maestro_conn, airflow_db, mode: str, tmp_path: Path) -> None:
    log = dags_test(maestro_conn, "maestro_sensor", mode, tmp_path)
    (task,) = maestro_conn.tasks()
    assert task["activityLabel"] == "nightly-reconciliation"
    assert f"Maestro task {task['id']} has finished with status SUCCESS" in log


@pytest.mark.parametrize("mode", MODES)
def test_upload_then_run(maestro_conn, airflow_db, mode: str, tmp_path: Path) -> None:
    dags_test(maestro_conn, "maestro_upload_then_run", mode, tmp_path, {"hold_seconds": SHORT_HOLD})
    (task,) = maestro_conn.tasks()
    _assert_held(maestro_conn, task["id"], SHORT_HOLD)
    assert task["state"] == "FINISHED"
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        (artifact,) = client.artifacts.list().content
        assert (artifact.task_id, artifact.name) == (task["id"], "orders.csv")
        copy = client.artifacts.download(artifact.id, tmp_path / "orders.csv")
    rows = list(csv.reader(io.StringIO(copy.read_text())))
    assert rows[0] == ["order", "customer", "total"]
    assert len(rows) == 501


@pytest.mark.parametrize("mode", MODES)
def test_cancel(maestro_conn, airflow_db, mode: str, tmp_path: Path) -> None:
    log = dags_test(maestro_conn, "maestro_cancel", mode, tmp_path)
    (task,) = maestro_conn.tasks()
    assert task["state"] == "FINISHED", "the running bot was killed"
    assert f"Maestro task {task['id']} was running: asked to stop, then killed after" in log


@pytest.mark.parametrize("mode", MODES)
def test_restart(maestro_conn, airflow_db, mode: str, tmp_path: Path) -> None:
    log = dags_test(maestro_conn, "maestro_restart", mode, tmp_path)
    (task,) = maestro_conn.tasks()
    assert task["runs"] == 2
    assert "MaestroTaskFailedError" in log
    assert "the CRM portal did not answer in 30 s" in log


# Polled, the 50 waits run one after another in `dags test`; tests/dags/test_mapping.py covers that mode.
@pytest.mark.parametrize("mode", ["deferred"])
def test_mapped(maestro_conn, airflow_db, mode: str, tmp_path: Path) -> None:
    dags_test(maestro_conn, "maestro_mapped", mode, tmp_path)
    tasks = maestro_conn.tasks()
    assert len(tasks) == 50
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        keys = {client.tasks.get(task["id"]).parameters["_idempotency_key"].split("|")[4] for task in tasks}
    assert keys == {str(index) for index in range(50)}, "one Maestro task per map index"


@pytest.mark.parametrize("mode", MODES)
def test_datapool(maestro_conn, airflow_db, client: MaestroClient, mode: str, tmp_path: Path) -> None:
    client.datapools.create("invoices", default_automation="invoice-entry-bot")
    maestro_conn.set_consumer(
        "invoices", rate=200, error_ratio=0.1, error_message="invoice {invoice}: rejected"
    )
    log = dags_test(maestro_conn, "maestro_datapool", mode, tmp_path)
    entries = list(client.datapools.iter_entries("invoices", size=500))
    first = [e for e in entries if "/push_invoices/" in e.values["airflow_key"]]
    again = [e for e in entries if "/retry_failed/" in e.values["airflow_key"]]
    assert len(first) + len(again) == len(entries)
    invoices = Counter(e.values["invoice"] for e in first)
    assert sorted(invoices) == [f"INV-{n:05d}" for n in range(1, 201)] and set(invoices.values()) == {1}
    assert all(e.values["airflow_key"].endswith(f"#{e.values['invoice']}") for e in entries)
    failed = {e.values["invoice"]: e.message for e in first if e.state == "ERROR"}
    assert len(failed) == 20, Counter(e.state for e in first)
    assert {e.state for e in first} == {"DONE", "ERROR"}
    assert all(message == f"invoice {invoice}: rejected" for invoice, message in failed.items())
    # The retry pushed exactly the failed invoices again, first in line: two items each, the others one.
    assert sorted(e.values["invoice"] for e in again) == sorted(failed)
    assert {e.priority for e in again} == {10}
    per_invoice = Counter(e.values["invoice"] for e in entries)
    assert {invoice: per_invoice[invoice] for invoice in failed} == dict.fromkeys(failed, 2)
    assert sum(per_invoice.values()) == 220
    # One mapped instance per failed invoice, each with the bot's own message.
    tickets = Counter(
        re.findall(r"Ticket opened for invoice (INV-\d{5}): invoice (INV-\d{5}): rejected", log)
    )
    assert set(tickets) == {(invoice, invoice) for invoice in failed}
    # Airflow 2's `dags test` prints each task log line twice: the same count for every invoice, then.
    assert len(set(tickets.values())) == 1 and set(tickets.values()) <= {1, 2}, tickets
    assert ("Waiting for the bots in the triggerer" in log) is (mode == "deferred")


@pytest.mark.skipif(not AIRFLOW_V_3_0_PLUS, reason="asset watchers are Airflow 3's")
def test_on_bot_finished_run_by_hand(maestro_conn, airflow_db, tmp_path: Path) -> None:
    # Scheduled on the watcher's events (tests/cluster proves those); by hand, it has none to read.
    log = dags_test(maestro_conn, "maestro_on_bot_finished", "polled", tmp_path)
    assert "Started by hand: no bot run to book" in log
    assert maestro_conn.tasks() == []


@pytest.mark.parametrize("mode", MODES)
def test_runner(maestro_conn, airflow_db, mode: str, tmp_path: Path) -> None:
    log = dags_test(maestro_conn, "maestro_runner", mode, tmp_path)
    assert "Maestro runner 'emulator-runner' is online" in log
    (task,) = maestro_conn.tasks()
    assert (task["activityLabel"], task["state"]) == ("invoice-entry-bot", "FINISHED")


# Airflow 2.11's `dags test` stores an alias's events only once the scheduler has stored the alias
# (docs/howto/fetch-artifacts.md says to run `airflow dags reserialize` first there).
@pytest.mark.skipif(not AIRFLOW_V_3_0_PLUS, reason="Airflow 2.11's dags test needs the alias stored first")
@pytest.mark.parametrize("mode", MODES)
def test_result_files(maestro_conn, airflow_db, mode: str, tmp_path: Path) -> None:
    log = dags_test(maestro_conn, "maestro_result_files", mode, tmp_path)
    assert "ledger.csv: 2 rows" in log
    (task,) = maestro_conn.tasks()
    assert task["state"] == "FINISHED"
