"""Run a bot from a script: create a Maestro task, wait for it, read its result files and errors.

MAESTRO_SERVER=https://developers.botcity.dev MAESTRO_LOGIN=... MAESTRO_KEY=... python run_a_bot.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from botcity_provider.client import MaestroClient, MaestroError


def main() -> int:
    server, login, key = (os.environ[name] for name in ("MAESTRO_SERVER", "MAESTRO_LOGIN", "MAESTRO_KEY"))
    with MaestroClient(server, login, key) as maestro:
        parameters = {"month": "2026-11"}
        task = maestro.tasks.create("invoice-bot", parameters=parameters, idempotency_key="invoices-2026-11")
        print(f"created task {task.id} ({task.state})")

        deadline = time.monotonic() + 600
        while not task.state.is_terminal and time.monotonic() < deadline:
            time.sleep(1)
            task = maestro.tasks.get(task.id)
        print(f"task {task.id} ended {task.state}: {task.finish_status} {task.finish_message or ''}".rstrip())

        with tempfile.TemporaryDirectory() as folder:
            for artifact in maestro.artifacts.iter(days=1):
                if artifact.task_id == task.id:
                    saved = maestro.artifacts.download(artifact.id, Path(folder) / str(artifact.file_name))
                    print(f"result file {artifact.file_name}: {saved.stat().st_size} bytes")

        for error in maestro.errors.iter(task.id):
            print(f"bot error: {error.type}: {error.message}")

        try:
            maestro.tasks.get(10**12)
        except MaestroError as error:  # every failure is a MaestroError that says what Maestro said
            print(f"as expected: {type(error).__name__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
