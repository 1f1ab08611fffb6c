"""Response models: tolerant of what a newer or older Maestro may send."""

from __future__ import annotations

import json

import pydantic
import pytest

from botcity_provider.client import FinishStatus, Page, Task, TaskState
from botcity_provider.client import _endpoints as api
from botcity_provider.client._core import RawResponse

SPRING_PAGE = {
    "content": [{"id": 7, "state": "FINISHED"}, {"id": 6, "state": "RUNNING"}],
    "totalPages": 3,
    "totalElements": 5,
    "number": 1,
    "size": 2,
    "numberOfElements": 2,
    "first": False,
    "last": False,
    "empty": False,
    "sort": {"sorted": True, "unsorted": False, "empty": False},
    "pageable": {"pageNumber": 1, "pageSize": 2, "offset": 2, "paged": True, "unpaged": False},
}


@pytest.mark.parametrize("value", ["TIMEOUT", "WEIRD"])
def test_a_state_the_client_does_not_know_parses_and_is_not_terminal(value: str) -> None:
    task = Task.model_validate({"id": 1, "state": value})
    assert isinstance(task.state, TaskState)
    assert task.state == value
    assert not task.state.is_terminal
    assert not task.is_terminal


def test_an_unknown_state_is_always_the_same_object() -> None:
    first = Task.model_validate({"id": 1, "state": "PAUSED"}).state
    assert Task.model_validate({"id": 2, "state": "PAUSED"}).state is first
    assert TaskState("PAUSED") is first


@pytest.mark.parametrize(
    ("state", "terminal"), [("START", False), ("RUNNING", False), ("FINISHED", True), ("CANCELED", True)]
)
def test_only_finished_and_canceled_are_terminal(state: str, terminal: bool) -> None:
    assert Task.model_validate({"id": 1, "state": state}).is_terminal is terminal


def test_an_unknown_finish_status_parses() -> None:
    task = Task.model_validate({"id": 1, "state": "FINISHED", "finishStatus": "WEIRD"})
    assert isinstance(task.finish_status, FinishStatus)
    assert task.finish_status == "WEIRD"
    assert task.is_terminal


def test_an_empty_state_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        Task.model_validate({"id": 1, "state": ""})


def test_nulls_become_the_plain_defaults() -> None:
    task = Task.model_validate(
        {
            "id": 1,
            "state": "START",
            "parameters": None,
            "test": None,
            "interrupted": None,
            "killed": None,
            "totalItems": None,
            "finishStatus": None,
        }
    )
    assert task.parameters == {}
    assert (task.test, task.interrupted, task.killed) == (False, False, False)
    assert task.total_items is None
    assert task.finish_status is None
    assert task.items_summary == "-/-/-"


def test_fields_the_client_does_not_know_are_ignored() -> None:
    task = Task.model_validate({"id": 1, "state": "START", "brandNewField": {"x": 1}, "agentId": 99})
    assert not hasattr(task, "brandNewField")
    assert not hasattr(task, "brand_new_field")
    assert "brandNewField" not in task.model_dump(by_alias=True)
    assert task.agent_id == "99"


def test_models_are_frozen() -> None:
    task = Task.model_validate({"id": 1, "state": "START"})
    with pytest.raises(pydantic.ValidationError):
        task.id = 2  # type: ignore[misc]


def test_a_spring_page_of_tasks() -> None:
    page = Page[Task].model_validate(SPRING_PAGE)
    assert [task.id for task in page.content] == [7, 6]
    assert all(isinstance(task, Task) for task in page.content)
    assert (page.number, page.size, page.total_pages, page.total_elements, page.last) == (1, 2, 3, 5, False)


def test_a_page_read_from_the_wire_in_either_shape() -> None:
    parse = api.list_tasks().parse
    spring = parse(RawResponse(200, {}, json.dumps(SPRING_PAGE).encode()))
    bare = parse(RawResponse(200, {}, json.dumps(SPRING_PAGE["content"]).encode()))
    assert [task.id for task in spring.content] == [task.id for task in bare.content] == [7, 6]
    assert (bare.total_pages, bare.total_elements, bare.last) == (1, 2, True)


def test_a_page_with_null_content_is_empty() -> None:
    page = Page[Task].model_validate({"content": None, "totalPages": 0})
    assert page.content == []
