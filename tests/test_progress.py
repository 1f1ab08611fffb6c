"""What a user reads about a task: states in words (with Maestro's name beside them where it differs), and
what stopping found and did."""

from __future__ import annotations

import pytest

from botcity_provider._progress import describe, stop_report
from botcity_provider.client import Task

INTERRUPTED = "Interrupted at the user's request"


@pytest.mark.parametrize(
    ("task", "line"),
    [
        (Task(id=10, state="START"), "Maestro task 10 is queued (START)"),
        (
            Task(id=10, state="RUNNING", processed_items=3, failed_items=0, total_items=10),
            "Maestro task 10 is running (items processed/failed/total: 3/0/10)",
        ),
        (Task(id=10, state="RUNNING", interrupted=True), "Maestro task 10 is running (a stop was requested)"),
        (
            Task(id=9, state="FINISHED", finish_status="FAILED", finish_message=INTERRUPTED),
            f"Maestro task 9 has finished with status FAILED: {INTERRUPTED}",
        ),
        (Task(id=8, state="CANCELED"), "Maestro task 8 was cancelled (CANCELED)"),
        (Task(id=7, state="PAUSED"), "Maestro task 7 is PAUSED"),
    ],
)
def test_a_state_reads_as_words(task: Task, line: str) -> None:
    assert describe(task) == line


@pytest.mark.parametrize(
    ("before", "done", "after", "line"),
    [
        (
            Task(id=9, state="RUNNING"),
            ["asked to stop"],
            Task(id=9, state="FINISHED", finish_status="FAILED", finish_message=INTERRUPTED),
            "Maestro task 9 was running: asked to stop; it is now finished with status FAILED: "
            f"{INTERRUPTED}",
        ),
        (
            Task(id=9, state="RUNNING"),
            ["asked to stop", "killed after 60 s"],
            Task(id=9, state="RUNNING", interrupted=True, killed=True),
            "Maestro task 9 was running: asked to stop, then killed after 60 s; it is now running "
            "(a stop was requested)",
        ),
        (
            Task(id=4, state="START"),
            ["cancelled"],
            Task(id=4, state="CANCELED"),
            "Maestro task 4 was queued: cancelled; it is now cancelled (CANCELED)",
        ),
        (
            Task(id=4, state="FINISHED", finish_status="SUCCESS"),
            [],
            Task(id=4, state="FINISHED", finish_status="SUCCESS"),
            "Maestro task 4 had already finished with status SUCCESS: nothing to stop",
        ),
        (
            Task(id=3, state="CANCELED"),
            [],
            Task(id=3, state="CANCELED"),
            "Maestro task 3 had already been cancelled: nothing to stop",
        ),
    ],
)
def test_stopping_says_what_it_found_and_did(before: Task, done: list[str], after: Task, line: str) -> None:
    assert stop_report(before, done, after) == line
