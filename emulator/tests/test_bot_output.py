"""Error entries and alerts the emulated bot posts while it runs (``_emulator.errors`` / ``alerts``),
and the alert listing ``GET /api/v2/alerts``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from botcity.maestro import AlertType, BotMaestroSDK

from botcity_maestro_emulator.testing import serve_in_thread
from botcity_maestro_emulator.timefmt import parse_iso

from .helpers import Api, wait_for

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _errors(api: Api, task_id: int | None = None, **query: Any) -> list[dict[str, Any]]:
    params = {"size": 1000, **query, **({} if task_id is None else {"taskId": task_id})}
    response = api.get("/api/v2/error", params=params)
    assert response.status_code == 200, response.text
    content: list[dict[str, Any]] = response.json()["content"]
    return content


def _alert_page(api: Api, **query: Any) -> dict[str, Any]:
    response = api.get("/api/v2/alerts", params=query)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _alerts(api: Api, task_id: int) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = _alert_page(api, taskId=task_id, size=1000)["content"]
    return content


def _offset(entry_date: str, task: dict[str, Any]) -> float:
    """Seconds from the run's start to ``entry_date``."""
    return parse_iso(entry_date) - parse_iso(task["dateStartRunning"])


def _wait_until_clock_passes(api: Api, task_id: int, seconds_into_run: float) -> dict[str, Any]:
    """Read the task until the wall clock is ``seconds_into_run`` past the start of its run."""
    task = api.task(task_id)
    start = parse_iso(task["dateStartRunning"])
    wait_for(time.time, lambda clock: clock > start + seconds_into_run, seconds_into_run + 10)
    return api.task(task_id)


def test_entries_appear_once_due_with_run_relative_dates(api: Api) -> None:
    knobs = {
        "outcome": "NEVER",
        "queue_seconds": 0,
        "errors": [
            {"after_seconds": 0.1, "message": "first", "screenshot": True},
            {"after_seconds": 0.2, "type": "PortalError", "message": "second"},
            {"after_seconds": 3600, "message": "far in the future"},
        ],
        "alerts": [
            {"after_seconds": 0.15, "title": "slow", "message": "portal is slow", "type": "WARN"},
            {"after_seconds": 3600, "title": "never seen"},
        ],
    }
    task = api.create_task("demo", parameters={"_emulator": knobs})
    errors = wait_for(lambda: _errors(api, task["id"]), lambda found: len(found) >= 2)
    alerts = wait_for(lambda: _alerts(api, task["id"]), lambda found: len(found) >= 1)
    running = api.task(task["id"])
    assert running["state"] == "RUNNING"
    assert len(_errors(api, task["id"])) == 2 and len(_alerts(api, task["id"])) == 1

    by_message = {error["message"]: error for error in errors}
    first, second = by_message["first"], by_message["second"]
    assert (first["type"], first["language"], first["stackTrace"], first["tags"]) == (
        "EmulatedBotError",
        "PYTHON",
        "",
        {},
    )
    assert (first["screenshot"], first["attachments"]) == ("screenshot.png", [])
    assert (second["type"], second["screenshot"]) == ("PortalError", None)
    assert first["taskId"] == second["taskId"] == task["id"]
    assert _offset(first["dateCreation"], running) == pytest.approx(0.1, abs=0.002)
    assert _offset(second["dateCreation"], running) == pytest.approx(0.2, abs=0.002)

    (alert,) = alerts
    assert (alert["title"], alert["message"], alert["type"], alert["taskId"]) == (
        "slow",
        "portal is slow",
        "WARN",
        task["id"],
    )
    assert alert["activityLabel"] == "demo" and alert["organizationLabel"] == api.emulator.login
    assert _offset(alert["date"], running) == pytest.approx(0.15, abs=0.002)
    # The admin view and GET by id show the same stored objects.
    assert api.emulator.alerts(task["id"]) == [alert]
    response = api.get(f"/api/v2/error/{first['id']}")
    assert response.status_code == 200 and response.json() == first


def test_a_queued_task_posts_nothing(api: Api) -> None:
    knobs = {"queue_seconds": 3600, "errors": [{"after_seconds": 0}], "alerts": [{"after_seconds": 0}]}
    task = api.create_task("demo", parameters={"_emulator": knobs})
    assert api.task(task["id"])["state"] == "START"
    assert _errors(api, task["id"]) == [] and _alerts(api, task["id"]) == []


