"""``client.runners`` against the emulator, over loopback HTTP, with each client in turn.

The routes are unverified, so the models keep what they do not know; runners are seeded through the
emulator's admin routes (``EmulatorHandle.add_runner`` and friends). The emulator's own runner,
``emulator-runner``, is always there: every task it picks up carries its id.
"""

from __future__ import annotations

from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import NotFoundError, Page, TaskState
from botcity_provider.client._models.runners import Runner, RunnerLogLine, RunnerTasksSummary

from ._support import STAY_QUEUED, STAY_RUNNING, Twin, collect, refused

OWN = "emulator-runner"
PAGE_ROUTE = "GET /api/v2/machine/pagination"


def _seed(emulator: EmulatorHandle) -> None:
    emulator.add_runner("vm-01", name="Billing VM", type="DESKTOP", version="2.4.0")
    emulator.add_runner("vm-02", online=False, type="DESKTOP")
    emulator.add_runner("srv-01", name="Server", type="SERVER")


def _ids(page: Page[Runner]) -> list[str | None]:
    return [runner.machine_id for runner in page.content]


async def test_get_reads_a_runner(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    _seed(emulator_state)
    runner = await maestro.runners.get("vm-01")
    assert isinstance(runner, Runner)
    assert (runner.machine_id, runner.name, runner.is_online, runner.type, runner.version) == (
        "vm-01",
        "Billing VM",
        True,
        "DESKTOP",
        "2.4.0",
    )
    assert runner.model_extra == {"id": "vm-01"}  # a field the model does not name is kept
    assert runner.date_last_connection is not None and runner.date_last_connection.tzinfo is not None


async def test_online_follows_the_runner(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    emulator_state.add_runner("vm-01")
    emulator_state.set_runner_online("vm-01", False)
    assert (await maestro.runners.get("vm-01")).is_online is False
    emulator_state.set_runner_online("vm-01", True)
    assert (await maestro.runners.get("vm-01")).is_online is True


async def test_an_unknown_runner_is_not_found_on_every_route(maestro: Twin) -> None:
    for call in (maestro.runners.get, maestro.runners.log, maestro.runners.tasks_summary):
        with pytest.raises(NotFoundError, match="runner 'ghost' not found"):
            await call("ghost")


async def test_list_is_one_page_in_id_order(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    _seed(emulator_state)
    first = await maestro.runners.list(size=3)
    assert _ids(first) == [OWN, "srv-01", "vm-01"]
    assert (first.total_elements, first.total_pages, first.last) == (4, 2, False)
    assert _ids(await maestro.runners.list(page=1, size=3)) == ["vm-02"]


@pytest.mark.parametrize(
    ("filters", "ids"),
    [
        ({"online": True}, [OWN, "srv-01", "vm-01"]),
        ({"online": False}, ["vm-02"]),
        ({"type": "SERVER"}, ["srv-01"]),
        ({"online": True, "type": "DESKTOP"}, [OWN, "vm-01"]),  # the own runner is a DESKTOP too
    ],
)
async def test_list_filters(
    maestro: Twin, emulator_state: EmulatorHandle, filters: dict[str, Any], ids: list[str]
) -> None:
    _seed(emulator_state)
    assert _ids(await maestro.runners.list(**filters)) == ids


async def test_iter_walks_every_page_once(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    _seed(emulator_state)
    before = emulator_state.stats()["requests"].get(PAGE_ROUTE, 0)
    items = await maestro.runners.iter(size=3)
    assert emulator_state.stats()["requests"].get(PAGE_ROUTE, 0) == before, "iter() itself sends nothing"
    assert [r.machine_id for r in await collect(items)] == [OWN, "srv-01", "vm-01", "vm-02"]
    assert emulator_state.stats()["requests"][PAGE_ROUTE] == before + 2
    offline = await collect(await maestro.runners.iter(size=1, online=False))
    assert [r.machine_id for r in offline] == ["vm-02"]


async def test_log_reads_the_lines_oldest_first(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    emulator_state.add_runner("vm 01")
    assert await maestro.runners.log("vm 01") == []
    emulator_state.add_runner_log("vm 01", "connected")
    emulator_state.add_runner_log("vm 01", "disk almost full", level="WARN")
    lines = await maestro.runners.log("vm 01")
    assert all(isinstance(line, RunnerLogLine) for line in lines)
    assert [(line.level, line.message, line.machine_id) for line in lines] == [
        ("INFO", "connected", "vm 01"),
        ("WARN", "disk almost full", "vm 01"),
    ]
    first, second = (line.date_creation for line in lines)
    assert first is not None and second is not None and first <= second


async def test_tasks_summary_counts_what_the_runner_ran(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    for outcome in ("SUCCESS", "SUCCESS", "FAILED"):
        parameters = {"_emulator": {"queue_seconds": 0, "run_seconds": 0, "outcome": outcome}}
        await maestro.tasks.create("summary", parameters=parameters)
    running = await maestro.tasks.create("summary", parameters=STAY_RUNNING)
    await maestro.tasks.create("summary", parameters=STAY_QUEUED)  # never picked up: not the runner's
    assert (await maestro.tasks.get(running.id)).state is TaskState.RUNNING
    summary = await maestro.runners.tasks_summary(OWN)
    assert isinstance(summary, RunnerTasksSummary)
    assert (summary.machine_id, summary.days, summary.total) == (OWN, 30, 4)
    assert summary.states == {"START": 0, "RUNNING": 1, "FINISHED": 3, "CANCELED": 0}
    assert summary.finish_statuses == {"SUCCESS": 2, "FAILED": 1, "PARTIALLY_COMPLETED": 0}
    assert (await maestro.runners.tasks_summary(OWN, days=1)).days == 1


async def test_a_runner_that_ran_nothing_has_zero_tasks(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    emulator_state.add_runner("vm-01")
    await maestro.tasks.create("summary", parameters={"_emulator": {"queue_seconds": 0, "run_seconds": 0}})
    summary = await maestro.runners.tasks_summary("vm-01", days=7)
    assert summary.total == 0 and not any(summary.states.values())


# --- bad input: refused before any request -----------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "log", "tasks_summary"])
async def test_bad_input_an_empty_runner_id(
    maestro: Twin, emulator_state: EmulatorHandle, method: str
) -> None:
    message = await refused(emulator_state, getattr(maestro.runners, method)(" "), "runner_id")
    assert message == "runner_id: is empty; give the runner's machine id"


async def test_bad_input_a_runner_id_that_is_not_text(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.runners.get(None), "runner_id")
    assert message == "runner_id: must be the runner's machine id (text), got None"


@pytest.mark.parametrize("size", [0, 1001])
async def test_bad_input_a_page_size_out_of_range(
    maestro: Twin, emulator_state: EmulatorHandle, size: int
) -> None:
    message = await refused(emulator_state, maestro.runners.list(size=size), "size")
    assert message == f"size: must be from 1 to 1000, got {size}"


@pytest.mark.parametrize("days", [0, -1])
async def test_bad_input_days_below_one(maestro: Twin, emulator_state: EmulatorHandle, days: int) -> None:
    message = await refused(emulator_state, maestro.runners.tasks_summary(OWN, days=days), "days")
    assert message == f"days: must be a positive number of days, got {days}"


async def test_bad_input_online_that_is_not_a_boolean(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.runners.list(online="yes"), "online")
    assert message == "online: must be True, False or None, got 'yes'"
