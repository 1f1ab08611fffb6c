"""HTTPS: the emulator serves TLS with given PEM files or a throwaway authority, and refuses bad files.

Every check makes a real handshake over loopback, with ``requests`` and the official SDK, so the emulator's
fidelity holds over TLS as well as over plain HTTP.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import trustme
from botcity.maestro import AutomationTaskFinishStatus, BotMaestroSDK

from botcity_maestro_emulator.cli import parse_ready_line
from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_subprocess, serve_in_thread
from botcity_maestro_emulator.tls import TLSSetupError, check_files

MODULE = [sys.executable, "-m", "botcity_maestro_emulator"]


@pytest.fixture(scope="module")
def tls_emulator() -> Iterator[EmulatorHandle]:
    with serve_in_thread(tls=True, queue_seconds=0.1, run_seconds=0.2) as handle:
        yield handle


def _pair(directory: Path, *names: str) -> tuple[Path, Path, Path]:
    authority = trustme.CA()
    leaf = authority.issue_cert(*names)
    cert, key, ca = directory / "cert.pem", directory / "key.pem", directory / "ca.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    return cert, key, ca


def test_tls_alone_prints_an_https_url_and_the_authority_that_reaches_it() -> None:
    with serve_in_subprocess(tls=True) as handle:
        assert handle.url.startswith("https://127.0.0.1:")
        assert handle.authority is not None and Path(handle.authority).is_file()
        answer = requests.get(f"{handle.url}/api/v2/maestro/version", verify=handle.authority, timeout=10)
        assert answer.status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{handle.url}/api/v2/maestro/version", verify=True, timeout=10)
        authority = Path(handle.authority)
    assert not authority.parent.exists(), "the throwaway authority outlived its server"


def test_the_ready_line_names_the_authority_and_still_parses_as_before() -> None:
    line = "Maestro emulator ready at https://127.0.0.1:5 (login demo) (authority /tmp/x/authority.pem)\n"
    assert parse_ready_line(line) == ("https://127.0.0.1:5", "demo", "/tmp/x/authority.pem")
    plain = parse_ready_line("Maestro emulator ready at http://127.0.0.1:5 (login demo)\n")
    assert plain is not None and plain.url == "http://127.0.0.1:5" and plain.authority is None


def test_given_pem_files_serve_https(tmp_path: Path) -> None:
    cert, key, ca = _pair(tmp_path, "127.0.0.1")
    with serve_in_subprocess(certfile=cert, keyfile=key) as handle:
        assert handle.url.startswith("https://") and handle.authority is None
        answer = requests.get(f"{handle.url}/api/v2/maestro/version", verify=str(ca), timeout=10)
        assert answer.status_code == 200


def test_the_official_sdk_reaches_the_https_emulator_with_its_own_tls_option(
    tls_emulator: EmulatorHandle,
) -> None:
    sdk = BotMaestroSDK(tls_emulator.url, tls_emulator.login, tls_emulator.key)
    sdk.VERIFY_SSL_CERT = tls_emulator.authority  # the SDK passes it to requests as verify=
    sdk.login()
    task = sdk.create_task("sdk-over-tls", {"n": 1})
    assert sdk.get_task(task.id).id == task.id
    sdk.finish_task(task.id, AutomationTaskFinishStatus.SUCCESS, "done", 1, 1, 0)
    assert sdk.get_task(task.id).finish_status == "SUCCESS"


def test_the_official_sdk_without_the_authority_fails_its_handshake(tls_emulator: EmulatorHandle) -> None:
    sdk = BotMaestroSDK(tls_emulator.url, tls_emulator.login, tls_emulator.key)
    with pytest.raises(requests.exceptions.SSLError):
        sdk.login()


# --- bad files: each a clear line naming the file, before the server starts ---------------------------


def _refusal(tmp_path: Path, cert: Path, key: Path) -> str:
    with pytest.raises(TLSSetupError) as caught:
        check_files(cert, key)
    message = str(caught.value)
    done = subprocess.run(
        [*MODULE, "--certfile", str(cert), "--keyfile", str(key)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2 and not done.stdout, "it started serving"
    assert message in done.stderr and "Traceback" not in done.stderr
    return message


def test_a_missing_certificate_file_is_named(tmp_path: Path) -> None:
    _, key, _ = _pair(tmp_path, "127.0.0.1")
    message = _refusal(tmp_path, tmp_path / "nowhere.pem", key)
    assert message == f"the certificate file {tmp_path / 'nowhere.pem'} does not exist"


def test_an_unreadable_key_file_is_named(tmp_path: Path) -> None:
    cert, _, _ = _pair(tmp_path, "127.0.0.1")
    folder = tmp_path / "a-folder.pem"
    folder.mkdir()  # unreadable as a file even for root, which chmod 000 is not
    message = _refusal(tmp_path, cert, folder)
    assert message.startswith(f"the key file {folder} cannot be read")


def test_a_file_that_is_not_pem_is_named(tmp_path: Path) -> None:
    _, key, _ = _pair(tmp_path, "127.0.0.1")
    text = tmp_path / "notes.txt"
    text.write_text("this is not a certificate\n")
    message = _refusal(tmp_path, text, key)
    assert message.startswith(f"the certificate file {text} is not PEM")


def test_a_key_of_another_certificate_is_named(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    cert, _, _ = _pair(first, "127.0.0.1")
    _, other_key, _ = _pair(second, "127.0.0.1")
    message = _refusal(tmp_path, cert, other_key)
    assert message == f"the key in {other_key} is not the key of the certificate in {cert}"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--certfile", "c.pem"], "--certfile and --keyfile go together"),
        (["--keyfile", "k.pem"], "--certfile and --keyfile go together"),
        (["--tls", "--certfile", "c.pem", "--keyfile", "k.pem"], "--tls makes its own certificate"),
    ],
)
def test_half_a_pair_or_both_ways_at_once_is_a_usage_error(argv: list[str], said: str) -> None:
    done = subprocess.run(
        [*MODULE, *argv], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 2 and said in done.stderr and not done.stdout
