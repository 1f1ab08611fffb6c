"""MaestroTaskTrigger: JSON-only kwargs, exactly one event, and no busy loop whatever the server says."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from botcity_provider.client import MaestroClient
from botcity_provider.triggers.maestro import MaestroTaskTrigger
from tests.conftest import FAST_RETRY


def _trigger(task_id: int, **kwargs) -> MaestroTaskTrigger:
    kwargs.setdefault("poll_interval_seconds", 1)
    return MaestroTaskTrigger(maestro_conn_id="botcity_maestro_default", maestro_task_id=task_id, **kwargs)


async def _events(trigger: MaestroTaskTrigger, limit: float = 30.0) -> list[dict]:
    async def collect() -> list[dict]:
        return [event.payload async for event in trigger.run()]

    return await asyncio.wait_for(collect(), limit)


def _create(handle, **emulated) -> int:
    with MaestroClient(handle.url, handle.login, handle.key, retry=FAST_RETRY) as client:
        return client.tasks.create("trigger-bot", parameters={"_emulator": emulated}).id


def test_serialize_round_trips_with_json_only_kwargs() -> None:
    trigger = _trigger(
        42,
        deadline_at=1_900_000_000.5,
        success_statuses=["success", "PARTIALLY_COMPLETED"],
        activity_label="x",
    )
    path, kwargs = trigger.serialize()
    assert path == "botcity_provider.triggers.maestro.MaestroTaskTrigger"
    assert json.loads(json.dumps(kwargs)) == kwargs
    again = MaestroTaskTrigger(**kwargs)
    assert again.serialize() == (path, kwargs)
    assert kwargs["success_statuses"] == ["SUCCESS", "PARTIALLY_COMPLETED"]
    assert set(kwargs) == {
        "maestro_conn_id",
        "maestro_task_id",
        "poll_interval_seconds",
        "deadline_at",
        "success_statuses",
        "activity_label",
        "cancel_on_kill",
        "bot_output",
    }


def test_kwargs_hold_no_secret(maestro_conn) -> None:
    _, kwargs = _trigger(1).serialize()
    text = json.dumps(kwargs)
    assert maestro_conn.key not in text
    assert maestro_conn.login not in text


@pytest.mark.parametrize("label", [None, "trigger-bot"])
async def test_success_is_one_event_with_the_final_task(maestro_conn, label) -> None:
    task_id = _create(maestro_conn, items=[5, 5, 0])
    events = await _events(_trigger(task_id, activity_label=label))
    assert len(events) == 1
    (event,) = events
    assert event["status"] == "success"
    assert event["maestro_task_id"] == task_id
    assert event["task"]["state"] == "FINISHED"
    assert event["task"]["processed_items"] == 5


async def test_failure_event_carries_the_bots_message(maestro_conn) -> None:
    task_id = _create(maestro_conn, outcome="FAILED", message="portal down")
    (event,) = await _events(_trigger(task_id))
    assert event["status"] == "failure"
    assert "portal down" in event["message"]
    assert event["task"]["finish_status"] == "FAILED"


async def test_partially_completed_counts_only_when_accepted(maestro_conn) -> None:
    task_id = _create(maestro_conn, outcome="PARTIALLY_COMPLETED")
    (strict,) = await _events(_trigger(task_id))
    (lenient,) = await _events(_trigger(task_id, success_statuses=["SUCCESS", "PARTIALLY_COMPLETED"]))
    assert (strict["status"], lenient["status"]) == ("failure", "success")


async def test_cancelled_task_is_a_failure(maestro_conn) -> None:
    task_id = _create(maestro_conn, queue_seconds=30)
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        client.tasks.cancel(task_id)
    (event,) = await _events(_trigger(task_id))
    assert event["status"] == "failure"
    assert event["task"]["state"] == "CANCELED"


async def test_deadline_gives_one_timeout_event(maestro_conn) -> None:
    task_id = _create(maestro_conn, outcome="NEVER")
    started = time.time()
    (event,) = await _events(_trigger(task_id, deadline_at=started + 2.5))
    assert event["status"] == "timeout"
    assert event["task"]["state"] == "RUNNING", "the last view of the task comes with the timeout"


async def test_unknown_task_is_an_error_event_no_retry_can_mend(maestro_conn) -> None:
    (event,) = await _events(_trigger(987654))
    assert event["status"] == "error"
    assert "987654" in event["message"]
    assert event["retryable"] is False


async def test_wrong_key_is_an_error_event_without_the_key(maestro_conn, monkeypatch) -> None:
    from tests.conftest import connection_json

    monkeypatch.setenv(
        "AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT", connection_json(maestro_conn, key="bad-key-123")
    )
    (event,) = await _events(_trigger(1))
    assert event["status"] == "error"
    assert event["retryable"] is False, "a retry would meet the same refusal"
    assert "bad-key-123" not in json.dumps(event)


@pytest.mark.parametrize(
    ("fault", "label"),
    [
        ({"status": 429, "retry_after": 0}, None),
        ({"status": 500}, None),
        ({"status": 503}, "trigger-bot"),
        ({"status": 429, "retry_after": 0}, "trigger-bot"),
    ],
)
async def test_errors_forever_never_turn_into_a_busy_loop(maestro_conn, monkeypatch, fault, label) -> None:
    from tests.conftest import connection_json

    task_id = _create(maestro_conn, outcome="NEVER")
    conn = json.loads(connection_json(maestro_conn))
    conn["extra"] = {"max_retries": 1}  # two attempts per request
    monkeypatch.setenv("AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT", json.dumps(conn))
    # Log in before the faults start, so that only task reads are refused.
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        client.tasks.get(task_id)
    routes = ["GET /api/v2/task/{taskId}", "GET /api/v2/task"]
    maestro_conn.set_faults(
        script=[{"match": route, "action": "status", "count": 10_000, **fault} for route in routes]
    )
    before = maestro_conn.stats()["requests_total"]
    interval, waited = 1.0, 3.0
    (event,) = await _events(
        _trigger(
            task_id, poll_interval_seconds=interval, deadline_at=time.time() + waited, activity_label=label
        )
    )
    sent = maestro_conn.stats()["requests_total"] - before
    assert event["status"] == "timeout"
    cycles = waited / interval + 1
    # Attempts per request x requests per cycle: a listing, then one GET unless the listing was rate limited.
    per_cycle = 2 * (2 if label and fault["status"] != 429 else 1)
    assert 1 <= sent <= cycles * per_cycle, f"{sent} requests in {waited} s"


async def test_events_carry_a_summary_of_the_task_never_its_parameters(maestro_conn) -> None:
    from botcity_provider._events import TASK_SUMMARY_FIELDS

    planted = f"card-{uuid.uuid4().hex}"
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        task_id = client.tasks.create(
            "trigger-bot", parameters={"card": planted, "_emulator": {"items": [2, 2, 0]}}
        ).id
    (event,) = await _events(_trigger(task_id, activity_label="trigger-bot"))
    assert set(event) == {"status", "maestro_task_id", "message", "task", "retryable"}
    assert set(event["task"]) <= set(TASK_SUMMARY_FIELDS)
    assert event["task"]["id"] == task_id
    assert event["task"]["processed_items"] == 2
    text = json.dumps(event)
    assert planted not in text
    assert "_idempotency_key" not in text and "user_email" not in text
    assert len(text) < 512, f"{len(text)} bytes"
