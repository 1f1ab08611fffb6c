"""``client.workspace``: who this client is logged in as, and the server's version."""

from __future__ import annotations

from ._base import AsyncResource, Resource


class Workspace(Resource):
    """who this client is logged in as, and the server's version"""


class AsyncWorkspace(AsyncResource):
    """who this client is logged in as, and the server's version"""
