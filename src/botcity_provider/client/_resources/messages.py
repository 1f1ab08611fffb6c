"""``client.messages``: e-mail sent through Maestro."""

from __future__ import annotations

from ._base import AsyncResource, Resource


class Messages(Resource):
    """e-mail sent through Maestro"""


class AsyncMessages(AsyncResource):
    """e-mail sent through Maestro"""
