"""HTTPS for real: both clients against the emulator serving TLS, with a throwaway authority.

Every handshake here is a real one over loopback. A refused certificate is a :class:`MaestroTLSError`
that says which of the usual causes it is and which setting fixes it, and it is never retried; a CA
bundle works for every call, the streamed upload and download included, even where ``$REQUESTS_CA_BUNDLE``
is set (requests lets it override a session's own bundle).
"""

from __future__ import annotations

import datetime
import logging
import uuid
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme

from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_thread
from botcity_provider.client import (
    AsyncMaestroClient,
    ClientConfig,
    MaestroClient,
    MaestroTLSError,
    RetryPolicy,
    TokenCache,
    ValidationError,
)
from botcity_provider.client._retry import is_retryable, is_transient
from botcity_provider.client._tls import trusted

from ._support import RETRY, Twin, spy_requests

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
UNTRUSTED = "signed by an authority this machine does not trust"
TRUST_FIX = "CA bundle extra (ca_bundle)"


def _client(kind: str, handle: EmulatorHandle, verify: bool | str, **settings: object) -> Twin:
    args = (handle.url, handle.login, handle.key)
    cls = MaestroClient if kind == "sync" else AsyncMaestroClient
    options: dict[str, object] = {"verify": verify, "retry": RETRY, "token_cache": TokenCache(), **settings}
    return Twin(cls(*args, **options))  # type: ignore[arg-type]


async def _closed(twin: Twin) -> None:
    if isinstance(twin.client, AsyncMaestroClient):
        await twin.client.aclose()
    else:
        twin.client.close()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def trusting(kind: str, tls_emulator: EmulatorHandle) -> AsyncIterator[Twin]:
    """A client that trusts the emulator's authority through its CA bundle."""
    assert tls_emulator.authority is not None
    twin = _client(kind, tls_emulator, tls_emulator.authority)
    yield twin
    await _closed(twin)


def _certificate(tmp_path: Path, *names: str, expired: bool = False) -> tuple[Path, Path, Path]:
    """A certificate for ``names`` from a new authority: (certificate, key, authority) PEM files."""
    authority = trustme.CA()
    window = {}
    if expired:
        past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
        window = {"not_before": past - datetime.timedelta(days=365), "not_after": past}
    leaf = authority.issue_cert(*names, **window)
    files = tmp_path / "server.pem", tmp_path / "server-key.pem", tmp_path / "authority.pem"
    leaf.cert_chain_pems[0].write_to_path(str(files[0]))
    leaf.private_key_pem.write_to_path(str(files[1]))
    authority.cert_pem.write_to_path(str(files[2]))
    return files


async def test_the_default_verify_refuses_an_unknown_authority_once_and_says_how_to_fix_it(
    kind: str, tls_emulator: EmulatorHandle
) -> None:
    twin = _client(kind, tls_emulator, True, retry=RetryPolicy(max_attempts=5, max_total_seconds=60))
    sent = spy_requests(twin.client)
    with pytest.raises(MaestroTLSError) as caught:
        await twin.tasks.get(1)
    await _closed(twin)
    message = str(caught.value)
    assert UNTRUSTED in message and TRUST_FIX in message and "$REQUESTS_CA_BUNDLE" in message
    assert message.startswith(f"POST {tls_emulator.url}/api/v2/workspace/login failed: ")
    assert len(sent) == 1, "a refused certificate was sent again"
    assert not is_retryable(caught.value, idempotent=True, safe=True)
    assert not is_transient(caught.value), "a wait would poll a refused certificate forever"


