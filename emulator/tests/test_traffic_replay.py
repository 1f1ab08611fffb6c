"""Replay every request the official SDK was recorded sending (maestro-sdk-traffic.jsonl).

Ids in the recording (task 101, artifact 55, error err1, entry e1) are mapped to the ids the emulator hands
out when the recorded create requests are replayed; objects the recording assumes exist (credential ``lab``
with key ``k``) are set up first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_thread

from .helpers import Api

TRAFFIC = Path("/work/shared/maestro-sdk-traffic.jsonl")
EXACT_STATUS = {
    ("POST", "/api/v2/message"): 200,
    ("POST", "/api/v2/log/demo/entry"): 200,
    ("DELETE", "/api/v2/log/demo"): 200,
    ("POST", "/api/v2/error"): 201,
    ("GET", "/api/v2/credential/missing"): 404,
}
"""Statuses the SDK checks exactly (maestro-api.md §3); the unknown credential must be a 404 (§4.8)."""
CREATES = {"/api/v2/task": "101", "/api/v2/artifact": "55", "/api/v2/error": "err1"}
SKIPPED_HEADERS = {"content-length", "token", "organization", "connection"}

pytestmark = pytest.mark.skipif(not TRAFFIC.is_file(), reason="the recorded SDK traffic is not available")


def _records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in TRAFFIC.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def recorded_emulator() -> Iterator[EmulatorHandle]:
    """An emulator with the recording's workspace credentials."""
    with serve_in_thread(login="mylogin", key="mykey", queue_seconds=0.2, run_seconds=0.3) as emulator:
        yield emulator


class Replayer:
    def __init__(self, emulator: EmulatorHandle) -> None:
        self.api = Api(emulator)
        self.ids: dict[str, str] = {}

    def substitute(self, text: str) -> str:
        for recorded, actual in self.ids.items():
            text = text.replace(f"/{recorded}/", f"/{actual}/").replace(
                f'"taskId": {recorded}', f'"taskId": {actual}'
            )
            text = text.replace(f'"taskId": "{recorded}"', f'"taskId": "{actual}"')
            if text.endswith(f"/{recorded}"):
                text = text[: -len(recorded)] + actual
        return text

    def prepare(self, record: dict[str, Any]) -> None:
        """Create what a request refers to when an earlier recorded request deleted it."""
        if record["method"] == "POST" and record["path"] == "/api/v2/datapool/pool1/entry/e1":
            self.api.post("/api/v2/datapool/pool1", json={"active": True})
            self.api.post("/api/v2/datapool/pool1/push", json={"priority": 0, "values": {"k": "v"}})
            pulled = self.api.get("/api/v2/datapool/pool1/pull")
            assert pulled.status_code == 200
            self.ids["e1"] = pulled.json()["id"]

    def send(self, record: dict[str, Any]) -> requests.Response:
        headers = {k: v for k, v in record["headers"].items() if k.lower() not in SKIPPED_HEADERS}
        if "token" in record["headers"]:
            headers["token"] = self.api.token or ""
            headers["organization"] = record["headers"]["organization"]
        body = record.get("body", record.get("body_head"))
        data = None if body is None else self.substitute(body).encode()
        url = self.api.emulator.url + self.substitute(record["path"])
        return requests.request(record["method"], url, headers=headers, data=data, timeout=10)

    def learn(self, record: dict[str, Any], response: requests.Response) -> None:
        recorded = CREATES.get(record["path"]) if record["method"] == "POST" else None
        if recorded is not None:
            self.ids[recorded] = str(response.json()["id"])
        if record["path"] == "/api/v2/workspace/login":
            self.api.token = response.json()["accessToken"]
        if record["path"] == "/api/v2/datapool/pool1/push":
            self.ids["e1"] = response.json()["id"]


def test_every_recorded_request_is_accepted(recorded_emulator: EmulatorHandle) -> None:
    recorded_emulator.reset()
    replayer = Replayer(recorded_emulator)
    replayer.api.login()
    assert replayer.api.post(
        "/api/v2/credential", json={"label": "lab", "secrets": [{"key": "k", "value": "v"}]}
    ).ok
    for index, record in enumerate(_records()):
        replayer.prepare(record)
        response = replayer.send(record)
        expected = EXACT_STATUS.get((record["method"], record["path"]))
        where = f"record {index}: {record['method']} {record['path']} -> {response.status_code}"
        where += f" {response.text[:200]}"
        if expected is not None:
            assert response.status_code == expected, where
        else:
            assert 200 <= response.status_code < 300, where
        replayer.learn(record, response)
    assert recorded_emulator.stats()["responses"].get("500") is None


def test_recording_covers_the_sdk_surface() -> None:
    """Guard against a truncated recording silently shrinking this test."""
    paths = {(r["method"], r["path"].split("?")[0]) for r in _records()}
    assert len(_records()) == 50
    assert ("POST", "/api/v2/artifact/log/55") in paths and ("GET", "/api/v2/datapool/pool1/pull") in paths
