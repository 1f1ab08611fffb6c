"""One retry policy for both transports, built on tenacity.

What may be sent again is a decision about the *error*, not the transport, so it lives here once:

* a request that never left (:class:`MaestroConnectError`) is always safe to send again;
* an idempotent request (reads, updates that set a value) is also retried after a timeout, a broken
  connection, 429, 502, 503 and 504, and the login after any 5xx (a second login is harmless);
* a request that creates something (a task) is never sent again blindly after it may have reached the
  server: the caller resolves that ambiguity (see ``tasks.create(idempotency_key=...)``); when it is the
  login before it that failed, the request was never sent, and it goes again like an idempotent one.

Waits grow exponentially with jitter; a ``Retry-After`` from the server wins, up to a cap. Both the
number of attempts and the total time are bounded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import tenacity

from ._errors import (
    MaestroAPIError,
    MaestroConnectError,
    MaestroConnectionLostError,
    MaestroError,
    MaestroTimeout,
    MaestroTransportError,
    RateLimitError,
)

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy", "is_retryable"]

log = logging.getLogger("botcity_provider.client")

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
LOGIN_PATH = "/api/v2/workspace/login"


def is_retryable(exc: BaseException, *, idempotent: bool) -> bool:
    """Say whether sending the same request again is both safe and useful."""
    if isinstance(exc, MaestroConnectError):
        return True
    if not idempotent and not _failed_login(exc):
        return False
    if isinstance(exc, MaestroTimeout | MaestroConnectionLostError):
        return True
    if isinstance(exc, MaestroAPIError) and exc.status >= 500 and _failed_login(exc):
        # Elsewhere a 500 may mean the server acted; logging in again costs only another token.
        return True
    return isinstance(exc, MaestroAPIError) and exc.status in RETRYABLE_STATUSES


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries before it gives up.

    :param max_attempts: attempts in all, the first included (1 turns retries off).
    :param max_total_seconds: no retry starts if its wait would end after this many seconds.
    :param initial_backoff_seconds: first wait; later waits double, up to ``max_backoff_seconds``.
    :param jitter_seconds: random extra wait, up to this much, so clients do not retry in step.
    :param max_retry_after_seconds: cap on a server's ``Retry-After``.
    """

    max_attempts: int = 5
    max_total_seconds: float = 60.0
    initial_backoff_seconds: float = 0.5
    max_backoff_seconds: float = 10.0
    jitter_seconds: float = 0.5
    max_retry_after_seconds: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def wait_seconds(self, state: tenacity.RetryCallState) -> float:
        """Seconds to wait before the next attempt: the server's Retry-After, else backoff."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, MaestroAPIError) and exc.retry_after is not None:
            return min(max(exc.retry_after, 0.0), self.max_retry_after_seconds)
        # wait_exponential and wait_random exist in every tenacity Airflow 2.11 and 3.x may bring.
        backoff = tenacity.wait_exponential(
            multiplier=self.initial_backoff_seconds, max=self.max_backoff_seconds
        ) + tenacity.wait_random(0, self.jitter_seconds)
        return float(backoff(state))

    def _kwargs(self, idempotent: bool, action: str, server: str) -> dict[str, Any]:
        def retry_if(state: tenacity.RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            return exc is not None and is_retryable(exc, idempotent=idempotent)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            # The request that failed is not always the one retried (a login fails before a create):
            # name it, with the server's host and port, since that is what a user checks first.
            log.warning(
                "%s; trying %s again in %.1f s (attempt %d of %d)",
                failure_of(exc, server),
                action,
                state.upcoming_sleep,
                state.attempt_number + 1,
                self.max_attempts,
            )

        return {
            "stop": tenacity.stop_after_attempt(self.max_attempts)
            | tenacity.stop_before_delay(self.max_total_seconds),
            "wait": self.wait_seconds,
            "retry": retry_if,
            "before_sleep": before_sleep,
            "reraise": True,
        }

    def retrying(
        self,
        *,
        idempotent: bool,
        action: str,
        server: str = "",
        sleep: Callable[[float], None] = time.sleep,
    ) -> tenacity.Retrying:
        """A tenacity loop for the blocking client; ``server`` is named in its warnings."""
        return tenacity.Retrying(sleep=sleep, **self._kwargs(idempotent, action, server))

    def async_retrying(
        self,
        *,
        idempotent: bool,
        action: str,
        server: str = "",
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> tenacity.AsyncRetrying:
        """The same loop for the asyncio client."""
        kwargs = self._kwargs(idempotent, action, server)
        if sleep is not None:
            kwargs["sleep"] = sleep
        return tenacity.AsyncRetrying(**kwargs)


def _failed_login(exc: BaseException) -> bool:
    """True if the error is the login's: then the request it was for was never sent, so even a create
    may go again."""
    if isinstance(exc, MaestroAPIError):
        return exc.path == LOGIN_PATH
    return isinstance(exc, MaestroTransportError) and exc.action.endswith(LOGIN_PATH)


def failure_of(exc: BaseException | None, server: str = "") -> str:
    """What failed, as a retry warning says it: the request with its host and port, and why."""
    if isinstance(exc, MaestroTransportError):
        return str(exc)  # "POST http://host:port/api/v2/... failed: could not connect: ..."
    if isinstance(exc, MaestroAPIError):
        parts = urlsplit(server)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
        said = f' "{exc.server_message}"' if exc.server_message else ""
        limited = " (rate limited)" if isinstance(exc, RateLimitError) else ""
        return f"{exc.method} {origin}{exc.prefix}{exc.path} returned {exc.status}{limited}{said}"
    if isinstance(exc, MaestroError):
        return f"{type(exc).__name__}: {exc}"
    return repr(exc)
