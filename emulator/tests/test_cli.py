"""The command line: ready line, port 0, clean stop on signals, no secret in any output."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from botcity.maestro import AutomationTaskFinishStatus, BotMaestroSDK

READY = re.compile(r"^Maestro emulator ready at http://127\.0\.0\.1:(\d+) \(login (\S+)\)\n$")
MODULE = [sys.executable, "-m", "botcity_maestro_emulator"]


_READY_LINES: dict[int, str] = {}


@contextmanager
def running(
    argv: list[str], env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = _readline(process)
        match = READY.match(line)
        assert match, f"unexpected first line {line!r}"
        _READY_LINES[process.pid] = line
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


def ready_login(process: subprocess.Popen[str]) -> str:
    match = READY.match(_READY_LINES[process.pid])
    assert match is not None
    return match.group(2)


def _stop(process: subprocess.Popen[str], how: signal.Signals) -> tuple[int, str, str]:
    process.send_signal(how)
    out, err = process.communicate(timeout=15)
    return process.returncode, out, err


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_port_0_prints_one_ready_line_and_stops_cleanly(how: signal.Signals) -> None:
    with running([*MODULE, "--port", "0"]) as (process, url):
        assert ready_login(process) == "demo"
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
        assert ready_login(process) == "acme"
        body = {"login": "acme", "key": "demo-key"}
        assert (
            requests.post(f"{url}/api/v2/workspace/login", json=body, timeout=5).json()["organizationLabel"]
            == "acme"
        )
        assert _stop(process, signal.SIGTERM)[0] == 0


def test_no_key_or_token_in_any_output() -> None:
    key, runner, admin = "cli-secret-key-9f8e7d", "emu_cli-runner-secret-1a2b", "cli-admin-secret-77aa"
    argv = [*MODULE, "--port", "0", "--key", key, "--runner-token", runner, "--access-log"]
    argv += ["--admin-token", admin]
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
        assert (
            requests.get(
                f"{url}/_emulator/tokens", headers={"Authorization": "Bearer x"}, timeout=5
            ).status_code
            == 401
        )
        tokens = requests.get(
            f"{url}/_emulator/tokens", headers={"Authorization": f"Bearer {admin}"}, timeout=5
        ).json()
        code, out, err = _stop(process, signal.SIGTERM)
    assert code == 0
    assert "POST /api/v2/task" in err, "the access log should be on"
    for secret in [key, "nope-wrong", runner, admin, *tokens]:
        assert secret not in out and secret not in err
        assert secret not in _READY_LINES[process.pid]


def _help_text(env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [*MODULE, "--help"], check=False, capture_output=True, text=True, timeout=30, env=env
    )
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.split())


@pytest.mark.parametrize(
    ("flag", "default"),
    [
        ("--host HOST", "127.0.0.1"),
        ("--port PORT", "0"),
        ("--login LOGIN", "demo"),
        ("--key KEY", "$MAESTRO_EMULATOR_KEY if set, else demo-key"),
        ("--state-file PATH", "in memory"),
        ("--queue-seconds S", "1"),
        ("--run-seconds S", "2"),
        ("--error-rate F", "0"),
        ("--retry-after S", "1"),
        ("--token-lifetime S", "forever"),
        ("--access-log", "off"),
    ],
)
def test_help_shows_the_defaults(flag: str, default: str) -> None:
    text = _help_text()
    line = text[text.index(f" {flag} ") :]
    assert line.split("(default: ", 1)[1].startswith(default + ")")


def test_help_gives_every_flag_a_default() -> None:
    text = _help_text()
    options = text[text.index("options:") :]
    flags = re.findall(r" (--[a-z-]+)(?: [A-Z,]+(?: \[[A-Z]+ \.\.\.\])?)? ", options)
    assert len(set(flags)) >= 20
    for flag, following in zip(flags, [*flags[1:], None], strict=True):
        section = options[options.index(f" {flag} ") : options.index(f" {following} ") if following else None]
        assert "(default: " in section or flag == "--help", flag


def test_help_never_prints_a_key_from_the_environment() -> None:
    secret = "env-secret-key-5c4b3a"
    text = _help_text({**os.environ, "MAESTRO_EMULATOR_KEY": secret})
    assert secret not in text
    assert "(default: $MAESTRO_EMULATOR_KEY if set, else demo-key)" in text


def test_the_key_from_the_environment_is_the_one_accepted() -> None:
    secret = "env-secret-key-7d6e5f"
    with running([*MODULE, "--port", "0"], env={**os.environ, "MAESTRO_EMULATOR_KEY": secret}) as (
        process,
        url,
    ):
        login = f"{url}/api/v2/workspace/login"
        assert requests.post(login, json={"login": "demo", "key": secret}, timeout=5).status_code == 200
        assert requests.post(login, json={"login": "demo", "key": "demo-key"}, timeout=5).status_code == 401
        assert secret not in _READY_LINES[process.pid]
        assert _stop(process, signal.SIGTERM)[0] == 0


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


def test_the_bound_on_faults_in_a_row_is_a_flag_too() -> None:
    from botcity_maestro_emulator.cli import build_parser, config_from_args

    config = config_from_args(
        build_parser().parse_args(["--error-rate", "0.5", "--max-faults-in-a-row", "2"])
    )
    assert config.faults["max_faults_in_a_row"] == 2
    argv = [*MODULE, "--max-faults-in-a-row", "0"]
    result = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "max_faults_in_a_row" in result.stderr


def test_the_request_log_has_one_line_per_request_with_its_answer_and_client(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    script = [
        {"match": "GET /api/v2/task/1", "action": "status", "status": 503, "count": 1},
        {"match": "GET /api/v2/task/2", "action": "drop", "count": 1},
    ]
    argv = [*MODULE, "--port", "0", "--request-log", str(log), "--faults", json.dumps({"script": script})]
    with running(argv) as (process, url):
        agent = {"User-Agent": "probe (pid 42)"}
        body = {"login": "demo", "key": "demo-key"}
        token = requests.post(f"{url}/api/v2/workspace/login", json=body, headers=agent, timeout=5).json()
        headers = {**agent, "token": token["accessToken"], "organization": "demo"}
        assert requests.get(f"{url}/api/v2/task/1", headers=headers, timeout=5).status_code == 503
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}/api/v2/task/2", headers=headers, timeout=5)
        assert requests.get(f"{url}/_emulator/stats", timeout=5).status_code == 200
        assert _stop(process, signal.SIGTERM)[0] == 0
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(line["route"], line["answer"], line["agent"], line["request"]) for line in lines] == [
        ("POST /api/v2/workspace/login", 200, "probe (pid 42)", "POST /api/v2/workspace/login"),
        ("GET /api/v2/task/{taskId}", 503, "probe (pid 42)", "GET /api/v2/task/1"),
        ("GET /api/v2/task/{taskId}", "drop", "probe (pid 42)", "GET /api/v2/task/2"),
    ]
    assert token["accessToken"] not in log.read_text()
    assert oct(log.stat().st_mode & 0o777) == "0o600"
