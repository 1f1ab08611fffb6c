"""Alerts cross-checked with the official SDK 0.9.1.

Maestro has no route to read an alert back, so both sides' alerts are read where the emulator keeps them:
its journal (the state file of an emulator of this test's own), and compared with each other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botcity.maestro import AlertType, BotMaestroSDK

from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_thread
from botcity_provider.client import MaestroClient

from ._support import RETRY, STAY_QUEUED, client_posts, logged_in_sdk, sdk_posts

SERVER_MADE = {"id", "date"}


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "state.jsonl"


@pytest.fixture
def emulator_with_journal(journal: Path) -> Iterator[EmulatorHandle]:
    with serve_in_thread(state_file=journal) as handle:
        yield handle


@pytest.fixture
def sdk(emulator_with_journal: EmulatorHandle) -> BotMaestroSDK:
    return logged_in_sdk(emulator_with_journal)


@pytest.fixture
def ours(emulator_with_journal: EmulatorHandle) -> Iterator[MaestroClient]:
    handle = emulator_with_journal
    with MaestroClient(handle.url, handle.login, handle.key, retry=RETRY) as client:
        yield client


def kept_alerts(journal: Path) -> dict[str, dict[str, Any]]:
    """Every alert the emulator stored, by id, as its journal has it."""
    lines = [json.loads(line) for line in journal.read_text().splitlines() if line.strip()]
    return {line["id"]: line["v"] for line in lines if line.get("t") == "alert"}


def without_server_made(alert: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in alert.items() if key not in SERVER_MADE}


@pytest.mark.parametrize(
    ("ours_type", "sdk_type"),
    [("INFO", AlertType.INFO), ("WARN", AlertType.WARN), ("ERROR", AlertType.ERROR)],
)
def test_an_alert_is_stored_the_same_whoever_raised_it(
    ours: MaestroClient, sdk: BotMaestroSDK, journal: Path, ours_type: str, sdk_type: AlertType
) -> None:
    task = ours.tasks.create("billing", parameters=STAY_QUEUED)
    mine = ours.alerts.create(task.id, "Stock low", "Only 3 left é", ours_type)
    theirs = json.loads(sdk.alert(task.id, "Stock low", "Only 3 left é", sdk_type).payload)
    kept = kept_alerts(journal)
    assert set(kept) == {mine.id, theirs["id"]}
    assert without_server_made(kept[str(mine.id)]) == without_server_made(kept[theirs["id"]])
    assert (kept[str(mine.id)]["taskId"], kept[str(mine.id)]["type"]) == (task.id, ours_type)
    # Both read the same reply: the stored alert.
    assert (mine.task_id, mine.title, mine.message, mine.type) == (
        theirs["taskId"],
        theirs["title"],
        theirs["message"],
        theirs["type"],
    )


def test_the_client_sends_the_body_the_sdk_sends(
    ours: MaestroClient, sdk: BotMaestroSDK, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = ours.tasks.create("billing", parameters=STAY_QUEUED)
    theirs = sdk_posts(monkeypatch, "/api/v2/alerts")
    sent = client_posts(monkeypatch, ours, "/api/v2/alerts")
    sdk.alert(task.id, "Disk", "90% full", AlertType.ERROR)
    ours.alerts.create(task.id, "Disk", "90% full", "ERROR")
    assert sent == [json.loads(json.dumps(body)) for body in theirs]
    assert sent == [{"taskId": task.id, "title": "Disk", "message": "90% full", "type": "ERROR"}]
