"""The deferred waits' side of the connection's poller (:class:`._poller.TaskPoller`): what one wait
holds between looks, and what its trigger reads from it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

from botcity_provider._bot_news import BotNews
from botcity_provider._progress import ProgressLog
from botcity_provider.client import Task
from botcity_provider.triggers._shared_poller import WaitError, newest

__all__ = ["Waiter", "Watch"]


@dataclass(eq=False)
class Waiter:
    """One deferred wait registered with the poller.

    ``seen_at`` (server time, from below: the poller's horizon) and ``shown_at`` (monotonic) are when
    its task was last seen or vouched for unchanged, and last shown itself (see :mod:`._changes`).
    """

    task_id: int
    interval: float
    due_at: float
    created: datetime | None = None
    latest: Task | WaitError | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    wants_news: bool = False
    news: BotNews | None = None
    lines: list[str] = field(default_factory=list)
    seen_at: datetime | None = None
    shown_at: float | None = None

    def tell(self, lines: list[str]) -> None:
        # What the bot reported: told with the next update, even when the task itself did not change.
        if lines:
            self.lines.extend(lines)
            self.ready.set()

    def offer(self, item: Task | WaitError) -> None:
        # Only the newest view matters: a slow reader skips snapshots, never the end.
        self.latest = item
        self.ready.set()
        if isinstance(item, Task):
            self.created = item.date_creation or self.created


class Watch:
    """What a trigger reads: the changes of its task until it ends or the deadline passes."""

    def __init__(self, waiter: Waiter) -> None:
        self._waiter = waiter
        self._progress = ProgressLog()
        self.changed = False

    async def until(self, deadline_at: float | None) -> AsyncIterator[Task]:
        """Yield the task when it changed (``changed``) or its bot reported something (:meth:`news`);
        stop silently at the deadline; raise WaitError."""
        async for task in newest(self._waiter, deadline_at):
            self.changed = self._progress.change(task) is not None
            if self.changed or self._waiter.lines:
                yield task

    def news(self) -> list[str]:
        """The log lines of what the bot reported since the last call (its errors and alerts)."""
        lines, self._waiter.lines = self._waiter.lines, []
        return lines
