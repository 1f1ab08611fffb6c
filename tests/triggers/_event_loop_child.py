"""Run Maestro triggers in a fresh interpreter, as a triggerer would, and report every slow loop step.

``python -m tests.triggers._event_loop_child LABEL FIRST_ID OTHER_ID...``: one trigger alone first (the
cold start: nothing of the client imported yet), then all the others, made one per loop step as Airflow's
triggerer makes them. Every step of the loop (a callback, or a coroutine between two awaits) is timed; the
report (one JSON line on stdout) holds the slow ones and the events, so the test can check both.

A step is slow when the loop's thread spends more than 50 ms of CPU in it (the threshold of asyncio's
debug mode, which makes a triggerer warn): imports and client construction, the work that must stay off
the loop, are CPU work. CPU time, not wall time, because a test on a shared machine can be descheduled in
the middle of any step; a step that blocks without using the CPU (a blocking socket, a sleep) is caught
by a wall-clock bound too long for a descheduling to reach.

Only Airflow's trigger runner is imported beforehand, as in a triggerer. Garbage collection is frozen
after that and paused while the triggers run: a collection stops whatever step happens to be running,
ours or not, for a time that depends on every object of the process, not on the code of the step.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time

import airflow.jobs.triggerer_job_runner  # noqa: F401 - what a triggerer has loaded before any trigger

SLOW_CPU_SECONDS = 0.05
BLOCKED_SECONDS = 0.5
slow: list[str] = []


def _name(handle: asyncio.Handle) -> str:
    """The task and line a step ran, as asyncio's debug mode names it (a private helper, hence the guard)."""
    describe = getattr(asyncio.base_events, "_format_handle", repr)
    return str(describe(handle))


def _time_every_step() -> None:
    original = asyncio.events.Handle._run

    def timed(handle: asyncio.Handle) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            original(handle)
        finally:
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            if cpu > SLOW_CPU_SECONDS or wall > BLOCKED_SECONDS:
                slow.append(f"{_name(handle)} took {wall:.3f} s, {cpu:.3f} s of CPU")

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]


async def _collect(trigger: object) -> list[dict]:
    return [event.payload async for event in trigger.run()]  # type: ignore[attr-defined]


async def _main(label: str, first: int, others: list[int]) -> list[list[dict]]:
    from botcity_provider.triggers.maestro import MaestroTaskTrigger

    def trigger(task_id: int) -> MaestroTaskTrigger:
        return MaestroTaskTrigger(
            maestro_conn_id="botcity_maestro_default",
            maestro_task_id=task_id,
            poll_interval_seconds=1,
            activity_label=label,
        )

    events = [await _collect(trigger(first))]
    waits = []
    for task_id in others:
        waits.append(asyncio.create_task(_collect(trigger(task_id)), name=f"wait-{task_id}"))
        await asyncio.sleep(0)  # as TriggerRunner.create_triggers yields after each trigger it makes
    return events + list(await asyncio.gather(*waits))


def main() -> None:
    label, first, *others = sys.argv[1:]
    _time_every_step()
    gc.freeze()
    gc.disable()
    # Debug mode for its reprs: a slow step names the coroutine and the line it was at.
    events = asyncio.run(_main(label, int(first), [int(task_id) for task_id in others]), debug=True)
    print(json.dumps({"slow": slow, "events": events}))


if __name__ == "__main__":
    main()
