"""The multi-call flows driven by hand: create-at-most-once by idempotency key, and the key lookup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from botcity_provider.client import (
    IDEMPOTENCY_PARAMETER,
    MaestroConnectionLostError,
    MaestroTimeout,
    NotFoundError,
    Page,
    RateLimitError,
    ServerError,
    Task,
)
from botcity_provider.client import _endpoints as api
from botcity_provider.client import _flows as flows
from botcity_provider.client._core import Call

STARTED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def task(ident: int, key: str | None, created: datetime = STARTED) -> Task:
    parameters = {} if key is None else {IDEMPOTENCY_PARAMETER: key}
    return Task.model_validate(
        {"id": ident, "state": "START", "parameters": parameters, "dateCreation": created.isoformat()}
    )


def page(*tasks: Task, last: bool = True, total_pages: int = 1) -> Page[Task]:
    return Page[Task](content=list(tasks), last=last, total_pages=total_pages)


def create_flow(key: str | None) -> Any:
    call = api.create_task("invoices", flows.with_key({"month": "11"}, key), 0, False, None)
    return flows.create_task(call, "invoices", key, STARTED)


def returned(flow: Any, reply: Any) -> Any:
    with pytest.raises(StopIteration) as stop:
        flow.send(reply)
    return stop.value.value


def test_with_key_adds_the_key_to_a_copy_of_the_parameters() -> None:
    mine = {"month": "11"}
    assert flows.with_key(mine, "run-1") == {"month": "11", IDEMPOTENCY_PARAMETER: "run-1"}
    assert mine == {"month": "11"}
    assert flows.with_key(mine, None) is mine


def test_a_lost_answer_is_resolved_by_finding_the_task_by_its_key() -> None:
    flow = create_flow("run-1")
    first = next(flow)
    assert isinstance(first, Call)
    assert first.json["parameters"][IDEMPOTENCY_PARAMETER] == "run-1"
    lookup = flow.throw(MaestroConnectionLostError("POST /api/v2/task", "the connection broke"))
    assert isinstance(lookup, Call)
    assert (lookup.method, lookup.path) == ("GET", "/api/v2/task")
    assert ("activityLabel", "invoices") in lookup.query
    found = returned(flow, page(task(9, "run-1-other"), task(8, "run-1"), task(7, None)))
    assert found.id == 8


def test_a_rate_limited_create_is_sent_again_after_the_wait_without_a_lookup() -> None:
    flow = create_flow("run-1")
    next(flow)
    refused = RateLimitError(method="POST", path="/api/v2/task", status=429, server_message="", retry_after=3)
    pause = flow.throw(refused)
    assert pause == flows.Pause(3.0), "the server's Retry-After, and no lookup: a 429 created nothing"
    again = flow.send(None)
    assert isinstance(again, Call)
    assert (again.method, again.path) == ("POST", "/api/v2/task")
    assert returned(flow, task(11, "run-1")).id == 11


def test_when_the_task_is_not_there_it_waits_then_creates_again() -> None:
    flow = create_flow("run-1")
    next(flow)
    flow.throw(ServerError(method="POST", path="/api/v2/task", status=503, server_message=""))
    pause = flow.send(page())
    assert isinstance(pause, flows.Pause)
    assert pause.seconds > 0
    again = flow.send(None)
    assert isinstance(again, Call)
    assert again.json["parameters"][IDEMPOTENCY_PARAMETER] == "run-1"
    assert returned(flow, task(10, "run-1")).id == 10


def test_it_gives_up_after_its_attempts_with_the_last_error() -> None:
    flow = create_flow("run-1")
    next(flow)
    for _ in range(flows.CREATE_ATTEMPTS - 1):
        flow.throw(MaestroTimeout("POST /api/v2/task", "the server did not answer in time"))
        assert isinstance(flow.send(page()), flows.Pause)
        assert isinstance(flow.send(None), Call)
    flow.throw(MaestroTimeout("POST /api/v2/task", "the server did not answer in time"))
    with pytest.raises(MaestroTimeout):
        flow.send(page())


def test_an_error_that_proves_nothing_was_created_is_raised_at_once() -> None:
    flow = create_flow("run-1")
    next(flow)
    with pytest.raises(NotFoundError):
        flow.throw(NotFoundError(method="POST", path="/api/v2/task", status=404, server_message="no such"))


def test_without_a_key_a_lost_answer_is_raised_and_nothing_is_resent() -> None:
    flow = create_flow(None)
    next(flow)
    with pytest.raises(MaestroConnectionLostError):
        flow.throw(MaestroConnectionLostError("POST /api/v2/task", "the connection broke"))


def test_the_lookup_stops_at_the_first_task_older_than_the_create() -> None:
    flow = flows.find_task("invoices", "run-1", since=STARTED)
    next(flow)
    old = task(3, "run-1", created=STARTED - timedelta(hours=2))
    assert returned(flow, page(task(4, None), old, last=False, total_pages=5)) is None


def test_the_lookup_reads_the_next_page_and_can_match_a_prefix() -> None:
    flow = flows.find_task("invoices", "run-1", since=STARTED, prefix=True)
    first = next(flow)
    assert ("page", "0") in first.query
    second = flow.send(page(task(5, None), last=False, total_pages=2))
    assert ("page", "1") in second.query
    assert returned(flow, page(task(4, "run-1/attempt-2"), total_pages=2)).id == 4
