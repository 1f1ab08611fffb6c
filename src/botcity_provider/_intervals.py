"""How often a wait may look at Maestro: one default and one floor for every waiting interval.

Standard library only: the operators and the sensor check their intervals at DAG parse time, and the
trigger clamps the ones it is given (older DAGs, a trigger written by hand, a row in the database).

A floor of one second keeps every wait from turning into a busy loop, whatever it is given: a bot run
takes seconds at the very least, so looking more often than once a second learns nothing sooner.
"""

from __future__ import annotations

import logging
from datetime import timedelta

__all__ = [
    "DEFAULT_POLL_INTERVAL_SECONDS",
    "MIN_POLL_INTERVAL_SECONDS",
    "clamped_interval",
    "poll_interval",
    "seconds",
]

DEFAULT_POLL_INTERVAL_SECONDS = 30.0
MIN_POLL_INTERVAL_SECONDS = 1.0

log = logging.getLogger(__name__)


def seconds(value: float | timedelta | None, field: str) -> float | None:
    """A positive duration in seconds from a number or a timedelta; None stays None.

    :raises ValueError: naming ``field``, for zero, a negative number or anything else.
    """
    if value is None:
        return None
    number = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(number, bool) or not isinstance(number, int | float) or not number > 0:
        raise ValueError(f"{field} must be a positive number of seconds or a timedelta, got {value!r}")
    return float(number)


def poll_interval(value: float | timedelta, field: str) -> float:
    """A waiting interval in seconds, refused below the floor with a message naming ``field``.

    :raises ValueError: the interval is not a duration, or shorter than the floor.
    """
    number = value.total_seconds() if isinstance(value, timedelta) else value
    if (
        isinstance(number, bool)
        or not isinstance(number, int | float)
        or not number >= MIN_POLL_INTERVAL_SECONDS
    ):
        raise ValueError(
            f"{field} must be at least {MIN_POLL_INTERVAL_SECONDS:g} second, as a number of seconds or a "
            f"timedelta (a shorter one would poll Maestro in a busy loop), got {value!r}"
        )
    return float(number)


def clamped_interval(value: object, field: str = "poll_interval_seconds") -> float:
    """The interval a trigger was given, raised to the floor (with a warning) instead of refused.

    A trigger cannot refuse its kwargs: they come from a DAG parsed long ago or a row in the database,
    and refusing would end a wait that can go on safely at the floor.
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if number >= MIN_POLL_INTERVAL_SECONDS:
        return number
    log.warning(
        "%s=%r is below the floor of %g s; polling every %g s instead",
        field,
        value,
        MIN_POLL_INTERVAL_SECONDS,
        MIN_POLL_INTERVAL_SECONDS,
    )
    return MIN_POLL_INTERVAL_SECONDS
