"""The runner trigger: plain kwargs, one event, and one listing of the online runners per poll cycle
however many waits share it."""

from __future__ import annotations

import asyncio
import time

import pytest

from botcity_provider.triggers._runner_poller import RunnerPoller
from botcity_provider.triggers.runner import MaestroRunnerTrigger, validate_runner_event

LIST = "GET /api/v2/machine/pagination"
GET = "GET /api/v2/machine/{machineId}"
CONN = "botcity_maestro_default"


def _trigger(runner_id: str, **kwargs) -> MaestroRunnerTrigger:
    return MaestroRunnerTrigger(maestro_conn_id=CONN, runner_id=runner_id, poll_interval_seconds=1, **kwargs)


async def _event(trigger: MaestroRunnerTrigger) -> dict:
    events = [event.payload async for event in trigger.run()]
    assert len(events) == 1, events
    return events[0]


def _requests(handle, key: str) -> int:
    return handle.stats()["requests"].get(key, 0)


def test_the_kwargs_are_plain_json_and_round_trip() -> None:
    path, kwargs = _trigger("vm-01", deadline_at=1e9).serialize()
    assert path == "botcity_provider.triggers.runner.MaestroRunnerTrigger"
    assert kwargs == {
        "maestro_conn_id": CONN,
        "runner_id": "vm-01",
        "poll_interval_seconds": 1.0,
        "deadline_at": 1e9,
    }
    assert MaestroRunnerTrigger(**kwargs).serialize() == (path, kwargs)


def test_an_interval_below_the_floor_is_raised_to_it() -> None:
    assert _trigger("vm-01").serialize()[1]["poll_interval_seconds"] == 1.0
    trigger = MaestroRunnerTrigger(maestro_conn_id=CONN, runner_id="vm", poll_interval_seconds=0.01)
    assert trigger.poll_interval_seconds == 1.0


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        (None, "mapping"),
        ({"status": "done", "runner_id": "vm"}, "status"),
        ({"status": "success"}, "no runner"),
        ({"status": "success", "runner_id": "other"}, "not 'vm'"),
    ],
)
def test_a_strange_event_is_refused(event: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        validate_runner_event(event, "vm")


async def test_many_waits_share_one_listing_per_cycle(maestro_conn) -> None:
    names = [f"vm-{n:02d}" for n in range(20)]
    for name in names:
        maestro_conn.add_runner(name, online=False)
    lists, gets = _requests(maestro_conn, LIST), _requests(maestro_conn, GET)
    events = [asyncio.ensure_future(_event(_trigger(name))) for name in names]
    poller = RunnerPoller.for_connection(CONN)
    deadline = time.monotonic() + 120
    while poller.cycles < 3 and time.monotonic() < deadline:  # noqa: ASYNC110 (a counter, no event)
        await asyncio.sleep(0.05)
    cycles_then = poller.cycles
    listings = _requests(maestro_conn, LIST) - lists
    assert poller.waiting == 20 and cycles_then >= 3
    assert listings <= cycles_then + 1, (listings, cycles_then)
    assert _requests(maestro_conn, GET) == gets, "a wait read its runner on its own"
    for name in names:
        maestro_conn.set_runner_online(name, True)
    payloads = await asyncio.gather(*events)
    assert {p["status"] for p in payloads} == {"success"}
    assert sorted(p["runner_id"] for p in payloads) == names
    assert _requests(maestro_conn, GET) == gets


async def test_one_wait_reads_its_runner(maestro_conn) -> None:
    maestro_conn.add_runner("vm-solo", online_after_seconds=1.5)
    lists = _requests(maestro_conn, LIST)
    payload = await _event(_trigger("vm-solo"))
    assert payload["status"] == "success" and "vm-solo" in payload["message"]
    assert _requests(maestro_conn, LIST) == lists and _requests(maestro_conn, GET) >= 1


async def test_a_runner_that_is_gone_ends_the_wait_for_good(maestro_conn) -> None:
    payload = await _event(_trigger("nowhere"))
    assert payload["status"] == "error" and payload["retryable"] is False
    assert "nowhere" in payload["message"] and "404" in payload["message"]


async def test_the_deadline_ends_the_wait(maestro_conn) -> None:
    maestro_conn.add_runner("vm-off", online=False)
    payload = await _event(_trigger("vm-off", deadline_at=time.time() + 1.5))
    assert payload["status"] == "timeout" and "vm-off" in payload["message"]
