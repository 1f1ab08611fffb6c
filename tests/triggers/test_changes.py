"""What a listing of changes proves for the deferred waits and watchers sharing it, with no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from botcity_provider.client import Task
from botcity_provider.triggers._changes import (
    MARGIN,
    REFRESH_SECONDS,
    covers,
    feed_floor,
    horizon,
    in_order,
    wait_floor,
)

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def _task(ident: int, modified: datetime | None) -> Task:
    date = None if modified is None else modified.isoformat()
    return Task.model_validate({"id": ident, "state": "RUNNING", "dateLastModified": date})


@pytest.mark.parametrize(
    ("seen_at", "shown_at", "chain", "floor"),
    [
        (T0, 100.0, T0, T0 - MARGIN),  # seen by the last listing of changes: vouched from its horizon on
        (T0 + S, 100.0, T0, T0 + S - MARGIN),  # seen since (a read after that listing)
        (None, 100.0, T0, None),  # just deferred: never seen
        (T0, None, T0, None),  # never shown itself
        (T0 - S, 100.0, T0, None),  # seen before the last listing: the chain broke, look directly
        (T0, 100.0, None, None),  # no listing of changes yet (or it came unsorted)
        (T0, 101.0 - REFRESH_SECONDS, T0, None),  # not shown for too long: look directly once
        (T0, 102.0 - REFRESH_SECONDS, T0, T0 - MARGIN),
    ],
)
def test_a_wait_is_vouched_for_from_the_horizon_it_was_last_seen_at(seen_at, shown_at, chain, floor) -> None:
    assert wait_floor(seen_at, shown_at, 101.0, chain) == floor


@pytest.mark.parametrize(
    ("floors", "expected"),
    [
        ([], None),
        ([None], None),  # a watcher's first look: the first page
        ([None, T0], T0),
        ([T0, T0 - S, None], T0 - S),
    ],
)
def test_one_listing_reaches_the_oldest_floor_asked(floors, expected) -> None:
    assert feed_floor(floors) == expected


@pytest.mark.parametrize(
    ("reached", "floor", "expected"),
    [
        (None, T0, True),  # every page read
        (T0 - S, T0, True),  # read past the floor
        (T0, T0, False),  # a task dated exactly at the floor may be on the next page
        (T0 + S, T0, False),
        (T0 + S, None, True),  # only the first page was asked for
    ],
)
def test_a_listing_covers_a_floor_it_read_past(reached, floor, expected) -> None:
    assert covers(reached, floor) is expected


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ([], True),
        ([T0], True),
        ([T0 + S, T0, T0], True),
        ([T0 + S, T0, None, None], True),  # undated last, as asked
        ([T0, T0 + S], False),  # the server ignored the sort
        ([T0, None, T0 - S], False),
    ],
)
def test_a_listing_out_of_order_is_noticed(dates, expected) -> None:
    assert in_order([_task(n, date) for n, date in enumerate(dates)]) is expected


@pytest.mark.parametrize(
    ("previous", "dates", "expected"),
    [
        (None, [], None),
        (None, [T0, None, T0 - S], T0),
        (T0 + S, [T0], T0 + S),  # never moves back
        (T0, [T0 + S], T0 + S),
    ],
)
def test_the_horizon_is_the_newest_date_any_listing_showed(previous, dates, expected) -> None:
    assert horizon(previous, [_task(n, date) for n, date in enumerate(dates)]) == expected
