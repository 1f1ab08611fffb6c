"""The retry policy, with a fake sleep (and a fake clock where time matters): no real waiting."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import tenacity

from botcity_provider.client import (
    MaestroConnectError,
    MaestroConnectionLostError,
    MaestroError,
    MaestroTimeout,
    MaestroTLSError,
    RateLimitError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    ValidationError,
)
from botcity_provider.client._errors import AuthenticationError, MaestroAPIError, NotFoundError
from botcity_provider.client._retry import is_retryable

NO_JITTER = RetryPolicy(
    max_attempts=5, initial_backoff_seconds=0.5, max_backoff_seconds=10.0, jitter_seconds=0.0
)


def status_error(status: int, retry_after: float | None = None) -> MaestroAPIError:
    cls = {429: RateLimitError, 401: AuthenticationError, 404: NotFoundError}.get(
        status, ServerError if status >= 500 else MaestroAPIError
    )
    return cls(method="GET", path="/api/v2/task/1", status=status, server_message="", retry_after=retry_after)


def transport(cls: type[MaestroError]) -> MaestroError:
    return cls("GET /api/v2/task/1", "test")  # type: ignore[call-arg]


def _error_id(error: BaseException) -> str:
    status = getattr(error, "status", None)
    return type(error).__name__ + ("" if status is None else f"-{status}")


@pytest.mark.parametrize(
    ("error", "when_idempotent", "when_not"),
    [
        (transport(MaestroConnectError), True, True),
        (transport(MaestroTimeout), True, False),
        (transport(MaestroConnectionLostError), True, False),
        (status_error(429), True, False),
        (status_error(502), True, False),
        (status_error(503), True, False),
        (status_error(504), True, False),
        (status_error(500), False, False),
        (status_error(400), False, False),
        (status_error(401), False, False),
        (status_error(404), False, False),
        (transport(MaestroTLSError), False, False),
        (ValidationError("priority", "bad"), False, False),
        (ResponseValidationError("Reading the task", "empty body"), False, False),
    ],
    ids=lambda value: _error_id(value) if isinstance(value, BaseException) else None,
)
def test_what_may_be_sent_again(error: MaestroError, when_idempotent: bool, when_not: bool) -> None:
    assert is_retryable(error, idempotent=True) is when_idempotent
    assert is_retryable(error, idempotent=False) is when_not


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_login_that_failed_with_any_5xx_is_made_again_whatever_call_it_was_for(status: int) -> None:
    # A 500 elsewhere may mean the server acted; a second login only costs a token. The create it was
    # for was never sent, so it goes too.
    login = ServerError(
        method="POST", path="/api/v2/workspace/login", status=status, server_message="", doing="Logging in"
    )
    assert is_retryable(login, idempotent=True)
    assert is_retryable(login, idempotent=False)


class Flaky:
    """A callable that raises the given errors in turn, then returns ``"done"``."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def run(policy: RetryPolicy, work: Callable[[], str], *, idempotent: bool = True) -> list[float]:
    """Run ``work`` under the policy; return the sleeps it asked for."""
    sleeps: list[float] = []
    for attempt in policy.retrying(idempotent=idempotent, action="GET /api/v2/task/1", sleep=sleeps.append):
        with attempt:
            work()
    return sleeps


def test_retry_after_is_honoured() -> None:
    work = Flaky(status_error(429, retry_after=3.0), status_error(503, retry_after=1.5))
    assert run(NO_JITTER, work) == [3.0, 1.5]
    assert work.calls == 3


def test_retry_after_is_capped() -> None:
    policy = RetryPolicy(max_retry_after_seconds=4.0, max_total_seconds=600.0)
    assert run(policy, Flaky(status_error(429, retry_after=3600.0))) == [4.0]


def test_without_retry_after_waits_double_up_to_the_maximum() -> None:
    policy = RetryPolicy(
        max_attempts=6, initial_backoff_seconds=1.0, max_backoff_seconds=5.0, jitter_seconds=0.0
    )
    work = Flaky(*(status_error(503) for _ in range(5)))
    assert run(policy, work) == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_jitter_stays_within_its_bound() -> None:
    policy = RetryPolicy(max_attempts=2, initial_backoff_seconds=1.0, jitter_seconds=0.5)
    for _ in range(20):
        (wait,) = run(policy, Flaky(status_error(503)))
        assert 1.0 <= wait <= 1.5


def test_attempts_are_bounded_and_the_last_error_is_raised() -> None:
    work = Flaky(*(status_error(503) for _ in range(10)))
    with pytest.raises(ServerError):
        run(NO_JITTER, work)
    assert work.calls == NO_JITTER.max_attempts


def test_one_attempt_turns_retries_off() -> None:
    work = Flaky(transport(MaestroConnectError))
    with pytest.raises(MaestroConnectError):
        run(RetryPolicy(max_attempts=1), work)
    assert work.calls == 1


@pytest.mark.parametrize("bad", [0, -1])
def test_a_policy_needs_one_attempt(bad: int) -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=bad)


def test_a_non_idempotent_call_is_retried_only_when_the_request_never_left() -> None:
    lost = Flaky(transport(MaestroConnectionLostError))
    with pytest.raises(MaestroConnectionLostError):
        run(NO_JITTER, lost, idempotent=False)
    assert lost.calls == 1
    refused = Flaky(transport(MaestroConnectError), transport(MaestroConnectError))
    assert run(NO_JITTER, refused, idempotent=False) == [0.5, 1.0]
    assert refused.calls == 3


def test_no_retry_starts_that_would_end_after_the_total_time(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    # tenacity reads its own clock for the time since the first attempt: make it the fake one.
    monkeypatch.setattr(tenacity, "time", SimpleNamespace(monotonic=lambda: now[0]))
    sleeps: list[float] = []
    policy = RetryPolicy(
        max_attempts=10, max_total_seconds=5.0, initial_backoff_seconds=1.0, jitter_seconds=0.0
    )
    work = Flaky(*(status_error(503) for _ in range(10)))
    with pytest.raises(ServerError):
        for attempt in policy.retrying(idempotent=True, action="GET /x", sleep=sleep):
            with attempt:
                work()
    # Waits 1 and 2 end at t=3; the next (4) would end at t=7 > 5, so it never starts.
    assert sleeps == [1.0, 2.0]
    assert work.calls == 3


def test_a_retry_after_longer_than_the_total_time_is_not_waited_for() -> None:
    policy = RetryPolicy(max_total_seconds=10.0, max_retry_after_seconds=60.0)
    work = Flaky(status_error(429, retry_after=30.0))
    with pytest.raises(RateLimitError):
        run(policy, work)
    assert work.calls == 1


def test_each_retry_is_logged_as_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    run(NO_JITTER, Flaky(status_error(429, retry_after=2.0)))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].getMessage() == (
        "GET /api/v2/task/1 returned 429 (rate limited); trying GET /api/v2/task/1 again in 2.0 s "
        "(attempt 2 of 5)"
    )


async def test_the_asyncio_loop_follows_the_same_policy() -> None:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    work = Flaky(status_error(429, retry_after=2.0), transport(MaestroTimeout), status_error(500))
    with pytest.raises(ServerError):
        async for attempt in NO_JITTER.async_retrying(idempotent=True, action="GET /x", sleep=sleep):
            with attempt:
                work()
    assert sleeps == [2.0, 1.0]
    assert work.calls == 3
