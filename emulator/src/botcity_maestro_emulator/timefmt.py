"""Wall-clock helpers: Maestro speaks ISO-8601 in UTC, the emulator schedules in epoch seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import overload


def now() -> float:
    """Return the current wall-clock time in epoch seconds.

    Wall-clock (not monotonic) time is used on purpose: task schedules are stored as epoch seconds in the
    state file, so a restarted emulator continues them where the old process left off.
    """
    return time.time()


@overload
def iso(epoch_seconds: float) -> str: ...
@overload
def iso(epoch_seconds: None) -> None: ...
@overload
def iso(epoch_seconds: float | None) -> str | None: ...
def iso(epoch_seconds: float | None) -> str | None:
    """Format epoch seconds as ISO-8601 UTC with milliseconds and a ``Z``, or pass ``None`` through.

    Maestro answers tz-aware strings (clients call ``tz_convert`` on them), so the offset is never omitted.
    """
    if epoch_seconds is None:
        return None
    millis = round(epoch_seconds * 1000)
    moment = datetime.fromtimestamp(millis // 1000, UTC) + timedelta(milliseconds=millis % 1000)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> float:
    """Parse an ISO-8601 date-time into epoch seconds; a naive value is taken as UTC, as Maestro does.

    :raises ValueError: when ``text`` is not an ISO-8601 date-time.
    """
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
