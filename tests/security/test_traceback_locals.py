"""No traceback that prints local variables shows the key or a token, from the hook down.

Airflow 3.0's ``dags test`` prints rich tracebacks with every local of every frame (with the structlog
it installs), and Sentry, which Airflow can report to, does the same. The client tests check every error
they provoke this way (``tests/client/conftest.py``); these start from an Airflow connection, where the
key arrives as Airflow's ``Connection``, whose own ``repr`` shows the password.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import MaestroError
from botcity_provider.hooks.maestro import MaestroHook
from tests.traceback_locals import locals_showing, rendered_locals

CONN_ENV = "AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT"


def _connection(host: str, key: str, login: str = "acme", **extra: object) -> str:
    fields = {"conn_type": "botcity", "host": host, "login": login, "password": key}
    return json.dumps({**fields, "extra": extra} if extra else fields)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_no_local_shows(error: BaseException, *secrets: str) -> None:
    assert any(True for _ in rendered_locals(error)), "no frame with locals: the check would prove nothing"
    shown = locals_showing(error, secrets)
    assert not shown, "a traceback showing locals prints a secret: " + "; ".join(shown)


def test_the_search_finds_a_secret_in_a_plain_local() -> None:
    # Compiled under a path outside tests/, as library code is: test frames are not searched.
    namespace: dict[str, Any] = {}
    source = "def leaky(key):\n    raise ValueError('refused')\n"
    exec(compile(source, "/plugins/leaky.py", "exec"), namespace)
    with pytest.raises(ValueError) as caught:
        namespace["leaky"]("BOTCITY-PLANTED-KEY")
    assert locals_showing(caught.value, ["BOTCITY-PLANTED-KEY"]) == [
        "ValueError at leaky.py:2 leaky(), local 'key'"
    ]
    assert locals_showing(caught.value, ["another"]) == []


@pytest.mark.parametrize(
    ("host", "extra"),
    [
        ("ftp://maestro.example", {}),
        ("https://maestro.example", {"timeout_seconds": "soon"}),
        ("https://maestro.example", {"max_retries": "many"}),
    ],
    ids=["bad-url", "bad-timeout", "bad-retries"],
)
async def test_a_refused_connection_setting(
    monkeypatch: pytest.MonkeyPatch, host: str, extra: dict[str, str]
) -> None:
    key = "BOTCITY-TRACEBACK-KEY-settings"
    monkeypatch.setenv(CONN_ENV, _connection(host, key, **extra))
    from airflow.exceptions import AirflowException

    with pytest.raises(AirflowException) as blocking:
        MaestroHook().get_conn()
    assert_no_local_shows(blocking.value, key)
    with pytest.raises(AirflowException) as asyncio_path:
        await MaestroHook().get_async_client()
    assert_no_local_shows(asyncio_path.value, key)


def test_a_refused_login(emulator_state: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "BOTCITY-TRACEBACK-KEY-wrong"
    monkeypatch.setenv(CONN_ENV, _connection(emulator_state.url, wrong, login=emulator_state.login))
    with pytest.raises(MaestroError) as caught:
        MaestroHook().get_conn().tasks.list()
    assert_no_local_shows(caught.value, wrong)


@pytest.mark.parametrize("client", ["blocking", "asyncio"])
async def test_an_api_error_after_a_login(
    maestro_conn: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, client: str
) -> None:
    hook = MaestroHook()
    with pytest.raises(MaestroError) as caught:
        if client == "blocking":
            hook.get_conn().tasks.get(424242)
        else:
            async with await hook.get_async_client() as aclient:
                await aclient.tasks.get(424242)
    tokens = maestro_conn.tokens()
    assert tokens, "no login happened: the token path was not exercised"
    assert_no_local_shows(caught.value, maestro_conn.key, *tokens)


@pytest.mark.parametrize("client", ["blocking", "asyncio"])
async def test_a_connection_that_breaks_during_the_login(
    monkeypatch: pytest.MonkeyPatch, client: str
) -> None:
    # Nothing listens: the login body (holding the key) is in the HTTP library's frames when it fails.
    key = "BOTCITY-TRACEBACK-KEY-transport"
    monkeypatch.setenv(CONN_ENV, _connection(f"http://127.0.0.1:{_free_port()}", key, max_retries=0))
    hook = MaestroHook()
    with pytest.raises(MaestroError) as caught:
        if client == "blocking":
            hook.get_conn().tasks.list()
        else:
            async with await hook.get_async_client() as aclient:
                await aclient.tasks.list()
    assert "could not connect" in str(caught.value)
    assert_no_local_shows(caught.value, key)
