"""``client.artifacts.list``/``iter`` by task, with each client in turn, and with a server that ignores the
``taskId`` filter (the official SDK never sends it)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import ValidationError
from botcity_provider.client._core import Call, RawResponse
from botcity_provider.client._endpoints import artifacts as listing

from ._support import STAY_QUEUED, Twin, collect


async def two_tasks_with_artifacts(maestro: Twin, tmp_path: Path) -> tuple[int, int, list[int]]:
    report = tmp_path / "report.csv"
    report.write_text("a,b\n1,2\n")
    mine = await maestro.tasks.create("billing", parameters=STAY_QUEUED)
    other = await maestro.tasks.create("billing", parameters=STAY_QUEUED)
    ids = []
    for index in range(3):
        ids.append((await maestro.artifacts.upload(mine.id, report, name=f"mine-{index}")).id)
        await maestro.artifacts.upload(other.id, report, name=f"other-{index}")
    return mine.id, other.id, ids


async def test_list_by_task_gives_only_that_tasks_artifacts(maestro: Twin, tmp_path: Path) -> None:
    mine, _, ids = await two_tasks_with_artifacts(maestro, tmp_path)
    page = await maestro.artifacts.list(task_id=mine, size=2)
    assert [artifact.id for artifact in page.content] == sorted(ids, reverse=True)[:2]  # newest first
    assert {artifact.task_id for artifact in page.content} == {mine}
    assert (len(page.content), page.total_elements) == (2, 3)
    assert len((await maestro.artifacts.list(size=100)).content) == 6


async def test_iter_by_task_reads_every_page(maestro: Twin, tmp_path: Path) -> None:
    mine, other, ids = await two_tasks_with_artifacts(maestro, tmp_path)
    found = await collect(await maestro.artifacts.iter(task_id=str(mine), size=1))
    assert sorted(artifact.id for artifact in found) == sorted(ids)
    assert len(await collect(await maestro.artifacts.iter(task_id=other, size=2))) == 3


async def test_iter_by_task_is_right_when_the_server_ignores_the_filter(
    maestro: Twin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, _, ids = await two_tasks_with_artifacts(maestro, tmp_path)
    original = listing.artifact_pages

    def without_filter(**kwargs: Any) -> Call[Any]:
        call = original(**kwargs)
        assert ("taskId", str(mine)) in call.query
        return replace(call, query=tuple(item for item in call.query if item[0] != "taskId"))

    monkeypatch.setattr(listing, "artifact_pages", without_filter)
    # Pages of one artifact: most of them hold only the other task's, and the listing must go on past them.
    found = await collect(await maestro.artifacts.iter(task_id=mine, size=1))
    assert sorted(artifact.id for artifact in found) == sorted(ids)


def test_a_page_of_every_task_is_filtered_to_the_one_asked_for() -> None:
    call = listing.list_artifacts(task_id=7, size=10)
    assert ("taskId", "7") in call.query
    page = {"content": [{"id": 1, "taskId": 7}, {"id": 2, "taskId": 8}], "totalPages": 1, "totalElements": 2}
    parsed = call.parse(RawResponse(200, {}, json.dumps(page).encode()))
    assert [artifact.id for artifact in parsed.content] == [1]
    assert parsed.total_elements == 2  # the server's count, of every task


async def test_a_bad_task_id_is_refused_before_any_request(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    with pytest.raises(ValidationError) as caught:
        await maestro.artifacts.iter(task_id=0)
    assert str(caught.value) == "task_id: must be a positive task id, got 0"
    with pytest.raises(ValidationError) as caught:
        await maestro.artifacts.list(task_id=3, size=0)
    assert str(caught.value) == "size: must be from 1 to 1000, got 0"
    assert emulator_state.stats()["requests_total"] == 0
