"""The key and the tokens never show: not in a ``repr``, an error message or a log record.

Every test of this folder is also checked by the ``_secret_hygiene`` fixture (see ``conftest.py``);
the tests here provoke the cases most likely to leak, with every logger at DEBUG.
"""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import (
    AsyncMaestroClient,
    ClientConfig,
    MaestroAPIError,
    MaestroClient,
    MaestroError,
    ServerError,
    TokenCache,
)
from botcity_provider.client import _endpoints as api
from botcity_provider.client._core import build_request, login_call
from botcity_provider.client._models import LoginResult

from ._support import RETRY, STAY_QUEUED, Twin


def assert_hidden(text: str, *secrets: str) -> None:
    shown = [secret for secret in secrets if secret in text]
    assert not shown, f"secret shown in: {text}"


async def test_reprs_show_neither_key_nor_token(
    client: MaestroClient, async_client: AsyncMaestroClient, emulator_state: EmulatorHandle
) -> None:
    client.tasks.list()
    await async_client.tasks.list()
    (token,) = emulator_state.tokens()
    key = emulator_state.key
    cfg = client.config
    objects: list[object] = [
        client,
        async_client,
        cfg,
        async_client.config,
        login_call(cfg),
        build_request(cfg, login_call(cfg), None),
        build_request(cfg, api.get_task(1), SecretStr(token)),
        LoginResult(access_token=token, organization_label="demo"),
        client._slot,
    ]
    for value in objects:
        assert_hidden(repr(value), key, token)
        assert_hidden(str(value), key, token)
    assert "demo" in repr(client)  # the login is not a secret and helps to tell clients apart


async def test_a_server_message_that_echoes_the_key_and_token_is_scrubbed(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    await maestro.tasks.list()
    (token,) = emulator_state.tokens()
    echo = f"token {token} of key {emulator_state.key} may not list tasks"
    emulator_state.set_faults(
        script=[{"match": "GET /api/v2/task", "action": "status", "status": 403, "message": echo}]
    )
    with pytest.raises(MaestroAPIError) as caught:
        await maestro.tasks.list()
    error = caught.value
    assert "may not list tasks" in str(error)
    for text in (str(error), repr(error), error.server_message):
        assert_hidden(text, token, emulator_state.key)


async def test_nothing_secret_is_logged_even_at_debug_by_any_library(
    maestro: Twin, emulator_state: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, urllib3, httpx, httpcore, the emulator's
    task = await maestro.tasks.create("a", parameters=STAY_QUEUED)
    emulator_state.reset()  # the next call is refused, logs in again and is retried
    emulator_state.set_faults(
        script=[{"match": "GET /api/v2/task", "action": "status", "status": 503, "count": 2}]
    )
    await maestro.tasks.list()
    with pytest.raises(ServerError):
        emulator_state.set_faults(
            script=[{"match": "GET /api/v2/task/{taskId}", "action": "status", "status": 503, "count": 9}]
        )
        await maestro.tasks.get(task.id)
    secrets = [emulator_state.key, *emulator_state.tokens()]
    assert len(secrets) == 2  # the key and the one token issued since the reset
    records = caplog.get_records("call")
    ours = [r for r in records if r.name.startswith("botcity_provider.client")]
    assert any(r.levelno == logging.DEBUG for r in ours)
    assert any(r.levelno == logging.WARNING for r in ours)
    assert any("logging in again" in r.getMessage() for r in ours)
    for record in records:
        assert_hidden(record.getMessage(), *secrets)


async def test_the_token_is_handed_to_on_token_so_airflow_can_mask_it(emulator_state: EmulatorHandle) -> None:
    seen: list[str] = []
    async with AsyncMaestroClient(
        emulator_state.url,
        emulator_state.login,
        emulator_state.key,
        token_cache=TokenCache(),
        on_token=seen.append,
    ) as maestro:
        await maestro.tasks.list()
    assert seen == emulator_state.tokens()


def test_the_hygiene_check_sees_the_errors_of_a_test(
    emulator_state: EmulatorHandle, _secret_hygiene: list[MaestroError]
) -> None:
    with (
        MaestroClient(
            emulator_state.url,
            emulator_state.login,
            emulator_state.key,
            retry=RETRY,
            token_cache=TokenCache(),
        ) as maestro,
        pytest.raises(MaestroError),
    ):
        maestro.tasks.get(4242)
    assert [type(error).__name__ for error in _secret_hygiene] == ["NotFoundError"]


def test_a_config_built_by_hand_hides_its_key() -> None:
    cfg = ClientConfig("https://maestro.example", "acme", "k3y-by-hand")
    assert "k3y-by-hand" not in repr(cfg)
    assert "k3y-by-hand" not in repr(MaestroClient(config=cfg))
