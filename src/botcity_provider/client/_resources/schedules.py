"""``client.schedules``: cron-timed tasks of an automation."""

from __future__ import annotations

from ._base import AsyncResource, Resource


class Schedules(Resource):
    """cron-timed tasks of an automation"""


class AsyncSchedules(AsyncResource):
    """cron-timed tasks of an automation"""
