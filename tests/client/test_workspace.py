"""``client.workspace`` against the emulator, over loopback HTTP, with each client in turn."""

from __future__ import annotations

import pytest

from botcity_maestro_emulator.config import SERVER_VERSION
from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import AuthenticationError, TokenCache
from botcity_provider.client._models.workspace import ServerVersion, WorkspaceInfo

from ._support import RETRY, Twin, open_client, requests_to


async def test_version_is_asked_without_a_token(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    version = await maestro.workspace.version()
    assert version == ServerVersion(version=SERVER_VERSION)
    stats = emulator_state.stats()
    assert (stats["logins"], stats["requests"]) == (0, {"GET /api/v2/maestro/version": 1})


async def test_version_works_with_a_wrong_key(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    async with open_client(
        maestro.kind,
        emulator_state.url,
        emulator_state.login,
        "wrong-key",
        retry=RETRY,
        token_cache=TokenCache(),
    ) as wrong:
        assert (await wrong.workspace.version()).version == SERVER_VERSION
        with pytest.raises(AuthenticationError):
            await wrong.workspace.info()


async def test_info_says_who_and_where_never_the_token(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    info = await maestro.workspace.info()
    assert info == WorkspaceInfo(
        login=emulator_state.login,
        organization_label=emulator_state.login,  # the emulator answers the login as the label
        server=emulator_state.url,
        version=SERVER_VERSION,
    )
    shown = f"{info!r} {info.model_dump()} {info.model_dump_json()}"
    tokens = emulator_state.tokens()
    assert tokens and not [token for token in tokens if token in shown]
    assert requests_to(emulator_state, "POST /api/v2/workspace/login") == 1


async def test_info_does_not_disturb_the_clients_own_token(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    await maestro.schedules.list()
    await maestro.workspace.info()
    await maestro.schedules.list()
    # One login for the client's calls, one for info(): its token is not taken for the client's.
    assert emulator_state.stats()["logins"] == 2
    assert maestro.client.logins == 1
