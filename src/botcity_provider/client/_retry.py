"""When to send a request again, and how long to wait first: a pure decision, no I/O, no clock.

Every call of the client passes through one retry loop (:func:`._engine.run`), and that loop asks
:func:`decide` after each failure. The decision reads only its arguments (the policy, how many retries
the call has had, the error, the seconds spent, a random draw), so the tests check every branch with
plain values. What may be sent again is a decision about the *error* and the request, not the transport:

* a request that never left (:class:`MaestroConnectError`) is always safe to send again, and so is one
  the server refused with 429 (it did not act);
* an idempotent request (a read, an update that sets a value) also after a timeout, a broken
  connection, 502, 503 or 504; a 500 may mean the server acted, or will fail alike again, so only a
  request marked ``safe`` (the login, the lookup after a lost create) is sent again after one;
* a request that creates something (a task) never blindly after it may have reached the server: the
  operation resolves that ambiguity itself (``tasks.create(idempotency_key=...)`` looks the task up) and
  then asks for another attempt from the same budget.

Waits grow exponentially with jitter; a ``Retry-After`` from the server wins, up to a cap. The budget is
per call, whatever the call is made of: attempts in all (``max_attempts``, the connection's
``max_retries`` + 1) and seconds in all (``max_total_seconds``).

tenacity is not used: its loop owns the sleeping and the attempt count, while here the loop must be a
generator that two drivers run (one sleeps with ``time.sleep``, the other with ``asyncio.sleep``) and a
create's lookups must spend the create's budget. What is left of it, exponential backoff with jitter, is
the three lines of :meth:`RetryPolicy.backoff_seconds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ._errors import (
    MaestroAPIError,
    MaestroConnectError,
    MaestroConnectionLostError,
    MaestroError,
    MaestroTimeout,
    MaestroTLSError,
    MaestroTransportError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy", "decide", "is_retryable", "is_transient"]

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
TRANSIENT = (MaestroTransportError, ServerError, RateLimitError, ResponseValidationError)


def is_transient(exc: BaseException) -> bool:
    """Errors that looking again later may not meet: the network, 5xx, 429, a proxy's page instead of
    JSON. A wait rides them out by polling again; a refused key, an unknown id or a refused certificate
    (a transport error that the next look meets again) is not one of them."""
    return isinstance(exc, TRANSIENT) and not isinstance(exc, MaestroTLSError)


def is_retryable(exc: BaseException, *, idempotent: bool, safe: bool = False) -> bool:
    """Say whether sending the same request again is both safe and useful.

    :param idempotent: sending it twice has the effect of sending it once.
    :param safe: repeating it is harmless whatever the server did: then even a 500 is worth another try.
    """
    if isinstance(exc, MaestroConnectError | RateLimitError):
        return True
    if not idempotent:
        return False
    if isinstance(exc, MaestroTimeout | MaestroConnectionLostError):
        return True
    if isinstance(exc, ServerError) and safe:
        return True
    return isinstance(exc, MaestroAPIError) and exc.status in RETRYABLE_STATUSES


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries before it gives up, per call.

    :param max_attempts: attempts in all, the first included (1 turns retries off). A call made of
        several requests (a create that looks its task up after a lost answer) shares them.
    :param max_total_seconds: no retry starts if its wait would end after this many seconds of the call.
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

    def backoff_seconds(self, retry: int, error: BaseException | None, draw: float) -> float:
        """The wait before retry number ``retry`` (1 for the first): the server's Retry-After, else
        exponential backoff plus ``draw`` (0 to 1) of the jitter."""
        if isinstance(error, MaestroAPIError) and error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_retry_after_seconds)
        backoff = min(self.initial_backoff_seconds * 2.0 ** (retry - 1), self.max_backoff_seconds)
        return backoff + draw * self.jitter_seconds


def decide(
    policy: RetryPolicy,
    *,
    retries: int,
    error: BaseException,
    elapsed: float,
    retryable: bool,
    draw: float = 0.0,
) -> float | None:
    """Seconds to wait before the next attempt, or None to give up and raise ``error``.

    :param retries: retries the call has had so far.
    :param retryable: whether this error on this request may be retried at all (:func:`is_retryable`,
        or an operation that has proved a lost create never happened).
    :param elapsed: seconds the call has taken so far, its deliberate pauses left out.
    :param draw: a random number in [0, 1) for the jitter (given, so the decision stays pure).
    """
    if not retryable or retries + 1 >= policy.max_attempts:
        return None
    wait = policy.backoff_seconds(retries + 1, error, draw)
    if elapsed + wait > policy.max_total_seconds:
        return None
    return wait


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
