"""The server URL as users write it: with the ``/api/v2`` of Maestro's routes, with a path prefix, or wrong.

A 404 on the login says the URL is wrong (the key was never checked) and names the request as it was
sent; a 401 keeps its advice about the login and key; a 404 on any other route keeps that route's own.
Both clients are driven against the emulator, which answers an unknown route with a 404 as any web
server would.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import (
    AuthenticationError,
    ClientConfig,
    NotFoundError,
    RetryPolicy,
    TokenCache,
)
from botcity_provider.client import _endpoints as api
from botcity_provider.client._core import RawResponse
from botcity_provider.client._engine import Steps, run

from ._support import RETRY, open_client

KINDS = ["sync", "async"]


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("https://maestro.example/api/v2", "https://maestro.example"),
        ("https://maestro.example/api/v2/", "https://maestro.example"),
        ("https://maestro.example:8443/maestro/api/v2", "https://maestro.example:8443/maestro"),
        ("https://maestro.example/maestro/", "https://maestro.example/maestro"),
        ("https://maestro.example/api", "https://maestro.example/api"),
        ("https://maestro.example/api/v2x", "https://maestro.example/api/v2x"),
        ("http://api/v2", "http://api/v2"),  # a host named "api": its path is /v2, kept
    ],
)
def test_a_trailing_api_v2_is_dropped_and_nothing_else(written: str, used: str) -> None:
    assert ClientConfig(written, "acme", "key").server == used


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", ["/api/v2", "/api/v2/"])
async def test_a_server_url_ending_in_api_v2_works(
    emulator_state: EmulatorHandle, kind: str, suffix: str
) -> None:
    handle = emulator_state
    async with open_client(
        kind, handle.url + suffix, handle.login, handle.key, retry=RETRY, token_cache=TokenCache()
    ) as client:
        page = await client.tasks.list(size=1)
    assert page.total_elements == 0
    assert handle.stats()["logins"] == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_a_404_on_the_login_blames_the_url_and_names_the_path_sent(
    emulator_state: EmulatorHandle, kind: str
) -> None:
    handle = emulator_state
    server = f"{handle.url}/maestro"
    async with open_client(
        kind, server, handle.login, handle.key, retry=RETRY, token_cache=TokenCache()
    ) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.tasks.list(size=1)
    message = str(caught.value)
    assert message == (
        f"Logging in to {server} as 'demo' failed: POST /maestro/api/v2/workspace/login returned 404: "
        '"no route for POST /maestro/api/v2/workspace/login". Check the server URL of the client: '
        f"Maestro's login route is not under {server}, so the login and key were not checked. The server "
        "URL is the Maestro server's address, e.g. https://developers.botcity.dev"
    )
    assert caught.value.path == "/api/v2/workspace/login"  # the route, as retry decisions compare it
    assert "check the login and key" not in message.lower()


@pytest.mark.parametrize("kind", KINDS)
async def test_a_401_on_the_login_keeps_its_advice_about_the_key(
    emulator_state: EmulatorHandle, kind: str
) -> None:
    handle = emulator_state
    async with open_client(
        kind, handle.url + "/api/v2", handle.login, "not-the-key", retry=RETRY, token_cache=TokenCache()
    ) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.tasks.list(size=1)
    assert "POST /api/v2/workspace/login returned 401" in str(caught.value)
    assert "Check the login and key of the client (Maestro, Dev. Environment page)" in str(caught.value)


# --- the core, by hand: a server with a path prefix --------------------------------------------------

PREFIXED = ClientConfig(
    "https://maestro.example/maestro", "acme", "s3cret-workspace-key", retry=RetryPolicy(max_attempts=1)
)


def exchange(call: Any, cfg: ClientConfig) -> Steps[Any]:
    return run(call, cfg)


def _answer_after_token(call: object, reply: RawResponse) -> BaseException:
    flow = exchange(call, PREFIXED)  # type: ignore[arg-type]
    next(flow)
    spec = flow.send(SecretStr("tok"))
    assert spec.url == "https://maestro.example/maestro/api/v2/task/42"
    with pytest.raises(BaseException) as caught:
        flow.send(reply)
    return caught.value


def test_a_404_on_an_ordinary_route_keeps_its_own_advice_and_shows_the_prefix() -> None:
    error = _answer_after_token(api.get_task(42), RawResponse(404, {}, b'{"message":"task 42 not found"}'))
    assert isinstance(error, NotFoundError)
    assert str(error) == (
        'Getting task 42 failed: GET /maestro/api/v2/task/42 returned 404: "task 42 not found". '
        "Check the Maestro task id"
    )
    assert (error.prefix, error.path) == ("/maestro", "/api/v2/task/42")


def test_a_401_on_an_ordinary_route_is_about_the_key_not_the_routes_404_advice() -> None:
    flow = exchange(api.get_task(42), PREFIXED)
    next(flow)
    flow.send(SecretStr("tok-old"))
    flow.send(RawResponse(401, {}, b'{"message":"invalid access token"}'))
    flow.send(SecretStr("tok-new"))
    with pytest.raises(AuthenticationError) as caught:
        flow.send(RawResponse(401, {}, b'{"message":"invalid access token"}'))
    assert str(caught.value).endswith(
        'returned 401: "invalid access token". Check the login and key of the connection'
    )
    assert "task id" not in str(caught.value)
