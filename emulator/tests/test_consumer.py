"""The emulator's datapool bot: what it takes, when, in which order, what it reports, and where it shows.

The timing rules are checked in-process with explicit clock readings (the bot is lazy: a catch-up at time
``at`` is all there is), so they do not depend on how fast this machine is. The HTTP tests check the
wiring with rates far from any timing question (an item per millisecond, or one in a thousand seconds).
"""

from __future__ import annotations

import urllib.error
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import requests
from botcity.maestro import BotMaestroSDK, DataPool, DataPoolEntry

from botcity_maestro_emulator.config import EmulatorConfig
from botcity_maestro_emulator.consumer import ConsumerSettings, fails, render
from botcity_maestro_emulator.records import datapool_record, entry_record, new_id
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_subprocess
from botcity_maestro_emulator.timefmt import iso

from .helpers import Api, wait_for
from .test_portal import Page

T0 = 1_800_000_000.0
"""An arbitrary clock reading, in epoch seconds, where the in-process tests start."""
FAST = 1000.0
"""Items per second over HTTP: a pushed item is done a millisecond later, whatever the machine."""


# --- in-process, with an explicit clock -----------------------------------------------------------------


@pytest.fixture
def world() -> Iterator[Emulator]:
    emulator = Emulator(EmulatorConfig())
    yield emulator
    emulator.close()


def _make_pool(world: Emulator, label: str = "orders", **fields: Any) -> None:
    pool = datapool_record({"label": label, **fields}, pool_id=new_id(), organization="demo", at=T0)
    world.store.put("datapool", label, pool)


def _push(
    world: Emulator, at: float, values: dict[str, Any] | None = None, priority: int = 0, label: str = "orders"
) -> str:
    """Push as the route does: the bot catches up first, then hears of the new entry."""
    world.consumers.catch_up(label, at)
    entry_id = new_id()
    body = {"values": values or {}, "priority": priority}
    entry = world.store.put("entry", entry_id, entry_record(label, body, entry_id=entry_id, at=at))
    world.consumers.pushed(label, entry, at)
    return entry_id


def _entry(world: Emulator, entry_id: str, at: float, label: str = "orders") -> dict[str, Any]:
    world.consumers.catch_up(label, at)
    entry = world.store.get("entry", entry_id)
    assert entry is not None
    return entry


def _finishing_order(world: Emulator, ids: list[str], at: float) -> list[str]:
    entries = [_entry(world, entry_id, at) for entry_id in ids]
    assert all(entry["state"] in ("DONE", "ERROR") for entry in entries)
    return [entry["id"] for entry in sorted(entries, key=lambda entry: entry["dateFinished"])]


def test_items_are_finished_one_every_1_over_rate_seconds(world: Emulator) -> None:
    _make_pool(world)
    ids = [_push(world, T0, {"n": n}) for n in range(4)]
    world.consumers.configure("orders", ConsumerSettings(rate=2), T0)

    first, second, third, fourth = (_entry(world, entry_id, T0 + 1.25) for entry_id in ids)

    assert (first["state"], first["dateProcessing"], first["dateFinished"]) == (
        "DONE",
        iso(T0),
        iso(T0 + 0.5),
    )
    assert (second["state"], second["dateFinished"]) == ("DONE", iso(T0 + 1))
    assert (third["state"], third["dateProcessing"], third["dateFinished"]) == (
        "PROCESSING",
        iso(T0 + 1),
        None,
    )
    assert (fourth["state"], fourth["dateProcessing"]) == ("PENDING", None)
    assert first["message"] == "processed by the emulator's bot" and first["errorType"] is None
    assert world.consumers.progress(T0 + 1.25) == {"orders": {"done": 2, "failed": 0}}
    assert world.consumers.progress(T0 + 2) == {"orders": {"done": 4, "failed": 0}}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("FIFO", ["ten", "five-a", "five-b", "zero-a", "zero-b"]),
        ("LIFO", ["ten", "five-b", "five-a", "zero-b", "zero-a"]),
    ],
)
def test_the_order_is_the_pulls_priority_first_then_the_policy(
    world: Emulator, policy: str, expected: list[str]
) -> None:
    _make_pool(world, consumptionPolicy=policy)
    pushed = {"zero-a": 0, "five-a": 5, "zero-b": 0, "ten": 10, "five-b": 5}
    ids = {_push(world, T0, {"name": name}, priority): name for name, priority in pushed.items()}
    world.consumers.configure("orders", ConsumerSettings(rate=10), T0)

    order = _finishing_order(world, list(ids), T0 + 10)

    assert [ids[entry_id] for entry_id in order] == expected


