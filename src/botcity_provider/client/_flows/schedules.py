"""The schedule flow: an update reads the schedule, then sends it whole with the changes.

PUT replaces, so a body of only the changed fields could reset the others on the server. That costs one
GET more, and two updates at once are last-writer-wins.
"""

from __future__ import annotations

from botcity_provider.client._endpoints import schedules as api
from botcity_provider.client._engine import Operation
from botcity_provider.client._models.schedules import Schedule, ScheduleBody

__all__ = ["update_schedule"]


def update_schedule(schedule_id: object, changes: ScheduleBody) -> Operation[Schedule]:
    """Read the schedule, then PUT it back whole with ``changes`` (already checked) laid over it."""
    ident = api.schedule_id(schedule_id)
    current: Schedule = yield api.get_schedule(ident)
    updated: Schedule = yield api.replace_schedule(ident, api.merged(current, changes))
    return updated
