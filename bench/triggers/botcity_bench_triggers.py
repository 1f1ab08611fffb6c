"""The one-GET-per-wait trigger: the design most providers' triggers have, at its best.

Importable on its own (no bench helpers), so that a triggerer can load it from ``PYTHONPATH``:
``bench/cluster.py`` runs it in a real Celery deployment, ``bench/_waits_child.py`` in one event loop.
Its class path is ``botcity_bench_triggers.SharedClientGetTrigger``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from botcity_provider._events import TaskEvent, classify, make_event
from botcity_provider.triggers.maestro import MaestroTaskTrigger

if TYPE_CHECKING:
    from botcity_provider.client import AsyncMaestroClient, Task

IN_FLIGHT = 20
POLLS: dict[int, int] = {}


async def poll_until_done(trigger: MaestroTaskTrigger, read: Callable[[], Awaitable[Task]]) -> TaskEvent:
    """The loop every per-trigger design shares: read, classify, sleep; transient errors only delay."""
    from botcity_provider.client import MaestroError, is_transient

    task_id = trigger.maestro_task_id
    while True:
        POLLS[task_id] = POLLS.get(task_id, 0) + 1
        try:
            task = await read()
        except MaestroError as exc:
            if not is_transient(exc):
                return make_event("error", task_id, str(exc), None)
        else:
            outcome = classify(str(task.state), task.finish_status, trigger.success_statuses)
            if outcome is not None:
                return make_event(outcome, task_id, outcome, task.model_dump(mode="json"))
        deadline = trigger.deadline_at
        if deadline is not None and time.time() + trigger.poll_interval_seconds > deadline:
            return make_event("timeout", task_id, "timeout", None)
        await asyncio.sleep(trigger.poll_interval_seconds)


class SharedClientGetTrigger(MaestroTaskTrigger):
    """One GET per wait per interval; all waits share one client (and so one connection pool, one token).

    At most :data:`IN_FLIGHT` GETs at a time, as our poller's own GETs: with a thousand queued on one
    httpx pool, httpcore spends its time re-scanning the queue on every response and the design falls
    minutes behind, which would measure httpx, not the design.
    """

    client: AsyncMaestroClient | None = None
    lock: asyncio.Lock | None = None
    in_flight: asyncio.Semaphore | None = None

    async def _wait(self) -> TaskEvent:
        from botcity_provider.hooks.maestro import MaestroHook

        cls = type(self)
        cls.lock = cls.lock or asyncio.Lock()
        cls.in_flight = cls.in_flight or asyncio.Semaphore(IN_FLIGHT)
        async with cls.lock:
            if cls.client is None:
                cls.client = await MaestroHook(maestro_conn_id=self.maestro_conn_id).get_async_client()
        client, limit = cls.client, cls.in_flight

        async def read() -> Task:
            async with limit:
                return await client.tasks.get(self.maestro_task_id)

        return await poll_until_done(self, read)
