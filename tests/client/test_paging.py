"""Lazy listings: ``iter`` fetches the next page only when the loop has used up this one, and stops."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import Page, Task, ValidationError
from botcity_provider.client._paging import MAX_PAGES, next_page, pages

from ._support import STAY_QUEUED, Twin

LISTING = "GET /api/v2/task"


def page(n: int, *, total_pages: int = 0, last: bool = True) -> Page[Task]:
    tasks = [{"id": i + 1, "state": "START", "activityLabel": "a"} for i in range(n)]
    return Page[Task].model_validate({"content": tasks, "totalPages": total_pages, "last": last})


@pytest.mark.parametrize(
    ("index", "answer", "following"),
    [
        (0, page(2, total_pages=3), 1),
        (2, page(2, total_pages=3), None),
        (0, page(0, total_pages=3), None),  # an empty page ends it, whatever the totals say
        (0, page(2, last=False), 1),  # no totalPages: "last" decides
        (4, page(2, last=True), None),
        (MAX_PAGES - 1, page(2, last=False), None),  # a server that never says "last" is bounded
    ],
)
def test_the_next_page_decision(index: int, answer: Page[Task], following: int | None) -> None:
    assert next_page(index, answer) == following


def test_a_server_ignoring_the_page_number_cannot_loop_for_ever() -> None:
    asked: list[int] = []

    def make(*, page: int) -> Any:
        asked.append(page)
        return page

    endless = page(1, last=False)  # the same page every time, never "last"
    seen = sum(1 for _ in pages(lambda call: endless, make))
    assert seen == MAX_PAGES and asked[-1] == MAX_PAGES - 1


async def _take(items: Iterator[Task] | AsyncIterator[Task], count: int | None) -> list[Task]:
    taken: list[Task] = []
    if isinstance(items, Iterator):
        for item in items:
            taken.append(item)
            if len(taken) == count:
                break
        return taken
    async for item in items:
        taken.append(item)
        if len(taken) == count:
            break
    return taken


async def test_iter_fetches_a_page_only_when_the_loop_reaches_it(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    created = [(await maestro.tasks.create("pages", parameters=STAY_QUEUED)).id for _ in range(5)]
    before = emulator_state.stats()["requests"].get(LISTING, 0)
    items = await maestro.tasks.iter(activity_label="pages", size=2)
    assert not inspect.isawaitable(items)
    assert emulator_state.stats()["requests"].get(LISTING, 0) == before, "iter() itself sends nothing"
    first_two = await _take(items, 2)
    assert emulator_state.stats()["requests"][LISTING] == before + 1
    rest = await _take(items, None)
    assert emulator_state.stats()["requests"][LISTING] == before + 3  # pages of 2, 2 and 1
    assert [t.id for t in first_two + rest] == sorted(created, reverse=True)


async def test_iter_refuses_a_bad_size_when_called_not_at_the_first_item(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    with pytest.raises(ValidationError, match="size: must be from 1 to 1000, got 0"):
        await maestro.tasks.iter(size=0)
    assert emulator_state.stats()["requests_total"] == 0
