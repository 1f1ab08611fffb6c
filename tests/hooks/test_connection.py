"""The connection as Airflow stores it: its type's name, the URL in its host, its port field, its form.

Each advice the hook gives about a connection is pasted back into the connection here, and the
connection must then work against the emulator: advice that does not work when pasted is a bug.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from botcity_provider.get_provider_info import CONNECTION_FIELDS, get_provider_info
from botcity_provider.hooks import _connection
from botcity_provider.hooks._form import ui_field_behaviour
from botcity_provider.hooks.maestro import MaestroHook

CONN_ID = "botcity_maestro_default"
RFC3986 = "according to RFC3986"


def _set(monkeypatch: pytest.MonkeyPatch, **fields: Any) -> MaestroHook:
    fields = {"conn_type": "botcity", "login": "demo", "password": "demo-key", **fields}
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(fields))
    return MaestroHook(maestro_conn_id=CONN_ID)


def _refusal(hook: MaestroHook) -> str:
    from airflow.providers.common.compat.sdk import AirflowException

    with pytest.raises(AirflowException) as caught:
        hook.get_conn()
    return str(caught.value)


# --- the type's name -----------------------------------------------------------------------------------


def test_one_type_name_everywhere_and_one_airflow_never_warns_about() -> None:
    (declared,) = get_provider_info()["connection-types"]
    assert declared["connection-type"] == MaestroHook.conn_type == _connection.CONN_TYPE == "botcity"
    assert "_" not in MaestroHook.conn_type and "-" not in MaestroHook.conn_type


def _airflow_output(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    """What Airflow logged: structlog prints to the terminal on 3.x, stdlib logging records on 2.x."""
    out, err = capfd.readouterr()
    return out + err + "\n".join(record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("kind", ["the hook's", "the old"])
def test_looking_the_connection_up_logs_no_rfc3986_warning(
    maestro_conn: Any,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    """The lookup of every task and of the Test button (through a secrets backend) writes the URI; only the
    old type's name makes Airflow warn there (checked too, so that this test can tell)."""
    conn_type = MaestroHook.conn_type if kind == "the hook's" else "botcity_maestro"
    from airflow.models.connection import Connection

    _set(monkeypatch, conn_type=conn_type, host=maestro_conn.url, password=maestro_conn.key)
    capfd.readouterr()
    with caplog.at_level(logging.WARNING):
        conn = Connection.get_connection_from_secrets(CONN_ID)
        conn.get_uri()
        ok, message = MaestroHook(maestro_conn_id=CONN_ID).test_connection()
    assert ok, message
    assert (RFC3986 in _airflow_output(capfd, caplog)) is (kind == "the old")


def test_a_connection_of_the_old_type_works_and_says_once_what_to_change(
    maestro_conn: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_connection, "_warned_old_type", set())
    _set(monkeypatch, conn_type="botcity_maestro", host=maestro_conn.url, password=maestro_conn.key)
    with caplog.at_level(logging.WARNING, logger="botcity_provider.hooks"):
        for _ in range(3):
            assert MaestroHook().get_conn().tasks.list(size=1).total_elements == 0
            assert MaestroHook().test_connection()[0]
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("botcity_provider.hooks")]
    assert len(warnings) == 1, warnings
    assert (
        "Airflow connection 'botcity_maestro_default' has the connection type 'botcity_maestro'"
        in warnings[0]
    )
    assert "change its type to 'botcity'" in warnings[0]
    assert maestro_conn.key not in warnings[0]