async def test_a_ca_bundle_serves_every_call_streamed_upload_and_download_included(
    trusting: Twin, tls_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    task = await trusting.tasks.create("tls-bot", parameters={"n": 1})
    assert (await trusting.tasks.get(task.id)).id == task.id
    assert task.id in [listed.id for listed in (await trusting.tasks.list(size=50)).content]
    content = b"\x00\xff" * 300_000
    source = _written(tmp_path / "report.bin", content)
    artifact = await trusting.artifacts.upload(task.id, source, name="report.bin")
    back = await trusting.artifacts.download(artifact.id, tmp_path / "back.bin")
    assert _read(back) == content
    assert (await trusting.alerts.create(task.id, "over TLS", "every call used the bundle")).id


def _written(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _read(path: Path) -> bytes:
    return path.read_bytes()


async def test_a_ca_bundle_wins_over_requests_ca_bundle_in_the_environment(
    kind: str, tls_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Docker images and corporate machines set it; requests would then drop a session's own bundle.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", SYSTEM_BUNDLE)
    monkeypatch.setenv("SSL_CERT_FILE", SYSTEM_BUNDLE)
    assert tls_emulator.authority is not None
    twin = _client(kind, tls_emulator, tls_emulator.authority)
    assert (await twin.tasks.create("tls-bot", parameters={})).id > 0
    await _closed(twin)
    off = _client(kind, tls_emulator, False)
    assert (await off.tasks.create("tls-bot", parameters={})).id > 0
    await _closed(off)


async def test_both_clients_trust_the_bundle_that_requests_ca_bundle_names(
    kind: str, tls_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # httpx alone reads only $SSL_CERT_FILE: the wait in the triggerer would not trust what its operator did.
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_emulator.authority))
    twin = _client(kind, tls_emulator, True)
    assert (await twin.tasks.create("tls-bot", parameters={})).id > 0
    await _closed(twin)


@pytest.mark.parametrize(
    ("verify", "environ", "expected"),
    [
        (True, {}, True),
        (True, {"SSL_CERT_FILE": "/c"}, "/c"),
        (True, {"CURL_CA_BUNDLE": "/b", "SSL_CERT_FILE": "/c"}, "/b"),
        (True, {"REQUESTS_CA_BUNDLE": "/a", "CURL_CA_BUNDLE": "/b", "SSL_CERT_FILE": "/c"}, "/a"),
        (True, {"REQUESTS_CA_BUNDLE": "", "SSL_CERT_FILE": "/c"}, "/c"),
        ("/mine.pem", {"REQUESTS_CA_BUNDLE": "/a"}, "/mine.pem"),
        (False, {"REQUESTS_CA_BUNDLE": "/a"}, False),
    ],
)
def test_what_each_verify_setting_trusts(
    verify: bool | str, environ: dict[str, str], expected: object
) -> None:
    assert trusted(verify, environ) == expected


async def test_verify_false_works_and_warns_once_per_process_naming_the_source(
    kind: str, tls_emulator: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    source = f"Airflow connection 'tls_off_{uuid.uuid4().hex[:8]}'"
    config = ClientConfig(tls_emulator.url, tls_emulator.login, tls_emulator.key, verify=False, source=source)
    caplog.set_level(logging.WARNING, logger="botcity_provider")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for _ in range(3):
            twin = _client(kind, tls_emulator, False, config=config)
            await twin.tasks.create("tls-bot", parameters={})
            await twin.tasks.list(size=5)
            await _closed(twin)
    ours = [record for record in caplog.records if "not checked" in record.getMessage()]
    assert len(ours) == 1, [record.getMessage() for record in ours]
    assert source in ours[0].getMessage() and tls_emulator.url in ours[0].getMessage()
    assert not [w for w in seen if "Unverified HTTPS" in str(w.message)], "a warning per request"


@pytest.mark.parametrize(
    ("name", "expired", "said"),
    [
        ("maestro.example.com", False, "certificate is for another host name (IP address mismatch"),
        ("127.0.0.1", True, "the server's certificate has expired"),
    ],
    ids=["another-host-name", "expired"],
)
async def test_a_certificate_for_another_name_or_out_of_date_fails_clearly(
    kind: str, tmp_path: Path, name: str, expired: bool, said: str
) -> None:
    cert, key, authority = _certificate(tmp_path, name, expired=expired)
    with serve_in_thread(certfile=cert, keyfile=key) as handle:
        twin = _client(kind, handle, str(authority))
        with pytest.raises(MaestroTLSError) as caught:
            await twin.tasks.get(1)
        await _closed(twin)
    assert said in str(caught.value)
    assert UNTRUSTED not in str(caught.value)


async def test_plain_http_on_an_https_url_is_a_handshake_error_not_a_certificate_one(kind: str) -> None:
    with serve_in_thread() as plain:
        handle = EmulatorHandle(plain.url.replace("http:", "https:"), plain.login, plain.key)
        twin = _client(kind, handle, True)
        with pytest.raises(MaestroTLSError) as caught:
            await twin.tasks.get(1)
        await _closed(twin)
    assert "is the server speaking HTTPS on this port?" in str(caught.value)


@pytest.mark.parametrize("content", ["not a certificate\n", ""])
def test_a_ca_bundle_that_is_not_pem_is_refused_before_any_request(
    tls_emulator: EmulatorHandle, tmp_path: Path, content: str
) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(content)
    before = tls_emulator.stats()["requests_total"]
    with pytest.raises(ValidationError) as caught:
        MaestroClient(tls_emulator.url, tls_emulator.login, tls_emulator.key, verify=str(bundle))
    assert caught.value.field == "verify"
    assert str(bundle) in str(caught.value) and "not a PEM file" in str(caught.value)
    assert tls_emulator.stats()["requests_total"] == before
