"""``client.errors``: reporting an error with its files, and reading it back, with each client in turn."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import MaestroAPIError, NotFoundError, PermissionDeniedError
from botcity_provider.client._models import TaskError
from botcity_provider.client._models.errors import ReportedError

from ._support import STAY_QUEUED, Twin, refused, requests_to

ATTACHMENTS = "POST /api/v2/error/{errorId}/attachments"


def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    shot = tmp_path / "screen.png"
    shot.write_bytes(b"\x89PNG fake")
    log = tmp_path / "bot.log"
    log.write_text("line 1\n")
    data = tmp_path / "input.csv"
    data.write_text("a,b\n")
    return shot, log, data


def broken() -> ZeroDivisionError:
    try:
        1 / 0  # noqa: B018 - the traceback is what the report carries
    except ZeroDivisionError as exc:
        return exc
    raise AssertionError("unreachable")


async def test_report_an_exception_with_its_screenshot_and_attachments(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    task = await maestro.tasks.create("billing", parameters=STAY_QUEUED)
    shot, log, data = files(tmp_path)
    created = await maestro.errors.report(
        task.id, broken(), screenshot=shot, attachments=[log, str(data)], tags={"env": "test"}
    )
    assert isinstance(created, TaskError) and created.id
    stored = await maestro.errors.get(created.id)
    assert isinstance(stored, ReportedError)
    assert (stored.task_id, stored.type, stored.message, stored.language) == (
        task.id,
        "ZeroDivisionError",
        "division by zero",
        "PYTHON",
    )
    assert stored.stack_trace is not None and stored.stack_trace.startswith(
        "Traceback (most recent call last):"
    )
    assert "1 / 0" in stored.stack_trace
    assert stored.tags["env"] == "test"
    assert (stored.tags["python_version"], stored.tags["host_name"]) == (
        platform.python_version(),
        platform.node(),
    )
    assert set(stored.tags) >= {"user_name", "os_name", "os_version"}
    # The emulator keeps the files' names (fields of no confirmed route: kept in model_extra).
    extra = stored.model_extra or {}
    assert (extra["screenshot"], extra["attachments"]) == ("screen.png", ["bot.log", "input.csv"])
    assert requests_to(emulator_state, ATTACHMENTS) == 2


async def test_report_a_message_and_override_a_default_tag(maestro: Twin) -> None:
    task = await maestro.tasks.create("billing", parameters=STAY_QUEUED)
    created = await maestro.errors.report(task.id, "stock file missing", tags={"host_name": "airflow-1"})
    stored = await maestro.errors.get(created.id)
    assert (stored.type, stored.message, stored.stack_trace) == ("Error", "stock file missing", "")
    assert stored.tags["host_name"] == "airflow-1"
    listed = await maestro.errors.list(task.id)
    assert [error.id for error in listed.content] == [created.id]


async def test_an_unknown_error_is_not_found(maestro: Twin) -> None:
    with pytest.raises(NotFoundError, match="Check the error id"):
        await maestro.errors.get("nope")


async def test_the_create_must_answer_201(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    task = await maestro.tasks.create("billing", parameters=STAY_QUEUED)
    emulator_state.set_faults(script=[{"match": "POST /api/v2/error", "action": "empty"}])
    with pytest.raises(MaestroAPIError) as caught:
        await maestro.errors.report(task.id, "boom")
    assert caught.value.status == 200


async def test_a_failed_attachment_says_the_error_was_reported(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    task = await maestro.tasks.create("billing", parameters=STAY_QUEUED)
    _, log, _ = files(tmp_path)
    emulator_state.set_faults(script=[{"match": ATTACHMENTS, "action": "status", "status": 403}])
    with pytest.raises(PermissionDeniedError) as caught:
        await maestro.errors.report(task.id, "boom", attachments=[log])
    (note,) = caught.value.__notes__
    assert note.startswith("error '") and note.endswith("' was reported, but not all of its files were sent")
    assert (await maestro.errors.list(task.id)).total_elements == 1


# --- bad input: refused before any request ---------------------------------------------------------


async def test_a_missing_screenshot_is_refused(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.png"
    message = await refused(
        emulator_state, maestro.errors.report(1, "boom", screenshot=missing), "screenshot"
    )
    assert message == f"screenshot: {str(missing)!r} does not exist"


async def test_an_attachment_that_is_a_folder_is_refused(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    _, log, _ = files(tmp_path)
    call = maestro.errors.report(1, "boom", attachments=[log, tmp_path])
    message = await refused(emulator_state, call, "attachments[1]")
    assert message == f"attachments[1]: {str(tmp_path)!r} is a directory; give a file"


async def test_tags_that_are_not_text_are_refused(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.errors.report(1, "boom", tags={"retries": 3}), "tags")
    assert message == "tags: must map text to text; 'retries': 3 is not"


async def test_an_empty_message_is_refused(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.errors.report(1, "  "), "error")
    assert message == "error: must be an exception or a non-empty message, got '  '"


async def test_an_empty_error_id_is_refused(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.errors.get(""), "error_id")
    assert message == "error_id: must be the error's id as Maestro gave it, got ''"
