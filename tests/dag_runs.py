"""Running DAGs for real: Airflow's ``dag.test()`` on SQLite, against the emulator (fixtures shared by the
folders whose conftest imports them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DAG_FILES = Path(__file__).resolve().parent / "dag_files"


@dataclass
class DagResult:
    """What a test reads back: the run's state, each task's state and the captured log text."""

    state: str
    task_states: dict[str, str]
    log: str
    xcoms: dict[tuple[str, str], Any]


# The time at the start of a log line: "[2026-12-07 10:51:29,134]" (Airflow 2's format),
# "[2026-12-07T10:51:29.134+0000]" or "2026-12-07 10:51:29 [info ]" (Airflow 3's).
_STAMP = re.compile(r"^\[?(\d{4}-\d\d-\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?")
COPIES_APART_SECONDS = 1.5
"""Copies of one record are stamped within this of each other (one of them may show whole seconds
only); a DAG that counts repeats must poll less often than this (tests/dag_files/bot_output.py: 2 s)."""


def times_logged(log: str, text: str) -> int:
    """How many times a log line holding ``text`` was logged, by the moments of the lines that hold it.

    Copies of one record count once: some versions' ``dag.test()`` write each record twice (to the
    task's log and to the console, each in its own format and clock reading). Calls a poll apart count
    apart. Only log lines count (they start with their time), not the arguments that the standard
    library prints after a handler failed to write a record.
    """
    moments = sorted(
        _seconds(stamp) for line in log.splitlines() if text in line and (stamp := _STAMP.match(line))
    )
    return sum(
        1
        for before, now in zip([None, *moments], moments, strict=False)
        if before is None or now - before > COPIES_APART_SECONDS
    )


def _seconds(stamp: re.Match[str]) -> float:
    _day, hours, minutes, seconds, fraction = stamp.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + float(f"0.{fraction or 0}")


def dag_bag_class() -> Any:
    """Airflow's DagBag, wherever this version keeps it."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag
    return DagBag


def load_dag_bag(folder: Path = DAG_FILES) -> Any:
    """The DAGs of a folder, parsed as Airflow's scheduler would; a file that fails to import fails here."""
    bag = dag_bag_class()(str(folder))
    assert not bag.import_errors, bag.import_errors
    return bag


@pytest.fixture(scope="session")
def dag_bag(airflow_db: Path) -> Any:
    return load_dag_bag()


@pytest.fixture
def run_dag(dag_bag: Any, maestro_conn: Any, capfd: pytest.CaptureFixture[str]) -> Callable[..., DagResult]:
    """Run one DAG of ``tests/dag_files`` to the end and return what happened."""

    def run(dag_id: str, conf: dict[str, Any] | None = None, xcom_keys: tuple[str, ...] = ()) -> DagResult:
        dag = dag_bag.get_dag(dag_id)
        capfd.readouterr()
        try:
            dag_run = dag.test(run_conf=conf or {})
        except BaseException as exc:
            # Airflow 2's AirflowTaskTimeout is a BaseException that escapes dag.test(); the task failed.
            if type(exc).__name__ != "AirflowTaskTimeout":
                raise
            out, err = capfd.readouterr()
            return DagResult("failed", {}, out + err + repr(exc), {})
        out, err = capfd.readouterr()
        tis = dag_run.get_task_instances()
        xcoms = {}
        for ti in tis:
            for key in xcom_keys:
                xcoms[(ti.task_id, key)] = _xcom(dag_id, dag_run.run_id, ti.task_id, key)
        return DagResult(str(dag_run.state), {ti.task_id: str(ti.state) for ti in tis}, out + err, xcoms)

    return run


def _xcom(dag_id: str, run_id: str, task_id: str, key: str) -> Any:
    try:
        from airflow.models.xcom import XComModel
    except ImportError:  # Airflow 2
        from airflow.models.xcom import XCom

        return XCom.get_one(dag_id=dag_id, run_id=run_id, task_id=task_id, key=key)
    from airflow.utils.session import create_session

    with create_session() as session:
        query = session.query(XComModel).filter_by(dag_id=dag_id, run_id=run_id, task_id=task_id, key=key)
        row = query.first()
        return None if row is None else XComModel.deserialize_value(row)
