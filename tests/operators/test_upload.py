"""MaestroUploadArtifactOperator and the order of file and bot: a bot sees the files that are there when it
starts, so an upload to a task that has left the queue says so, or fails when the order is required.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from botcity_provider.client import MaestroClient
from botcity_provider.links.maestro import LINK_XCOM_KEY, MaestroTaskLink
from botcity_provider.operators.maestro import MaestroUploadArtifactOperator


class _TaskInstance:
    """What the operator reads of its task instance: where it pushes XComs."""

    def __init__(self) -> None:
        self.xcoms: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value


def _task(handle: Any, **emulated: Any) -> int:
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        task_id = client.tasks.create("order-bot", parameters={"_emulator": emulated}).id
        if emulated.get("queue_seconds") == 0:
            deadline = time.monotonic() + 30
            while client.tasks.get(task_id).state == "START" and time.monotonic() < deadline:
                time.sleep(0.05)
    return task_id


def _upload(task_id: int, file: Path, **kwargs: Any) -> tuple[list[int], _TaskInstance]:
    ti = _TaskInstance()
    operator = MaestroUploadArtifactOperator(task_id="upload", maestro_task_id=task_id, path=file, **kwargs)
    return operator.execute({"ti": ti}), ti


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text("order,total\nORD-1,10\n")
    return path


def _artifacts(handle: Any) -> list[Any]:
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return list(client.artifacts.list().content)


def test_an_upload_to_a_queued_task_is_quiet_and_links_the_task(
    maestro_conn: Any, orders: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    task_id = _task(maestro_conn, queue_seconds=60)
    ids, ti = _upload(task_id, orders, require_queued=True)
    assert len(ids) == 1
    assert [artifact.id for artifact in _artifacts(maestro_conn)] == ids
    out, err = capfd.readouterr()
    assert f"Uploaded {orders} to Maestro task {task_id} as artifact {ids[0]}" in out + err
    assert "may have started without" not in out + err
    assert ti.xcoms[LINK_XCOM_KEY] == f"{maestro_conn.url}/tasks/{task_id}"
    assert any(
        isinstance(link, MaestroTaskLink) for link in MaestroUploadArtifactOperator.operator_extra_links
    )


def test_an_upload_to_a_running_task_warns_with_its_state(
    maestro_conn: Any, orders: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    task_id = _task(maestro_conn, queue_seconds=0, outcome="NEVER")
    capfd.readouterr()
    ids, _ = _upload(task_id, orders)
    assert len(ids) == 1, "without require_queued the files go up all the same"
    out, err = capfd.readouterr()
    # One warning, shown once per log handler: older Airflows add their own beside pytest's, and may also
    # print the record's arguments on a line of their own.
    lines = (out + err).splitlines()
    warnings = [line for line in lines if "may have started without" in line and "warning" in line.lower()]
    assert warnings, out + err
    for warning in warnings:
        assert (
            f"Maestro task {task_id} was no longer queued once the files were up (it is running): its bot "
            "may have started without these files"
        ) in warning


def test_require_queued_fails_before_sending_anything_to_a_task_that_left_the_queue(
    maestro_conn: Any, orders: Path
) -> None:
    task_id = _task(maestro_conn, queue_seconds=0, outcome="NEVER")
    with pytest.raises(
        AirflowFailException, match=rf"^Maestro task {task_id} was no longer queued before the"
    ):
        _upload(task_id, orders, require_queued=True)
    assert _artifacts(maestro_conn) == [], "nothing was uploaded"


def test_require_queued_fails_when_the_bot_ran_during_the_upload(maestro_conn: Any, orders: Path) -> None:
    task_id = _task(maestro_conn, queue_seconds=60)
    operator = MaestroUploadArtifactOperator(
        task_id="upload", maestro_task_id=task_id, path=orders, require_queued=True
    )
    looks: list[str] = []
    look = operator._check_queued

    def a_runner_takes_the_task_between_the_looks(task: Any, when: str) -> None:
        # The race, made certain: right after the first look, the task runs and ends without the file.
        looks.append(when)
        look(task, when)
        if when == "before the upload":
            with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
                client.tasks.finish(task_id, "SUCCESS", "ran without its file")

    operator._check_queued = a_runner_takes_the_task_between_the_looks  # type: ignore[method-assign]
    with pytest.raises(AirflowFailException) as caught:
        operator.execute({"ti": _TaskInstance()})
    assert str(caught.value) == (
        f"Maestro task {task_id} was no longer queued once the files were up (it has finished with status "
        "SUCCESS: ran without its file): its bot may have started without these files (require_queued is set)"
    )
    assert looks == ["before the upload", "once the files were up"]
