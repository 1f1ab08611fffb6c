"""The asset watcher's trigger: deterministic kwargs, one event per finish (never per state), a cursor
that survives a restart, and one listing per look for every watcher of a connection."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from airflow.providers.common.compat.triggers import BaseEventTrigger

from botcity_provider.client import MaestroClient, Task
from botcity_provider.triggers._finish_cursor import LOOKBACK, Cursor, advance, finish_key, with_told
from botcity_provider.triggers._poller import TaskPoller
from botcity_provider.triggers.finished import PAYLOAD_FIELDS, MaestroTaskFinishedTrigger

CONN = "botcity_maestro_default"
LIST = "GET /api/v2/task"
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _task(ident: int, modified: datetime, *, label: str = "invoices", status: str = "SUCCESS", **more: Any):
    wire = {
        "id": ident,
        "state": "FINISHED",
        "activityLabel": label,
        "finishStatus": status,
        "dateLastModified": modified.isoformat(),
        "dateStartRunning": (modified - timedelta(seconds=5)).isoformat(),
        **more,
    }
    return Task.model_validate(wire)


def _ours(task: Task) -> bool:
    return task.activity_label == "invoices"


# --- the cursor, with no I/O -------------------------------------------------------------------------


def test_the_first_look_tells_of_nothing_that_had_finished() -> None:
    old = [_task(2, T0), _task(1, T0 - timedelta(seconds=30))]
    fresh, cursor = advance(Cursor(), old, T0 + timedelta(hours=1), _ours)
    assert fresh == [] and cursor.horizon == T0
    assert set(cursor.seen) == {finish_key(task) for task in old}
    # Nothing finished yet: the first horizon is the time of the first look.
    assert advance(Cursor(), [], T0, _ours)[1].horizon == T0


def test_each_finish_is_told_once_oldest_first_and_a_state_never_again() -> None:
    _, cursor = advance(Cursor(), [_task(1, T0)], T0, _ours)
    listed = [_task(3, T0 + timedelta(seconds=9)), _task(2, T0 + timedelta(seconds=4)), _task(1, T0)]
    fresh, cursor = advance(cursor, listed, T0, _ours)
    assert [task.id for task in fresh] == [2, 3] and cursor.horizon == T0 + timedelta(seconds=9)
    again, same = advance(cursor, listed, T0, _ours)
    assert again == [] and same == cursor


def test_other_automations_move_the_horizon_and_never_fire() -> None:
    _, cursor = advance(Cursor(), [], T0, _ours)
    other = _task(7, T0 + timedelta(minutes=5), label="payroll")
    fresh, cursor = advance(cursor, [other], T0, _ours)
    assert fresh == [] and cursor.horizon == other.date_last_modified and cursor.seen == ()


def test_a_finish_shown_late_within_the_lookback_is_not_missed() -> None:
    _, cursor = advance(Cursor(), [_task(1, T0)], T0, _ours)
    _, cursor = advance(cursor, [_task(5, T0 + timedelta(seconds=30))], T0, _ours)
    late = _task(4, T0 + timedelta(seconds=30) - LOOKBACK / 2)
    fresh, _ = advance(cursor, [_task(5, T0 + timedelta(seconds=30)), late], T0, _ours)
    assert [task.id for task in fresh] == [4]


def test_a_restarted_task_that_finishes_again_fires_again_an_edit_does_not() -> None:
    _, cursor = advance(Cursor(), [], T0, _ours)
    first = _task(1, T0 + timedelta(seconds=10))
    _, cursor = advance(cursor, [first], T0, _ours)
    edited = _task(1, T0 + timedelta(seconds=20), dateStartRunning=first.date_start_running.isoformat())
    assert advance(cursor, [edited], T0, _ours)[0] == []
    rerun = _task(1, T0 + timedelta(seconds=40))
    assert [task.id for task in advance(cursor, [rerun], T0, _ours)[0]] == [1]


def test_a_cursor_round_trips_through_json_and_refuses_what_is_not_one() -> None:
    _, cursor = advance(Cursor(), [_task(1, T0)], T0, _ours)
    cursor = with_told(cursor, _task(2, T0 + timedelta(seconds=1)))
    assert Cursor.from_json(cursor.to_json()) == cursor
    for bad in (None, 3, {"version": 99}, {"version": 1, "horizon": "x", "seen": []}, {"version": 1}):
        assert Cursor.from_json(bad) is None


# --- the trigger -------------------------------------------------------------------------------------


def test_the_kwargs_are_deterministic_and_rebuild_the_same_trigger() -> None:
    one = MaestroTaskFinishedTrigger(activity_label="invoices", finish_statuses=["failed", "SUCCESS"])
    two = MaestroTaskFinishedTrigger(
        activity_label="invoices", finish_statuses=["SUCCESS", "FAILED", "FAILED"]
    )
    assert one.serialize() == two.serialize()
    path, kwargs = one.serialize()
    assert path == "botcity_provider.triggers.finished.MaestroTaskFinishedTrigger"
    assert MaestroTaskFinishedTrigger(**kwargs).serialize() == one.serialize()
    if hasattr(BaseEventTrigger, "hash"):  # Airflow 3: how it knows a watcher's trigger
        assert BaseEventTrigger.hash(path, kwargs) == BaseEventTrigger.hash(*two.serialize())
    assert "now" not in str(kwargs) and set(kwargs) == {
        "activity_label",
        "finish_statuses",
        "include_canceled",
        "maestro_conn_id",
        "poll_interval_seconds",
    }


@pytest.mark.parametrize(
    "bad", [{"activity_label": ""}, {"activity_label": "x", "finish_statuses": ["DONE"]}]
)
def test_a_bad_argument_is_refused_when_the_dag_is_parsed(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        MaestroTaskFinishedTrigger(**bad)


class _Store:
    """Stands in for Airflow 3.3's asset state store (aget/aset of JSON values), which lives in the
    triggerer's supervisor; the real one is used by the cluster test."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.writes = 0

    async def aget(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        self.writes += 1
        self.values[key] = value


def _create(handle, label: str, outcomes: list[str], *, run_seconds: float = 0.2) -> list[int]:
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return [
            client.tasks.create(
                label,
                parameters={
                    "_emulator": {"queue_seconds": 0.1, "run_seconds": run_seconds, "outcome": outcome}
                },
            ).id
            for outcome in outcomes
        ]


def _ended(handle, ids: list[int]) -> bool:
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return all(str(client.tasks.get(ident).state) in ("FINISHED", "CANCELED") for ident in ids)


async def _until(what: str, check, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while not await asyncio.to_thread(check):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def _collect(trigger: MaestroTaskFinishedTrigger, into: list[dict[str, Any]]) -> None:
    async for event in trigger.run():
        into.append(event.payload)


def _watcher(label: str, store: _Store | None = None, **kwargs: Any) -> MaestroTaskFinishedTrigger:
    trigger = MaestroTaskFinishedTrigger(
        activity_label=label, maestro_conn_id=CONN, poll_interval_seconds=1, **kwargs
    )
    trigger.asset_state_store = store  # what the 3.3 triggerer injects before run()
    return trigger


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_five_finishes_are_five_events_and_a_restart_replays_nothing_and_misses_nothing(
    maestro_conn,
) -> None:
    old = _create(maestro_conn, "invoices", ["SUCCESS"])
    await _until("the old task to end", lambda: _ended(maestro_conn, old))
    store, events = _Store(), []
    first = asyncio.ensure_future(_collect(_watcher("invoices", store), events))
    await _until("the first look", lambda: bool(store.values))
    three = _create(maestro_conn, "invoices", ["SUCCESS", "FAILED", "PARTIALLY_COMPLETED"])
    await _until("three events", lambda: len(events) == 3)
    await _stop(first)  # the triggerer goes away...
    two = _create(maestro_conn, "invoices", ["SUCCESS", "SUCCESS"])
    await _until("two finishes while no one watched", lambda: _ended(maestro_conn, two))
    second = asyncio.ensure_future(_collect(_watcher("invoices", store), events))  # ...and comes back
    await _until("two more events", lambda: len(events) == 5)
    poller = TaskPoller.for_connection(CONN)
    looked = poller.cycles
    await _until("two more looks, to see that nothing else fires", lambda: poller.cycles >= looked + 2)
    await _stop(second)
    assert [event["maestro_task_id"] for event in events] == three + two
    assert old[0] not in {event["maestro_task_id"] for event in events}
    assert [event["finish_status"] for event in events] == [
        "SUCCESS",
        "FAILED",
        "PARTIALLY_COMPLETED",
        "SUCCESS",
        "SUCCESS",
    ]
    assert all(set(event) == set(PAYLOAD_FIELDS) for event in events)
    assert all(event["activity_label"] == "invoices" and event["state"] == "FINISHED" for event in events)


async def test_filters_pick_the_statuses_and_cancels_asked_for(maestro_conn) -> None:
    failures, cancels = [], []
    watches = [
        asyncio.ensure_future(_collect(_watcher("payroll", _Store(), finish_statuses=["FAILED"]), failures)),
        asyncio.ensure_future(_collect(_watcher("payroll", _Store(), include_canceled=True), cancels)),
    ]
    poller = TaskPoller.for_connection(CONN)
    await _until("the first look", lambda: poller.cycles >= 1)
    done = _create(maestro_conn, "payroll", ["SUCCESS", "FAILED"])
    queued = _create(maestro_conn, "payroll", ["SUCCESS"], run_seconds=3600)
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        client.tasks.cancel(queued[0])
    await _until("the events", lambda: len(failures) == 1 and len(cancels) == 3)
    for watch in watches:
        await _stop(watch)
    assert [event["maestro_task_id"] for event in failures] == [done[1]]
    assert sorted(event["maestro_task_id"] for event in cancels) == sorted([*done, *queued])
    assert {event["state"] for event in cancels} == {"FINISHED", "CANCELED"}


async def test_every_watcher_of_a_connection_shares_one_listing_per_look(maestro_conn) -> None:
    before = maestro_conn.stats()["requests"].get(LIST, 0)
    events: list[dict[str, Any]] = []
    labels = ["a", "b", "c"]
    watches = [
        asyncio.ensure_future(_collect(_watcher(labels[n % 3], _Store(), finish_statuses=[status]), events))
        for n, status in enumerate(["SUCCESS", "FAILED"] * 5)
    ]
    poller = TaskPoller.for_connection(CONN)
    await _until("the first look", lambda: poller.cycles >= 1)
    for label in labels:
        _create(maestro_conn, label, ["SUCCESS", "FAILED"])
    # Each watcher gets its own automation's finishes with its status: 10 watchers, 10 events.
    await _until("an event for each watcher", lambda: len(events) == 10)
    cycles = poller.cycles
    listings = maestro_conn.stats()["requests"][LIST] - before
    for watch in watches:
        await _stop(watch)
    assert poller.waiting == 0 and cycles >= 2
    assert listings <= cycles + 1, (listings, cycles)
