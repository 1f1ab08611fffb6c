"""The workspace flow: the server's version, then one more login to read what it answers.

The client keeps only the token of its own logins; the token of this one is dropped at once, never
stored, shown or returned.
"""

from __future__ import annotations

from botcity_provider.client._config import ClientConfig
from botcity_provider.client._core import login_call
from botcity_provider.client._endpoints import workspace as api
from botcity_provider.client._engine import Operation
from botcity_provider.client._models.workspace import ServerVersion, WorkspaceInfo

__all__ = ["workspace_info"]


def workspace_info(cfg: ClientConfig) -> Operation[WorkspaceInfo]:
    """The server's version, then a login for the organization label it answers."""
    version: ServerVersion = yield api.server_version()
    organization = (yield login_call(cfg)).organization_label
    return WorkspaceInfo(
        login=cfg.login, organization_label=organization, server=cfg.server, version=version.version
    )
