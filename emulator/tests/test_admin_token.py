"""The ``/_emulator/`` routes behind a token, and no address beyond loopback without one.

``/_emulator/tokens`` hands out every token issued and ``/_emulator/reset`` wipes the state: fine on
127.0.0.1, a hole on any other address. Without a token the routes stay open on loopback, so the other
tests and the benchmarks are unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from botcity_maestro_emulator.cli import ADMIN_TOKEN_ENV
from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_subprocess, serve_in_thread

from .helpers import Api

MODULE = [sys.executable, "-m", "botcity_maestro_emulator"]
TOKEN = "admin-token-for-tests"
ADMIN_ROUTES = [("POST", "reset"), ("GET", "faults"), ("POST", "faults"), ("GET", "stats"), ("GET", "tokens")]
ADMIN_ROUTES += [("GET", "tasks")]


@pytest.fixture(scope="module")
def locked() -> Iterator[EmulatorHandle]:
    with serve_in_thread(admin_token=TOKEN, queue_seconds=0.1, run_seconds=0.2) as handle:
        yield handle


def _admin(handle: EmulatorHandle, method: str, route: str, token: str | None) -> requests.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    body = {} if method == "POST" else None
    return requests.request(method, f"{handle.url}/_emulator/{route}", json=body, headers=headers, timeout=10)


def _login(handle: EmulatorHandle) -> str:
    return Api(handle).login()


@pytest.mark.parametrize(("method", "route"), ADMIN_ROUTES)
def test_every_admin_route_wants_the_token(locked: EmulatorHandle, method: str, route: str) -> None:
    for wrong in (None, "guess", TOKEN + "x"):
        answer = _admin(locked, method, route, wrong)
        assert answer.status_code == 401, (wrong, answer.text)
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert "--admin-token" in answer.json()["message"]
    assert _admin(locked, method, route, TOKEN).status_code == 200


def test_tokens_never_answer_without_the_admin_token(locked: EmulatorHandle) -> None:
    issued = _login(locked)
    refused = _admin(locked, "GET", "tokens", None)
    assert refused.status_code == 401 and issued not in refused.text
    assert issued in locked.tokens()  # the handle sends the admin token itself


def test_the_admin_token_is_no_maestro_token_and_the_maestro_routes_still_want_a_login(
    locked: EmulatorHandle,
) -> None:
    tasks = f"{locked.url}/api/v2/task"
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}, {"token": TOKEN}):
        assert requests.get(tasks, headers=headers, timeout=10).status_code == 401
    token = _login(locked)
    assert requests.get(tasks, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200


def test_the_portal_pages_show_no_credential_value_and_no_token(locked: EmulatorHandle) -> None:
    api = Api(locked)
    token = api.login()
    secret = "s3cr3t-value-for-the-portal-test"
    stored = api.post(
        "/api/v2/credential", json={"label": "erp", "secrets": [{"key": "pw", "value": secret}]}
    )
    assert stored.status_code == 200, stored.text
    task = api.create_task("portal-bot", parameters={"note": "no secret here"})
    pages = [requests.get(f"{locked.url}{path}", timeout=10) for path in ("/", f"/tasks/{task['id']}")]
    for page in pages:
        assert page.status_code == 200
        for hidden in (secret, token, TOKEN, locked.key):
            assert hidden not in page.text


def test_on_loopback_the_routes_stay_open_without_a_token() -> None:
    with serve_in_thread() as handle:
        assert _admin(handle, "GET", "stats", None).status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_an_address_beyond_loopback_needs_an_admin_token(host: str) -> None:
    # Refused before binding: no test here ever listens beyond 127.0.0.1.
    env = {key: value for key, value in os.environ.items() if key != ADMIN_TOKEN_ENV}
    done = subprocess.run(
        [*MODULE, "--host", host, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    assert done.returncode == 2 and not done.stdout
    assert f"--host {host} is reachable from other machines" in done.stderr
    assert "--admin-token TOKEN or $MAESTRO_EMULATOR_ADMIN_TOKEN" in done.stderr


def test_the_admin_token_from_the_environment_locks_the_routes_of_the_command() -> None:
    # serve_in_subprocess hands the token over in $MAESTRO_EMULATOR_ADMIN_TOKEN, never in argv.
    with serve_in_subprocess(admin_token=TOKEN) as handle:
        assert handle.process is not None and TOKEN not in " ".join(handle.process.args)
        assert _admin(handle, "GET", "stats", None).status_code == 401
        assert handle.stats()["requests_total"] == 0
