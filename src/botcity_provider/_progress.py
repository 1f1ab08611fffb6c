"""Report what changed about a task while waiting for it, and only what changed.

Logging every poll at INFO buries the one line that matters; logging changes keeps a wait of hours
readable: "queued", "running, 10/0/50 items", "running, 30/1/50 items", "finished SUCCESS".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botcity_provider.client import Task

__all__ = ["ProgressLog", "describe"]


def describe(task: Task) -> str:
    """One line about a task: its state, how it finished, and its items when the bot reports them."""
    parts = [f"Maestro task {task.id} is {task.state}"]
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
