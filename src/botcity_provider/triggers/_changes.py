"""What a "changed since" listing proves, for the deferred waits and asset watchers sharing it. No I/O.

The listing is every task of the workspace (all states) sorted ``dateLastModified,desc``, read page after
page down to a *floor*. It holds every task modified at or after its floor, so a task waited for that is
not in it has not changed since: no read of its own is needed. What a wait compares with is not the
task's own date (a task unmodified for hours would drag the floor back hours) but the server's time when
the wait last saw it, known from below by the *horizon*: the newest ``dateLastModified`` of any listing
so far, which the server had written before it answered. A change after that look is dated later, minus
what :data:`MARGIN` absorbs (a change dated when its transaction began but shown when it committed, the
clocks of two server nodes).

Two things of the real server are unverified (``docs`` and ``/work/shared/maestro-api.md`` say nothing):
that it honours ``sort=dateLastModified,desc`` and that it dates every change of a task. The first is
checked on every page (:func:`in_order`: a listing out of order proves nothing, and the waits are read
the direct way, as before). For the second, every wait is also looked at the direct way (the active
listing, or its own read) at least every :data:`REFRESH_SECONDS`: an undated change is late, never lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botcity_provider.client import Task

__all__ = ["MARGIN", "REFRESH_SECONDS", "covers", "feed_floor", "horizon", "in_order", "wait_floor"]

# As the watchers' LOOKBACK: the same listing serves both, and the same lag threatens both.
MARGIN = timedelta(seconds=60)
REFRESH_SECONDS = 600.0


def wait_floor(
    seen_at: datetime | None, shown_at: float | None, now: float, chain: datetime | None
) -> datetime | None:
    """How far back a listing must reach to vouch for a wait; None: it cannot (read it the direct way).

    :param seen_at: the horizon when the wait last saw its task or was vouched for (None: not yet).
    :param shown_at: when (monotonic seconds) the server last showed the task itself; None: never.
    :param now: monotonic seconds.
    :param chain: the horizon after the previous listing of changes (None: there was none). A wait seen
        before it was not vouched for by it: its floor would send this listing back further than the
        watchers' (back hours, for a wait last seen by the active listing of a quiet hour).
    """
    if seen_at is None or shown_at is None or now - shown_at >= REFRESH_SECONDS:
        return None
    if chain is None or seen_at < chain:
        return None
    return seen_at - MARGIN


def feed_floor(floors: Iterable[datetime | None]) -> datetime | None:
    """The floor of a listing that serves every one of ``floors`` (None in them: the first page will
    do, a watcher's first look; None returned: the first page is enough for all)."""
    return min((floor for floor in floors if floor is not None), default=None)


def covers(reached: datetime | None, floor: datetime | None) -> bool:
    """Whether a listing that read down to ``reached`` (the oldest date read; None: every page) holds
    every task modified at or after ``floor`` (None: only the first page was asked for)."""
    return floor is None or reached is None or reached < floor


def in_order(tasks: Sequence[Task]) -> bool:
    """Whether a page is sorted ``dateLastModified,desc`` (undated tasks last), as asked."""
    dates = [task.date_last_modified for task in tasks]
    dated = [date for date in dates if date is not None]
    if dates[: len(dated)] != dated:  # an undated task before a dated one
        return False
    return all(newer >= older for newer, older in pairwise(dated))


def horizon(previous: datetime | None, tasks: Iterable[Task]) -> datetime | None:
    """The newest modification date known: ``previous`` or a newer one among ``tasks``."""
    dates = [task.date_last_modified for task in tasks if task.date_last_modified is not None]
    if previous is not None:
        dates.append(previous)
    return max(dates, default=None)
