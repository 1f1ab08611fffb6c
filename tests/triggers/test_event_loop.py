"""Nothing of ours holds a triggerer's event loop: not the first trigger (cold imports, the HTTP client),
not two hundred at once (listings, deliveries).

A triggerer runs every provider's triggers on one loop, and Airflow warns when a step of it takes long.
The triggers run in a fresh interpreter that times every step of its loop and reports those that spend
more than 50 ms of CPU, asyncio debug mode's threshold, or block for long (see ``_event_loop_child``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from botcity_provider.client import MaestroClient
from tests.conftest import ROOT, connection_json

LABEL = "loop-bot"
WAITS = 200


def _create(handle, count: int) -> list[int]:
    emulated = {"queue_seconds": 0.5, "run_seconds": 1.0}
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        return [client.tasks.create(LABEL, parameters={"_emulator": emulated}).id for _ in range(count)]


def test_no_step_of_ours_is_slow_cold_or_at_scale(maestro_conn, tmp_path: Path) -> None:
    task_ids = _create(maestro_conn, WAITS + 1)
    env = {
        **os.environ,
        "AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT": connection_json(maestro_conn),
        "PYTHONPATH": str(ROOT),
    }
    stderr = tmp_path / "child.log"  # a file, not a pipe: a full pipe would stall the child's log writes
    with stderr.open("w") as err:
        done = subprocess.run(
            [sys.executable, "-m", "tests.triggers._event_loop_child", LABEL, *map(str, task_ids)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            timeout=600,
            check=False,
        )
    assert done.returncode == 0, stderr.read_text()[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])

    statuses = [[event["status"] for event in events] for events in report["events"]]
    assert statuses == [["success"]] * (WAITS + 1), "every trigger yields its one event"
    assert report["slow"] == [], "steps that held the loop:\n" + "\n".join(report["slow"])
