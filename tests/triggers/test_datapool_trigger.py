"""The datapool trigger: plain kwargs, one event, and one summary per pool per poll cycle however many
waits share it."""

from __future__ import annotations

import asyncio
import time

from botcity_provider.client import MaestroClient
from botcity_provider.hooks.datapools import Marker
from botcity_provider.triggers._pool_poller import DatapoolPoller
from botcity_provider.triggers.datapool import MaestroDatapoolTrigger

SUMMARY = "GET /api/v2/datapool/{label}/summary"
VIEW = "GET /api/v2/datapool/{label}/view"
CONN = "botcity_maestro_default"


def _pushed(handle, label: str, count: int, marker: Marker | None = None) -> list[str]:
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        client.datapools.create(label)
        values = [{"n": n, **({marker.field: marker.value(str(n))} if marker else {})} for n in range(count)]
        return [entry.id for entry in client.datapools.push_many(label, values)]


def _work_through(handle, label: str, count: int) -> None:
    """Do what a bot does: take each item and report it done."""
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        for _ in range(count):
            entry = client.datapools.next(label)
            assert entry is not None
            client.datapools.done(label, entry.id)


def _trigger(label: str, **kwargs) -> MaestroDatapoolTrigger:
    return MaestroDatapoolTrigger(maestro_conn_id=CONN, datapool=label, poll_interval_seconds=1, **kwargs)


async def _event(trigger: MaestroDatapoolTrigger) -> dict:
    async for event in trigger.run():
        return event.payload
    raise AssertionError("no event")


def test_the_kwargs_are_plain_json_and_the_same_for_the_same_wait() -> None:
    marker = Marker.of_task_instance("airflow_key", "d", "r", "t", -1)
    one = _trigger("orders", marker=marker.to_json(), deadline_at=1e9, entry_ids=["2", "1"]).serialize()
    two = _trigger("orders", marker=marker.to_json(), deadline_at=1e9, entry_ids=["1", "2", "1"]).serialize()
    assert one == two
    path, kwargs = one
    assert path == "botcity_provider.triggers.datapool.MaestroDatapoolTrigger"
    assert kwargs["entry_ids"] == ["1", "2"] and kwargs["marker"] == {
        "field": "airflow_key",
        "prefix": "d/r/t/-1#",
    }
    assert MaestroDatapoolTrigger(**kwargs).serialize() == one


async def test_many_waits_on_a_pool_share_one_summary_per_cycle(maestro_conn) -> None:
    ids = _pushed(maestro_conn, "orders", 6)
    before = maestro_conn.stats()["requests"].get(SUMMARY, 0)
    waits = [_trigger("orders") for _ in range(20)] + [
        _trigger("orders", entry_ids=ids[:3]) for _ in range(5)
    ]
    events = [asyncio.ensure_future(_event(trigger)) for trigger in waits]
    poller = DatapoolPoller.for_connection(CONN)
    deadline = time.monotonic() + 120
    while poller.cycles < 3 and time.monotonic() < deadline:  # noqa: ASYNC110 (a counter, no event)
        await asyncio.sleep(0.05)
    cycles_then = poller.cycles
    summaries = maestro_conn.stats()["requests"][SUMMARY] - before
    assert poller.waiting == 25 and summaries <= cycles_then + 1, (summaries, cycles_then)
    await asyncio.to_thread(_work_through, maestro_conn, "orders", 6)
    payloads = await asyncio.gather(*events)
    assert {p["status"] for p in payloads} == {"success"}
    assert all(p["counts"]["DONE"] == 6 for p in payloads)
    # Listings happen only on the looks that saw items finish, once for every wait that needed one.
    assert maestro_conn.stats()["requests"].get(VIEW, 0) <= maestro_conn.stats()["requests"][SUMMARY] - before


async def test_a_wait_on_some_items_ends_when_they_do_whatever_the_rest(maestro_conn) -> None:
    marker = Marker.of_task_instance("airflow_key", "d", "r", "t", -1)
    _pushed(maestro_conn, "mine", 3, marker)
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        client.datapools.push("mine", {"n": 99})  # another DAG's item, left pending
    waiting = asyncio.ensure_future(_event(_trigger("mine", marker=marker.to_json())))
    await asyncio.to_thread(_work_through, maestro_conn, "mine", 3)
    payload = await waiting
    assert payload["status"] == "success" and payload["counts"]["PENDING"] == 1


async def test_a_missing_pool_ends_the_wait_for_good(maestro_conn) -> None:
    payload = await _event(_trigger("nowhere"))
    assert payload["status"] == "error" and payload["retryable"] is False
    assert "nowhere" in payload["message"]


async def test_the_deadline_ends_the_wait(maestro_conn) -> None:
    _pushed(maestro_conn, "slow", 2)
    payload = await _event(_trigger("slow", deadline_at=time.time() + 1.5))
    assert payload["status"] == "timeout" and payload["counts"]["PENDING"] == 2


async def test_a_users_kill_cancels_the_marked_pending_items(maestro_conn, monkeypatch) -> None:
    from tests.operators.test_stopping import _deferred_ti, _states_are

    marker = Marker.of_task_instance("airflow_key", "d", "r1", "run_bot", 3)
    _pushed(maestro_conn, "orders", 4, marker)
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        held = client.datapools.next("orders")  # a bot holds one
        other = client.datapools.push("orders", {"n": 99})  # another task's item
    _states_are(monkeypatch, {"r1": {"run_bot_3": "failed"}})
    trigger = _trigger("orders", marker=marker.to_json(), cancel_on_kill=True)
    trigger.task_instance = _deferred_ti()
    await trigger.on_kill()
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        states = {e.id: str(e.state) for e in client.datapools.iter_entries("orders", size=100)}
    assert states.pop(held.id) == "PROCESSING" and states.pop(other.id) == "PENDING"
    assert set(states.values()) == {"CANCELED"} and len(states) == 3


async def test_a_wait_handed_to_another_triggerer_cancels_nothing(maestro_conn, monkeypatch) -> None:
    from tests.operators.test_stopping import _deferred_ti, _states_are

    marker = Marker.of_task_instance("airflow_key", "d", "r1", "run_bot", 3)
    _pushed(maestro_conn, "orders", 2, marker)
    _states_are(monkeypatch, {"r1": {"run_bot_3": "deferred"}})
    trigger = _trigger("orders", marker=marker.to_json(), cancel_on_kill=True)
    trigger.task_instance = _deferred_ti()
    await trigger.on_kill()
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        assert client.datapools.summary("orders").count_pending == 2
