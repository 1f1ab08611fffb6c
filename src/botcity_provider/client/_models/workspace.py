"""Models of the workspace: the server's version and who the client is logged in as (§2.1, §4.1)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from botcity_provider.client._models.base import Response

__all__ = ["ServerVersion", "WorkspaceInfo"]


class ServerVersion(Response):
    """Answer of ``GET /api/v2/maestro/version``."""

    version: str
    """The server's version, PEP 440 (the official SDK parses it so, and gates features on it)."""


class WorkspaceInfo(BaseModel):
    """Who this client is and where it points; built by the client, and never holds the token or key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    login: str
    """The workspace login of the client's settings (also what it sends as ``organization``)."""
    organization_label: str | None
    """The workspace's label as the login route answered it (``None`` when it answered none)."""
    server: str
    """The server URL the client calls."""
    version: str
    """The server's version, as ``GET /api/v2/maestro/version`` gave it."""
