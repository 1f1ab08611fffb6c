"""The one loop every call goes through, with no I/O: tokens, the re-login after a 401, and retries.

An *operation* is what a client method does: one :class:`Call`, or a generator that yields calls (the
answer is the call's result, or its error thrown in), :class:`Pause` (a deliberate wait, such as a stop's
grace period) and :class:`Again` (after an error the operation has made safe to retry, such as a lost
create it looked up and did not find). :func:`run` turns an operation into *steps* for a driver:

* :class:`NeedToken`: answer with a token (``SecretStr``); the driver logs in, under its lock, when the
  process has no fresh one. The login is a call of its own, run through :func:`run` too: it serves
  every caller queued behind it, so it has its own budget;
* :class:`RequestSpec`: send it and answer with the :class:`RawResponse`, or throw the transport error;
* :class:`Sleep`: wait that long, answer nothing.

Every request of one operation spends one budget (:class:`RetryPolicy`), so a create's lookups and its
resend are bounded together. A driver is a loop of a dozen lines that does what the steps say.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import SecretStr

from ._config import ClientConfig
from ._core import Call, RawResponse, RequestSpec, build_request, interpret, with_prefix
from ._errors import MaestroError
from ._retry import decide, failure_of, is_retryable

__all__ = ["Again", "NeedToken", "Operation", "Pause", "Sleep", "Step", "Steps", "run"]

T = TypeVar("T")
log = logging.getLogger("botcity_provider.client")


@dataclass(frozen=True)
class Pause:
    """An operation's own wait (not a retry): the time is not counted against the retry budget."""

    seconds: float


@dataclass(frozen=True)
class Again:
    """An operation asks for another attempt after ``error``: the loop waits and returns, or throws
    ``error`` back when the budget is spent."""

    error: MaestroError


@dataclass(frozen=True)
class Sleep:
    """A step: the driver waits this long."""

    seconds: float


@dataclass(frozen=True)
class NeedToken:
    """A step: the driver answers with a token; ``refused`` is the one the server just rejected."""

    refused: SecretStr | None = None


Operation = Generator["Call[Any] | Pause | Again", Any, T]
Step = NeedToken | RequestSpec | Sleep
Steps = Generator[Step, Any, T]


@dataclass
class _Budget:
    """What one operation has spent: failed attempts, and seconds outside its own pauses."""

    cfg: ClientConfig
    clock: Callable[[], float]
    draw: Callable[[], float]
    started: float = 0.0
    paused: float = 0.0
    failures: int = 0

    def __post_init__(self) -> None:
        self.started = self.clock()

    def failed(self, error: MaestroError, *, retryable: bool, action: str) -> float | None:
        """Count a failed attempt; return the seconds to wait before the next, or None to give up."""
        self.failures += 1
        return self.again(error, retryable=retryable, action=action)

    def again(self, error: MaestroError, *, retryable: bool, action: str) -> float | None:
        """Seconds to wait before another attempt after ``error`` (already counted), or None."""
        elapsed = self.clock() - self.started - self.paused
        policy = self.cfg.retry
        retries = self.failures - 1  # every failure but the first was met by a retry
        seconds = decide(
            policy, retries=retries, error=error, elapsed=elapsed, retryable=retryable, draw=self.draw()
        )
        if seconds is None:
            return None
        # The request that failed is not always the one retried (a lookup fails inside a create): name
        # it, with the server's host and port, since that is what a user checks first.
        log.warning(
            "%s; trying %s again in %.1f s (attempt %d of %d)",
            failure_of(error, self.cfg.server),
            action,
            seconds,
            self.failures + 1,
            policy.max_attempts,
        )
        return seconds


def run(
    operation: Operation[T] | Call[T],
    cfg: ClientConfig,
    *,
    clock: Callable[[], float] = time.monotonic,
    draw: Callable[[], float] = random.random,
) -> Steps[T]:
    """Carry an operation out, one budget for all its requests; returns its result or raises."""
    if isinstance(operation, Call):
        try:
            return (yield from _attempts(operation, cfg, _Budget(cfg, clock, draw)))
        except _LoginFailed as failed:
            raise failed.error from None
    budget = _Budget(cfg, clock, draw)
    reply: Any = None
    error: MaestroError | None = None
    while True:
        try:
            item = operation.throw(error) if error is not None else operation.send(reply)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        reply, error = None, None
        if isinstance(item, Pause):
            before = clock()
            yield Sleep(item.seconds)
            budget.paused += clock() - before
        elif isinstance(item, Again):
            seconds = budget.again(item.error, retryable=True, action="the operation")
            if seconds is None:
                error = item.error
            else:
                yield Sleep(seconds)
        else:
            try:
                reply = yield from _attempts(item, cfg, budget)
            except _LoginFailed as failed:
                # The call was never sent: nothing for the operation to resolve (a create must not look
                # for a task it never asked for), and the login's own run has retried already.
                operation.close()
                raise failed.error from None
            except MaestroError as exc:
                error = exc


def _attempts(call: Call[T], cfg: ClientConfig, budget: _Budget) -> Steps[T]:
    """Send one call until it succeeds, or its error may not or need not be retried.

    A token the server refuses is replaced once and the request sent again at no cost to the budget (a
    token may expire at any time). A login that fails is not retried here: its own run has done that.
    Secrets stay wrapped in ``SecretStr`` here, since this frame is in the traceback of every API error.
    """
    call = with_prefix(call, cfg)
    while True:
        token = (yield from _token(None)) if call.authenticated else None
        outcome = yield from _send_once(cfg, call, token)
        if isinstance(outcome, RawResponse) and outcome.status == 401 and token is not None:
            log.info("Token refused by %s; logging in again", cfg.server)
            token = yield from _token(token)
            outcome = yield from _send_once(cfg, call, token)
        try:
            if isinstance(outcome, MaestroError):
                raise outcome
            return interpret(call, outcome, (cfg.key, token) if token else (cfg.key,))
        except MaestroError as exc:
            retryable = is_retryable(exc, idempotent=call.idempotent, safe=call.safe)
            seconds = budget.failed(exc, retryable=retryable, action=call.action)
            if seconds is None:
                raise
        yield Sleep(seconds)


class _LoginFailed(Exception):
    """Carries a login's error past the operation, which must not take it for its call's."""

    def __init__(self, error: MaestroError) -> None:
        super().__init__(str(error))
        self.error = error


def _token(refused: SecretStr | None) -> Steps[SecretStr]:
    try:
        token: SecretStr = yield NeedToken(refused=refused)
    except MaestroError as exc:
        raise _LoginFailed(exc) from None
    return token


def _send_once(
    cfg: ClientConfig, call: Call[Any], token: SecretStr | None
) -> Steps[RawResponse | MaestroError]:
    """One request; a transport error comes back as a value, so the caller can tell it from a login's."""
    try:
        return (yield build_request(cfg, call, token))  # type: ignore[no-any-return]
    except MaestroError as exc:
        return exc
