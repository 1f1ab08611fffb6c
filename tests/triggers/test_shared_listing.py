"""Deferred waits and asset watchers of one connection in one event loop share one listing per poll."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from botcity_provider.client import MaestroClient
from botcity_provider.triggers import _changes, _finish_cursor
from botcity_provider.triggers._poller import TaskPoller
from botcity_provider.triggers.finished import MaestroTaskFinishedTrigger
from botcity_provider.triggers.maestro import MaestroTaskTrigger

CONN = "botcity_maestro_default"
LIST = "GET /api/v2/task"
GET = "GET /api/v2/task/{taskId}"
LABEL = "shared-bot"
WAITS = 6


def _create(handle, count: int, *, run_seconds: float = 4, never: bool = False) -> dict[int, str]:
    """Tasks running a few seconds (long enough for several polls); every third fails."""
    outcomes = ["NEVER" if never else "FAILED" if n % 3 == 0 else "SUCCESS" for n in range(count)]
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return {
            client.tasks.create(
                LABEL,
                parameters={
                    "_emulator": {"queue_seconds": 0.1, "run_seconds": run_seconds, "outcome": outcome}
                },
            ).id: outcome
            for outcome in outcomes
        }


async def _wait(task_id: int) -> dict[str, Any]:
    trigger = MaestroTaskTrigger(
        maestro_conn_id=CONN, maestro_task_id=task_id, poll_interval_seconds=1, deadline_at=time.time() + 60
    )
    [event] = [event.payload async for event in trigger.run()]
    return event


async def _collect(trigger: MaestroTaskFinishedTrigger, into: list[dict[str, Any]]) -> None:
    async for event in trigger.run():
        into.append(event.payload)


async def _until(what: str, check, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_waits_and_watchers_of_a_connection_share_one_listing_per_poll(maestro_conn) -> None:
    before = maestro_conn.stats()["requests"]
    seen: list[list[dict[str, Any]]] = [[], []]
    watchers = [
        MaestroTaskFinishedTrigger(activity_label=LABEL, maestro_conn_id=CONN, poll_interval_seconds=1),
        MaestroTaskFinishedTrigger(
            activity_label=LABEL, maestro_conn_id=CONN, poll_interval_seconds=1, include_canceled=True
        ),
    ]
    watching = [asyncio.ensure_future(_collect(w, into)) for w, into in zip(watchers, seen, strict=True)]
    poller = TaskPoller.for_connection(CONN)  # the waits' and the watchers'
    await _until("the watchers' first look", lambda: poller.cycles >= 1)
    outcomes = await asyncio.to_thread(_create, maestro_conn, WAITS)
    events = await asyncio.wait_for(asyncio.gather(*(_wait(task_id) for task_id in outcomes)), 60)
    await _until("each watcher told of every finish", lambda: all(len(s) >= WAITS for s in seen))
    cycles = poller.cycles
    after = maestro_conn.stats()["requests"]
    for watch in watching:
        watch.cancel()
    await asyncio.gather(*watching, return_exceptions=True)
    listings = after.get(LIST, 0) - before.get(LIST, 0)
    gets = after.get(GET, 0) - before.get(GET, 0)
    print(f"\n{listings} listings and {gets} single reads in {cycles} cycles")
    expected = {
        task_id: "failure" if outcome == "FAILED" else "success" for task_id, outcome in outcomes.items()
    }
    assert {event["maestro_task_id"]: event["status"] for event in events} == expected
    for told in seen:  # each watcher: one event per finish, none twice
        assert sorted(event["maestro_task_id"] for event in told) == sorted(outcomes)
    assert listings <= cycles, (listings, cycles)
    # The waits' tasks end while the watchers' listings show them: no single read is needed.
    assert gets <= WAITS, gets


async def test_waits_on_tasks_unchanged_for_long_cost_no_read_nor_paging(maestro_conn, monkeypatch) -> None:
    # Margins of half a second stand for the minute: "unchanged for long" is then a few seconds.
    monkeypatch.setattr(_changes, "MARGIN", timedelta(seconds=0.5))
    monkeypatch.setattr(_finish_cursor, "LOOKBACK", timedelta(seconds=0.5))
    running = await asyncio.to_thread(_create, maestro_conn, 5, never=True)
    crowd = await asyncio.to_thread(_create, maestro_conn, 300, run_seconds=0.2)  # two pages, newer
    await _until(
        "the crowd to finish", lambda: maestro_conn.stats()["tasks_by_state"]["FINISHED"] == len(crowd)
    )
    # Not a condition: the crowd must be older than the margin, when the last change (ours) is made.
    await asyncio.sleep(1)
    await asyncio.to_thread(_create, maestro_conn, 1, run_seconds=0.2)
    await _until("the last change", lambda: maestro_conn.stats()["tasks_by_state"]["FINISHED"] > len(crowd))
    poller = TaskPoller.for_connection(CONN)
    told: list[dict[str, Any]] = []
    watcher = MaestroTaskFinishedTrigger(activity_label=LABEL, maestro_conn_id=CONN)
    watcher.poll_interval_seconds = 1.0
    tasks = [asyncio.ensure_future(_collect(watcher, told))]
    tasks += [asyncio.ensure_future(_wait(task_id)) for task_id in running]
    # The waits' first look, by the active listing: they were never seen (their tasks are on page 2).
    await _until("the waits' first look", lambda: poller.cycles >= 3)
    before, cycles = maestro_conn.stats()["requests"], poller.cycles
    await _until("five more cycles", lambda: poller.cycles >= cycles + 5)
    after, cycles = maestro_conn.stats()["requests"], poller.cycles - cycles
    assert not any(task.done() for task in tasks), "the tasks never end: nothing to tell of"
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    # Vouched for by their absence from a one-page listing: neither a read each nor the crowd's pages.
    assert after.get(GET, 0) - before.get(GET, 0) == 0
    assert after.get(LIST, 0) - before.get(LIST, 0) <= cycles, (after, before, cycles)
    assert told == []


async def test_watchers_alone_list_the_finishes_and_with_a_wait_every_state(
    maestro_conn, monkeypatch
) -> None:
    from botcity_provider.client._resources.tasks import AsyncTasks

    asked: list[tuple[str, ...] | None] = []
    listing = AsyncTasks.list

    async def recorded(self: AsyncTasks, **kwargs: Any) -> Any:
        states = kwargs.get("states")
        asked.append(None if states is None else tuple(str(state) for state in states))
        return await listing(self, **kwargs)

    monkeypatch.setattr(AsyncTasks, "list", recorded)
    told: list[dict[str, Any]] = []
    watcher = MaestroTaskFinishedTrigger(activity_label=LABEL, maestro_conn_id=CONN, poll_interval_seconds=1)
    watching = asyncio.ensure_future(_collect(watcher, told))
    poller = TaskPoller.for_connection(CONN)
    await _until("two looks of the watcher alone", lambda: poller.cycles >= 2)
    alone = list(asked)
    [(task_id, outcome)] = (await asyncio.to_thread(_create, maestro_conn, 1, run_seconds=6)).items()
    waiting = asyncio.ensure_future(_wait(task_id))
    await _until("the wait's end", waiting.done)
    await _until("the watcher told of it", lambda: len(told) >= 1)
    watching.cancel()
    await asyncio.gather(watching, return_exceptions=True)
    assert alone and all(states == ("FINISHED", "CANCELED") for states in alone), alone
    # Once the wait is vouched for by a listing of changes, the one listing holds every state.
    assert None in asked[len(alone) :], asked
    assert [event["maestro_task_id"] for event in told] == [task_id]
    assert outcome == "FAILED" and waiting.result()["status"] == "failure"
