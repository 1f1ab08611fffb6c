"""``client.credentials``: the workspace's vault; every value is a SecretStr.

Writing a key takes the official SDK's steps (``maestro-api.md`` §4.8): they are flows, in
:mod:`botcity_provider.client._flows.credentials`.
"""

from __future__ import annotations

from pydantic import SecretStr

from botcity_provider.client._endpoints import credentials as api
from botcity_provider.client._flows import credentials as flows
from botcity_provider.client._models.credentials import CredentialListing

from ._base import AsyncResource, Resource

__all__ = ["AsyncCredentials", "Credentials"]


class Credentials(Resource):
    """The workspace's vault: credential sets (by label) of keys; every value is a ``SecretStr``."""

    def get(self, label: str, key: str) -> SecretStr:
        """The value of ``key`` in set ``label``: ``.get_secret_value()`` gives the text."""
        return self._client._run(api.get_value(label, key))

    def set(self, label: str, key: str, value: str | SecretStr) -> None:
        """Store ``value`` as ``key`` of set ``label``, creating the set when it does not exist."""
        return self._client._run(flows.set_key(label, key, value))

    def delete(self, label: str, key: str) -> None:
        """Remove ``key`` from set ``label`` (the set stays, even when it has no key left)."""
        return self._client._run(flows.delete_key(label, key))

    def keys(self, label: str) -> list[str]:
        """The keys of set ``label``; their values are read by the server but never leave this call."""
        return self._client._run(flows.keys(label))

    def list(self) -> list[CredentialListing]:
        """Every set of the workspace (unverified route: fields nobody confirmed are in model_extra)."""
        return self._client._run(api.list_credentials())


class AsyncCredentials(AsyncResource):
    """The workspace's vault: credential sets (by label) of keys; every value is a ``SecretStr``."""

    async def get(self, label: str, key: str) -> SecretStr:
        """The value of ``key`` in set ``label``: ``.get_secret_value()`` gives the text."""
        return await self._client._run(api.get_value(label, key))

    async def set(self, label: str, key: str, value: str | SecretStr) -> None:
        """Store ``value`` as ``key`` of set ``label``, creating the set when it does not exist."""
        return await self._client._run(flows.set_key(label, key, value))

    async def delete(self, label: str, key: str) -> None:
        """Remove ``key`` from set ``label`` (the set stays, even when it has no key left)."""
        return await self._client._run(flows.delete_key(label, key))

    async def keys(self, label: str) -> list[str]:
        """The keys of set ``label``; their values are read by the server but never leave this call."""
        return await self._client._run(flows.keys(label))

    async def list(self) -> list[CredentialListing]:
        """Every set of the workspace (unverified route: fields nobody confirmed are in model_extra)."""
        return await self._client._run(api.list_credentials())