def test_an_item_pushed_while_the_bot_waits_is_taken_when_it_arrives(world: Emulator) -> None:
    _make_pool(world)
    world.consumers.configure("orders", ConsumerSettings(rate=1), T0)
    world.consumers.catch_up("orders", T0 + 50)
    late = _push(world, T0 + 100)
    entry = _entry(world, late, T0 + 200)
    assert (entry["dateProcessing"], entry["dateFinished"]) == (iso(T0 + 100), iso(T0 + 101))


def test_nothing_is_taken_while_the_pool_is_inactive(world: Emulator) -> None:
    _make_pool(world, active=False)
    ids = [_push(world, T0) for _ in range(3)]
    world.consumers.configure("orders", ConsumerSettings(rate=1), T0)
    assert {_entry(world, entry_id, T0 + 60)["state"] for entry_id in ids} == {"PENDING"}

    _set_active(world, True, T0 + 100)
    assert _entry(world, ids[0], T0 + 101.5)["dateProcessing"] == iso(T0 + 100)
    held = _entry(world, ids[1], T0 + 101.5)
    assert (held["state"], held["dateProcessing"]) == ("PROCESSING", iso(T0 + 101))

    _set_active(world, False, T0 + 101.5)
    # The item in hand is finished; the next pull of the inactive pool gets nothing.
    assert _entry(world, ids[1], T0 + 500)["dateFinished"] == iso(T0 + 102)
    assert _entry(world, ids[2], T0 + 500)["state"] == "PENDING"


def _set_active(world: Emulator, active: bool, at: float) -> None:
    """Activate or deactivate as the update route does: the bot catches up under the old state first."""
    world.consumers.catch_up("orders", at)
    pool = world.store.get("datapool", "orders")
    assert pool is not None
    world.store.put("datapool", "orders", {**pool, "active": active})


def test_the_start_delay_holds_the_first_pull_back(world: Emulator) -> None:
    _make_pool(world)
    entry_id = _push(world, T0)
    world.consumers.configure("orders", ConsumerSettings(rate=1, start_delay_seconds=5), T0)
    assert _entry(world, entry_id, T0 + 4.9)["state"] == "PENDING"
    assert _entry(world, entry_id, T0 + 5.5)["dateProcessing"] == iso(T0 + 5)


def test_exactly_ten_percent_of_a_thousand_items_fail_evenly_spread(world: Emulator) -> None:
    _make_pool(world)
    ids = [_push(world, T0, {"n": n}) for n in range(1000)]
    world.consumers.configure("orders", ConsumerSettings(rate=100, error_ratio=0.1), T0)

    order = _finishing_order(world, ids, T0 + 11)

    failed = [
        number
        for number, entry_id in enumerate(order)
        if world.store.objects["entry"][entry_id]["state"] == "ERROR"
    ]
    assert failed == list(range(9, 1000, 10))
    assert world.consumers.progress(T0 + 11) == {"orders": {"done": 900, "failed": 100}}
    error = world.store.objects["entry"][order[9]]
    assert (error["errorType"], error["message"]) == ("BUSINESS", "rejected by the emulator's bot")


@pytest.mark.parametrize("ratio", ["0", "0.1", "0.07", "0.25", "0.3333", "0.5", "0.999", "1"])
def test_the_first_n_items_hold_exactly_floor_n_times_ratio_failures(ratio: str) -> None:
    exact = Fraction(ratio)
    for total in (1, 7, 10, 99, 1000):
        assert (
            sum(fails(number, exact) for number in range(total))
            == total * exact.numerator // exact.denominator
        )


