"""MaestroHook: from an Airflow connection to a working client, the Test button, masking."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from botcity_provider.client import MaestroClient
from botcity_provider.hooks.maestro import MaestroHook
from tests.conftest import connection_json

CONN = "AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT"


def _hook(
    monkeypatch: pytest.MonkeyPatch, value: str, conn_id: str = "botcity_maestro_default"
) -> MaestroHook:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", value)
    return MaestroHook(maestro_conn_id=conn_id)


def test_json_connection_gives_client_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = {
        "timeout_seconds": "12.5",
        "verify": "false",
        "max_retries": 2,
        "portal_url": "https://portal.example/",
    }
    value = json.dumps(
        {
            "conn_type": "botcity",
            "host": "https://maestro.example:8443",
            "login": "acme",
            "password": "k-test-key-1",
            "extra": extra,
        }
    )
    hook = _hook(monkeypatch, value)
    cfg = hook.config
    assert (cfg.server, cfg.login) == ("https://maestro.example:8443", "acme")
    assert cfg.key.get_secret_value() == "k-test-key-1"
    assert cfg.timeout_seconds == 12.5
    assert cfg.verify is False
    assert cfg.retry.max_attempts == 3
    assert hook.portal_url(42) == "https://portal.example/tasks/42"


def test_uri_connection_with_encoded_host(monkeypatch: pytest.MonkeyPatch) -> None:
    hook = _hook(monkeypatch, "botcity://acme:s3cr%2Ft@https%3A%2F%2Fdevelopers.botcity.dev")
    assert hook.config.server == "https://developers.botcity.dev"
    assert hook.config.key.get_secret_value() == "s3cr/t"
    assert hook.portal_url(7) == "https://developers.botcity.dev/tasks/7"


@pytest.mark.parametrize(
    ("uri", "server"),
    [
        ("botcity://http://acme:key@maestro.internal:8080", "http://maestro.internal:8080"),
        ("botcity://https://acme:key@maestro.internal:443", "https://maestro.internal"),
        ("botcity://https://acme:key@maestro.internal", "https://maestro.internal"),
    ],
)
def test_uri_connection_with_the_scheme_before_the_login(
    monkeypatch: pytest.MonkeyPatch, uri: str, server: str
) -> None:
    # Airflow stores such a URI's port in the port field and the scheme in the host.
    assert _hook(monkeypatch, uri).config.server == server


def test_empty_host_means_the_botcity_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    hook = _hook(monkeypatch, json.dumps({"conn_type": "botcity", "login": "acme", "password": "key-test-1"}))
    assert hook.config.server == "https://developers.botcity.dev"


def test_ca_bundle_extra_wins_over_verify(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import trustme

    bundle = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))  # a real one: the client loads it before any request
    extra = {"verify": True, "ca_bundle": str(bundle)}
    hook = _hook(
        monkeypatch,
        json.dumps(
            {
                "conn_type": "botcity",
                "host": "https://x.example",
                "login": "a",
                "password": "k-test-key-1",
                "extra": extra,
            }
        ),
    )
    assert hook.config.verify == str(bundle)


@pytest.mark.parametrize(
    ("host", "message"),
    [("developers.botcity.dev", "has no scheme"), ("ftp://x.example", "is not an http(s) URL")],
)
def test_bad_server_url_names_the_connection(
    monkeypatch: pytest.MonkeyPatch, host: str, message: str
) -> None:
    from airflow.providers.common.compat.sdk import AirflowException

    hook = _hook(
        monkeypatch,
        json.dumps({"conn_type": "botcity", "host": host, "login": "a", "password": "k-test-key-1"}),
    )
    with pytest.raises(AirflowException, match="botcity_maestro_default") as caught:
        hook.get_conn()
    assert message in str(caught.value)


def test_bad_extra_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.providers.common.compat.sdk import AirflowException

    value = json.dumps(
        {
            "conn_type": "botcity",
            "host": "https://x.example",
            "login": "a",
            "password": "k-test-key-1",
            "extra": {"timeout_seconds": "soon"},
        }
    )
    with pytest.raises(AirflowException, match="timeout_seconds"):
        _hook(monkeypatch, value).get_conn()


def test_test_connection_logs_in_and_reads(maestro_conn, monkeypatch: pytest.MonkeyPatch) -> None:
    ok, message = MaestroHook().test_connection()
    assert ok, message
    stats = maestro_conn.stats()
    assert stats["requests"].get("GET /api/v2/task") == 1, "an authenticated read, not just a login"
    assert maestro_conn.login in message


def test_the_test_button_makes_one_attempt_and_says_what_happened(maestro_conn) -> None:
    # A person waits on the button: a fault is reported as it is, not retried with backoff (a refused
    # connection took ten seconds to say "Connection refused").
    maestro_conn.set_faults(
        script=[{"match": "GET /api/v2/task", "action": "status", "status": 503, "count": 1}]
    )
    ok, message = MaestroHook().test_connection()
    assert not ok
    assert "returned 503" in message
    assert maestro_conn.stats()["requests"].get("GET /api/v2/task") == 1, "sent once, not retried"


def test_test_connection_fails_clearly_with_a_wrong_key(
    maestro_conn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONN, connection_json(maestro_conn, key="not-the-key"))
    ok, message = MaestroHook().test_connection()
    assert not ok
    assert "refused the login or key" in message
    assert "not-the-key" not in message


def test_test_connection_fails_clearly_when_nothing_listens(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    value = json.dumps(
        {
            "conn_type": "botcity",
            "host": f"http://127.0.0.1:{port}",
            "login": "a",
            "password": "k-test-key-1",
            "extra": {"max_retries": 0},
        }
    )
    ok, message = _hook(monkeypatch, value).test_connection()
    assert not ok
    assert "could not connect" in message


def test_key_and_tokens_are_masked(maestro_conn, mocker) -> None:
    masked = mocker.patch("botcity_provider.hooks.maestro.mask_secret")
    hook = MaestroHook()
    hook.client.tasks.list(size=1)
    values = {call.args[0] for call in masked.call_args_list}
    assert maestro_conn.key in values
    assert set(maestro_conn.tokens()) & values, "the token issued for this hook must be masked"


async def test_async_client_uses_the_same_connection(maestro_conn) -> None:
    client = await MaestroHook().get_async_client()
    try:
        page = await client.tasks.list(size=1)
    finally:
        await client.aclose()
    assert page.total_elements == 0


def test_hooks_of_one_connection_share_one_login(maestro_conn) -> None:
    from botcity_provider.client import default_token_cache

    default_token_cache().clear()
    for _ in range(10):
        MaestroHook().client.tasks.list(size=1)
    assert maestro_conn.stats()["logins"] == 1


@pytest.mark.parametrize(
    ("key_is_right", "expected"), [(True, "Connection success!"), (False, "refused the login or key")]
)
def test_airflow_connections_test_cli(maestro_conn, airflow_db, key_is_right: bool, expected: str) -> None:
    env = dict(os.environ)
    env[CONN] = connection_json(maestro_conn, key=None if key_is_right else "wrong-key")
    env["AIRFLOW__CORE__TEST_CONNECTION"] = "Enabled"
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "connections", "test", "botcity_maestro_default"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert expected in output, output[-2000:]
    assert "wrong-key" not in output
    assert maestro_conn.key not in output


def test_client_is_the_hooks_one(maestro_conn) -> None:
    hook = MaestroHook()
    assert isinstance(hook.get_conn(), MaestroClient)
    assert hook.get_conn() is hook.client
