"""``client.runners`` ("machines"): where bots run, online or not."""

from __future__ import annotations

from ._base import AsyncResource, Resource


class Runners(Resource):
    """where bots run, online or not"""


class AsyncRunners(AsyncResource):
    """where bots run, online or not"""
