"""The state file: everything answered survives a SIGKILL; schedules continue across the restart."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import requests

from botcity_maestro_emulator.journal import Journal
from botcity_maestro_emulator.lifecycle import new_task
from botcity_maestro_emulator.schemas import parse_new_task
from botcity_maestro_emulator.store import Store
from botcity_maestro_emulator.testing import serve_in_subprocess

from .helpers import Api, wait_for


def _bulk_create(api: Api, count: int) -> list[int]:
    session = requests.Session()
    session.headers.update({"token": api.token or ""})
    return [
        session.post(f"{api.emulator.url}/api/v2/task", json={"activityLabel": "bulk"}, timeout=5).json()[
            "id"
        ]
        for _ in range(count)
    ]


def _seed_objects(api: Api) -> dict[str, Any]:
    """Create one object of every persistent kind; return what the checks after the restart need."""
    flaky = api.create_task("flaky", parameters={"_emulator": {"outcome": ["FAILED", "SUCCESS"]}})
    artifact = api.post("/api/v2/artifact", json={"taskId": flaky["id"], "name": "data.bin"}).json()
    payload = bytes(range(256)) * 100
    files = {"file": ("data.bin", io.BytesIO(payload))}
    assert api.post(f"/api/v2/artifact/log/{artifact['id']}", files=files).ok
    secrets = [{"key": "k", "value": "v"}]
    assert api.post("/api/v2/credential", json={"label": "vault", "secrets": secrets}).ok
    assert api.post("/api/v2/datapool", json={"label": "pool"}).ok
    entry = api.post("/api/v2/datapool/pool/push", json={"values": {"n": 1}}).json()
    return {"flaky": flaky["id"], "artifact": artifact["id"], "payload": payload, "entry": entry["id"]}


def test_state_survives_sigkill(tmp_path: Path) -> None:
    state = tmp_path / "maestro.jsonl"
    emulator = serve_in_subprocess(state_file=state, queue_seconds=0.2, run_seconds=0.3)
    try:
        api = Api(emulator)
        token = api.login()
        ids = _bulk_create(api, 200)
        seeded = _seed_objects(api)
        old_pid = emulator.pid

        emulator.restart(kill=True)

        assert emulator.pid != old_pid
        listing = api.get("/api/v2/task", params={"size": 1000, "sort": "id,asc"}).json()
        assert [t["id"] for t in listing["content"]][:200] == ids
        assert token in emulator.tokens()
        assert api.get(f"/api/v2/artifact/{seeded['artifact']}/file").content == seeded["payload"]
        assert api.get("/api/v2/credential/vault/key/k").text == "v"
        assert api.get(f"/api/v2/datapool/pool/entry/{seeded['entry']}").json()["values"] == {"n": 1}
        flaky = seeded["flaky"]
        assert (
            wait_for(lambda: api.task(flaky), lambda t: t["state"] == "FINISHED")["finishStatus"] == "FAILED"
        )
        api.update(flaky, {"state": "START"})
        emulator.restart(kill=True)
        finished = wait_for(lambda: api.task(flaky), lambda t: t["state"] == "FINISHED")
        assert finished["finishStatus"] == "SUCCESS"
        assert api.create_task()["id"] > flaky
        second = api.post("/api/v2/artifact", json={"taskId": flaky, "name": "b"}).json()
        assert second["id"] > seeded["artifact"]
    finally:
        emulator.stop()
    assert emulator.process is None


def test_schedule_continues_from_the_original_times(tmp_path: Path) -> None:
    state = tmp_path / "maestro.jsonl"
    emulator = serve_in_subprocess(state_file=state, queue_seconds=0.2, run_seconds=0.3)
    try:
        api = Api(emulator)
        api.login()
        task = api.create_task()
        (before,) = emulator.tasks()
        emulator.restart(kill=True)
        (after,) = emulator.tasks()
        assert after["finish_at"] == before["finish_at"]
        done = wait_for(lambda: api.task(task["id"]), lambda t: t["state"] == "FINISHED")
        assert done["dateLastModified"] > done["dateCreation"]
    finally:
        emulator.stop()


def test_journal_skips_a_torn_last_line_and_compacts(tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    store = Store(Journal(path))
    store.load()
    spec = parse_new_task({"activityLabel": "demo"})
    for number in range(1, 4):
        record = new_task(number, spec, login="demo", queue_seconds=1, run_seconds=1, at=1.0)
        store.save_task(record)
        record.wire["priority"] = 5
        store.save_task(record)
    store.put("credential", "c", {"label": "c", "secrets": []})
    store.delete("credential", "c")
    store.journal.close()
    with path.open("ab") as handle:
        handle.write(b'{"t":"task","v":{"wire":')
    reloaded = Store(Journal(path))
    reloaded.load()
    assert sorted(reloaded.tasks) == [1, 2, 3]
    assert all(t.wire["priority"] == 5 for t in reloaded.tasks.values())
    assert reloaded.get("credential", "c") is None
    assert reloaded.new_task_id() == 4
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["t"] == "task" for line in lines)
    assert path.stat().st_mode & 0o077 == 0
