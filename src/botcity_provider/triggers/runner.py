"""MaestroRunnerTrigger: waits, in the triggerer, until a Maestro runner ("machine") is online.

It only waits: its kwargs are plain JSON (the connection id, the runner's id, the interval, an absolute
deadline), never a token. Every runner wait of one connection in one event loop shares one poller: one
listing of the online runners per poll cycle, however many wait (:mod:`._runner_poller`).

Light at import time: the sensor imports this module (for :func:`validate_runner_event`) when it resumes.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal, TypedDict, cast

from airflow.triggers.base import BaseTrigger, TriggerEvent

from botcity_provider._intervals import DEFAULT_POLL_INTERVAL_SECONDS, clamped_interval
from botcity_provider.triggers._off_loop import load_off_loop

__all__ = [
    "RUNNER_EVENT_STATUSES",
    "MaestroRunnerTrigger",
    "RunnerEvent",
    "make_runner_event",
    "validate_runner_event",
]

RunnerEventStatus = Literal["success", "timeout", "error"]
RUNNER_EVENT_STATUSES: tuple[RunnerEventStatus, ...] = ("success", "timeout", "error")


class RunnerEvent(TypedDict):
    """The payload of a runner trigger's one event: ``success`` (the runner is online), ``timeout`` (the
    deadline passed first) or ``error`` (waiting became impossible: the runner is gone, the key refused)."""

    status: RunnerEventStatus
    runner_id: str
    message: str
    retryable: bool


def make_runner_event(
    status: RunnerEventStatus, runner_id: str, message: str, *, retryable: bool = True
) -> RunnerEvent:
    """Build the payload of a runner trigger's event."""
    return RunnerEvent(status=status, runner_id=runner_id, message=message, retryable=retryable)


def validate_runner_event(event: object, runner_id: str | None = None) -> RunnerEvent:
    """Check an event before trusting it: a stale or hand-made one must not pass for a success.

    :param runner_id: the runner the resuming task waited for; an event about another one is refused.
    :raises ValueError: naming what is wrong.
    """
    if not isinstance(event, Mapping):
        raise ValueError(f"expected a mapping, got {type(event).__name__}")
    if event.get("status") not in RUNNER_EVENT_STATUSES:
        raise ValueError(f"unknown status {event.get('status')!r}")
    named = event.get("runner_id")
    if not isinstance(named, str) or not named:
        raise ValueError("the event names no runner")
    if runner_id is not None and named != runner_id:
        raise ValueError(f"the event is about runner {named!r}, not {runner_id!r}")
    checked: dict[str, Any] = {
        "status": event["status"],
        "runner_id": named,
        "message": str(event.get("message", "")),
        "retryable": bool(event.get("retryable", True)),
    }
    return cast("RunnerEvent", checked)


class MaestroRunnerTrigger(BaseTrigger):
    """Yield one event when the runner is online, the deadline passes, or waiting becomes impossible.

    :param maestro_conn_id: the Airflow connection of the workspace.
    :param runner_id: the runner's machine id.
    :param poll_interval_seconds: seconds between two looks (at least 1).
    :param deadline_at: epoch seconds after which the wait ends with a ``timeout`` event.
    """

    def __init__(
        self,
        *,
        maestro_conn_id: str,
        runner_id: str,
        poll_interval_seconds: float = DEFAULT_POLL_INTERVAL_SECONDS,
        deadline_at: float | None = None,
    ) -> None:
        super().__init__()
        self.maestro_conn_id = str(maestro_conn_id)
        self.runner_id = str(runner_id)
        self.poll_interval_seconds = clamped_interval(poll_interval_seconds)
        self.deadline_at = None if deadline_at is None else float(deadline_at)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and JSON-only kwargs: what the triggerer stores and rebuilds the trigger from."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "maestro_conn_id": self.maestro_conn_id,
                "runner_id": self.runner_id,
                "poll_interval_seconds": self.poll_interval_seconds,
                "deadline_at": self.deadline_at,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Wait through the shared poller and yield exactly one event."""
        yield TriggerEvent(dict(await self._wait()))

    async def _wait(self) -> RunnerEvent:
        await load_off_loop()
        from botcity_provider.triggers._runner_poller import RunnerPoller
        from botcity_provider.triggers._shared_poller import WaitError

        runner = self.runner_id
        poller = RunnerPoller.for_connection(self.maestro_conn_id)
        try:
            async with poller.watch(runner, self.poll_interval_seconds) as looks:
                async for look in looks.until(self.deadline_at):
                    if look.online:
                        self.log.info("Maestro runner %r is online", runner)
                        return make_runner_event("success", runner, f"Maestro runner {runner!r} is online")
        except WaitError as exc:
            self.log.error("Stopped waiting for Maestro runner %r: %s", runner, exc)
            return make_runner_event("error", runner, str(exc), retryable=exc.retryable)
        waited = "" if self.deadline_at is None else f" (deadline {time.ctime(self.deadline_at)})"
        return make_runner_event(
            "timeout", runner, f"Maestro runner {runner!r} was not online in time{waited}"
        )
