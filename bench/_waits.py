"""Run one waiting design (``bench/_waits_child.py``) against the emulator and measure it from outside.

Shared by ``triggerer.py`` (1000 waits, three designs) and ``poll_cycle.py`` (requests per poll cycle).
The tasks are created here, before the child starts waiting, with a client of their own, and the
emulator's counters are read just before and after the wait, so creating them counts for nothing.
Each task's finishing moment is anchored to the start of creation plus its offset (``run_seconds`` of
the task's ``_emulator`` parameter), so it does not depend on how fast the tasks were created.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import PYTHON, BenchEmulator, connection_env, percentile, read_line

from botcity_provider.client import MaestroClient, TokenCache

CHILD = str(Path(__file__).with_name("_waits_child.py"))
LABEL = "bench-bot"
CREATE_THREADS = 8
READY_SECONDS = 180.0
EXTRA_KEYS = (
    "poller_cycles",
    "poller_requests",
    "polls",
    "longest_step_ms",
    "slow_steps",
    "longest_collection_ms",
)


@dataclass
class Measured:
    """What one design did while waiting for every task."""

    design: str
    waits: int
    interval: float
    logins: int
    requests: int
    routes: dict[str, int]
    delays: list[float]
    unfinished: int
    cpu_seconds: float
    rss_before: int
    rss_peak: int
    seconds: float
    wait_intervals: float
    """Mean wait per task in poll intervals: what one GET per poll would cost per task."""
    windows: list[int] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return percentile(self.delays, 50)

    @property
    def p99(self) -> float:
        return percentile(self.delays, 99)

    @property
    def max_delay(self) -> float:
        return max(self.delays) if self.delays else float("nan")


def create_tasks(handle: BenchEmulator, count: int, lead: float, spread: float) -> list[list[Any]]:
    """Tasks that finish ``lead + spread * i / count`` seconds after creation began, in any order."""
    anchor = time.time() + lead
    with MaestroClient(handle.url, handle.login, handle.key, token_cache=TokenCache()) as client:

        def create(index: int) -> list[Any]:
            finish_at = anchor + spread * index / max(count, 1)
            script = {"queue_seconds": 0, "run_seconds": round(max(finish_at - time.time(), 0.05), 3)}
            task = client.tasks.create(LABEL, parameters={"_emulator": script})
            return [task.id, LABEL]

        with ThreadPoolExecutor(CREATE_THREADS) as pool:
            return list(pool.map(create, range(count)))


def run_design(
    handle: BenchEmulator,
    design: str,
    *,
    waits: int,
    interval: float,
    lead: float,
    spread: float,
    windows: list[tuple[float, float]] = (),  # type: ignore[assignment]
) -> Measured:
    handle.reset()
    argv = [PYTHON, CHILD, "--design", design, "--interval", str(interval), "--admin-url", handle.url]
    for start, end in windows:
        argv += ["--window", str(start), str(end)]
    with tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen(
            argv,
            env={**os.environ, **connection_env(handle)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            found = _drive(handle, child, waits=waits, interval=interval, lead=lead, spread=spread)
        except BaseException:
            child.kill()
            errors.seek(0)
            print(errors.read()[-3000:])
            raise
        finally:
            child.wait(timeout=60)
    return _measured(handle, design, waits, interval, found)


def _drive(
    handle: BenchEmulator,
    child: subprocess.Popen[str],
    *,
    waits: int,
    interval: float,
    lead: float,
    spread: float,
) -> dict[str, Any]:
    if not read_line(child.stdout, READY_SECONDS).startswith('{"ready"'):
        raise RuntimeError("the waiting child did not start")
    tasks = create_tasks(handle, waits, lead, spread)
    before = handle.stats()
    limit = lead + spread + 10 * interval + 60
    assert child.stdin is not None
    child.stdin.write(json.dumps({"tasks": tasks, "deadline_at": time.time() + limit}) + "\n")
    child.stdin.flush()
    line = read_line(child.stdout, limit + 60)
    if not line.strip():
        raise RuntimeError("the waiting child gave no result")
    found: dict[str, Any] = json.loads(line)
    found["before"] = before
    return found


def _measured(
    handle: BenchEmulator, design: str, waits: int, interval: float, found: dict[str, Any]
) -> Measured:
    after, before = handle.stats(), found["before"]
    finish_at = {task["id"]: task["finish_at"] for task in handle.tasks()}
    events = {task_id: (at, status) for task_id, at, status in found["events"]}
    delays = [at - finish_at[task_id] for task_id, (at, status) in events.items() if status == "success"]
    began = found["began_at"]
    routes = Counter(after["requests"])
    routes.subtract(before["requests"])
    waited = [finish_at[task_id] - began for task_id in events]
    return Measured(
        design=design,
        waits=waits,
        interval=interval,
        logins=after["logins"] - before["logins"],
        requests=after["requests_total"] - before["requests_total"],
        routes={route: count for route, count in routes.items() if count},
        delays=delays,
        unfinished=waits - len(delays),
        cpu_seconds=found["cpu_seconds"],
        rss_before=found["rss_before"],
        rss_peak=found["rss_peak"],
        seconds=max(at for at, _ in events.values()) - began if events else float("nan"),
        wait_intervals=sum(waited) / len(waited) / interval if waited else float("nan"),
        windows=[end - start for start, end in found["windows"]],
        extra={key: found[key] for key in EXTRA_KEYS if key in found},
    )
