"""Each item pushed once, whatever the network does: push_once against the emulator."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from botcity_provider.client import AsyncMaestroClient, DatapoolSummary, NotFoundError
from botcity_provider.hooks.datapools import ItemSource, Marker, PushIncompleteError, push_once, wait_step

PUSH = "POST /api/v2/datapool/{label}/push"
VIEW = "GET /api/v2/datapool/{label}/view"
MARKER = Marker.of_task_instance("airflow_key", "dag", "run", "push", -1)


def _rows(count: int) -> ItemSource:
    return ItemSource([{"order": n} for n in range(count)], key_field="order", reserved_field="airflow_key")


async def _push(client: AsyncMaestroClient, count: int, *, look_first: bool = False, concurrency: int = 4):
    source = _rows(count)
    return await push_once(
        client,
        "orders",
        source,
        MARKER,
        count=source.check(),
        priority=0,
        concurrency=concurrency,
        look_first=look_first,
        logger=logging.getLogger("test"),
    )


async def _keys(client: AsyncMaestroClient) -> Counter[str]:
    return Counter(
        [e.values["airflow_key"] async for e in client.datapools.iter_entries("orders", size=1000)]
    )


async def test_a_first_try_costs_one_request_per_item_and_lists_nothing(emulator_state, async_client) -> None:
    await async_client.datapools.create("orders")
    report = await _push(async_client, 40)
    requests = emulator_state.stats()["requests"]
    assert (requests[PUSH], requests.get(VIEW, 0)) == (40, 0)
    assert (report.pushed, report.found, report.push_requests, report.listings) == (40, 0, 40, 0)
    entries = {e.id: e async for e in async_client.datapools.iter_entries("orders", size=1000)}
    assert [entries[i].values["order"] for i in report.ids] == list(range(40)), "ids are in the items' order"
    assert entries[report.ids[7]].values["airflow_key"] == "dag/run/push/-1#7"


async def test_a_retry_lists_the_pool_once_and_pushes_only_what_is_missing(
    emulator_state, async_client
) -> None:
    await async_client.datapools.create("orders")
    first = await _push(async_client, 15)  # an earlier try pushed the first 15 of 40
    before = emulator_state.stats()["requests"][PUSH]
    report = await _push(async_client, 40, look_first=True)
    assert emulator_state.stats()["requests"][PUSH] - before == 25
    assert (report.pushed, report.found, report.listings) == (25, 15, 1)
    assert report.ids[:15] == first.ids
    assert set((await _keys(async_client)).values()) == {1} and len(await _keys(async_client)) == 40


async def test_lost_answers_are_looked_up_not_pushed_twice(emulator_state, async_client) -> None:
    await async_client.datapools.create("orders")
    emulator_state.set_faults(script=[{"match": PUSH, "action": "lost", "count": 5}])
    report = await _push(async_client, 30)
    keys = await _keys(async_client)
    assert len(keys) == 30 and set(keys.values()) == {1}, "a lost answer made a duplicate or lost an item"
    stats = emulator_state.stats()
    assert stats["requests"][PUSH] == 30, "a push whose answer was lost was sent again"
    assert report.listings == 1 and all(report.ids)


async def test_a_gateway_error_may_have_acted_so_the_pool_is_asked(emulator_state, async_client) -> None:
    await async_client.datapools.create("orders")
    # A 503 from a proxy did not act: the item is missing, and the look after the round finds so.
    emulator_state.set_faults(script=[{"match": PUSH, "action": "status", "status": 503, "count": 3}])
    report = await _push(async_client, 10, concurrency=1)
    assert len(await _keys(async_client)) == 10
    assert report.pushed == 10 and report.listings == 1


async def test_429s_hold_the_pushers_and_every_item_lands_once(emulator_state, async_client) -> None:
    await async_client.datapools.create("orders")
    emulator_state.set_faults(
        script=[{"match": PUSH, "action": "status", "status": 429, "retry_after": 0.2, "count": 12}]
    )
    report = await _push(async_client, 20)
    keys = await _keys(async_client)
    assert len(keys) == 20 and set(keys.values()) == {1}
    assert report.listings == 0, "a 429 did not act: nothing to look up"


async def test_an_unknown_pool_fails_at_the_first_push(emulator_state, async_client) -> None:
    with pytest.raises(NotFoundError):
        await _push(async_client, 50, concurrency=4)
    assert emulator_state.stats()["requests"][PUSH] <= 4, "a refusal that no retry mends went on pushing"


async def test_pushes_that_keep_failing_end_with_what_is_missing(emulator_state, async_client) -> None:
    await async_client.datapools.create("orders")
    emulator_state.set_faults(script=[{"match": PUSH, "action": "status", "status": 503, "count": 1000}])
    with pytest.raises(PushIncompleteError, match="3 of 3 items could not be pushed"):
        await _push(async_client, 3, concurrency=1)


def _summary(pending: int, processing: int, done: int) -> DatapoolSummary:
    return DatapoolSummary(count_pending=pending, count_processing=processing, count_done=done)


@pytest.mark.parametrize(
    ("summary", "before", "step"),
    [
        (_summary(0, 0, 5), None, "done"),
        (_summary(0, 0, 5), 2, "done"),
        (_summary(3, 1, 5), None, "check"),
        (_summary(3, 1, 5), 4, "check"),
        (_summary(3, 1, 5), 5, "wait"),
    ],
)
def test_the_wait_step(summary: DatapoolSummary, before: int | None, step: str) -> None:
    assert wait_step(summary, before) == step
