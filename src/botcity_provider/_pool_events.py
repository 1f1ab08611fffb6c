"""What a wait on a datapool ends with: the event the datapool trigger yields and the operator and the
sensor check before trusting it. Standard library only: the operators import it at DAG parse time.

``status`` is ``success`` (nothing selected is pending or processing), ``timeout`` (the deadline passed
first) or ``error`` (the wait itself failed: the pool is gone, the credentials are refused). ``counts``
are the pool's, by state, as its last summary gave them; ``in_hand`` is how many selected items were
still pending or processing at the last check (None when never checked).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypedDict, cast

__all__ = ["POOL_EVENT_STATUSES", "PoolEvent", "make_pool_event", "validate_pool_event"]

PoolEventStatus = Literal["success", "timeout", "error"]
POOL_EVENT_STATUSES: tuple[PoolEventStatus, ...] = ("success", "timeout", "error")


class PoolEvent(TypedDict):
    """The payload of a datapool trigger's one event."""

    status: PoolEventStatus
    datapool: str
    message: str
    counts: dict[str, int]
    in_hand: int | None
    retryable: bool


def make_pool_event(
    status: PoolEventStatus,
    datapool: str,
    message: str,
    counts: Mapping[str, int] | None = None,
    *,
    in_hand: int | None = None,
    retryable: bool = True,
) -> PoolEvent:
    """Build the payload of a datapool trigger's event."""
    return PoolEvent(
        status=status,
        datapool=datapool,
        message=message,
        counts=dict(counts or {}),
        in_hand=in_hand,
        retryable=retryable,
    )


def validate_pool_event(event: object) -> PoolEvent:
    """Check an event before trusting it: a stale or hand-made one must not pass for a success.

    :raises ValueError: naming what is wrong.
    """
    if not isinstance(event, Mapping):
        raise ValueError(f"expected a mapping, got {type(event).__name__}")
    if event.get("status") not in POOL_EVENT_STATUSES:
        raise ValueError(f"unknown status {event.get('status')!r}")
    if not isinstance(event.get("datapool"), str) or not event["datapool"]:
        raise ValueError("the event names no datapool")
    counts = event.get("counts", {})
    if not isinstance(counts, Mapping) or not all(isinstance(v, int) for v in counts.values()):
        raise ValueError("counts must map states to numbers")
    in_hand = event.get("in_hand")
    if in_hand is not None and (not isinstance(in_hand, int) or in_hand < 0):
        raise ValueError(f"in_hand must be a count, got {in_hand!r}")
    checked: dict[str, Any] = {
        "status": event["status"],
        "datapool": event["datapool"],
        "message": str(event.get("message", "")),
        "counts": dict(counts),
        "in_hand": in_hand,
        "retryable": bool(event.get("retryable", True)),
    }
    return cast("PoolEvent", checked)
