"""The scripts of "Using the client without Airflow" (examples/client/) run against the emulator as shown.

Each runs as a user runs it, in its own interpreter with the server, login and key in the environment, and
what it prints is what the page promises.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "client"


def _run(script: str, emulator: EmulatorHandle) -> list[str]:
    env = {
        **os.environ,
        "MAESTRO_SERVER": emulator.url,
        "MAESTRO_LOGIN": emulator.login,
        "MAESTRO_KEY": emulator.key,
    }
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert emulator.key not in done.stdout + done.stderr
    return done.stdout.splitlines()


def test_run_a_bot(emulator_state: EmulatorHandle) -> None:
    lines = _run("run_a_bot.py", emulator_state)
    created = re.fullmatch(r"created task (\d+) \(START\)", lines[0])
    assert created, lines
    assert lines[1].startswith(f"task {created[1]} ended FINISHED: SUCCESS"), lines
    assert lines[-1] == "as expected: NotFoundError"
    assert [task["id"] for task in emulator_state.tasks()] == [int(created[1])]


def test_run_a_bot_whose_create_answer_is_lost_makes_one_task(emulator_state: EmulatorHandle) -> None:
    # The task is created, then the connection drops before the answer: the key finds it.
    emulator_state.set_faults(script=[{"match": "POST /api/v2/task", "action": "lost"}])
    lines = _run("run_a_bot.py", emulator_state)
    stats = emulator_state.stats()
    assert stats["tasks_created"] == 1 and sum(stats["faults"].values()) == 1
    assert lines[0] == f"created task {emulator_state.tasks()[0]['id']} (START)"
    assert len(emulator_state.tasks()) == 1


def test_feed_a_datapool(emulator_state: EmulatorHandle) -> None:
    lines = _run("feed_a_datapool.py", emulator_state)
    assert lines == ["datapool invoices", "pushed 5 items", "done 4, failed 1, pending 0"]


@pytest.mark.parametrize("script", sorted(path.name for path in EXAMPLES.glob("*.py")))
def test_every_example_is_run_here(script: str) -> None:
    assert f'"{script}"' in Path(__file__).read_text()


def test_many_tasks_async(emulator_state: EmulatorHandle) -> None:
    lines = _run("many_tasks_async.py", emulator_state)
    assert re.fullmatch(r"Maestro \S+", lines[0]), lines
    assert lines[1] == "created 4 tasks"
    assert lines[2] == "automation report-bot"
    assert re.fullmatch(r"\d+ runner\(s\) online", lines[3])
    assert lines[-1] == "stopped them all"
    assert {task["state"] for task in emulator_state.tasks()} <= {"CANCELED", "FINISHED"}