def test_an_old_uri_scheme_is_the_old_type_and_still_works(
    maestro_conn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urllib.parse import quote

    uri = f"botcity-maestro://{maestro_conn.login}:{maestro_conn.key}@{quote(maestro_conn.url, safe='')}"
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", uri)
    ok, message = MaestroHook().test_connection()
    assert ok, message


@pytest.mark.parametrize("kind", ["botcity", "botcity_maestro"])
def test_extras_may_carry_airflows_prefix_of_either_type_name(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    extra = {f"extra__{kind}__timeout_seconds": 7, f"extra__{kind}__max_retries": 0}
    hook = _set(monkeypatch, host="https://maestro.example", extra=extra)
    assert (hook.config.timeout_seconds, hook.config.retry.max_attempts) == (7.0, 1)


# --- the URL: host, port field, /api/v2 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "port", "server"),
    [
        ("http://127.0.0.1:8900", 8900, "http://127.0.0.1:8900"),  # make airflow's connection
        ("http://127.0.0.1:8900", None, "http://127.0.0.1:8900"),
        ("http://127.0.0.1", 8900, "http://127.0.0.1:8900"),
        ("https://maestro.example/maestro", 8443, "https://maestro.example:8443/maestro"),
        ("https://maestro.example", 443, "https://maestro.example"),
        ("https://maestro.example/api/v2", 443, "https://maestro.example"),
        ("https://maestro.example:8443/api/v2/", None, "https://maestro.example:8443"),
        ("", None, "https://developers.botcity.dev"),
    ],
)
def test_the_server_url_is_the_host_with_the_port_fields_port(
    monkeypatch: pytest.MonkeyPatch, host: str, port: int | None, server: str
) -> None:
    assert _set(monkeypatch, host=host, port=port).config.server == server


def test_a_port_field_that_contradicts_the_url_is_refused_with_a_fix_that_works(
    maestro_conn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = int(maestro_conn.url.rsplit(":", 1)[1])
    hook = _set(monkeypatch, host=maestro_conn.url, port=written + 1, password=maestro_conn.key)
    message = _refusal(hook)
    assert message.endswith(
        f"port: {written + 1} differs from the port of the server URL {maestro_conn.url!r}; "
        f"set the port field to {written} or leave it empty"
    )
    for fixed in (written, None):
        ok, answer = _set(
            monkeypatch, host=maestro_conn.url, port=fixed, password=maestro_conn.key
        ).test_connection()
        assert ok, answer


@pytest.mark.parametrize(
    ("schema", "port", "advice"),
    [
        ("", None, "https://127.0.0.1"),
        ("", 8900, "https://127.0.0.1:8900"),
        ("", 80, "http://127.0.0.1"),
        ("https", 443, "https://127.0.0.1"),
        ("http", 8900, "http://127.0.0.1:8900"),
    ],
)
def test_a_host_without_scheme_is_told_the_whole_url(
    monkeypatch: pytest.MonkeyPatch, schema: str, port: int | None, advice: str
) -> None:
    message = _refusal(_set(monkeypatch, host="127.0.0.1", schema=schema, port=port))
    unread = " (the schema field is not read)" if schema else ""
    assert message.endswith(f"server: '127.0.0.1' has no scheme; write it in full, e.g. {advice}{unread}")


def test_the_advice_for_a_host_without_scheme_works_when_pasted(
    maestro_conn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old schema + host + port form of make airflow: the advice, pasted as the host, works."""
    port = int(maestro_conn.url.rsplit(":", 1)[1])
    fields = {"host": "127.0.0.1", "schema": "http", "port": port, "password": maestro_conn.key}
    message = _refusal(_set(monkeypatch, **fields))
    advice = message.split("e.g. ", 1)[1].split(" ", 1)[0]
    assert advice == maestro_conn.url
    ok, answer = _set(monkeypatch, **{**fields, "host": advice}).test_connection()
    assert ok, answer
    assert answer == f"Logged in to {maestro_conn.url} as 'demo' and listed tasks."


def test_a_url_with_a_password_in_it_is_never_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    for host in ("demo:hunter22@127.0.0.1", "http://demo:hunter22@127.0.0.1:8900"):
        message = _refusal(_set(monkeypatch, host=host, port=8901))
        assert "hunter22" not in message
        assert "must not contain a user or password" in message


@pytest.mark.parametrize("suffix", ["/api/v2", "/api/v2/"])
def test_a_url_ending_in_api_v2_works_and_the_test_names_the_url_used(
    maestro_conn: Any, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    hook = _set(monkeypatch, host=maestro_conn.url + suffix, password=maestro_conn.key)
    ok, message = hook.test_connection()
    assert ok, message
    assert message == f"Logged in to {maestro_conn.url} as 'demo' and listed tasks."
    assert hook.portal_url(3) == f"{maestro_conn.url}/tasks/3"


def test_a_wrong_path_fails_the_test_with_advice_about_the_url(
    maestro_conn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = f"{maestro_conn.url}/maestro"
    ok, message = _set(monkeypatch, host=server, password=maestro_conn.key).test_connection()
    assert not ok
    assert "POST /maestro/api/v2/workspace/login returned 404" in message
    assert f"Check the server URL of Airflow connection {CONN_ID!r}" in message
    assert "login and key were not checked" in message
    assert "refused the login or key" not in message


# --- the form -------------------------------------------------------------------------------------------


def test_the_form_shows_every_field_that_is_read() -> None:
    """The port is read, so it is shown; the schema is hidden because nothing reads it."""
    behaviour = ui_field_behaviour()
    assert behaviour["hidden_fields"] == ["schema"]
    assert behaviour["relabeling"]["host"] == "Server URL"
    assert behaviour["relabeling"]["port"] == "Server port"
    declared = get_provider_info()["connection-types"][0]["ui-field-behaviour"]
    assert (declared["hidden-fields"], declared["placeholders"]) == (
        behaviour["hidden_fields"],
        behaviour["placeholders"],
    )


def test_make_airflows_connection_shows_its_url_and_every_extra_field(tmp_path: Path) -> None:
    from tests.ui._support import load_launcher

    local = load_launcher().LocalAirflow(tmp_path, port=0, emulator_port=0, say=lambda line: None)
    local.emulator_url = "http://127.0.0.1:8900"
    stored = json.loads(local._connection_file().read_text())[CONN_ID]
    assert stored["conn_type"] == "botcity"
    assert (stored["host"], stored["port"], stored.get("schema")) == ("http://127.0.0.1:8900", 8900, None)
    # Airflow 3.3's edit form draws only the extra fields whose keys the stored JSON has.
    assert set(json.loads(stored["extra"])) == set(CONNECTION_FIELDS)