def test_nothing_due_after_the_bot_finished_is_posted(api: Api) -> None:
    knobs = {
        "queue_seconds": 0,
        "run_seconds": 0.4,
        "outcome": "FAILED",
        "errors": ["at the end", {"after_seconds": 0.1, "message": "during"}, {"after_seconds": 0.6}],
        "alerts": [{"after_seconds": 0.1, "title": "during"}, {"after_seconds": 0.6, "title": "after"}],
    }
    task = api.create_task("demo", parameters={"_emulator": knobs})
    finished = wait_for(lambda: api.task(task["id"]), lambda t: t["state"] == "FINISHED")
    _wait_until_clock_passes(api, task["id"], 0.8)

    errors = sorted(_errors(api, task["id"]), key=lambda error: str(error["dateCreation"]))
    assert [error["message"] for error in errors] == ["during", "at the end"]
    # The plain message of ``errors`` still comes when the run ends FAILED, dated at its end.
    assert errors[1]["dateCreation"] == finished["dateLastModified"]
    assert [alert["title"] for alert in _alerts(api, task["id"])] == ["during"]


def test_a_kill_before_they_are_due_posts_none(api: Api) -> None:
    knobs = {
        "outcome": "NEVER",
        "queue_seconds": 0,
        "errors": [{"after_seconds": 2, "message": "too late"}],
        "alerts": [{"after_seconds": 2, "title": "too late"}],
    }
    task = api.create_task("demo", parameters={"_emulator": knobs})
    running = wait_for(lambda: api.task(task["id"]), lambda t: t["state"] == "RUNNING")
    killed = api.update(task["id"], {"interrupted": True, "killed": True})
    assert (killed["state"], killed["finishStatus"]) == ("FINISHED", "FAILED")
    assert _offset(killed["dateLastModified"], running) < 2, "the kill came after the entries were due"

    _wait_until_clock_passes(api, task["id"], 2.2)
    assert _errors(api, task["id"]) == [] and _alerts(api, task["id"]) == []


def test_a_restart_posts_them_again_for_the_new_run(api: Api) -> None:
    knobs = {
        "queue_seconds": 0,
        "run_seconds": 0.3,
        "errors": [{"after_seconds": 0.1, "message": "each run"}],
        "alerts": [{"after_seconds": 0.1, "title": "each run", "type": "ERROR"}],
    }
    task = api.create_task("demo", parameters={"_emulator": knobs})
    first_run = wait_for(lambda: api.task(task["id"]), lambda t: t["state"] == "FINISHED")
    assert len(_errors(api, task["id"])) == 1 and len(_alerts(api, task["id"])) == 1

    api.update(task["id"], {"state": "START"})
    second_run = wait_for(lambda: api.task(task["id"]), lambda t: t["state"] == "FINISHED")
    assert second_run["dateStartRunning"] > first_run["dateStartRunning"]
    errors = sorted(_errors(api, task["id"]), key=lambda error: str(error["dateCreation"]))
    alerts = sorted(_alerts(api, task["id"]), key=lambda alert: str(alert["date"]))
    assert len(errors) == 2 and len(alerts) == 2
    for run, error, alert in zip((first_run, second_run), errors, alerts, strict=True):
        assert _offset(error["dateCreation"], run) == pytest.approx(0.1, abs=0.002)
        assert _offset(alert["date"], run) == pytest.approx(0.1, abs=0.002)
    assert api.emulator.stats()["alerts"]["ERROR"] == 2


@pytest.mark.parametrize(
    ("knobs", "field"),
    [
        ({"errors": "boom"}, "parameters._emulator.errors"),
        ({"errors": [{"message": "no time"}]}, "parameters._emulator.errors[0].after_seconds"),
        ({"errors": [{"after_seconds": -1}]}, "parameters._emulator.errors[0].after_seconds"),
        (
            {"errors": [{"after_seconds": 1, "screenshot": "yes"}]},
            "parameters._emulator.errors[0].screenshot",
        ),
        ({"errors": [{"after_seconds": 1, "type": ""}]}, "parameters._emulator.errors[0].type"),
        ({"errors": [{"after_seconds": 1, "message": 3}]}, "parameters._emulator.errors[0].message"),
        ({"errors": ["ok", 7]}, "parameters._emulator.errors[1]"),
        ({"alerts": {"after_seconds": 1}}, "parameters._emulator.alerts"),
        ({"alerts": [{"after_seconds": 1, "type": "DEBUG"}]}, "parameters._emulator.alerts[0].type"),
        ({"alerts": [{"after_seconds": 1, "colour": "red"}]}, "parameters._emulator.alerts[0].colour"),
        ({"alerts": [{"after_seconds": "1"}]}, "parameters._emulator.alerts[0].after_seconds"),
    ],
)
def test_bad_knobs_are_refused_naming_the_field(api: Api, knobs: dict[str, Any], field: str) -> None:
    response = api.post("/api/v2/task", json={"activityLabel": "demo", "parameters": {"_emulator": knobs}})
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith(f"{field}:")


