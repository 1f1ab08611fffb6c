"""Alerts and e-mail messages, once posted, can be seen: on the portal pages, in the stats, and through the
admin API (``GET /_emulator/alerts`` and ``/messages``, ``EmulatorHandle.alerts()`` and ``messages()``)."""

from __future__ import annotations

from typing import Any

import requests

from botcity_maestro_emulator.testing import EmulatorHandle

from .helpers import Api
from .test_portal import Page


def _alert(api: Api, task_id: int, title: str, kind: str, message: str = "details") -> dict[str, Any]:
    response = api.post(
        "/api/v2/alerts", json={"taskId": task_id, "title": title, "message": message, "type": kind}
    )
    assert response.status_code == 200, response.text
    alert: dict[str, Any] = response.json()
    return alert


def _mail(api: Api, subject: str, body: str, emails: list[str], logins: list[str]) -> None:
    payload = {"subject": subject, "body": body, "emails": emails, "logins": logins, "type": "TEXT"}
    response = api.post("/api/v2/message", json=payload)
    assert response.status_code == 200, response.text


def _page(emulator: EmulatorHandle, path: str) -> Page:
    response = requests.get(f"{emulator.url}{path}", timeout=10)
    assert response.status_code == 200, response.text
    return Page(response.text)


def test_admin_api_lists_alerts_oldest_first_and_by_task(api: Api, emulator: EmulatorHandle) -> None:
    first, second = api.create_task()["id"], api.create_task()["id"]
    posted = [_alert(api, first, "one", "ERROR"), _alert(api, second, "two", "INFO")]
    posted.append(_alert(api, first, "three", "WARN"))

    assert emulator.alerts() == posted
    assert [alert["title"] for alert in emulator.alerts(first)] == ["one", "three"]
    assert [alert["taskId"] for alert in emulator.alerts(second)] == [second]
    assert emulator.alerts(999) == []


def test_admin_api_lists_messages_with_their_recipients(api: Api, emulator: EmulatorHandle) -> None:
    _mail(api, "Report ready", "All 40 invoices done", ["ops@example.com", "cfo@example.com"], ["analyst"])
    _mail(api, "Second", "body", [], ["analyst"])

    first, second = emulator.messages()
    assert (first["subject"], first["body"], first["type"]) == (
        "Report ready",
        "All 40 invoices done",
        "TEXT",
    )
    assert (first["emails"], first["logins"]) == (["ops@example.com", "cfo@example.com"], ["analyst"])
    assert (second["subject"], second["emails"]) == ("Second", [])


def test_stats_count_alerts_by_type_and_messages(api: Api, emulator: EmulatorHandle) -> None:
    fresh = emulator.stats()
    assert (fresh["alerts"], fresh["messages"]) == ({"INFO": 0, "WARN": 0, "ERROR": 0}, 0)
    task = api.create_task()["id"]
    for kind in ("ERROR", "ERROR", "WARN"):
        _alert(api, task, kind.lower(), kind)
    _mail(api, "s", "b", ["ops@example.com"], [])

    stats = emulator.stats()
    assert (stats["alerts"], stats["messages"]) == ({"INFO": 0, "WARN": 1, "ERROR": 2}, 1)
    emulator.reset()
    assert emulator.stats()["alerts"] == {"INFO": 0, "WARN": 0, "ERROR": 0}
    assert emulator.alerts() == [] and emulator.messages() == []


def test_task_page_shows_its_own_alerts_escaped(api: Api, emulator: EmulatorHandle) -> None:
    task, other = api.create_task()["id"], api.create_task()["id"]
    alert = _alert(api, task, "<b>Bot failed</b>", "ERROR", "portal & network down")
    _alert(api, other, "not this task's", "INFO")

    page = _page(emulator, f"/tasks/{task}")

    assert page.grid("alerts") == [
        {
            "Type": "ERROR",
            "Title": "<b>Bot failed</b>",
            "Message": "portal & network down",
            "Date": alert["date"],
        }
    ]
    raw = requests.get(f"{emulator.url}/tasks/{task}", timeout=10).text
    assert "<b>Bot failed</b>" not in raw, "user text is escaped"


def test_task_page_without_alerts_says_so(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task()["id"]
    assert _page(emulator, f"/tasks/{task}").paragraphs["alerts"] == "No alerts."


def test_index_lists_alerts_newest_first_with_their_task_and_the_messages(
    api: Api, emulator: EmulatorHandle
) -> None:
    index = _page(emulator, "/")
    assert (index.paragraphs["alerts"], index.paragraphs["messages"]) == ("No alerts.", "No e-mail messages.")
    task = api.create_task()["id"]
    _alert(api, task, "older", "WARN")
    _alert(api, task, "newer", "ERROR")
    _mail(api, "Report ready", "see the portal", ["ops@example.com"], ["analyst"])

    index = _page(emulator, "/")

    assert [(row["Task"], row["Title"]) for row in index.grid("alerts")] == [
        (str(task), "newer"),
        (str(task), "older"),
    ]
    assert f"/tasks/{task}" in index.links
    (message,) = index.grid("messages")
    assert (message["To"], message["Subject"], message["Body"]) == (
        "ops@example.com, analyst",
        "Report ready",
        "see the portal",
    )


def test_reading_alerts_and_messages_is_not_counted(api: Api, emulator: EmulatorHandle) -> None:
    before = emulator.stats()["requests_total"]
    emulator.alerts()
    emulator.messages()
    assert emulator.stats()["requests_total"] == before
