"""Run Maestro triggers in a fresh interpreter, as a triggerer would, and report every slow loop step.

``python -m tests.triggers._event_loop_child LABEL FIRST_ID OTHER_ID...``: one trigger alone first (the
cold start: nothing of the client imported yet), then all the others at once. asyncio's debug mode logs
every callback that holds the loop for longer than ``slow_callback_duration``; the report (one JSON line on
stdout) holds those lines, and the events, so the test can check both.

Only Airflow's trigger runner is imported beforehand, as in a triggerer. Garbage collection is frozen
after that and paused while the triggers run: a collection stops whatever step happens to be running,
ours or not, for a time that depends on every object of the process, not on the code of the step.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sys

import airflow.jobs.triggerer_job_runner  # noqa: F401 - what a triggerer has loaded before any trigger

SLOW_SECONDS = 0.05
slow: list[str] = []


class _SlowSteps(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.startswith("Executing") and " took " in text:
            slow.append(text)


async def _collect(trigger: object) -> list[dict]:
    return [event.payload async for event in trigger.run()]  # type: ignore[attr-defined]


async def _main(label: str, first: int, others: list[int]) -> list[list[dict]]:
    from botcity_provider.triggers.maestro import MaestroTaskTrigger

    asyncio.get_running_loop().slow_callback_duration = SLOW_SECONDS

    def trigger(task_id: int) -> MaestroTaskTrigger:
        return MaestroTaskTrigger(
            maestro_conn_id="botcity_maestro_default",
            maestro_task_id=task_id,
            poll_interval_seconds=1,
            activity_label=label,
        )

    events = [await _collect(trigger(first))]
    waits = [asyncio.create_task(_collect(trigger(task_id)), name=f"wait-{task_id}") for task_id in others]
    return events + list(await asyncio.gather(*waits))


def main() -> None:
    label, first, *others = sys.argv[1:]
    logging.getLogger("asyncio").addHandler(_SlowSteps())
    logging.getLogger("asyncio").setLevel(logging.WARNING)
    gc.freeze()
    gc.disable()
    events = asyncio.run(_main(label, int(first), [int(task_id) for task_id in others]), debug=True)
    print(json.dumps({"slow": slow, "events": events}))


if __name__ == "__main__":
    main()
