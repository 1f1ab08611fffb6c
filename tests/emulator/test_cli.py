"""The command line: ready line, port 0, clean stop on signals, no secret in any output."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from botcity.maestro import AutomationTaskFinishStatus, BotMaestroSDK

READY = re.compile(r"^Maestro emulator ready at http://127\.0\.0\.1:(\d+)\n$")
MODULE = [sys.executable, "-m", "botcity_provider.emulator"]


@contextmanager
def running(argv: list[str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = _readline(process)
        match = READY.match(line)
        assert match, f"unexpected first line {line!r}"
        yield process, f"http://127.0.0.1:{match.group(1)}"
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def _readline(process: subprocess.Popen[str], timeout_seconds: float = 20) -> str:
    result: list[str] = []
    reader = threading.Thread(
        target=lambda: result.append(process.stdout.readline() if process.stdout else "")
    )
    reader.daemon = True
    reader.start()
    reader.join(timeout_seconds)
    return result[0] if result else ""


def _stop(process: subprocess.Popen[str], how: signal.Signals) -> tuple[int, str, str]:
    process.send_signal(how)
    out, err = process.communicate(timeout=15)
    return process.returncode, out, err


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_port_0_prints_one_ready_line_and_stops_cleanly(how: signal.Signals) -> None:
    with running([*MODULE, "--port", "0"]) as (process, url):
        assert requests.get(f"{url}/api/v2/maestro/version", timeout=5).json() == {"version": "3.9.0"}
        login = requests.post(
            f"{url}/api/v2/workspace/login", json={"login": "demo", "key": "demo-key"}, timeout=5
        )
        assert login.status_code == 200
        code, out, err = _stop(process, how)
    assert code == 0, err
    assert out == "" and "Traceback" not in err


@pytest.mark.skipif(
    shutil.which("maestro-emulator", path=str(sys.prefix) + "/bin") is None, reason="not installed"
)
def test_console_script() -> None:
    script = shutil.which("maestro-emulator", path=str(sys.prefix) + "/bin")
    assert script is not None
    with running([script, "--port", "0", "--login", "acme"]) as (process, url):
        body = {"login": "acme", "key": "demo-key"}
        assert (
            requests.post(f"{url}/api/v2/workspace/login", json=body, timeout=5).json()["organizationLabel"]
            == "acme"
        )
        assert _stop(process, signal.SIGTERM)[0] == 0


def test_no_key_or_token_in_any_output() -> None:
    key, runner = "cli-secret-key-9f8e7d", "emu_cli-runner-secret-1a2b"
    argv = [*MODULE, "--port", "0", "--key", key, "--runner-token", runner, "--access-log"]
    argv += ["--error-rate", "0.3", "--seed", "5"]
    with running(argv) as (process, url):
        session = requests.Session()
        session.post(f"{url}/api/v2/workspace/login", json={"login": "demo", "key": "nope-wrong"}, timeout=5)
        token = None
        for _ in range(50):
            reply = session.post(
                f"{url}/api/v2/workspace/login", json={"login": "demo", "key": key}, timeout=5
            )
            if reply.ok:
                token = reply.json()["accessToken"]
                break
        assert token is not None
        for header in ({"token": token}, {"Authorization": f"Bearer {token}"}, {"token": runner}):
            session.post(f"{url}/api/v2/task", json={"activityLabel": "demo"}, headers=header, timeout=5)
            session.get(f"{url}/api/v2/task", headers=header, timeout=5)
        tokens = requests.get(f"{url}/_emulator/tokens", timeout=5).json()
        code, out, err = _stop(process, signal.SIGTERM)
    assert code == 0
    assert "POST /api/v2/task" in err, "the access log should be on"
    for secret in [key, "nope-wrong", runner, *tokens]:
        assert secret not in out and secret not in err


def test_runner_token_flag_serves_from_sys_args(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = "emu_runner-from-the-cli"
    with running([*MODULE, "--port", "0", "--runner-token", runner]) as (process, url):
        headers = {"token": runner}
        created = requests.post(
            f"{url}/api/v2/task", json={"activityLabel": "bot"}, headers=headers, timeout=5
        )
        monkeypatch.setattr(sys, "argv", ["bot.py", url, str(created.json()["id"]), runner, "demo"])
        maestro = BotMaestroSDK.from_sys_args()
        maestro.finish_task(maestro.task_id, AutomationTaskFinishStatus.SUCCESS, "done", 2, 2, 0)
        assert maestro.get_task(maestro.task_id).finish_message == "done"
        assert _stop(process, signal.SIGTERM)[0] == 0


def test_invalid_fault_flag_is_a_usage_error() -> None:
    argv = [*MODULE, "--error-rate", "2"]
    result = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "error_rate" in result.stderr
