"""Many ``MaestroTaskTrigger.run()`` waiting at once in one event loop, as the triggerer runs them.

``python bench/_waits_child.py --design D --interval S --admin-url URL [--window A B]...``, with the
Maestro connection in ``$AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT`` (Airflow reads it without a database).

The child imports everything, prints ``{"ready": ...}`` and waits for one line on stdin: the tasks to wait
for, ``{"tasks": [[id, label], ...], "deadline_at": epoch}``. From then on it measures itself (CPU time,
resident size sampled every 50 ms) while every trigger runs; each event's arrival time is recorded. Its
last stdout line is the result. ``--window A B`` reads the emulator's request counter A and B seconds
after the start (admin calls, which the emulator does not count) for per-cycle figures.

Designs, all run as triggers (``run()`` consumed to its one event):

* ``shared``: our ``MaestroTaskTrigger``, unchanged: every wait of the connection shares one poller.
* ``get``: one GET per wait per interval, every wait sharing one asyncio client and token.
* ``fresh``: (a) a new HTTP session and a fresh login per poll (one ``AsyncMaestroClient`` with an empty
  token cache per poll).
* ``thread``: (b) a blocking client per trigger, each poll run in a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import logging
import os
import resource
import sys
import threading
import time
import urllib.request
from typing import TYPE_CHECKING, Any

# As a triggerer has them before its first trigger: Airflow's trigger runner and the trigger module. The
# client, the hook and the poller are imported by the designs when they run, so ours pays its own cold
# start inside the measured loop, as in a triggerer.
import airflow.jobs.triggerer_job_runner  # noqa: F401
import psutil

from botcity_provider._events import TaskEvent
from botcity_provider.triggers.maestro import MaestroTaskTrigger

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "triggers"))
from botcity_bench_triggers import POLLS, SharedClientGetTrigger, poll_until_done

if TYPE_CHECKING:
    from botcity_provider.client import MaestroClient, Task

CONN_ID = "botcity_maestro_default"
SAMPLE_SECONDS = 0.05
SLOW_STEP_SECONDS = 0.05
"""A loop step this long is one asyncio's debug mode reports, and that makes a triggerer warn."""


