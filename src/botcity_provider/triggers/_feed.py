"""The one listing of what changed that the connection's poller shares (see :mod:`._changes`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from botcity_provider.client import AsyncMaestroClient, Task, TaskState
from botcity_provider.triggers._active import MAX_PAGE_SIZE
from botcity_provider.triggers._changes import in_order

__all__ = ["FINISHED_STATES", "Changes", "list_changes"]

# What watchers alone need: with no wait to vouch for, the active tasks' changes are pages for nothing.
FINISHED_STATES = (TaskState.FINISHED, TaskState.CANCELED)

SORT = ("dateLastModified,desc", "id,desc")


@dataclass(frozen=True)
class Changes:
    """What one listing read, last modified first, and how far down it is complete."""

    tasks: list[Task]
    reached: datetime | None
    """The oldest date read while pages remained (None: every page was read)."""
    ordered: bool
    """Whether the server sorted it as asked; when not, no absence in it proves anything."""


async def list_changes(
    client: AsyncMaestroClient,
    floor: datetime | None,
    days: int,
    counted: Callable[[], None],
    states: tuple[TaskState, ...] | None = None,
) -> Changes:
    """Every task (of ``states``; None: all) modified at or after ``floor``: page after page until a
    page's oldest is older (the first page when ``floor`` is None), or the pages end, or one comes out
    of order. Pages are the active listing's size, for its reason: each is decoded in one loop step."""
    listed: list[Task] = []
    number = 0
    while True:
        counted()
        page = await client.tasks.list(states=states, days=days, page=number, size=MAX_PAGE_SIZE, sort=SORT)
        listed.extend(page.content)
        number += 1
        ordered = in_order(listed)
        oldest = page.content[-1].date_last_modified if page.content else None
        if not page.content or number >= page.total_pages:
            return Changes(listed, None, ordered)
        if oldest is None:  # undated tasks come last: what lies beyond has no date to vouch by
            return Changes(listed, None, False)
        if floor is None or oldest < floor or not ordered:
            return Changes(listed, oldest, ordered)