def test_messages_are_formatted_with_the_items_values(world: Emulator) -> None:
    _make_pool(world)
    settings = ConsumerSettings(
        rate=1,
        error_ratio=0.5,
        error_type="SYSTEM",
        done_message="order {order_id}: {amount:.2f} charged",
        error_message="order {order_id}: card declined ({reason})",
    )
    ids = [_push(world, T0, {"order_id": n, "amount": 9.5}) for n in (41, 42)]
    world.consumers.configure("orders", settings, T0)
    done, failed = (_entry(world, entry_id, T0 + 3) for entry_id in ids)
    assert (done["state"], done["message"]) == ("DONE", "order 41: 9.50 charged")
    assert (failed["state"], failed["errorType"]) == ("ERROR", "SYSTEM")
    assert failed["message"] == "order 42: card declined ({reason})"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{a} and {b}", "1 and {b}"),
        ("{a:.1f}/{s:.1f}", "1.0/{s:.1f}"),
        ("{0} {} {{literal}}", "{0} {} {literal}"),
        ("{items[1]} {items[9]} {nested[k]}", "y {items[9]} v"),
        ("{s!r} {s.__class__}", "'text' {s.__class__}"),
        ("{dotted.key}", "D"),
    ],
)
def test_a_field_that_cannot_be_filled_stays_as_written(template: str, expected: str) -> None:
    values = {"a": 1, "s": "text", "items": ["x", "y"], "nested": {"k": "v"}, "dotted.key": "D"}
    assert render(template, values) == expected
    assert render(template, None) == render(template, {})


def test_a_never_bot_holds_one_item_for_ever_until_it_is_replaced(world: Emulator) -> None:
    _make_pool(world)
    ids = [_push(world, T0) for _ in range(3)]
    world.consumers.configure("orders", ConsumerSettings(mode="never"), T0)
    held = _entry(world, ids[0], T0 + 1e6)
    assert (held["state"], held["dateProcessing"]) == ("PROCESSING", iso(T0))
    assert [_entry(world, entry_id, T0 + 1e6)["state"] for entry_id in ids[1:]] == ["PENDING", "PENDING"]
    assert world.consumers.progress(T0 + 1e6) == {"orders": {"done": 0, "failed": 0}}

    # A working bot takes over: the stuck item goes back to PENDING and is first in line again.
    world.consumers.configure("orders", ConsumerSettings(rate=1), T0 + 1e6)
    assert _finishing_order(world, ids, T0 + 1e6 + 3) == ids
    assert _entry(world, ids[0], T0 + 1e6 + 3)["dateProcessing"] == iso(T0 + 1e6)


def test_removing_the_bot_puts_its_item_back_and_keeps_the_counts(world: Emulator) -> None:
    _make_pool(world)
    ids = [_push(world, T0) for _ in range(3)]
    world.consumers.configure("orders", ConsumerSettings(rate=1), T0)
    world.consumers.configure("orders", None, T0 + 1.5)
    assert [_entry(world, entry_id, T0 + 10)["state"] for entry_id in ids] == ["DONE", "PENDING", "PENDING"]
    assert _entry(world, ids[1], T0 + 10)["dateProcessing"] is None
    assert world.consumers.settings("orders") is None
    assert world.consumers.progress(T0 + 10) == {"orders": {"done": 1, "failed": 0}}


def test_the_bot_skips_what_clients_took_canceled_or_deleted_and_retakes_a_re_pended_item(
    world: Emulator,
) -> None:
    _make_pool(world)
    first, pulled, canceled, deleted, kept = (_push(world, T0) for _ in range(5))
    world.consumers.configure("orders", ConsumerSettings(rate=1), T0)
    assert _entry(world, first, T0 + 0.5)["state"] == "PROCESSING"
    # Meanwhile clients pull one item, cancel one and delete one the bot has already queued.
    for entry_id, state in ((pulled, "PROCESSING"), (canceled, "CANCELED")):
        world.store.put("entry", entry_id, {**_entry(world, entry_id, T0 + 0.5), "state": state})
    world.store.delete("entry", deleted)

    assert _entry(world, kept, T0 + 5)["dateProcessing"] == iso(T0 + 1)
    assert _entry(world, pulled, T0 + 5)["state"] == "PROCESSING"
    assert _entry(world, canceled, T0 + 5)["state"] == "CANCELED"

    # The client sends its item back to PENDING at T0 + 10: the idle bot takes it then, not before.
    before = _entry(world, pulled, T0 + 10)
    again = world.store.put("entry", pulled, {**before, "state": "PENDING"})
    world.consumers.saved("orders", "PROCESSING", again, T0 + 10)
    assert _entry(world, pulled, T0 + 20)["dateProcessing"] == iso(T0 + 10)
    assert world.consumers.progress(T0 + 20) == {"orders": {"done": 3, "failed": 0}}


