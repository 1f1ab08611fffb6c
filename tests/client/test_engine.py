"""The one retry loop, driven by hand with a fake clock: one budget for every request of a call."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from botcity_provider.client import (
    IDEMPOTENCY_PARAMETER,
    AuthenticationError,
    ClientConfig,
    MaestroConnectError,
    MaestroConnectionLostError,
    MaestroTimeout,
    RetryPolicy,
    ServerError,
    Task,
)
from botcity_provider.client import _endpoints as api
from botcity_provider.client._core import RawResponse, login_call
from botcity_provider.client._engine import NeedToken, Operation, run
from botcity_provider.client._flows import tasks as flows

from ._drive import NO_JITTER, drive, ok, status

STARTED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TASK = {"id": 7, "state": "START", "activityLabel": "invoices"}
CREATE = "POST /api/v2/task"
LIST = "GET /api/v2/task"


def create(key: str | None = "run-1") -> Operation[Task]:
    call = api.create_task("invoices", flows.with_key({}, key), 0, False, None)
    return flows.create_task(call, "invoices", key, STARTED)


def lost() -> MaestroTimeout:
    return MaestroTimeout("POST https://maestro.example/api/v2/task", "the server did not answer in time")


def empty_page() -> RawResponse:
    return ok({"content": [], "last": True, "totalPages": 1})


def test_a_read_is_sent_again_after_a_502_with_backoff() -> None:
    run = drive(api.get_task(7), [status(502), status(503), ok(TASK)])
    assert run.result.id == 7
    assert run.sleeps == [0.5, 1.0]
    assert run.routes == ["GET /api/v2/task/7"] * 3


def test_a_read_is_not_sent_again_after_a_500() -> None:
    run = drive(api.get_task(7), [status(500, "boom")])
    assert isinstance(run.error, ServerError) and run.sleeps == []


def test_a_create_is_sent_again_only_when_it_never_left_or_was_refused_with_429() -> None:
    refused = MaestroConnectError("POST https://maestro.example/api/v2/task", "could not connect")
    run = drive(create(None), [refused, status(429, retry_after="2"), ok(TASK)])
    assert run.result.id == 7
    assert run.sleeps == [0.5, 2.0], "backoff, then the server's Retry-After"
    assert run.routes == [CREATE] * 3, "no lookup: neither a refused connection nor a 429 created anything"


def test_without_a_key_a_lost_create_is_raised_and_nothing_is_sent_again() -> None:
    run = drive(create(None), [lost()])
    assert isinstance(run.error, MaestroTimeout)
    assert run.routes == [CREATE]


def test_a_lost_create_is_looked_up_and_found() -> None:
    found = {**TASK, "id": 8, "parameters": {IDEMPOTENCY_PARAMETER: "run-1"}}
    run = drive(create(), [lost(), ok({"content": [found], "last": True, "totalPages": 1})])
    assert run.result.id == 8
    assert run.routes == [CREATE, LIST]


def test_a_create_not_found_after_a_lost_answer_is_sent_again_from_the_same_budget() -> None:
    run = drive(create(), [lost(), empty_page(), ok(TASK)])
    assert run.result.id == 7
    assert run.routes == [CREATE, LIST, CREATE]
    assert len(run.sleeps) == 1


def test_one_budget_for_the_create_its_lookups_and_its_resend() -> None:
    # Three attempts in all: the lost create, a lookup that fails, the lookup again; then no fourth request.
    policy = RetryPolicy(max_attempts=3, jitter_seconds=0.0)
    run = drive(create(), [lost(), status(503), status(503)], policy)
    assert isinstance(run.error, ServerError) and run.error.status == 503
    assert run.routes == [CREATE, LIST, LIST]


def test_the_budget_says_no_to_another_create_once_spent() -> None:
    policy = RetryPolicy(max_attempts=2, jitter_seconds=0.0)
    run = drive(create(), [lost(), empty_page(), lost(), empty_page()], policy)
    assert isinstance(run.error, MaestroTimeout)
    assert run.routes == [CREATE, LIST, CREATE, LIST], "the last lookup proves nothing was created"


def test_a_lookup_after_a_lost_create_rides_out_a_500() -> None:
    found = {**TASK, "id": 9, "parameters": {IDEMPOTENCY_PARAMETER: "run-1"}}
    run = drive(create(), [lost(), status(500), ok({"content": [found], "last": True, "totalPages": 1})])
    assert run.result.id == 9


def test_no_retry_starts_that_would_end_after_the_total_time() -> None:
    policy = RetryPolicy(
        max_attempts=10, max_total_seconds=5.0, initial_backoff_seconds=1.0, jitter_seconds=0.0
    )
    run = drive(api.get_task(7), [status(503)] * 10, policy)
    assert isinstance(run.error, ServerError)
    assert run.sleeps == [1.0, 2.0], "a third wait of 4 s would end at 7 s"


def test_a_stops_grace_period_is_not_counted_against_the_retry_time() -> None:
    policy = RetryPolicy(
        max_attempts=5, max_total_seconds=5.0, initial_backoff_seconds=1.0, jitter_seconds=0.0
    )
    running = {**TASK, "state": "RUNNING"}
    replies = (
        [ok(running), ok(running)] + [ok(running)] * 10 + [status(503), ok({**running, "state": "CANCELED"})]
    )
    now = [1000.0]
    stop = flows.stop_task(7, force=False, grace_seconds=10.0, clock=lambda: now[0])
    run = drive(stop, replies, policy, now)
    assert run.error is None, run.error
    assert run.result.actions == ("asked to stop", "killed after 10 s")
    assert sum(run.sleeps) == pytest.approx(11.0), "ten seconds of grace, then one retry of the kill"


def test_a_refused_token_is_replaced_once_at_no_cost_to_the_budget() -> None:
    run = drive(api.get_task(7), [status(401), ok(TASK)], RetryPolicy(max_attempts=1))
    assert run.result.id == 7 and run.tokens == 2


def test_a_refused_login_is_final_and_a_5xx_on_the_login_is_retried() -> None:
    refused = drive(login_call(drive_cfg()), [status(401, "invalid login or key")])
    assert isinstance(refused.error, AuthenticationError) and refused.sleeps == []
    again = drive(login_call(drive_cfg()), [status(500), ok({"accessToken": "t"})])
    assert again.result.access_token.get_secret_value() == "t"


def drive_cfg() -> ClientConfig:
    return ClientConfig("https://maestro.example", "acme", "s3cret-workspace-key")


def test_each_retry_is_logged_as_a_warning_naming_the_request(caplog: pytest.LogCaptureFixture) -> None:
    broke = MaestroConnectionLostError("GET https://maestro.example/api/v2/task/7", "the connection broke")
    with caplog.at_level(logging.WARNING, logger="botcity_provider.client"):
        drive(api.get_task(7), [broke, ok(TASK)], NO_JITTER)
    (record,) = [r for r in caplog.records if "trying" in r.getMessage()]
    assert "GET /api/v2/task/7 again in 0.5 s (attempt 2 of 5)" in record.getMessage()


def test_a_login_that_fails_before_a_create_is_raised_without_a_lookup() -> None:
    # The create was never sent: a lookup would log in again to look for a task nobody asked for.
    steps = run(create(), drive_cfg())
    assert isinstance(next(steps), NeedToken)
    login_failed = ServerError(method="POST", path="/api/v2/workspace/login", status=500, server_message="")
    with pytest.raises(ServerError) as caught:
        steps.throw(login_failed)
    assert caught.value is login_failed


def test_a_stop_sends_its_kill_again_after_a_500() -> None:
    running = {**TASK, "state": "RUNNING"}
    run_ = drive(flows.stop_task(7, force=True, grace_seconds=0.0), [ok(running), status(500), ok(TASK)])
    assert run_.error is None and run_.result.actions == ("killed",)
    assert run_.routes == ["GET /api/v2/task/7", "POST /api/v2/task/7", "POST /api/v2/task/7"]
