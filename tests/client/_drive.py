"""A driver for the engine in tests: it answers each request from a script, and sleeps on a fake clock."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from botcity_provider.client import ClientConfig, MaestroError, RetryPolicy
from botcity_provider.client._core import RawResponse, RequestSpec
from botcity_provider.client._engine import NeedToken, Sleep, run

NO_JITTER = RetryPolicy(
    max_attempts=5, initial_backoff_seconds=0.5, max_backoff_seconds=10.0, jitter_seconds=0.0
)


def ok(data: Any, status: int = 200) -> RawResponse:
    return RawResponse(status, {"content-type": "application/json"}, json.dumps(data).encode())


def status(code: int, message: str = "", **headers: str) -> RawResponse:
    body = json.dumps({"message": message}).encode() if message else b""
    return RawResponse(code, {name.replace("_", "-"): value for name, value in headers.items()}, body)


@dataclass
class Run:
    """What one operation did: its result or error, the requests it sent, the waits and the logins."""

    result: Any = None
    error: BaseException | None = None
    sent: list[RequestSpec] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    tokens: int = 0

    @property
    def routes(self) -> list[str]:
        return [f"{spec.method} {spec.url.split('example', 1)[1].split('?')[0]}" for spec in self.sent]


def drive(
    operation: Any,
    replies: list[RawResponse | MaestroError],
    policy: RetryPolicy = NO_JITTER,
    now: list[float] | None = None,
) -> Run:
    """Run an operation (or a call) through the engine, answering its requests from ``replies`` in order.

    ``now`` is the fake clock (seconds in a one-item list), which only the driver's sleeps move on.
    """
    cfg = ClientConfig("https://maestro.example", "acme", "s3cret-workspace-key", retry=policy)
    now = now if now is not None else [1000.0]
    steps = run(operation, cfg, clock=lambda: now[0], draw=lambda: 0.0)
    outcome = Run()
    reply: Any = None
    error: MaestroError | None = None
    while True:
        try:
            step = steps.throw(error) if error is not None else steps.send(reply)
        except StopIteration as stop:
            outcome.result = stop.value
            return outcome
        except MaestroError as exc:
            outcome.error = exc
            return outcome
        reply, error = None, None
        if isinstance(step, Sleep):
            outcome.sleeps.append(step.seconds)
            now[0] += step.seconds
        elif isinstance(step, NeedToken):
            outcome.tokens += 1
            reply = SecretStr("tok")
        else:
            outcome.sent.append(step)
            answer = replies.pop(0)
            if isinstance(answer, MaestroError):
                error = answer
            else:
                reply = answer
