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
from botcity_provider.client._core import Call
from botcity_provider.client._engine import Again, Pause
from botcity_provider.client._flows import tasks as flows

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


def test_when_the_task_is_not_there_it_asks_for_another_attempt_then_creates_again() -> None:
    flow = create_flow("run-1")
    next(flow)
    failed = ServerError(method="POST", path="/api/v2/task", status=503, server_message="")
    flow.throw(failed)
    again = flow.send(page())
    assert again == Again(failed), "the engine decides, from the create's own budget"
    create = flow.send(None)
    assert isinstance(create, Call)
    assert create.json["parameters"][IDEMPOTENCY_PARAMETER] == "run-1"
    assert returned(flow, task(10, "run-1")).id == 10


def test_a_rate_limited_create_is_left_to_the_engine() -> None:
    # A 429 created nothing: no lookup; the engine sends the create again after the server's wait.
    flow = create_flow("run-1")
    next(flow)
    refused = RateLimitError(method="POST", path="/api/v2/task", status=429, server_message="", retry_after=3)
    with pytest.raises(RateLimitError):
        flow.throw(refused)


def test_the_lookup_after_a_lost_create_is_marked_safe_to_repeat_after_a_500() -> None:
    flow = create_flow("run-1")
    next(flow)
    lookup = flow.throw(MaestroTimeout("POST /api/v2/task", "the server did not answer in time"))
    assert lookup.safe
    plain = next(flows.find_task("invoices", "run-1", since=STARTED))
    assert not plain.safe, "tasks.find on its own is an ordinary read"


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


def running(ident: int = 7, state: str = "RUNNING") -> Task:
    return Task.model_validate({"id": ident, "state": state})


@pytest.mark.parametrize(
    ("state", "force", "route", "actions"),
    [
        ("START", False, {"state": "CANCELED"}, ("cancelled",)),
        ("START", True, {"state": "CANCELED"}, ("cancelled",)),
        ("RUNNING", True, {"interrupted": True, "killed": True}, ("killed",)),
    ],
)
def test_stop_decides_from_the_state_then_makes_one_call(
    state: str, force: bool, route: dict[str, Any], actions: tuple[str, ...]
) -> None:
    flow = flows.stop_task(7, force=force, grace_seconds=60.0)
    first = next(flow)
    assert (first.method, first.path) == ("GET", "/api/v2/task/7")
    act = flow.send(running(state=state))
    assert act.json == route
    stopped = returned(flow, running(state="CANCELED"))
    assert stopped.actions == actions
    assert stopped.before.state == state


def test_stop_leaves_an_ended_task_alone() -> None:
    flow = flows.stop_task(7, force=True, grace_seconds=0.0)
    next(flow)
    stopped = returned(flow, running(state="FINISHED"))
    assert stopped.actions == () and stopped.after is stopped.before


def test_stop_asks_a_running_bot_to_stop_and_kills_it_after_the_grace() -> None:
    now = [0.0]
    flow = flows.stop_task(7, force=False, grace_seconds=3.0, clock=lambda: now[0])
    next(flow)
    assert flow.send(running()).json == {"interrupted": True}
    step = flow.send(running())
    polls = 0
    while isinstance(step, Pause):
        now[0] += step.seconds
        assert flow.send(None).path == "/api/v2/task/7"
        polls += 1
        step = flow.send(running())
    assert polls == 3
    assert step.json == {"interrupted": True, "killed": True}
    assert returned(flow, running(state="CANCELED")).actions == ("asked to stop", "killed after 3 s")


def test_stop_ends_when_the_bot_stops_within_the_grace() -> None:
    now = [0.0]
    flow = flows.stop_task(7, force=False, grace_seconds=30.0, clock=lambda: now[0])
    next(flow)
    flow.send(running())
    pause = flow.send(running())
    assert isinstance(pause, Pause)
    flow.send(None)
    assert returned(flow, running(state="FINISHED")).actions == ("asked to stop",)
