"""Report what changed about a task while waiting for it, and only what changed.

Logging every poll at INFO buries the one line that matters; logging changes keeps a wait of hours
readable: "is queued (START)", "is running (items processed/failed/total: 10/0/50)", "has finished
with status SUCCESS".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botcity_provider.client import Task

__all__ = ["STATE_WORDS", "ProgressLog", "describe", "how", "state_words", "stop_report"]


# How a state reads in a sentence, with Maestro's own name beside it where the two differ.
STATE_WORDS = {
    "START": "is queued (START)",
    "RUNNING": "is running",
    "FINISHED": "has finished",
    "CANCELED": "was cancelled (CANCELED)",
    "TIMEOUT": "is past its time limit (TIMEOUT)",
}


def state_words(state: object) -> str:
    """``is queued (START)``, ``is running``, ``has finished``…; a state unknown here as Maestro names it."""
    text = str(state)
    return STATE_WORDS.get(text, f"is {text}")


def describe(task: Task) -> str:
    """One line about a task: its state, how it finished, and its items when the bot reports them."""
    return f"Maestro task {task.id} {how(task)}"


def how(task: Task) -> str:
    """:func:`describe` without its subject: ``is running (items ...)``, ``has finished with status ...``."""
    return _how(task, state_words(task.state))


# The same states after "it is now", in a report of what stopping did.
_NOW = {
    "START": "queued (START)",
    "RUNNING": "running",
    "FINISHED": "finished",
    "CANCELED": "cancelled (CANCELED)",
    "TIMEOUT": "past its time limit (TIMEOUT)",
}


def _how(task: Task, state: str) -> str:
    parts = [state]
    if task.finish_status is not None:
        parts.append(f"with status {task.finish_status}")
    counts = (task.processed_items, task.failed_items, task.total_items)
    if any(count is not None for count in counts):
        shown = "/".join("?" if count is None else str(count) for count in counts)
        parts.append(f"(items processed/failed/total: {shown})")
    if task.interrupted and task.finish_status is None:
        parts.append("(a stop was requested)")
    line = " ".join(parts)
    if task.finish_message:
        line += f": {task.finish_message}"
    return line


# What stopping found, in the past tense of the sentence that says what was done about it.
_FOUND = {
    "START": "was queued",
    "RUNNING": "was running",
    "FINISHED": "had already finished",
    "CANCELED": "had already been cancelled",
}


def stop_report(before: Task, actions: Sequence[str], after: Task) -> str:
    """What stopping a task found and did (the client's ``Stopped``), and how it stands now, in one line.

    ``Maestro task 9 was running: asked to stop, then killed after 60 s; it is now finished with status
    FAILED: Killed at the user's request``, or ``Maestro task 4 had already finished with status SUCCESS:
    nothing to stop``.
    """
    found = _FOUND.get(str(before.state), f"was {before.state}")
    if not actions:
        status = f" with status {before.finish_status}" if before.finish_status else ""
        return f"Maestro task {before.id} {found}{status}: nothing to stop"
    now = _how(after, _NOW.get(str(after.state), str(after.state)))
    return f"Maestro task {before.id} {found}: {', then '.join(actions)}; it is now {now}"


class ProgressLog:
    """Remembers the last reported view of one task."""

    def __init__(self) -> None:
        self._last: tuple[Any, ...] | None = None

    def change(self, task: Task) -> str | None:
        """The line to log if anything a user cares about changed since the last call, else None."""
        view = (
            str(task.state),
            task.finish_status,
            task.processed_items,
            task.failed_items,
            task.total_items,
            task.interrupted,
        )
        if view == self._last:
            return None
        self._last = view
        return describe(task)
