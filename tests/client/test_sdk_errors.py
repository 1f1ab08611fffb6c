"""Error reports cross-checked with the official SDK 0.9.1.

The SDK cannot read an error back, so what the client writes is read as the server keeps it (plain
``GET /api/v2/error/{id}``) and compared with what the SDK wrote for the same exception. One deliberate
difference: the SDK joins the traceback's lines with a space (every line after the first starts with
one); the client sends the traceback as Python prints it.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import pytest
import requests
from botcity.maestro import BotMaestroSDK

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import MaestroClient

from ._support import STAY_QUEUED, raw_token, sdk_posts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK's distro call


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    shot, log = tmp_path / "screen.png", tmp_path / "bot.log"
    shot.write_bytes(b"\x89PNG fake")
    log.write_text("line 1\n")
    return shot, log


def raised() -> KeyError:
    prices: dict[str, int] = {}
    try:
        prices["sku"]
    except KeyError as exc:
        return exc
    raise AssertionError("unreachable")


def stored(emulator: EmulatorHandle, error_id: str) -> dict[str, Any]:
    headers = {"token": raw_token(emulator), "organization": emulator.login}
    answer = requests.get(f"{emulator.url}/api/v2/error/{error_id}", headers=headers, timeout=10)
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


def test_what_the_sdk_writes_the_client_reads(
    client: MaestroClient, sdk: BotMaestroSDK, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    task = client.tasks.create("billing", parameters=STAY_QUEUED)
    shot, log = files
    bodies = sdk_posts(monkeypatch, "/api/v2/error")
    reply = sdk.error(task.id, raised(), screenshot=str(shot), attachments=[str(log)], tags={"env": "test"})
    (sent,) = bodies
    read = client.errors.get(reply["id"])
    assert (read.id, read.task_id, read.type, read.message) == (
        reply["id"],
        task.id,
        sent["type"],
        sent["message"],
    )
    assert (read.stack_trace, read.language, read.tags) == (sent["stackTrace"], "PYTHON", sent["tags"])
    assert (read.type, read.message, read.tags["env"]) == ("KeyError", "'sku'", "test")
    assert [error.id for error in client.errors.list(task.id).content] == [reply["id"]]


def test_what_the_client_writes_is_stored_as_what_the_sdk_writes(
    client: MaestroClient,
    sdk: BotMaestroSDK,
    emulator_state: EmulatorHandle,
    files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    task = client.tasks.create("billing", parameters=STAY_QUEUED)
    shot, log = files
    error = raised()
    bodies = sdk_posts(monkeypatch, "/api/v2/error")
    by_sdk = stored(emulator_state, sdk.error(task.id, error, str(shot), [str(log)], {"env": "test"})["id"])
    by_client = stored(
        emulator_state,
        client.errors.report(task.id, error, screenshot=shot, attachments=[log], tags={"env": "test"}).id,
    )
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    assert (by_sdk["stackTrace"], by_client["stackTrace"]) == (" ".join(lines), "".join(lines))
    same = ("taskId", "type", "message", "language", "tags", "screenshot", "automationLabel")
    assert {key: by_client[key] for key in same} == {key: by_sdk[key] for key in same}
    # The SDK always attaches its process's pip list first; the client sends only what it is given.
    assert (by_sdk["attachments"], by_client["attachments"]) == (["piplist.txt", "bot.log"], ["bot.log"])
    assert set(by_client) == set(by_sdk)
    assert bodies[0]["tags"] == by_client["tags"]  # the SDK's default tags, and the caller's, are ours
