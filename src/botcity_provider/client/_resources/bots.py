"""``client.bots``: the versions of each bot, deployed, uploaded, released, deleted."""

from __future__ import annotations

from ._base import AsyncResource, Resource


class Bots(Resource):
    """the versions of each bot, deployed, uploaded, released, deleted"""


class AsyncBots(AsyncResource):
    """the versions of each bot, deployed, uploaded, released, deleted"""
