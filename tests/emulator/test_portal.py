"""``GET /tasks/{taskId}``: the portal page task links open; never faulted, delayed or counted."""

from __future__ import annotations

import time

import requests

from botcity_provider.emulator.testing import EmulatorHandle

from .helpers import Api, wait_for


def _page(emulator: EmulatorHandle, task_id: object) -> requests.Response:
    return requests.get(f"{emulator.url}/tasks/{task_id}", timeout=10)


def test_page_shows_what_a_person_checks(api: Api, emulator: EmulatorHandle) -> None:
    parameters = {"_emulator": {"queue_seconds": 0, "run_seconds": 0, "items": [40, 39, 1]}}
    task = api.create_task("invoice-bot", parameters=parameters, priority=7)
    wait_for(lambda: api.task(task["id"]), lambda t: t["state"] == "FINISHED")

    page = _page(emulator, task["id"])

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert f"<h1>Task {task['id']}</h1>" in text
    for expected in ("invoice-bot", "FINISHED", "SUCCESS", "39 / 1 / 40", "emulator-runner", "7"):
        assert expected in text


def test_page_escapes_what_users_wrote(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task("<script>alert(1)</script>")

    text = _page(emulator, task["id"]).text

    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_unknown_task_is_a_404_page(emulator: EmulatorHandle) -> None:
    page = _page(emulator, 999999)

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "task 999999 not found" in page.text


def test_needs_no_token_and_is_never_counted(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task()
    before = emulator.stats()

    for _ in range(3):
        assert _page(emulator, task["id"]).status_code == 200
    assert _page(emulator, 424242).status_code == 404

    after = emulator.stats()
    for key in ("requests", "requests_total", "responses", "faults", "logins"):
        assert after[key] == before[key], key


def test_is_never_faulted_nor_delayed(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task()
    script = [{"match": "*", "action": "status", "status": 503, "count": 5}]
    emulator.set_faults(error_rate=1.0, latency_seconds=2.0, script=script)
    try:
        started = time.monotonic()
        page = _page(emulator, task["id"])
        took = time.monotonic() - started
        remaining = emulator.set_faults()["script"]
    finally:
        emulator.clear_faults()

    assert page.status_code == 200 and took < 1.5
    # The portal request consumed no scripted fault.
    assert [(entry["match"], entry["count"]) for entry in remaining] == [("*", 5)]


def test_api_routes_are_still_faulted(api: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(script=[{"match": "GET /api/v2/task/{taskId}", "action": "status", "status": 503}])
    try:
        task = api.create_task()
        faulted = api.get(f"/api/v2/task/{task['id']}")
    finally:
        emulator.clear_faults()

    assert faulted.status_code == 503
    assert emulator.stats()["requests"]["GET /api/v2/task/{taskId}"] == 1
