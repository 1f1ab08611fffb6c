"""``client.workspace``: who this client is logged in as, and the server's version.

:meth:`Workspace.info` logs in once more to read what the login answers (the client keeps only the token
of its own logins); the token of that login is dropped at once, never stored, shown or returned.
"""

from __future__ import annotations

from botcity_provider.client._endpoints import workspace as api
from botcity_provider.client._flows import workspace as flows
from botcity_provider.client._models.workspace import ServerVersion, WorkspaceInfo

from ._base import AsyncResource, Resource

__all__ = ["AsyncWorkspace", "Workspace"]


class Workspace(Resource):
    """Who this client is logged in as, and the server's version."""

    def version(self) -> ServerVersion:
        """The server's version; asked without a token, so it works with wrong credentials too."""
        return self._client._run(api.server_version())

    def info(self) -> WorkspaceInfo:
        """Login, organization label (as the login answers it), server URL and version; never the token."""
        return self._client._run(flows.workspace_info(self._client.config))


class AsyncWorkspace(AsyncResource):
    """Who this client is logged in as, and the server's version."""

    async def version(self) -> ServerVersion:
        """The server's version; asked without a token, so it works with wrong credentials too."""
        return await self._client._run(api.server_version())

    async def info(self) -> WorkspaceInfo:
        """Login, organization label (as the login answers it), server URL and version; never the token."""
        return await self._client._run(flows.workspace_info(self._client.config))
