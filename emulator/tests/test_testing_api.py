"""The programmatic API of ``botcity_maestro_emulator.testing`` that tests, benchmarks and the demo use."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import requests

from botcity_maestro_emulator import testing
from botcity_maestro_emulator.testing import (
    EmulatorHandle,
    SubprocessEmulator,
    serve_in_subprocess,
    serve_in_thread,
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in state


def test_public_surface() -> None:
    assert sorted(testing.__all__) == [
        "EmulatorHandle",
        "SubprocessEmulator",
        "serve_in_subprocess",
        "serve_in_thread",
    ]
    for name in (
        "reset",
        "set_faults",
        "clear_faults",
        "stats",
        "tokens",
        "tasks",
        "stop",
        "__enter__",
        "__exit__",
    ):
        assert callable(getattr(EmulatorHandle, name))
    assert issubclass(SubprocessEmulator, EmulatorHandle) and callable(SubprocessEmulator.restart)
    for function in (serve_in_thread, serve_in_subprocess):
        parameters = inspect.signature(function).parameters
        assert {"login", "key", "port", "state_file", "queue_seconds", "run_seconds"} <= set(parameters)
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for n, p in parameters.items() if n != "faults")


def test_thread_handle_stops_and_frees_the_port() -> None:
    with serve_in_thread(login="acme", key="k-1", error_rate=0.0) as emulator:
        url = emulator.url
        assert url.startswith("http://127.0.0.1:") and (emulator.login, emulator.key) == ("acme", "k-1")
        assert "k-1" not in repr(emulator)
        assert requests.get(url + "/api/v2/maestro/version", timeout=5).ok
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/api/v2/maestro/version", timeout=5)
    emulator.stop()


def test_thread_faults_from_keyword_arguments() -> None:
    with serve_in_thread(rate_limit_rate=1.0, retry_after_seconds=2) as emulator:
        response = requests.get(emulator.url + "/api/v2/maestro/version", timeout=5)
        assert response.status_code == 429 and response.headers["Retry-After"] == "2"


def test_subprocess_restart_keeps_port_and_stop_leaves_no_orphan(tmp_path: Path) -> None:
    emulator = serve_in_subprocess(
        state_file=tmp_path / "s.jsonl", runner_tokens=["emu_runner-x"], error_rate=0.0
    )
    first_pid, url = emulator.pid, emulator.url
    assert emulator.tokens() == ["emu_runner-x"]
    emulator.restart(kill=False)
    assert emulator.url == url and emulator.pid != first_pid and not _alive(first_pid)
    second_pid = emulator.pid
    emulator.stop()
    emulator.stop()
    assert not _alive(second_pid)


def test_subprocess_start_up_is_bounded() -> None:
    before = _children()
    with pytest.raises(RuntimeError, match="failed to start"):
        serve_in_subprocess(startup_timeout_seconds=0.01)
    new_children = [p for p in _children() - before if _alive(int(p))]
    assert not [p for p in new_children if "botcity_maestro_emulator" in _cmdline(p)]


def _children() -> set[str]:
    # This process's own children only: beside it, other tests and workers start emulators of their own.
    tasks = Path("/proc/self/task")
    return {pid for task in tasks.iterdir() for pid in (task / "children").read_text().split()}


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
