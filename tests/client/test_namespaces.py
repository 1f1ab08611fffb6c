"""``client.artifacts``, ``client.errors``, ``client.alerts`` and ``client.datapools`` against the emulator,
with each client in turn."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import AlertType, NotFoundError, Task

from ._support import STAY_QUEUED, Twin, create_datapool

REPORT = b"month,total\n11,42\n" + bytes(range(256))


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.csv"
    path.write_bytes(REPORT)
    return path


async def test_upload_get_list_and_download_an_artifact(
    maestro: Twin, emulator_state: EmulatorHandle, report: Path, tmp_path: Path
) -> None:
    task = await maestro.tasks.create("invoices", parameters=STAY_QUEUED)
    artifact = await maestro.artifacts.upload(task.id, report)
    assert artifact.task_id == task.id
    assert artifact.name == artifact.file_name == "report.csv"
    assert emulator_state.stats()["bytes_uploaded"] == len(REPORT)
    fetched = await maestro.artifacts.get(artifact.id)
    assert (fetched.id, fetched.file_name) == (artifact.id, "report.csv")
    listed = await maestro.artifacts.list()
    assert [item.id for item in listed.content] == [artifact.id]
    target = tmp_path / "copy.csv"
    assert await maestro.artifacts.download(artifact.id, target) == target
    assert target.read_bytes() == REPORT


async def test_an_artifact_name_gets_the_files_extension(maestro: Twin, report: Path) -> None:
    task = await maestro.tasks.create("invoices", parameters=STAY_QUEUED)
    artifact = await maestro.artifacts.upload(task.id, str(report), name="November totals")
    assert artifact.name == "November totals.csv"
    assert (await maestro.artifacts.get(artifact.id)).file_name == "November totals.csv"


async def test_artifacts_list_pages(maestro: Twin, report: Path) -> None:
    task = await maestro.tasks.create("invoices", parameters=STAY_QUEUED)
    ids = [(await maestro.artifacts.upload(task.id, report, name=f"r{n}")).id for n in range(3)]
    first = await maestro.artifacts.list(size=2)
    second = await maestro.artifacts.list(size=2, page=1)
    assert (first.total_elements, first.total_pages, first.last, second.last) == (3, 2, False, True)
    assert {a.id for a in first.content + second.content} == set(ids)


async def test_unknown_artifacts_are_not_found(maestro: Twin, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        await maestro.artifacts.get(777)
    with pytest.raises(NotFoundError):
        await maestro.artifacts.download(777, tmp_path / "nothing.bin")
    assert not (tmp_path / "nothing.bin").exists()
    assert list(tmp_path.iterdir()) == []  # noqa: ASYNC240 - the test's own folder


async def test_upload_to_an_unknown_task_is_not_found(maestro: Twin, report: Path) -> None:
    with pytest.raises(NotFoundError, match="Check the Maestro task id"):
        await maestro.artifacts.upload(4242, report)


async def _finished(maestro: Twin, task: Task) -> Task:
    for _ in range(100):
        current: Task = await maestro.tasks.get(task.id)
        if current.is_terminal:
            return current
        await asyncio.sleep(0.05)
    raise AssertionError(f"task {task.id} did not finish")


async def test_errors_list_shows_what_the_bot_reported(maestro: Twin) -> None:
    script = {
        "_emulator": {"outcome": "FAILED", "errors": ["boom", "bang"], "queue_seconds": 0, "run_seconds": 0}
    }
    failing = await maestro.tasks.create("invoices", parameters=script)
    other = await maestro.tasks.create(
        "invoices", parameters={"_emulator": {**script["_emulator"], "errors": ["x"]}}
    )
    # The emulator records a bot's errors when it sees the task end, i.e. when the task is read.
    await _finished(maestro, failing)
    await _finished(maestro, other)
    page = await maestro.errors.list(failing.id)
    assert sorted(error.message or "" for error in page.content) == ["bang", "boom"]
    assert {error.task_id for error in page.content} == {failing.id}
    assert all(error.id for error in page.content)
    assert page.total_elements == 2
    assert len((await maestro.errors.list(failing.id, size=1)).content) == 1


async def test_errors_list_of_a_task_without_errors_is_empty(maestro: Twin) -> None:
    task = await maestro.tasks.create("invoices", parameters=STAY_QUEUED)
    page = await maestro.errors.list(task.id)
    assert (page.content, page.total_elements) == ([], 0)


@pytest.mark.parametrize("alert_type", ["INFO", AlertType.WARN, AlertType.ERROR])
async def test_alerts_create(maestro: Twin, alert_type: str) -> None:
    task = await maestro.tasks.create("invoices", parameters=STAY_QUEUED)
    alert = await maestro.alerts.create(task.id, "Stock low", "Only 3 left", alert_type)
    assert alert.id
    assert (alert.task_id, alert.title, alert.message, alert.type) == (
        task.id,
        "Stock low",
        "Only 3 left",
        alert_type,
    )


async def test_alerts_list_of_one_task_and_of_the_workspace_newest_first(maestro: Twin) -> None:
    first = await maestro.tasks.create("invoices", parameters=STAY_QUEUED)
    second = await maestro.tasks.create("invoices", parameters=STAY_QUEUED)
    for title in ("one", "two"):
        await maestro.alerts.create(first.id, title, "m")
    await maestro.alerts.create(second.id, "three", "m", "ERROR")
    mine = await maestro.alerts.list(first.id)
    assert sorted(alert.title or "" for alert in mine.content) == ["one", "two"]
    assert {alert.task_id for alert in mine.content} == {first.id} and mine.total_elements == 2
    everyone = await maestro.alerts.list(size=2)
    assert len(everyone.content) == 2 and everyone.total_elements == 3
    # Newest first; alerts made within the same instant may come in either order, as from a database.
    dates = [alert.date for alert in everyone.content + mine.content]
    assert None not in dates
    assert everyone.content[0].date >= everyone.content[1].date


async def test_errors_list_of_the_workspace(maestro: Twin) -> None:
    script = {"_emulator": {"outcome": "FAILED", "errors": ["boom"], "queue_seconds": 0, "run_seconds": 0}}
    tasks = [await maestro.tasks.create("invoices", parameters=script) for _ in range(2)]
    for task in tasks:
        await _finished(maestro, task)
    page = await maestro.errors.list(None)
    assert {error.task_id for error in page.content} == {task.id for task in tasks}


async def test_alert_for_an_unknown_task_is_not_found(maestro: Twin) -> None:
    with pytest.raises(NotFoundError):
        await maestro.alerts.create(4242, "t", "m")


async def test_datapool_push_and_summary(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    create_datapool(emulator_state, "orders")
    empty = await maestro.datapools.summary("orders")
    assert (empty.count_pending, empty.count_done, empty.active) == (0, 0, True)
    first = await maestro.datapools.push("orders", {"order": 1, "sku": "A-1"}, priority=5)
    assert (first.datapool_label, first.state, first.priority) == ("orders", "PENDING", 5)
    assert first.values == {"order": 1, "sku": "A-1"}
    await maestro.datapools.push("orders", {"order": 2})
    summary = await maestro.datapools.summary("orders")
    assert (summary.count_pending, summary.count_processing, summary.count_error) == (2, 0, 0)


async def test_a_datapool_label_is_sent_as_one_path_segment(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    create_datapool(emulator_state, "orders of november")
    entry = await maestro.datapools.push("orders of november", {"n": 1})
    assert entry.datapool_label == "orders of november"
    assert (await maestro.datapools.summary("orders of november")).count_pending == 1


async def test_an_unknown_datapool_is_not_found(maestro: Twin) -> None:
    with pytest.raises(NotFoundError, match="Check the datapool label"):
        await maestro.datapools.push("nope", {"n": 1})
    with pytest.raises(NotFoundError):
        await maestro.datapools.summary("nope")
