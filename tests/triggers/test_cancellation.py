"""A trigger the triggerer cancels ends, even when the cancellation comes in the step its update does.

Python 3.11's ``asyncio.wait_for`` returned the awaited result instead of raising in that step: a
cancelled wait then went on waiting (until its deadline, hours away), and kept its poller listing. Seen
in ``bench/shared_listing.py``, whose cancelled waits (now and then) kept a poller listing for minutes. A
race no emulator run reaches on purpose, so it is set up here step by step.
"""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest

from botcity_provider.triggers._shared_poller import newest, wait_set

STEPS = 100  # far more loop steps than a cancelled task needs to end


async def _steps_until_done(task: asyncio.Task) -> None:
    for _ in range(STEPS):
        if task.done():
            return
        await asyncio.sleep(0)


async def test_a_wait_cancelled_in_the_step_its_update_comes_ends() -> None:
    waiter = SimpleNamespace(latest=None, ready=asyncio.Event())
    seen: list[str] = []

    async def read() -> None:
        async for item in newest(waiter, time.time() + 3600):
            seen.append(item)

    task = asyncio.ensure_future(read())
    await _steps_until_done(task)  # it runs up to its wait, and waits
    assert not task.done()
    waiter.latest = "the task, changed"
    waiter.ready.set()
    task.cancel()
    await _steps_until_done(task)
    assert task.cancelled(), "the cancelled wait went on waiting"
    assert seen == []


async def test_the_poller_cancelled_in_the_step_it_is_woken_ends() -> None:
    wake = asyncio.Event()
    task = asyncio.ensure_future(wait_set(wake, 3600))
    await _steps_until_done(task)
    assert not task.done()
    wake.set()
    task.cancel()
    await _steps_until_done(task)
    assert task.cancelled()


@pytest.mark.parametrize(("set_first", "expected"), [(True, True), (False, False)])
async def test_wait_set_tells_whether_the_event_came(set_first: bool, expected: bool) -> None:
    event = asyncio.Event()
    if set_first:
        event.set()
    assert await wait_set(event, 0.01) is expected
