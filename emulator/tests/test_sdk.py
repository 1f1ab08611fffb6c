"""The official botcity-maestro-sdk 0.9.1 drives its whole public surface against the emulator."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from botcity.maestro import (
    AlertType,
    AutomationTaskFinishStatus,
    BotMaestroSDK,
    Column,
    DataPool,
    DataPoolEntry,
    MessageType,
)
from botcity.maestro.datapool.enums import ErrorType

from botcity_maestro_emulator.testing import EmulatorHandle

from .helpers import RUNNER_TOKEN, Api, wait_for


@pytest.fixture
def sdk(emulator: EmulatorHandle) -> BotMaestroSDK:
    maestro = BotMaestroSDK(emulator.url, emulator.login, emulator.key)
    maestro.login()
    return maestro


def test_login_with_bad_key_raises_value_error(emulator: EmulatorHandle) -> None:
    with pytest.raises(ValueError, match="401"):
        BotMaestroSDK(emulator.url, emulator.login, "wrong").login()


def test_task_create_get_finish_restart_interrupt(sdk: BotMaestroSDK) -> None:
    # The restarted run never ends by itself: only the interrupt can end it, however slow this test is.
    parameters = {"a": 1, "b": "two", "_emulator": {"outcome": ["SUCCESS", "NEVER"]}}
    task = sdk.create_task("demo", parameters, test=True, priority=7)
    assert (task.state, task.activity_label, task.parameters, task.priority, task.test) == (
        "START",
        "demo",
        parameters,
        7,
        True,
    )
    finished = wait_for(lambda: sdk.get_task(task.id), lambda t: t.state == "FINISHED")
    assert finished.finish_status == "SUCCESS"
    assert finished.machine_id and finished.date_start_running

    sdk.finish_task(task.id, AutomationTaskFinishStatus.PARTIALLY_COMPLETED, "two of three", 3, 2, 1)
    again = sdk.get_task(task.id)
    assert (again.finish_status, again.finish_message) == ("PARTIALLY_COMPLETED", "two of three")
    assert (again.total_items, again.processed_items, again.failed_items) == (3, 2, 1)

    with pytest.warns(UserWarning):
        sdk.finish_task(task.id, AutomationTaskFinishStatus.FAILED, "no items")
    nulls = sdk.get_task(task.id)
    assert (nulls.finish_status, nulls.total_items, nulls.processed_items) == ("FAILED", None, None)

    restarted = json.loads(sdk.restart_task(task.id).payload)
    assert restarted["state"] == "START" and restarted["finishStatus"] is None
    running = wait_for(lambda: sdk.get_task(task.id), lambda t: t.state == "RUNNING")
    sdk.interrupt_task(task.id)
    assert sdk.get_task(task.id).is_interrupted()
    stopped = wait_for(lambda: sdk.get_task(running.id), lambda t: t.state == "FINISHED")
    assert (stopped.finish_status, stopped.finish_message) == ("FAILED", "Interrupted at the user's request")


def test_get_execution_returns_parameters(sdk: BotMaestroSDK) -> None:
    task = sdk.create_task("demo", {"x": [1, 2]})
    execution = sdk.get_execution(task.id)
    assert execution.parameters == {"x": [1, 2]}
    assert str(execution.task_id) == str(task.id)


def test_alert_and_message(sdk: BotMaestroSDK) -> None:
    task = sdk.create_task("demo", {})
    alert = sdk.alert(str(task.id), "title", "text", AlertType.WARN)
    payload = json.loads(alert.payload)
    assert (payload["title"], payload["message"], payload["type"], payload["taskId"]) == (
        "title",
        "text",
        "WARN",
        task.id,
    )
    message = sdk.message(["a@b.c"], ["user1"], "subject", "<b>body</b>", MessageType.HTML)
    assert message.type == 200


def test_logs(sdk: BotMaestroSDK) -> None:
    columns = [Column("Name", "name", 100), Column("Amount", "amount", 50)]
    sdk.new_log("billing", columns)
    sdk.new_log_entry("billing", {"name": "ACME", "amount": 12})
    sdk.new_log_entry("billing", {"name": "Initech"})
    assert sdk.get_log("billing") == [{"Name": "ACME", "Amount": 12}, {"Name": "Initech", "Amount": ""}]
    assert sdk.delete_log("billing").type == 200
    with pytest.raises(ValueError, match="404"):
        sdk.get_log("billing")


def test_artifacts(sdk: BotMaestroSDK, tmp_path: Path) -> None:
    task = sdk.create_task("demo", {})
    data = bytes(range(256)) * 40
    path = tmp_path / "report.bin"
    path.write_bytes(data)
    created = json.loads(sdk.post_artifact(task.id, "Report", str(path)).payload)
    assert created["name"] == "Report.bin"
    for index in range(6):
        sdk.post_artifact(task.id, f"extra-{index}", str(path))
    listed = sdk.list_artifacts(days=1)
    assert len(listed) == 7 and {a.task_id for a in listed} == {task.id}
    assert sdk.get_artifact(created["id"]) == ("Report.bin", data)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_error_with_screenshot_and_attachments(sdk: BotMaestroSDK, api: Api, tmp_path: Path) -> None:
    task = sdk.create_task("demo", {})
    shot = tmp_path / "screen.png"
    shot.write_bytes(b"\x89PNG fake")
    extra = tmp_path / "extra.log"
    extra.write_text("log line\n")
    try:
        raise RuntimeError("bot broke")
    except RuntimeError as exc:
        reply = sdk.error(task.id, exc, screenshot=str(shot), attachments=[str(extra)], tags={"env": "test"})
    stored = api.get(f"/api/v2/error/{reply['id']}").json()
    assert (stored["type"], stored["message"], stored["taskId"]) == ("RuntimeError", "bot broke", task.id)
    assert stored["tags"]["env"] == "test" and "Traceback" in stored["stackTrace"]
    assert stored["screenshot"] == "screen.png"
    assert stored["attachments"] == ["piplist.txt", "extra.log"]


def test_credentials(sdk: BotMaestroSDK) -> None:
    sdk.create_credential("vault", "user", "alice")
    sdk.create_credential("vault", "password", "s3cr3t")
    assert sdk.get_credential("vault", "user") == "alice"
    assert sdk.get_credential("vault", "password") == "s3cr3t"
    sdk.update_credential("vault", "password", "changed")
    assert sdk.get_credential("vault", "password") == "changed"
    sdk.remove_credential("vault", "password")
    with pytest.raises(ValueError, match="404"):
        sdk.get_credential("vault", "password")
    assert sdk.get_credential("vault", "user") == "alice"


def test_datapools(sdk: BotMaestroSDK) -> None:
    pool = sdk.create_datapool(DataPool("orders", default_automation="demo"))
    pool = sdk.get_datapool("orders")
    assert (pool.label, pool.default_automation, pool.consumption_policy) == ("orders", "demo", "FIFO")
    assert pool.deactivate() and pool.is_active() is False
    assert pool.activate() and pool.is_active() is True
    assert pool.is_empty() and not pool.has_next()

    first = pool.create_entry(DataPoolEntry(priority=1, values={"order": "A"}))
    urgent = pool.create_entry(DataPoolEntry(priority=9, values={"order": "B"}))
    doomed = pool.create_entry(DataPoolEntry(values={"order": "C"}))
    assert first.state == "PENDING" and first.datapool_label == "orders"
    assert pool.get_entry(first.entry_id).values == {"order": "A"}
    assert pool.summary()["countPending"] == 3 and pool.has_next()

    assert pool.cancel_entry(doomed.entry_id, "not needed").state == "CANCELED"
    pool.delete_entry(doomed.entry_id)

    item = pool.next(task_id="7")
    assert (item.entry_id, item.state) == (urgent.entry_id, "PROCESSING")
    item.report_done("shipped")
    assert pool.get_entry(urgent.entry_id).state == "DONE"
    item = pool.next(task_id="7")
    assert item.entry_id == first.entry_id
    item.report_error(ErrorType.BUSINESS, "out of stock")
    stored = pool.get_entry(first.entry_id)
    assert (stored.state, stored.error_type, stored.message, stored.task_id) == (
        "ERROR",
        "BUSINESS",
        "out of stock",
        "7",
    )
    assert pool.next(task_id="7") is None
    assert pool.is_empty()


def test_from_sys_args_with_runner_token(
    emulator: EmulatorHandle, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = api.create_task("demo", parameters={"file": "in.csv"})
    monkeypatch.setattr(sys, "argv", ["bot.py", emulator.url, str(task["id"]), RUNNER_TOKEN, "demo"])
    maestro = BotMaestroSDK.from_sys_args()
    assert maestro.get_execution().parameters == {"file": "in.csv"}
    maestro.finish_task(maestro.task_id, AutomationTaskFinishStatus.SUCCESS, "done", 1, 1, 0)
    assert api.task(task["id"])["finishMessage"] == "done"