def test_a_catch_up_never_scans_all_entries_again(world: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    _make_pool(world)
    _make_pool(world, "other")
    for _ in range(5000):
        _push(world, T0, label="other")
    ids = [_push(world, T0, {"n": n}) for n in range(20_000)]
    world.consumers.configure("orders", ConsumerSettings(rate=1000), T0)
    world.consumers.catch_up("orders", T0)  # the one scan that builds the queue
    scans: list[str] = []
    values = world.store.values
    monkeypatch.setattr(world.store, "values", lambda kind: scans.append(kind) or values(kind))

    for step in range(1, 21):
        world.consumers.catch_up("orders", T0 + step)
        _push(world, T0 + step)

    assert scans == []
    assert world.consumers.progress(T0 + 21) == {"orders": {"done": 20_020, "failed": 0}}
    assert _entry(world, ids[-1], T0 + 21)["state"] == "DONE"


# --- over HTTP ------------------------------------------------------------------------------------------


def _summary(api: Api, label: str = "orders") -> dict[str, Any]:
    response = api.get(f"/api/v2/datapool/{label}/summary")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _push_http(api: Api, values: dict[str, Any], label: str = "orders") -> dict[str, Any]:
    response = api.post(f"/api/v2/datapool/{label}/push", json={"values": values})
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()
    return entry


def test_the_create_knob_sets_the_bot_and_is_never_stored(api: Api, emulator: EmulatorHandle) -> None:
    body = {"label": "orders", "_emulator": {"consumer": {"rate": FAST, "error_ratio": 0.5}}}
    created = api.post("/api/v2/datapool", json=body)
    assert created.status_code == 200, created.text
    assert "_emulator" not in created.json()
    assert "_emulator" not in api.get("/api/v2/datapool/orders").json()
    assert "_emulator" not in api.get("/api/v2/datapool").json()["content"][0]
    shown = requests.get(f"{emulator.url}/_emulator/datapools/orders/consumer", timeout=10).json()
    assert shown == {**ConsumerSettings().to_json(), "rate": FAST, "error_ratio": 0.5}

    for n in range(4):
        _push_http(api, {"n": n})
    summary = wait_for(lambda: _summary(api), lambda s: s["countDone"] + s["countError"] == 4)
    assert (summary["countDone"], summary["countError"], summary["countPending"]) == (2, 2, 0)
    assert emulator.stats()["datapools"] == {"orders": {"done": 2, "failed": 2}}


def test_an_empty_consumer_knob_is_a_bot_with_every_default(api: Api, emulator: EmulatorHandle) -> None:
    assert api.post("/api/v2/datapool", json={"label": "orders", "_emulator": {"consumer": {}}}).ok
    assert requests.get(f"{emulator.url}/_emulator/datapools/orders/consumer", timeout=10).json() == (
        ConsumerSettings().to_json()
    )
    assert api.post("/api/v2/datapool", json={"label": "plain", "_emulator": {"consumer": None}}).ok
    assert requests.get(f"{emulator.url}/_emulator/datapools/plain/consumer", timeout=10).json() is None


def test_the_item_in_hand_is_processing_and_the_rest_pending(api: Api, emulator: EmulatorHandle) -> None:
    assert api.post("/api/v2/datapool", json={"label": "orders"}).ok
    first, second = _push_http(api, {"n": 1}), _push_http(api, {"n": 2})
    emulator.set_consumer("orders", rate=0.001)  # one item in a thousand seconds
    entries = {e["id"]: e for e in api.get("/api/v2/datapool/orders/view").json()["content"]}
    assert entries[first["id"]]["state"] == "PROCESSING" and entries[first["id"]]["dateProcessing"]
    assert (entries[second["id"]]["state"], entries[second["id"]]["dateProcessing"]) == ("PENDING", None)
    pulled = api.get("/api/v2/datapool/orders/pull").json()
    assert pulled["id"] == second["id"]
    assert api.get("/api/v2/datapool/orders/pull").status_code == 204


def test_an_inactive_pool_waits_for_its_activation(api: Api, emulator: EmulatorHandle) -> None:
    body = {"label": "orders", "active": False, "_emulator": {"consumer": {"rate": FAST}}}
    assert api.post("/api/v2/datapool", json=body).ok
    for n in range(3):
        _push_http(api, {"n": n})
    assert _summary(api)["countPending"] == 3
    pool = api.get("/api/v2/datapool/orders").json()
    assert api.post("/api/v2/datapool/orders", json={**pool, "active": True}).ok
    wait_for(lambda: _summary(api), lambda s: s["countDone"] == 3)


BAD_SETTINGS = [
    ({"speed": 1}, "speed"),
    ({"rate": 0}, "rate"),
    ({"rate": True}, "rate"),
    ({"rate": "fast"}, "rate"),
    ({"error_ratio": 1.5}, "error_ratio"),
    ({"error_type": "OTHER"}, "error_type"),
    ({"done_message": 3}, "done_message"),
    ({"error_message": "50% {"}, "error_message"),
    ({"mode": "sometimes"}, "mode"),
    ({"start_delay_seconds": -1}, "start_delay_seconds"),
]


@pytest.mark.parametrize(("settings", "key"), BAD_SETTINGS)
def test_a_bad_setting_is_a_400_naming_it(
    api: Api, emulator: EmulatorHandle, settings: dict[str, Any], key: str
) -> None:
    assert api.post("/api/v2/datapool", json={"label": "orders"}).ok
    put = requests.put(f"{emulator.url}/_emulator/datapools/orders/consumer", json=settings, timeout=10)
    assert put.status_code == 400 and put.json()["message"].startswith(f"{key}:")

    body = {"label": "other", "_emulator": {"consumer": settings}}
    created = api.post("/api/v2/datapool", json=body)
    assert created.status_code == 400
    assert created.json()["message"].startswith(f"_emulator.consumer.{key}:")
    assert api.get("/api/v2/datapool/other").status_code == 404


@pytest.mark.parametrize(
    ("knob", "key"),
    [(5, "_emulator"), ({"bogus": {}}, "_emulator.bogus"), ({"consumer": 1}, "_emulator.consumer")],
)
def test_a_bad_knob_is_a_400_naming_it(api: Api, knob: Any, key: str) -> None:
    created = api.post("/api/v2/datapool", json={"label": "orders", "_emulator": knob})
    assert created.status_code == 400 and created.json()["message"].startswith(f"{key}:")


def test_the_admin_routes_set_read_replace_and_remove_the_bot(api: Api, emulator: EmulatorHandle) -> None:
    url = f"{emulator.url}/_emulator/datapools/orders/consumer"
    assert api.post("/api/v2/datapool", json={"label": "orders"}).ok
    assert requests.get(url, timeout=10).json() is None

    settings = emulator.set_consumer("orders", rate=5, mode="never")
    assert settings == {**ConsumerSettings().to_json(), "rate": 5.0, "mode": "never"}
    assert requests.get(url, timeout=10).json() == settings
    assert emulator.set_consumer("orders") == ConsumerSettings().to_json()
    for removal in ({}, None):
        emulator.set_consumer("orders", rate=1)
        assert requests.put(url, json=removal, timeout=10).json() is None
        assert requests.get(url, timeout=10).json() is None
    emulator.set_consumer("orders", rate=1)
    assert requests.delete(url, timeout=10).json() is None
    emulator.set_consumer("orders", rate=1)
    emulator.remove_consumer("orders")
    assert requests.get(url, timeout=10).json() is None
    assert requests.put(url, json=[1], timeout=10).status_code == 400


def test_the_admin_routes_404_for_an_unknown_pool(emulator: EmulatorHandle) -> None:
    url = f"{emulator.url}/_emulator/datapools/nowhere/consumer"
    for method in ("GET", "PUT", "DELETE"):
        assert requests.request(method, url, json={"rate": 1}, timeout=10).status_code == 404
    with pytest.raises(urllib.error.HTTPError) as caught:
        emulator.set_consumer("nowhere", rate=1)
    assert caught.value.code == 404


def test_reset_and_deleting_the_pool_forget_the_bot(api: Api, emulator: EmulatorHandle) -> None:
    for label in ("orders", "gone"):
        assert api.post("/api/v2/datapool", json={"label": label}).ok
        emulator.set_consumer(label, rate=FAST)
        _push_http(api, {"n": 1}, label)
    wait_for(
        emulator.stats,
        lambda s: s["datapools"] == {"orders": {"done": 1, "failed": 0}, "gone": {"done": 1, "failed": 0}},
    )
    assert api.request("DELETE", "/api/v2/datapool/gone").ok
    assert emulator.stats()["datapools"] == {"orders": {"done": 1, "failed": 0}}
    emulator.reset()
    assert emulator.stats()["datapools"] == {}
    api.login()
    assert api.post("/api/v2/datapool", json={"label": "orders"}).ok
    _push_http(api, {"n": 1})
    assert requests.get(f"{emulator.url}/_emulator/datapools/orders/consumer", timeout=10).json() is None
    assert _summary(api)["countPending"] == 1


def test_the_official_sdk_reads_what_the_bot_did(emulator: EmulatorHandle) -> None:
    sdk = BotMaestroSDK(emulator.url, emulator.login, emulator.key)
    sdk.login()
    pool = sdk.create_datapool(DataPool("orders", default_automation="demo"))
    emulator.set_consumer(
        "orders", rate=FAST, error_ratio=0.5, error_type="SYSTEM", error_message="order {order}: declined"
    )
    entries = [pool.create_entry(DataPoolEntry(values={"order": f"A-{n}"})) for n in range(4)]

    wait_for(pool.summary, lambda s: s["countDone"] + s["countError"] == 4)

    assert (pool.summary()["countDone"], pool.summary()["countError"]) == (2, 2)
    read = [pool.get_entry(entry.entry_id) for entry in entries]
    assert [(item.state, item.message) for item in read] == [
        ("DONE", "processed by the emulator's bot"),
        ("ERROR", "order A-1: declined"),
        ("DONE", "processed by the emulator's bot"),
        ("ERROR", "order A-3: declined"),
    ]
    assert read[1].error_type == "SYSTEM"
    assert pool.is_empty() and pool.next(task_id="1") is None


def test_the_portal_index_shows_each_pools_bot(api: Api, emulator: EmulatorHandle) -> None:
    for label in ("busy", "plain", "stuck"):
        assert api.post("/api/v2/datapool", json={"label": label}).ok
    emulator.set_consumer("busy", rate=25, error_ratio=0.1)
    emulator.set_consumer("stuck", mode="never")
    _push_http(api, {"n": 1}, "stuck")

    grid = Page(requests.get(f"{emulator.url}/", timeout=10).text).grid("datapools")

    shown = {row["Datapool"]: (row["Processing"], row["Consumer"]) for row in grid}
    assert shown == {
        "busy": ("0", "work, 25 items/s, 10 % fail"),
        "plain": ("0", "-"),
        "stuck": ("1", "never (stuck)"),
    }


def test_the_bot_and_its_count_survive_a_restart(tmp_path: Path) -> None:
    emulator = serve_in_subprocess(state_file=tmp_path / "maestro.jsonl")
    try:
        api = Api(emulator)
        api.login()
        assert api.post("/api/v2/datapool", json={"label": "orders"}).ok
        settings = emulator.set_consumer("orders", rate=FAST, error_ratio=0.5)
        for n in range(3):
            _push_http(api, {"n": n})
        wait_for(emulator.stats, lambda s: s["datapools"] == {"orders": {"done": 2, "failed": 1}})

        emulator.restart(kill=True)

        assert (
            requests.get(f"{emulator.url}/_emulator/datapools/orders/consumer", timeout=10).json() == settings
        )
        assert emulator.stats()["datapools"] == {"orders": {"done": 2, "failed": 1}}
        # Item number 3 fails at 0.5: the numbering went on where the killed process left it.
        entry = _push_http(api, {"n": 3})
        wait_for(emulator.stats, lambda s: s["datapools"] == {"orders": {"done": 2, "failed": 2}})
        assert api.get(f"/api/v2/datapool/orders/entry/{entry['id']}").json()["state"] == "ERROR"
    finally:
        emulator.stop()
