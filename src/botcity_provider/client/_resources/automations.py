"""``client.automations`` ("activities"): what bots can run, with their declared parameters."""

from __future__ import annotations

from ._base import AsyncResource, Resource


class Automations(Resource):
    """what bots can run, with their declared parameters"""


class AsyncAutomations(AsyncResource):
    """what bots can run, with their declared parameters"""
