"""The bot's output in the Airflow log while it runs: each error entry and alert once, only the current
run's, at most one request more per poll and only while the task runs, shared by the deferred waits."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from botcity_provider._bot_news import BotNews, NewsTurns
from botcity_provider._waiting import wait_for_task
from botcity_provider.client import Alert, MaestroClient, Task
from botcity_provider.client._models.errors import ReportedError
from botcity_provider.triggers._poller import TaskPoller
from botcity_provider.triggers.maestro import MaestroTaskTrigger

CONN = "botcity_maestro_default"
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
OUTPUT = {
    "errors": [{"after_seconds": 0.5, "type": "TimeoutError", "message": "portal slow", "screenshot": True}],
    "alerts": [{"after_seconds": 1.0, "title": "Half done", "message": "20 of 40", "type": "WARN"}],
}
ERROR_LINE = "The bot reported an error on Maestro task {id}: TimeoutError: portal slow"
ALERT_LINE = "The bot raised a WARN alert on Maestro task {id}: Half done: 20 of 40"


def _running(ident: int, started: datetime = T0) -> Task:
    return Task.model_validate({"id": ident, "state": "RUNNING", "dateStartRunning": started.isoformat()})


def _error(ident: str, task_id: int, at: datetime, **more: Any) -> ReportedError:
    wire = {"id": ident, "taskId": task_id, "type": "E", "message": ident, "dateCreation": at.isoformat()}
    return ReportedError.model_validate({**wire, **more})


def test_each_entry_is_told_once_oldest_first_and_only_the_current_runs() -> None:
    news = BotNews(7, "https://portal/tasks/7")
    assert news.wants(_running(7))
    entries = [
        _error("b", 7, T0 + timedelta(seconds=2), screenshot="shot.png"),
        _error("a", 7, T0 + timedelta(seconds=1)),
        _error("old", 7, T0 - timedelta(seconds=1)),  # the run before a restart
        _error("other", 8, T0 + timedelta(seconds=1)),
    ]
    assert news.lines("errors", entries) == [
        "The bot reported an error on Maestro task 7: E: a",
        "The bot reported an error on Maestro task 7: E: b (screenshot: https://portal/tasks/7)",
    ]
    assert news.lines("errors", entries) == []
    alert = Alert.model_validate({"id": "a", "taskId": 7, "title": "t", "message": "m", "type": "ERROR"})
    assert news.lines("alerts", [alert]) == ["The bot raised a ERROR alert on Maestro task 7: t: m"]


def test_only_a_running_bot_is_asked_and_a_refused_listing_is_not_asked_again() -> None:
    news = BotNews(7)
    assert not news.wants(Task.model_validate({"id": 7, "state": "START"}))
    turns = NewsTurns()
    assert [turns.next() for _ in range(4)] == ["alerts", "errors", "alerts", "errors"]
    turns.refused("alerts")
    assert [turns.next() for _ in range(2)] == ["errors", "errors"]
    turns.refused("errors")
    assert turns.next() is None


def _create(handle, count: int = 1, run_seconds: float = 4) -> list[int]:
    knobs = {"queue_seconds": 0.1, "run_seconds": run_seconds, **OUTPUT}
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return [client.tasks.create("invoice-bot", parameters={"_emulator": knobs}).id for _ in range(count)]


def _news_requests(handle) -> int:
    requests = handle.stats()["requests"]
    return requests.get("GET /api/v2/error", 0) + requests.get("GET /api/v2/alerts", 0)


def test_a_polled_wait_logs_what_the_bot_reports_once_each(maestro_conn, caplog) -> None:
    (task_id,) = _create(maestro_conn)
    logger = logging.getLogger("test.bot_output")
    with (
        MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client,
        caplog.at_level(logging.INFO, logger="test.bot_output"),
    ):
        ended = wait_for_task(
            client,
            task_id,
            success_statuses=["SUCCESS"],
            poll_interval_seconds=1,
            deadline_at=None,
            logger=logger,
            news=BotNews(task_id, "https://portal/task"),
        )
    lines = [record.getMessage() for record in caplog.records]
    assert str(ended.state) == "FINISHED"
    error = ERROR_LINE.format(id=task_id) + " (screenshot: https://portal/task)"
    assert lines.count(error) == 1 and lines.count(ALERT_LINE.format(id=task_id)) == 1, lines
    gets = maestro_conn.stats()["requests"]["GET /api/v2/task/{taskId}"]
    assert _news_requests(maestro_conn) <= gets, "more than one request more per poll"


async def test_deferred_waits_share_one_news_request_per_poll(maestro_conn, caplog, capfd) -> None:
    ids = await asyncio.to_thread(_create, maestro_conn, 4)
    triggers = [
        MaestroTaskTrigger(maestro_conn_id=CONN, maestro_task_id=i, poll_interval_seconds=1, bot_output=True)
        for i in ids
    ]

    async def _event(trigger: MaestroTaskTrigger) -> dict[str, Any]:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("no event")

    with caplog.at_level(logging.INFO):
        events = await asyncio.gather(*(_event(trigger) for trigger in triggers))
    assert {event["status"] for event in events} == {"success"}
    # A trigger logs through Airflow's logger: into the standard library's on 2.x and 3.0 (which also
    # writes it onto the output), onto the output only on later versions. One of the two, not both.
    logged = [record.getMessage() for record in caplog.records]
    captured = capfd.readouterr()
    said = "\n".join(logged) if any("The bot " in line for line in logged) else captured.out + captured.err
    for task_id in ids:
        assert said.count(ERROR_LINE.format(id=task_id) + " (screenshot: ") == 1, said[-3000:]
        assert said.count(ALERT_LINE.format(id=task_id)) == 1, said[-3000:]
    poller = TaskPoller.for_connection(CONN)
    assert poller.news_requests <= poller.cycles, (poller.news_requests, poller.cycles)
    assert _news_requests(maestro_conn) == poller.news_requests


def test_a_secret_in_what_the_bot_says_is_masked(maestro_conn) -> None:
    from airflow.providers.common.compat.sdk import mask_secret

    mask_secret("hunter2-the-secret")
    news = BotNews(3)
    assert news.wants(_running(3))
    (line,) = news.lines("errors", [_error("x", 3, T0, message="login with hunter2-the-secret failed")])
    assert "hunter2-the-secret" not in line and "***" in line