def test_screenshot_bytes_are_stored_and_nothing_is_posted_twice_across_a_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "state.jsonl"
    knobs = {"outcome": "NEVER", "queue_seconds": 0, "errors": [{"after_seconds": 0, "screenshot": True}]}
    with serve_in_thread(state_file=state_file) as emulator:
        api = Api(emulator)
        api.login()
        task = api.create_task("demo", parameters={"_emulator": knobs})
        (error,) = wait_for(lambda: _errors(api, task["id"]), lambda found: len(found) == 1)
    screenshot = tmp_path / "state.jsonl.files" / "errors" / error["id"] / "screenshot"
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE)

    with serve_in_thread(state_file=state_file) as emulator:
        api = Api(emulator)
        api.login()
        assert api.task(task["id"])["state"] == "RUNNING"
        assert _errors(api, task["id"]) == [error]


def _post_alert(api: Api, task_id: int, title: str, alert_type: str = "INFO") -> dict[str, Any]:
    body = {"taskId": task_id, "title": title, "message": f"{title} message", "type": alert_type}
    response = api.post("/api/v2/alerts", json=body)
    assert response.status_code == 200, response.text
    alert: dict[str, Any] = response.json()
    return alert


def test_alert_listing_pages_filters_and_sorts(api: Api) -> None:
    ours = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 3600}})
    other = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 3600}})
    posted = []
    for index in range(3):
        # Distinct dates, so that the order by date is the order of posting.
        if posted:
            wait_for(time.time, lambda clock: clock > parse_iso(posted[-1]["date"]) + 0.002)
        posted.append(_post_alert(api, ours["id"], f"ours-{index}"))
    foreign = _post_alert(api, other["id"], "other", "ERROR")

    everything = _alert_page(api)
    assert everything["totalElements"] == 4 and everything["size"] == 20
    dates = [alert["date"] for alert in everything["content"]]
    assert dates == sorted(dates, reverse=True)

    newest_first = [alert["id"] for alert in reversed(posted)]
    first = _alert_page(api, taskId=ours["id"], size=2)
    second = _alert_page(api, taskId=ours["id"], size=2, page=1)
    assert (first["totalElements"], first["totalPages"], first["first"], first["last"]) == (3, 2, True, False)
    assert [alert["id"] for alert in first["content"] + second["content"]] == newest_first
    assert (second["numberOfElements"], second["last"]) == (1, True)

    oldest_first = _alert_page(api, taskId=ours["id"], sort="date,asc")["content"]
    assert [alert["id"] for alert in oldest_first] == [alert["id"] for alert in posted]
    by_id = _alert_page(api, sort="id,asc")["content"]
    assert [alert["id"] for alert in by_id] == sorted(alert["id"] for alert in [*posted, foreign])

    assert [alert["id"] for alert in _alert_page(api, taskId=other["id"])["content"]] == [foreign["id"]]
    assert _alert_page(api, days=1)["totalElements"] == 4

    bad_sort = api.get("/api/v2/alerts", params={"sort": "title"})
    assert bad_sort.status_code == 400 and bad_sort.json()["message"].startswith("sort:")
    assert api.get("/api/v2/alerts", params={"days": -1}).status_code == 400


def test_alert_listing_needs_a_token(anon: Api) -> None:
    assert anon.get("/api/v2/alerts").status_code == 401


def test_error_listing_without_task_id_is_workspace_wide_newest_first(api: Api) -> None:
    tasks = [api.create_task("demo", parameters={"_emulator": {"queue_seconds": 3600}}) for _ in range(2)]
    ids = []
    for index, task in enumerate(tasks * 2):
        body = {"taskId": task["id"], "type": "Manual", "message": f"error {index}", "language": "PYTHON"}
        response = api.post("/api/v2/error", json=body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    listed = _errors(api)
    assert sorted(error["id"] for error in listed) == sorted(ids)
    assert {error["taskId"] for error in listed} == {task["id"] for task in tasks}
    dates = [error["dateCreation"] for error in listed]
    assert dates == sorted(dates, reverse=True)


def test_the_official_sdk_still_reads_the_task_and_posts_alerts(api: Api) -> None:
    emulator = api.emulator
    sdk = BotMaestroSDK(emulator.url, emulator.login, emulator.key)
    sdk.login()
    knobs = {"outcome": "NEVER", "queue_seconds": 0, "alerts": [{"after_seconds": 0, "title": "bot"}]}
    task = sdk.create_task("demo", {"_emulator": knobs})
    read = wait_for(lambda: sdk.get_task(task.id), lambda t: t.state == "RUNNING")
    assert read.parameters == {"_emulator": knobs} and read.activity_label == "demo"
    sdk.alert(str(task.id), "sdk", "from the SDK", AlertType.INFO)
    titles = wait_for(
        lambda: {alert["title"] for alert in _alerts(api, int(task.id))}, lambda found: len(found) == 2
    )
    assert titles == {"bot", "sdk"}
