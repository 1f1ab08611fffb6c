"""Workspace: the server's version (``maestro-api.md`` §4.1). The login itself is :func:`.._core.login_call`,
the one every client's token comes from."""

from __future__ import annotations

from botcity_provider.client._core import Call, model_parser
from botcity_provider.client._models.workspace import ServerVersion

from ._common import call

__all__ = ["server_version"]


def server_version() -> Call[ServerVersion]:
    """``GET /api/v2/maestro/version``, sent without a token as the official SDK sends it: it answers
    before any login, so it tells a wrong server URL from wrong credentials."""
    parse = model_parser(ServerVersion, "Reading the server's version")
    return call(
        "workspace.version",
        (),
        "Getting the server's version",
        parse,
        authenticated=False,
        hint="check the server URL: no Maestro API answers there",
    )
