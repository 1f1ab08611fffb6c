"""The shared poller: many waits in one event loop cost task listings, not one request each."""

from __future__ import annotations

import asyncio
import time
from math import ceil

import pytest

from botcity_provider.client import MaestroClient
from botcity_provider.triggers._poller import TaskPoller
from botcity_provider.triggers.maestro import MaestroTaskTrigger

LIST = "GET /api/v2/task"
GET = "GET /api/v2/task/{taskId}"
LABEL = "fleet-bot"


def _create_fleet(handle, count: int, **extra) -> list[int]:
    """Tasks that finish at staggered times; every seventh fails."""
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return [
            client.tasks.create(
                LABEL,
                parameters={
                    "_emulator": {
                        "queue_seconds": 0.1,
                        "run_seconds": 0.3 + (n % 10) * 0.15,
                        "outcome": "FAILED" if n % 7 == 0 else "SUCCESS",
                        **extra,
                    }
                },
            ).id
            for n in range(count)
        ]


async def _wait_all(task_ids: list[int], *, label: str | None, interval: float = 0.3) -> dict[int, dict]:
    async def one(task_id: int) -> dict:
        trigger = MaestroTaskTrigger(
            maestro_conn_id="botcity_maestro_default",
            maestro_task_id=task_id,
            poll_interval_seconds=interval,
            deadline_at=time.time() + 60,
            activity_label=label,
        )
        events = [event.payload async for event in trigger.run()]
        assert len(events) == 1
        return events[0]

    results = await asyncio.wait_for(asyncio.gather(*(one(task_id) for task_id in task_ids)), 90)
    return dict(zip(task_ids, results, strict=True))


def _expected(handle) -> dict[int, str]:
    return {task["id"]: ("failure" if task["outcome"] == "FAILED" else "success") for task in handle.tasks()}


async def test_two_hundred_waits_each_get_their_own_event_from_listings(maestro_conn) -> None:
    task_ids = _create_fleet(maestro_conn, 200)
    before = maestro_conn.stats()["requests"]
    started = time.monotonic()
    events = await _wait_all(task_ids, label=LABEL)
    elapsed = time.monotonic() - started
    assert {task_id: event["status"] for task_id, event in events.items()} == _expected(maestro_conn)
    assert all(event["maestro_task_id"] == task_id for task_id, event in events.items())
    after = maestro_conn.stats()["requests"]
    gets = after.get(GET, 0) - before.get(GET, 0)
    listings = after.get(LIST, 0) - before.get(LIST, 0)
    assert gets == 0, "every task was covered by a listing"
    cycles = elapsed / 0.3 + 2
    assert listings <= cycles * (ceil(200 / 400) + 1), f"{listings} listings in {elapsed:.1f} s"


async def test_waits_without_automation_learn_it_from_one_look_then_share_listings(maestro_conn) -> None:
    task_ids = _create_fleet(maestro_conn, 60)
    before = maestro_conn.stats()["requests"]
    events = await _wait_all(task_ids, label=None)
    assert {task_id: event["status"] for task_id, event in events.items()} == _expected(maestro_conn)
    after = maestro_conn.stats()["requests"]
    gets = after.get(GET, 0) - before.get(GET, 0)
    assert gets <= 60 + 5, f"{gets} single reads: about one first look per task, then listings"
    assert after.get(LIST, 0) - before.get(LIST, 0) >= 1


async def test_a_cancelled_wait_leaves_the_others_waiting(maestro_conn) -> None:
    task_ids = _create_fleet(maestro_conn, 30)
    stuck = _create_fleet(maestro_conn, 5, outcome="NEVER")
    waiting = asyncio.ensure_future(_wait_all(stuck, label=LABEL))
    finishing = asyncio.ensure_future(_wait_all(task_ids, label=LABEL))
    await asyncio.sleep(0.8)
    waiting.cancel()
    events = await finishing
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert {task_id: event["status"] for task_id, event in events.items()} == {
        task_id: status for task_id, status in _expected(maestro_conn).items() if task_id in task_ids
    }
    poller = TaskPoller.for_connection("botcity_maestro_default")
    assert poller.waiting == 0
    assert poller._task is None or poller._task.done(), "the poller stops when nothing waits"


async def test_the_poller_starts_again_when_a_wait_arrives(maestro_conn) -> None:
    first = _create_fleet(maestro_conn, 3)
    await _wait_all(first, label=LABEL)
    poller = TaskPoller.for_connection("botcity_maestro_default")
    assert poller._task is not None and poller._task.done()
    second = _create_fleet(maestro_conn, 3)
    events = await _wait_all(second, label=LABEL)
    assert sorted(events) == sorted(second)
    assert TaskPoller.for_connection("botcity_maestro_default") is poller


@pytest.mark.parametrize("status", [500, 403])
async def test_a_failing_listing_falls_back_to_one_read_per_task(maestro_conn, status: int) -> None:
    task_ids = _create_fleet(maestro_conn, 20)
    maestro_conn.set_faults(script=[{"match": LIST, "action": "status", "status": status, "count": 3}])
    before = maestro_conn.stats()["requests"]
    events = await _wait_all(task_ids, label=LABEL)
    assert {task_id: event["status"] for task_id, event in events.items()} == _expected(maestro_conn)
    after = maestro_conn.stats()["requests"]
    assert after.get(GET, 0) - before.get(GET, 0) >= 20, "the refused cycles read each task instead"
    assert maestro_conn.stats()["faults"]["error"] == 3


async def test_listing_rate_limited_skips_the_cycle_instead_of_reading_each_task(maestro_conn) -> None:
    task_ids = _create_fleet(maestro_conn, 20)
    maestro_conn.set_faults(
        script=[{"match": LIST, "action": "status", "status": 429, "retry_after": 0, "count": 10}]
    )
    before = maestro_conn.stats()["requests"]
    events = await _wait_all(task_ids, label=LABEL)
    assert len(events) == 20
    assert maestro_conn.stats()["requests"].get(GET, 0) - before.get(GET, 0) == 0
