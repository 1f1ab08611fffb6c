"""The shared poller: many waits in one event loop cost listings of the active tasks, not one request each."""

from __future__ import annotations

import asyncio
import time
from math import ceil

import pytest

from botcity_provider.client import MaestroClient
from botcity_provider.triggers._off_loop import load_off_loop
from botcity_provider.triggers._poller import TaskPoller
from botcity_provider.triggers.maestro import MaestroTaskTrigger

LIST = "GET /api/v2/task"
GET = "GET /api/v2/task/{taskId}"
LABEL = "fleet-bot"


def _create_fleet(handle, count: int, *, labels: int = 1, **extra) -> list[int]:
    """Tasks over ``labels`` automations that finish at staggered times; every seventh fails."""
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return [
            client.tasks.create(
                f"{LABEL}-{n % labels}" if labels > 1 else LABEL,
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


@pytest.mark.parametrize("labels", [1, 50])
async def test_two_hundred_waits_cost_a_listing_per_cycle_and_a_read_per_finish(maestro_conn, labels) -> None:
    task_ids = _create_fleet(maestro_conn, 200, labels=labels)
    before = maestro_conn.stats()["requests"]
    started = time.monotonic()
    events = await _wait_all(task_ids, label=LABEL if labels == 1 else None)
    elapsed = time.monotonic() - started
    assert {task_id: event["status"] for task_id, event in events.items()} == _expected(maestro_conn)
    assert all(event["maestro_task_id"] == task_id for task_id, event in events.items())
    after = maestro_conn.stats()["requests"]
    gets = after.get(GET, 0) - before.get(GET, 0)
    listings = after.get(LIST, 0) - before.get(LIST, 0)
    # Whatever the number of automations: one read per task that left the active ones (some tasks
    # finish between a cycle's listing and the poller's look, or while a page shifts: a few more).
    assert 200 <= gets <= 200 + 20, f"{gets} single reads for 200 finishes"
    cycles = elapsed / 0.3 + 2
    assert listings <= cycles * (ceil(200 / 250) + 1), f"{listings} listings in {elapsed:.1f} s"


async def test_one_due_wait_reads_its_task_instead_of_listing(maestro_conn) -> None:
    [task_id] = _create_fleet(maestro_conn, 1)
    before = maestro_conn.stats()["requests"]
    events = await _wait_all([task_id], label=LABEL)
    after = maestro_conn.stats()["requests"]
    assert events[task_id]["status"] == _expected(maestro_conn)[task_id]
    assert after.get(LIST, 0) - before.get(LIST, 0) == 0
    assert after.get(GET, 0) - before.get(GET, 0) >= 1


async def test_a_crowded_workspace_reads_the_waits_instead_of_paging_through_it(maestro_conn) -> None:
    task_ids = _create_fleet(maestro_conn, 3, outcome="NEVER")
    crowd = _create_fleet(maestro_conn, 1000, labels=7, outcome="NEVER")
    poller = await _watch_cycles(task_ids, 4)
    # Ours are the oldest of 1003 active tasks (five pages of 250): after the first page, four more
    # would cost more than three reads.
    assert poller.requests <= 4 * poller.cycles, f"{poller.requests} requests in {poller.cycles} cycles"
    assert len(crowd) == 1000


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


async def _watch_cycles(task_ids: list[int], cycles: int) -> TaskPoller:
    """Wait for never-ending tasks through ``cycles`` poll cycles, then cancel the waits."""
    poller = TaskPoller.for_connection("botcity_maestro_default")
    await _through_cycles(poller, asyncio.ensure_future(_wait_all(task_ids, label=None)), cycles)
    return poller


async def _through_cycles(poller: TaskPoller, waiting: asyncio.Future, cycles: int) -> None:
    """Let ``waiting`` wait through ``cycles`` of the poller's cycles, then cancel it."""
    deadline = time.monotonic() + 60
    while poller.cycles < cycles and time.monotonic() < deadline:  # noqa: ASYNC110 (a counter, no event)
        await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert poller.cycles >= cycles


async def _hold_waits(task_ids: list[int], cycles: int, stagger: float = 0.0) -> TaskPoller:
    """Hold waits on the poller itself through ``cycles`` cycles, begun ``stagger`` seconds apart."""
    poller = TaskPoller.for_connection("botcity_maestro_default")
    await load_off_loop()  # as the trigger does, so that no first import holds the loop between them

    async def wait(index: int, task_id: int) -> None:
        await asyncio.sleep(index * stagger)
        async with poller.watch(task_id, 1.0) as updates:
            async for _ in updates.until(None):
                pass

    waiting = asyncio.gather(*(wait(index, task_id) for index, task_id in enumerate(task_ids)))
    await _through_cycles(poller, waiting, cycles)
    return poller


async def test_waits_that_began_moments_apart_share_every_listing(maestro_conn) -> None:
    # 20 waits begun 10 ms apart (a loaded triggerer resuming them): the first was due alone, and
    # cost a read of its own, in every cycle until a listing delivered to all of them at once.
    task_ids = _create_fleet(maestro_conn, 20, outcome="NEVER")
    before = maestro_conn.stats()["requests"]
    poller = await _hold_waits(task_ids, 6, stagger=0.01)
    after = maestro_conn.stats()["requests"]
    assert after.get(GET, 0) - before.get(GET, 0) == 0
    assert after.get(LIST, 0) - before.get(LIST, 0) == poller.cycles


@pytest.mark.parametrize("status", [500, 403])
async def test_a_failing_listing_falls_back_to_one_read_per_task(maestro_conn, status: int) -> None:
    task_ids = _create_fleet(maestro_conn, 20, outcome="NEVER")
    maestro_conn.set_faults(script=[{"match": LIST, "action": "status", "status": status, "count": 3}])
    before = maestro_conn.stats()["requests"]
    await _watch_cycles(task_ids, 6)
    after = maestro_conn.stats()["requests"]
    assert maestro_conn.stats()["faults"]["error"] == 3
    # The tasks never end, so only a cycle whose listing failed reads them one by one: every due one
    # (at most three such cycles, and the waits' first cycles need not line up).
    gets = after.get(GET, 0) - before.get(GET, 0)
    assert 20 <= gets <= 4 * 20, f"{gets} single reads"


async def test_listing_rate_limited_skips_the_cycle_instead_of_reading_each_task(maestro_conn) -> None:
    task_ids = _create_fleet(maestro_conn, 20, outcome="NEVER")
    maestro_conn.set_faults(
        script=[{"match": LIST, "action": "status", "status": 429, "retry_after": 0, "count": 10}]
    )
    before = maestro_conn.stats()["requests"]
    await _hold_waits(task_ids, 8)
    assert maestro_conn.stats()["faults"]["rate_limit"] == 10
    assert maestro_conn.stats()["requests"].get(GET, 0) - before.get(GET, 0) == 0


@pytest.mark.parametrize(("interval", "delay"), [(2.0, 0.3), (1.0, 1.5)])
async def test_a_slow_listing_does_not_stretch_the_cycle(maestro_conn, interval: float, delay: float) -> None:
    # The next look is due an interval after the listing began (not after its answer), and never
    # sooner than half an interval after the answer: a server slower than the interval is not hammered.
    task_ids = _create_fleet(maestro_conn, 5, outcome="NEVER")
    maestro_conn.set_faults(script=[{"match": LIST, "action": "delay", "seconds": delay, "count": 1}])
    poller = TaskPoller.for_connection("botcity_maestro_default")
    timings: list[tuple[float, float]] = []
    list_active = poller._list_active

    async def timed(client, due):
        began = time.monotonic()
        found = await list_active(client, due)
        timings.append((began, time.monotonic()))
        return found

    poller._list_active = timed  # type: ignore[method-assign]
    waiting = asyncio.ensure_future(_wait_all(task_ids, label=None, interval=interval))
    deadline = time.monotonic() + 60
    while not timings and time.monotonic() < deadline:  # noqa: ASYNC110 (a list, no event)
        await asyncio.sleep(0.05)
    due_at = sorted({waiter.due_at for waiter in poller._waiters})
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    [(began, answered)] = timings[:1]
    assert answered - began >= delay
    assert len(due_at) == 1, "every wait seen by one listing is due again at the same moment"
    assert due_at[0] >= answered + interval / 2
    if answered - began < interval / 2:
        assert due_at[0] <= began + interval, "the next look is an interval after the listing began"
