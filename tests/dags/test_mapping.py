"""Dynamic task mapping: one Maestro task per mapped instance, its own link and XComs, its own retries."""

from __future__ import annotations

import pytest

from botcity_provider.client import MaestroClient

MODES = ["deferred", "polled"]


def _tasks(handle) -> dict[int, object]:
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return {task["id"]: client.tasks.get(task["id"]) for task in handle.tasks()}


def _map_index(task) -> int:
    return int(task.parameters["_idempotency_key"].split("|")[4])


def _mapped_xcoms(dag_id: str, task_id: str, key: str) -> dict[int, object]:
    try:
        from airflow.models.xcom import XComModel
    except ImportError:  # Airflow 2
        from airflow.models.xcom import XCom

        found = {}
        for row in XCom.get_many(dag_ids=dag_id, task_ids=task_id, key=key, run_id=_last_run(dag_id)):
            found[row.map_index] = XCom.get_one(
                dag_id=dag_id, task_id=task_id, key=key, run_id=row.run_id, map_index=row.map_index
            )
        return found
    from airflow.utils.session import create_session

    with create_session() as session:
        query = session.query(XComModel).filter_by(
            dag_id=dag_id, task_id=task_id, key=key, run_id=_last_run(dag_id)
        )
        rows = query.all()
        return {row.map_index: XComModel.deserialize_value(row) for row in rows}


def _last_run(dag_id: str) -> str:
    from airflow.models.dagrun import DagRun

    return max(DagRun.find(dag_id=dag_id), key=lambda run: run.start_date).run_id


@pytest.mark.parametrize("mode", MODES)
def test_each_mapped_instance_has_its_own_task_link_and_xcoms(run_dag, maestro_conn, mode: str) -> None:
    dag_id = f"mapped_{mode}"
    result = run_dag(dag_id)
    assert result.state == "success", result.log[-3000:]
    tasks = _tasks(maestro_conn)
    assert len(tasks) == 10
    by_index = {_map_index(task): task for task in tasks.values()}
    assert sorted(by_index) == list(range(10))
    assert {index: task.parameters["customer"] for index, task in by_index.items()} == {
        n: f"C{n}" for n in range(10)
    }
    ids = _mapped_xcoms(dag_id, "per_customer", "maestro_task_id")
    links = _mapped_xcoms(dag_id, "per_customer", "_link_MaestroTaskLink")
    assert ids == {index: task.id for index, task in by_index.items()}
    assert links == {index: f"{maestro_conn.url}/tasks/{task.id}" for index, task in by_index.items()}


@pytest.mark.parametrize("mode", MODES)
def test_expand_kwargs(run_dag, maestro_conn, mode: str) -> None:
    result = run_dag(f"mapped_kwargs_{mode}")
    assert result.state == "success", result.log[-3000:]
    tasks = _tasks(maestro_conn).values()
    assert sorted((task.activity_label, task.priority) for task in tasks) == [
        (f"queue-{n}-bot", n) for n in range(4)
    ]


def test_a_retry_of_one_mapped_instance_touches_no_other(run_dag, maestro_conn) -> None:
    # The first read of task 3 is answered 408: its instance fails after creating it and is retried.
    maestro_conn.set_faults(
        script=[{"match": "GET /api/v2/task/3", "action": "status", "status": 408, "count": 1}]
    )
    result = run_dag("mapped_polled")
    assert result.state == "success", result.log[-3000:]
    stats = maestro_conn.stats()
    assert stats["faults"]["error"] == 1, "one instance failed after its create"
    assert stats["tasks_created"] == 10, "the retry took its own task over instead of creating one"
    assert sorted(_map_index(task) for task in _tasks(maestro_conn).values()) == list(range(10))
    keys = [task.parameters["_idempotency_key"] for task in _tasks(maestro_conn).values()]
    assert all(key.endswith("|1") for key in keys), "every task was created by a first try"
