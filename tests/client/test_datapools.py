"""``client.datapools`` against the emulator, over loopback HTTP, with each client in turn."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import ConflictError, NotFoundError, ValidationError
from botcity_provider.client._models.datapools import Datapool, DatapoolField, EntryState

from ._support import STAY_QUEUED, Twin, collect, refused, requests_to

ENTRY_ROUTE = "/api/v2/datapool/{label}/entry/{entryId}"


async def test_create_sends_the_sdk_defaults_and_returns_the_pool_as_stored(maestro: Twin) -> None:
    fields = [DatapoolField(label="order", type="INTEGER", unique_id=True), {"label": "sku"}]
    pool = await maestro.datapools.create("orders", default_automation="billing", fields=fields)
    assert isinstance(pool, Datapool)
    assert (pool.label, pool.default_automation, pool.consumption_policy, pool.trigger) == (
        "orders",
        "billing",
        "FIFO",
        "NEVER",
    )
    assert [(f.label, f.type, f.unique_id, f.display_value) for f in pool.fields] == [
        ("order", "INTEGER", True, False),
        ("sku", "TEXT", False, False),
    ]
    assert (pool.auto_retry, pool.max_auto_retry, pool.abort_on_error, pool.active) == (True, 0, True, True)
    assert (pool.item_max_processing_time, pool.repository_label) == (0, "DEFAULT")
    assert pool.id and await maestro.datapools.get("orders") == pool


async def test_a_label_cannot_be_created_twice(maestro: Twin) -> None:
    await maestro.datapools.create("orders")
    with pytest.raises(ConflictError):
        await maestro.datapools.create("orders")


async def test_an_unknown_pool_is_not_found(maestro: Twin) -> None:
    with pytest.raises(NotFoundError, match="Check the datapool label"):
        await maestro.datapools.get("nope")
    with pytest.raises(NotFoundError):
        await maestro.datapools.next("nope")


async def test_update_changes_only_what_it_is_given(maestro: Twin) -> None:
    await maestro.datapools.create("orders", name="Orders", max_auto_retry=3, consumption_policy="LIFO")
    updated = await maestro.datapools.update("orders", trigger="ALWAYS", name="Orders of November")
    assert (updated.trigger, updated.name) == ("ALWAYS", "Orders of November")
    assert (updated.max_auto_retry, updated.consumption_policy) == (3, "LIFO")
    assert await maestro.datapools.get("orders") == updated


async def test_an_inactive_pool_takes_pushes_but_gives_nothing(maestro: Twin) -> None:
    await maestro.datapools.create("orders")
    assert (await maestro.datapools.deactivate("orders")).active is False
    await maestro.datapools.push("orders", {"n": 1})
    assert await maestro.datapools.next("orders") is None
    assert (await maestro.datapools.summary("orders")).count_pending == 1
    assert (await maestro.datapools.activate("orders")).active is True
    taken = await maestro.datapools.next("orders")
    assert taken is not None and taken.values == {"n": 1}


async def test_push_many_pushes_each_item_in_order(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    await maestro.datapools.create("orders")
    pushed = await maestro.datapools.push_many("orders", [{"n": 1}, {"n": 2}, {"n": 3}], priority=4)
    assert [entry.values for entry in pushed] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert {(entry.state, entry.priority, entry.datapool_label) for entry in pushed} == {
        (EntryState.PENDING, 4, "orders")
    }
    assert len({entry.id for entry in pushed}) == 3
    assert requests_to(emulator_state, "POST /api/v2/datapool/{label}/push") == 3


async def test_a_failed_push_says_how_many_went_before_it(maestro: Twin) -> None:
    with pytest.raises(NotFoundError) as caught:
        await maestro.datapools.push_many("nope", [{"n": 1}, {"n": 2}])
    assert caught.value.__notes__ == ["0 of 2 items were pushed before this one failed"]


async def test_next_takes_the_highest_priority_first_then_the_oldest(maestro: Twin) -> None:
    await maestro.datapools.create("orders")
    for n, priority in ((1, 0), (2, 9), (3, 0), (4, 9)):
        await maestro.datapools.push("orders", {"n": n}, priority=priority)
    taken = [await maestro.datapools.next("orders") for _ in range(5)]
    assert [entry.values["n"] if entry else None for entry in taken] == [2, 4, 1, 3, None]
    assert all(entry.state is EntryState.PROCESSING for entry in taken if entry)
    summary = await maestro.datapools.summary("orders")
    assert (summary.count_pending, summary.count_processing) == (0, 4)


async def test_done_and_failed_report_the_state_the_sdk_sends(maestro: Twin) -> None:
    task = await maestro.tasks.create("billing", parameters=STAY_QUEUED)
    await maestro.datapools.create("orders")
    await maestro.datapools.push_many("orders", [{"n": 1}, {"n": 2}])
    first, second = await maestro.datapools.next("orders"), await maestro.datapools.next("orders")
    assert first is not None and second is not None and first.id and second.id
    done = await maestro.datapools.done("orders", first.id, "all good", task_id=task.id)
    assert (done.state, done.message, done.task_id, done.values) == (
        "DONE",
        "all good",
        str(task.id),
        {"n": 1},
    )
    assert done.date_finished is not None
    failed = await maestro.datapools.failed("orders", second.id, "bad sku", error_type="BUSINESS")
    assert (failed.state, failed.message, failed.error_type) == ("ERROR", "bad sku", "BUSINESS")
    assert await maestro.datapools.get_entry("orders", second.id) == failed
    summary = await maestro.datapools.summary("orders")
    assert (summary.count_done, summary.count_error, summary.count_processing) == (1, 1, 0)


async def test_a_pending_item_cannot_be_reported(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    await maestro.datapools.create("orders")
    entry = await maestro.datapools.push("orders", {"n": 1})
    assert entry.id
    with pytest.raises(
        ValidationError, match="is PENDING: it can be reported DONE from anything but PENDING"
    ):
        await maestro.datapools.done("orders", entry.id)
    assert requests_to(emulator_state, f"POST {ENTRY_ROUTE}") == 0


async def test_cancel_a_pending_item_but_not_a_taken_one(maestro: Twin) -> None:
    await maestro.datapools.create("orders")
    await maestro.datapools.push_many("orders", [{"n": 1}, {"n": 2}])
    taken = await maestro.datapools.next("orders")
    pending = (await maestro.datapools.entries("orders", state="PENDING")).content
    assert taken is not None and taken.id and [entry.values for entry in pending] == [{"n": 2}]
    canceled = await maestro.datapools.cancel("orders", pending[0].id or "", "not needed")
    assert (canceled.state, canceled.message) == ("CANCELED", "not needed")
    with pytest.raises(ValidationError, match="is PROCESSING: it can be canceled from PENDING"):
        await maestro.datapools.cancel("orders", taken.id)
    assert await maestro.datapools.next("orders") is None


async def test_delete_an_item_unless_a_bot_holds_it(maestro: Twin) -> None:
    await maestro.datapools.create("orders")
    kept, taken = await maestro.datapools.push_many("orders", [{"n": 1}, {"n": 2}])
    assert kept.id and taken.id
    assert (await maestro.datapools.next("orders")) == (await maestro.datapools.get_entry("orders", kept.id))
    with pytest.raises(ValidationError, match="is PROCESSING: it can be deleted from PENDING, CANCELED"):
        await maestro.datapools.delete_entry("orders", kept.id)
    assert await maestro.datapools.delete_entry("orders", taken.id) is None
    with pytest.raises(NotFoundError):
        await maestro.datapools.get_entry("orders", taken.id)


async def test_entries_pages_and_state_filter(maestro: Twin) -> None:
    await maestro.datapools.create("orders")
    await maestro.datapools.push_many("orders", [{"n": n} for n in range(5)])
    await maestro.datapools.next("orders")
    first = await maestro.datapools.entries("orders", size=2)
    assert (len(first.content), first.total_elements, first.total_pages) == (2, 5, 3)
    assert first.content[0].datapool_label == "orders"
    everything = await collect(await maestro.datapools.iter_entries("orders", size=2))
    assert sorted(entry.values["n"] for entry in everything) == [0, 1, 2, 3, 4]
    pending = await collect(await maestro.datapools.iter_entries("orders", size=2, state=EntryState.PENDING))
    assert sorted(entry.values["n"] for entry in pending) == [1, 2, 3, 4]
    processing = await maestro.datapools.entries("orders", state="processing")
    assert [entry.values for entry in processing.content] == [{"n": 0}]


async def test_list_and_iter_pools(maestro: Twin) -> None:
    for label in ("b-pool", "a-pool", "c-pool"):
        await maestro.datapools.create(label)
    page = await maestro.datapools.list(size=2)
    assert (page.total_elements, len(page.content)) == (3, 2)
    labels = [pool.label for pool in await collect(await maestro.datapools.iter(size=2))]
    assert sorted(labels) == ["a-pool", "b-pool", "c-pool"]


# --- bad input: refused before any request ---------------------------------------------------------


async def test_an_empty_label_is_refused(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.datapools.create("  "), "label")
    assert message == "label: is empty; give the datapool's label"


async def test_an_entry_json_cannot_encode_is_refused(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    items = [{"n": 1}, {"at": datetime(2026, 11, 1, tzinfo=UTC)}]
    message = await refused(emulator_state, maestro.datapools.push_many("orders", items), "items[1]['at']")
    assert message == (
        "items[1]['at']: is a datetime, which JSON cannot encode (pass it as an ISO-8601 string)"
    )


async def test_a_page_size_out_of_range_is_refused(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.datapools.entries("orders", size=0), "size")
    assert message == "size: must be from 1 to 1000, got 0"


async def test_a_bad_setting_is_refused(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    fields = [{"label": "n", "type": "FLOAT"}]
    message = await refused(
        emulator_state, maestro.datapools.create("orders", fields=fields), "fields[0].type"
    )
    assert message == "fields[0].type: input should be 'TEXT', 'INTEGER' or 'DOUBLE'"