class StepTimer:
    """The longest step of the event loop (a callback, or a coroutine between two awaits), in wall time.

    Patches ``asyncio.Handle._run``, through which every step runs, instead of turning on debug mode,
    which slows every step down by itself. A step during which Python collected garbage is counted apart:
    a collection stops whatever step is running, for a time set by every object of the process, not by
    the step's code.
    """

    def __init__(self) -> None:
        self.longest = 0.0
        self.slow = 0
        self.longest_collection = 0.0
        self._collections = 0
        self._collection_started = 0.0
        gc.callbacks.append(self._on_collection)
        original = asyncio.events.Handle._run
        timer = self

        def timed(handle: asyncio.Handle) -> None:
            started, collections = time.perf_counter(), timer._collections
            try:
                original(handle)
            finally:
                took = time.perf_counter() - started
                if timer._collections == collections:
                    timer.longest = max(timer.longest, took)
                    timer.slow += took > SLOW_STEP_SECONDS

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]

    def _on_collection(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._collection_started = time.perf_counter()
            return
        self._collections += 1
        self.longest_collection = max(self.longest_collection, time.perf_counter() - self._collection_started)


class FreshSessionTrigger(MaestroTaskTrigger):
    """(a) A new HTTP session and a fresh login for every poll (the connection is read once).

    TLS verification is off for its sessions: with it on, every new httpx session also loads the CA
    bundle (tens of ms of CPU and ~1 MB each), a cost aiohttp-based anchors do not pay. Left out, the
    design is measured for what it is: a session and a login per poll.
    """

    async def _wait(self) -> TaskEvent:
        from airflow.providers.common.compat.connection import get_async_connection

        from botcity_provider.client import AsyncMaestroClient, TokenCache
        from botcity_provider.hooks._connection import client_config, connection_fields

        conn = await get_async_connection(self.maestro_conn_id)
        config = dataclasses.replace(client_config(connection_fields(conn)), verify=False)

        async def read() -> Task:
            async with AsyncMaestroClient(config=config, token_cache=TokenCache()) as client:
                return await client.tasks.get(self.maestro_task_id)

        return await poll_until_done(self, read)


class ThreadTrigger(MaestroTaskTrigger):
    """(b) A blocking client per trigger (from the hook, as sync-only providers do); polls in a thread."""

    async def _wait(self) -> TaskEvent:
        from botcity_provider.hooks.maestro import MaestroHook

        client: MaestroClient = await asyncio.to_thread(lambda: MaestroHook(self.maestro_conn_id).client)
        try:
            return await poll_until_done(
                self, lambda: asyncio.to_thread(client.tasks.get, self.maestro_task_id)
            )
        finally:
            client.close()


class BotOutputTrigger(MaestroTaskTrigger):
    """Ours with the bot's output told (``bot_output=True``, as the operators defer by default): one
    news request more per cycle for all the running waits."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(bot_output=True, **kwargs)


DESIGNS: dict[str, type[MaestroTaskTrigger]] = {
    "shared": MaestroTaskTrigger,
    "output": BotOutputTrigger,
    "get": SharedClientGetTrigger,
    "fresh": FreshSessionTrigger,
    "thread": ThreadTrigger,
}


class Sampler:
    """The highest resident size seen, sampled in a thread."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def requests_total(admin_url: str) -> int:
    """Requests the emulator has counted, logins left out (one per process, not per cycle)."""
    with urllib.request.urlopen(f"{admin_url}/_emulator/stats", timeout=10) as answer:
        stats = json.loads(answer.read())
    return int(stats["requests_total"]) - int(stats["requests"].get("POST /api/v2/workspace/login", 0))


async def read_windows(admin_url: str, windows: list[list[float]], started: float) -> list[list[int]]:
    """The emulator's request counter at each window's two ends (seconds after ``started``)."""
    marks = sorted({mark for window in windows for mark in window})
    counts: dict[float, int] = {}
    for mark in marks:
        await asyncio.sleep(max(0.0, started + mark - time.monotonic()))
        counts[mark] = await asyncio.to_thread(requests_total, admin_url)
    return [[counts[a], counts[b]] for a, b in windows]


async def run_all(args: argparse.Namespace, tasks: list[list[Any]], deadline_at: float) -> dict[str, Any]:
    design = DESIGNS[args.design]
    events: list[list[Any]] = []

    async def one(task_id: int, label: str) -> None:
        trigger = design(
            maestro_conn_id=CONN_ID,
            maestro_task_id=task_id,
            poll_interval_seconds=args.interval,
            deadline_at=deadline_at,
            activity_label=label,
        )
        async for event in trigger.run():
            events.append([task_id, time.time(), event.payload["status"]])

    started = time.monotonic()
    windows = asyncio.ensure_future(read_windows(args.admin_url, args.window, started))
    await asyncio.gather(*(one(task_id, label) for task_id, label in tasks))
    if SharedClientGetTrigger.client is not None:
        await SharedClientGetTrigger.client.aclose()
    found = {"events": events, "windows": await windows if args.window else []}
    if args.design in ("shared", "output"):
        from botcity_provider.triggers._poller import TaskPoller

        poller = TaskPoller.for_connection(CONN_ID)
        found.update(poller_cycles=poller.cycles, poller_requests=poller.requests)
    found["polls"] = sum(POLLS.values())
    return found


def main() -> None:
    options = argparse.ArgumentParser()
    options.add_argument("--design", choices=sorted(DESIGNS), required=True)
    options.add_argument("--interval", type=float, required=True)
    options.add_argument("--admin-url", required=True)
    options.add_argument("--window", type=float, nargs=2, action="append", default=[])
    args = options.parse_args()
    # Airflow's logging writes to stdout: keep the real stdout for our two lines, send the rest to stderr.
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    process = psutil.Process()
    print(json.dumps({"ready": process.memory_info().rss}), file=protocol, flush=True)
    order = json.loads(sys.stdin.readline())
    rss_before = process.memory_info().rss
    sampler = Sampler()
    steps = StepTimer()
    cpu_before = time.process_time()
    began = time.time()
    found = asyncio.run(run_all(args, order["tasks"], order["deadline_at"]))
    found.update(
        longest_step_ms=steps.longest * 1000,
        slow_steps=steps.slow,
        longest_collection_ms=steps.longest_collection * 1000,
        began_at=began,
        cpu_seconds=time.process_time() - cpu_before,
        rss_before=rss_before,
        rss_peak=max(sampler.stop(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024),
        threads=process.num_threads(),
    )
    print(json.dumps(found), file=protocol, flush=True)


if __name__ == "__main__":
    main()
