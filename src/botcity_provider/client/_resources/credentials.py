"""``client.credentials``: the workspace's vault; every value is a SecretStr."""

from __future__ import annotations

from ._base import AsyncResource, Resource


class Credentials(Resource):
    """the workspace's vault; every value is a SecretStr"""


class AsyncCredentials(AsyncResource):
    """the workspace's vault; every value is a SecretStr"""
