"""``client.tasks`` against the emulator, over loopback HTTP, with each client in turn."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import (
    IDEMPOTENCY_PARAMETER,
    FinishStatus,
    MaestroAPIError,
    NotFoundError,
    TaskState,
)

from ._support import STAY_QUEUED, STAY_RUNNING, Twin


async def test_create_then_get(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    created = await maestro.tasks.create(
        "invoices", parameters={"month": "11", **STAY_QUEUED}, priority=7, test=True
    )
    assert created.state is TaskState.START
    assert (created.activity_label, created.priority, created.test) == ("invoices", 7, True)
    assert created.parameters["month"] == "11"
    fetched = await maestro.tasks.get(created.id)
    assert fetched.id == created.id
    assert fetched.parameters == created.parameters
    assert emulator_state.stats()["tasks_created"] == 1


async def test_create_with_a_minimum_execution_date(maestro: Twin) -> None:
    later = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    created = await maestro.tasks.create("invoices", min_execution_date=later)
    assert created.min_execution_date == later


async def test_get_accepts_the_id_as_text(maestro: Twin) -> None:
    created = await maestro.tasks.create("invoices", parameters=STAY_QUEUED)
    assert (await maestro.tasks.get(str(created.id))).id == created.id


async def test_get_of_an_unknown_task_is_not_found(maestro: Twin) -> None:
    with pytest.raises(NotFoundError) as caught:
        await maestro.tasks.get(999)
    assert caught.value.status == 404
    assert "999" in caught.value.server_message
    assert "Check the Maestro task id" in str(caught.value)


async def test_a_task_runs_to_its_end(maestro: Twin) -> None:
    created = await maestro.tasks.create("invoices")
    for _ in range(100):
        task = await maestro.tasks.get(created.id)
        if task.is_terminal:
            break
        await asyncio.sleep(0.05)
    assert task.state is TaskState.FINISHED
    assert task.finish_status is FinishStatus.SUCCESS
    assert task.machine_id is not None


async def test_list_filters_by_activity_label(maestro: Twin) -> None:
    for label in ("a", "b", "a"):
        await maestro.tasks.create(label, parameters=STAY_QUEUED)
    page = await maestro.tasks.list(activity_label="a")
    assert [task.activity_label for task in page.content] == ["a", "a"]
    assert page.total_elements == 2


async def test_list_filters_by_states(maestro: Twin) -> None:
    queued = await maestro.tasks.create("a", parameters=STAY_QUEUED)
    canceled = await maestro.tasks.create("a", parameters=STAY_QUEUED)
    await maestro.tasks.cancel(canceled.id)
    only_canceled = await maestro.tasks.list(states=[TaskState.CANCELED])
    assert [task.id for task in only_canceled.content] == [canceled.id]
    both = await maestro.tasks.list(states=["START", TaskState.CANCELED])
    assert {task.id for task in both.content} == {queued.id, canceled.id}


async def test_list_pages_newest_first(maestro: Twin) -> None:
    ids = [(await maestro.tasks.create("a", parameters=STAY_QUEUED)).id for _ in range(5)]
    seen = []
    for number in range(3):
        page = await maestro.tasks.list(page=number, size=2)
        assert (page.number, page.size, page.total_elements, page.total_pages) == (number, 2, 5, 3)
        assert page.last is (number == 2)
        seen += [task.id for task in page.content]
    assert seen == sorted(ids, reverse=True)
    beyond = await maestro.tasks.list(page=3, size=2)
    assert beyond.content == []


async def test_list_honours_size(maestro: Twin) -> None:
    for _ in range(3):
        await maestro.tasks.create("a", parameters=STAY_QUEUED)
    assert len((await maestro.tasks.list(size=1)).content) == 1
    assert len((await maestro.tasks.list(size=1000)).content) == 3


async def test_finish_reports_status_message_and_items(maestro: Twin) -> None:
    created = await maestro.tasks.create("a", parameters=STAY_QUEUED)
    task = await maestro.tasks.finish(created.id, "PARTIALLY_COMPLETED", "2 of 3", items=(3, 2, 1))
    assert task.state is TaskState.FINISHED
    assert task.finish_status is FinishStatus.PARTIALLY_COMPLETED
    assert task.finish_message == "2 of 3"
    assert (task.total_items, task.processed_items, task.failed_items) == (3, 2, 1)
    again = await maestro.tasks.finish(created.id, FinishStatus.FAILED)
    assert again.finish_status is FinishStatus.FAILED
    assert again.total_items is None


async def test_restart_queues_a_finished_task_again(maestro: Twin) -> None:
    created = await maestro.tasks.create("a", parameters=STAY_QUEUED)
    await maestro.tasks.finish(created.id, FinishStatus.SUCCESS)
    restarted = await maestro.tasks.restart(created.id)
    assert restarted.state is TaskState.START
    assert restarted.finish_status is None


async def test_cancel_a_queued_task(maestro: Twin) -> None:
    created = await maestro.tasks.create("a", parameters=STAY_QUEUED)
    canceled = await maestro.tasks.cancel(created.id)
    assert canceled.state is TaskState.CANCELED
    assert canceled.is_terminal


async def test_interrupt_asks_a_running_bot_to_stop(maestro: Twin) -> None:
    created = await maestro.tasks.create("a", parameters=STAY_RUNNING)
    assert (await maestro.tasks.get(created.id)).state is TaskState.RUNNING
    interrupted = await maestro.tasks.interrupt(created.id)
    assert interrupted.interrupted
    assert not interrupted.killed
    for _ in range(50):
        task = await maestro.tasks.get(created.id)
        if task.is_terminal:
            break
        await asyncio.sleep(0.05)
    assert (task.state, task.finish_status) == (TaskState.FINISHED, FinishStatus.FAILED)


async def test_kill_ends_a_running_task(maestro: Twin) -> None:
    created = await maestro.tasks.create("a", parameters=STAY_RUNNING)
    assert (await maestro.tasks.get(created.id)).state is TaskState.RUNNING
    killed = await maestro.tasks.kill(created.id)
    assert killed.killed
    assert killed.interrupted
    assert killed.state is TaskState.FINISHED


async def test_updates_of_an_unknown_task_are_not_found(maestro: Twin) -> None:
    for action in ("restart", "interrupt", "cancel", "kill"):
        with pytest.raises(NotFoundError):
            await getattr(maestro.tasks, action)(4242)


async def test_create_with_a_key_stores_it_and_find_returns_the_task(maestro: Twin) -> None:
    since = datetime.now(UTC) - timedelta(seconds=5)
    created = await maestro.tasks.create("a", parameters={"x": 1}, idempotency_key="dag/run-1/task")
    assert created.parameters == {"x": 1, IDEMPOTENCY_PARAMETER: "dag/run-1/task"}
    await maestro.tasks.create("a", idempotency_key="dag/run-2/task")
    await maestro.tasks.create("b", idempotency_key="dag/run-1/task")
    found = await maestro.tasks.find("a", "dag/run-1/task", since=since)
    assert found is not None
    assert found.id == created.id
    by_prefix = await maestro.tasks.find("a", "dag/run-1", since=since, prefix=True)
    assert by_prefix is not None
    assert by_prefix.id == created.id
    assert await maestro.tasks.find("a", "dag/run-3/task", since=since) is None


async def test_a_server_side_refusal_is_an_api_error_with_the_servers_words(maestro: Twin) -> None:
    # The client checks what it can; the emulator refuses a malformed override, as a server would.
    with pytest.raises(MaestroAPIError) as caught:
        await maestro.tasks.create("a", parameters={"_emulator": {"outcome": "MAYBE"}})
    assert caught.value.status == 400
    assert "parameters._emulator.outcome" in caught.value.server_message
