"""``GET /_emulator/stats``: exact keys and counts, including requests answered by a fault."""

from __future__ import annotations

import io

import requests

from botcity_maestro_emulator.testing import EmulatorHandle

from .helpers import Api

STATS_KEYS = {
    "logins",
    "login_failures",
    "requests",
    "requests_total",
    "responses",
    "tasks_created",
    "tasks_by_state",
    "faults",
    "artifacts",
    "bytes_uploaded",
    "datapools",
    "alerts",
    "messages",
}
FAULT_KEYS = {
    "error",
    "rate_limit",
    "drop",
    "lost_create",
    "expired_token",
    "delay",
    "empty",
    "html",
    "lost_push",
    "stall",
}


def test_fresh_stats_have_exactly_the_documented_keys(emulator: EmulatorHandle) -> None:
    stats = emulator.stats()
    assert set(stats) == STATS_KEYS
    assert set(stats["faults"]) == FAULT_KEYS and not any(stats["faults"].values())
    assert stats["tasks_by_state"] == {"START": 0, "RUNNING": 0, "FINISHED": 0, "CANCELED": 0}
    assert (stats["requests"], stats["requests_total"], stats["responses"]) == ({}, 0, {})
    assert stats["datapools"] == {}


def test_counts_follow_the_traffic(api: Api, emulator: EmulatorHandle) -> None:
    requests.post(f"{emulator.url}/api/v2/workspace/login", json={"login": "x", "key": "y"}, timeout=5)
    task = api.create_task()
    api.create_task(parameters={"_emulator": {"queue_seconds": 0, "run_seconds": 0}})
    api.update(task["id"], {"state": "CANCELED"})
    emulator.set_faults(script=[{"match": "GET /api/v2/task/{taskId}", "action": "status", "status": 503}])
    assert api.get(f"/api/v2/task/{task['id']}").status_code == 503
    assert api.get(f"/api/v2/task/{task['id']}").status_code == 200
    api.get("/api/v2/does-not-exist")
    artifact = api.post("/api/v2/artifact", json={"taskId": task["id"], "name": "a.bin"}).json()
    files = {"file": ("a.bin", io.BytesIO(b"x" * 1234))}
    assert api.post(f"/api/v2/artifact/log/{artifact['id']}", files=files).status_code == 200

    stats = emulator.stats()
    assert (stats["logins"], stats["login_failures"], stats["tasks_created"]) == (1, 1, 2)
    assert stats["requests"] == {
        "POST /api/v2/workspace/login": 2,
        "POST /api/v2/task": 2,
        "POST /api/v2/task/{taskId}": 1,
        "GET /api/v2/task/{taskId}": 2,
        "GET <unmatched>": 1,
        "POST /api/v2/artifact": 1,
        "POST /api/v2/artifact/log/{artifactId}": 1,
    }
    assert stats["requests_total"] == 10
    assert stats["responses"] == {"200": 7, "401": 1, "503": 1, "404": 1}
    assert stats["tasks_by_state"] == {"START": 0, "RUNNING": 0, "FINISHED": 1, "CANCELED": 1}
    assert stats["faults"]["error"] == 1
    assert (stats["artifacts"], stats["bytes_uploaded"]) == (1, 1234)


def test_reset_zeroes_everything(api: Api, emulator: EmulatorHandle) -> None:
    api.create_task()
    emulator.reset()
    stats = emulator.stats()
    assert stats["requests_total"] == 0 and stats["tasks_created"] == 0 and stats["logins"] == 0
    assert emulator.tasks() == []
    assert api.get("/api/v2/task").status_code == 401
