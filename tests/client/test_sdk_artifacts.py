"""Artifacts cross-checked with the official SDK 0.9.1: each reads back exactly what the other wrote, and
both send the same record for the same file (the name gets the file's extension on both sides)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botcity.maestro import BotMaestroSDK

from botcity_provider.client import MaestroClient

from ._support import STAY_QUEUED, client_posts, sdk_posts

DATA = bytes(range(256)) * 40


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.bin"
    path.write_bytes(DATA)
    return path


def test_what_the_client_writes_the_sdk_reads(
    client: MaestroClient, sdk: BotMaestroSDK, report: Path
) -> None:
    task = client.tasks.create("billing", parameters=STAY_QUEUED)
    named = client.artifacts.upload(task.id, report, name="November totals")
    plain = client.artifacts.upload(task.id, report)
    assert sdk.get_artifact(named.id) == ("November totals.bin", DATA)
    assert sdk.get_artifact(plain.id) == ("report.bin", DATA)
    listed = {artifact.id: artifact for artifact in sdk.list_artifacts(days=1)}
    assert set(listed) == {named.id, plain.id}
    assert (listed[named.id].name, listed[named.id].task_id) == ("November totals.bin", task.id)


def test_what_the_sdk_writes_the_client_reads(
    client: MaestroClient, sdk: BotMaestroSDK, report: Path, tmp_path: Path
) -> None:
    task = client.tasks.create("billing", parameters=STAY_QUEUED)
    other = client.tasks.create("billing", parameters=STAY_QUEUED)
    made = [json.loads(sdk.post_artifact(task.id, f"part {n}", str(report)).payload)["id"] for n in range(3)]
    sdk.post_artifact(other.id, "elsewhere", str(report))
    fetched = client.artifacts.get(made[0])
    assert (fetched.name, fetched.file_name, fetched.task_id) == ("part 0.bin", "part 0.bin", task.id)
    assert client.artifacts.download(made[0], tmp_path / "copy.bin").read_bytes() == DATA
    assert sorted(artifact.id for artifact in client.artifacts.iter(task_id=task.id, size=2)) == sorted(made)
    page = client.artifacts.list(task_id=other.id)
    assert [(artifact.name, artifact.task_id) for artifact in page.content] == [("elsewhere.bin", other.id)]


def test_both_send_the_same_record_for_the_same_file(
    client: MaestroClient, sdk: BotMaestroSDK, report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = client.tasks.create("billing", parameters=STAY_QUEUED)
    theirs = sdk_posts(monkeypatch, "/api/v2/artifact")
    ours = client_posts(monkeypatch, client, "/api/v2/artifact")
    by_sdk = json.loads(sdk.post_artifact(task.id, "Report", str(report)).payload)["id"]
    by_client = client.artifacts.upload(task.id, report, name="Report").id
    assert ours == theirs == [{"taskId": task.id, "name": "Report.bin", "filename": "Report.bin"}]
    mine, their = client.artifacts.get(by_client), client.artifacts.get(by_sdk)
    assert mine.model_dump(exclude={"id", "date_creation"}) == their.model_dump(
        exclude={"id", "date_creation"}
    )
    assert sdk.get_artifact(by_client) == sdk.get_artifact(by_sdk)
