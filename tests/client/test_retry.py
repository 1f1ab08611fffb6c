"""The retry decision, a pure function: plain values in, a wait or "give up" out. No server, no clock."""

from __future__ import annotations

import pytest

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
from botcity_provider.client._retry import decide, is_retryable, is_transient

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
        (status_error(429), True, True),  # the server refused to act: even a create goes again
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


@pytest.mark.parametrize("code", [500, 501, 502, 503, 504, 599])
def test_a_safe_request_is_sent_again_after_any_5xx_but_a_500_is_not_for_others(code: int) -> None:
    # The login and the lookup after a lost create are safe: repeating them changes nothing.
    assert is_retryable(status_error(code), idempotent=True, safe=True)
    assert is_retryable(status_error(code), idempotent=True) is (code in {502, 503, 504})


def test_transient_errors_are_what_a_wait_rides_out() -> None:
    assert is_transient(transport(MaestroConnectionLostError))
    assert is_transient(status_error(500)) and is_transient(status_error(429))
    assert is_transient(ResponseValidationError("Reading the task", "an HTML page"))
    assert not is_transient(status_error(404)) and not is_transient(status_error(401))
    assert not is_transient(ValidationError("priority", "bad"))


def wait(
    policy: RetryPolicy, retries: int, error: BaseException, elapsed: float = 0.0, draw: float = 0.0
) -> float | None:
    return decide(policy, retries=retries, error=error, elapsed=elapsed, retryable=True, draw=draw)


def test_retry_after_is_honoured() -> None:
    assert wait(NO_JITTER, 0, status_error(429, retry_after=7)) == 7.0


def test_retry_after_is_capped() -> None:
    policy = RetryPolicy(max_retry_after_seconds=20.0, max_total_seconds=600.0)
    assert wait(policy, 0, status_error(429, retry_after=3600)) == 20.0


def test_without_retry_after_waits_double_up_to_the_maximum() -> None:
    policy = RetryPolicy(
        max_attempts=6, initial_backoff_seconds=1.0, max_backoff_seconds=5.0, jitter_seconds=0.0
    )
    waits = [wait(policy, retries, status_error(503)) for retries in range(5)]
    assert waits == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_jitter_stays_within_its_bound() -> None:
    policy = RetryPolicy(max_attempts=2, initial_backoff_seconds=1.0, jitter_seconds=0.5)
    assert wait(policy, 0, status_error(503), draw=0.0) == 1.0
    assert wait(policy, 0, status_error(503), draw=0.999) == pytest.approx(1.4995)


def test_attempts_are_bounded() -> None:
    # Five attempts: after the fourth retry, the next failure is final.
    assert wait(NO_JITTER, 3, status_error(503)) is not None
    assert wait(NO_JITTER, 4, status_error(503)) is None


def test_one_attempt_turns_retries_off() -> None:
    assert wait(RetryPolicy(max_attempts=1), 0, transport(MaestroConnectError)) is None


@pytest.mark.parametrize("bad", [0, -1])
def test_a_policy_needs_one_attempt(bad: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(max_attempts=bad)


def test_an_error_that_may_not_be_retried_is_final_whatever_the_budget() -> None:
    error = status_error(404)
    assert decide(NO_JITTER, retries=0, error=error, elapsed=0.0, retryable=False) is None


def test_no_retry_starts_that_would_end_after_the_total_time() -> None:
    policy = RetryPolicy(
        max_attempts=10, max_total_seconds=5.0, initial_backoff_seconds=1.0, jitter_seconds=0.0
    )
    assert wait(policy, 1, status_error(503), elapsed=2.9) == 2.0  # ends at 4.9 s
    assert wait(policy, 1, status_error(503), elapsed=3.1) is None  # would end at 5.1 s


def test_a_retry_after_longer_than_the_total_time_is_not_waited_for() -> None:
    policy = RetryPolicy(max_total_seconds=10.0)
    assert wait(policy, 0, status_error(429, retry_after=30)) is None
