"""Start an emulator from Python: in a thread (fast, for most tests) or in a subprocess (to kill it).

Admin calls use only the standard library (``urllib``), so this module adds no client dependency::

    from botcity_maestro_emulator.testing import serve_in_thread

    with serve_in_thread(queue_seconds=0.2, run_seconds=0.3) as emulator:
        emulator.set_faults(error_rate=0.1, seed=7)
        ...  # point a client at emulator.url, log in with emulator.login / emulator.key
        assert emulator.stats()["logins"] == 1

Keyword arguments beyond the named ones are fault settings (the keys of ``POST /_emulator/faults``), plus
``runner_tokens`` (tokens accepted without login) and ``activities`` (known automation labels).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self
from urllib.parse import quote

from botcity_maestro_emulator.app import create_app
from botcity_maestro_emulator.cli import ADMIN_TOKEN_ENV, KEY_ENV, RUNNER_TOKENS_ENV, parse_ready_line
from botcity_maestro_emulator.config import EmulatorConfig
from botcity_maestro_emulator.server import ServerThread, bind_socket, url_of
from botcity_maestro_emulator.tls import chosen

__all__ = ["EmulatorHandle", "SubprocessEmulator", "serve_in_subprocess", "serve_in_thread"]

STARTUP_TIMEOUT_SECONDS = 30.0
ADMIN_TIMEOUT_SECONDS = 10.0
_CLEAR_FAULTS: dict[str, Any] = {
    "error_rate": 0.0,
    "rate_limit_rate": 0.0,
    "drop_rate": 0.0,
    "lost_create_rate": 0.0,
    "lost_push_rate": 0.0,
    "latency_seconds": 0.0,
    "script": [],
    "token_lifetime_seconds": None,
    "max_faults_in_a_row": None,
}


class EmulatorHandle:
    """A running emulator: its URL and credentials, and the ``/_emulator/`` admin calls.

    Also a context manager that calls :meth:`stop` on exit.

    :ivar url: ``http://127.0.0.1:PORT`` (``https`` over TLS), the server to give a Maestro client.
    :ivar login: the workspace login the emulator accepts.
    :ivar key: the workspace key the emulator accepts (a secret: do not log it).
    :ivar authority: over TLS with a throwaway authority, its PEM file (a client's CA bundle); else ``None``.
    """

    def __init__(
        self, url: str, login: str, key: str, *, authority: str | None = None, admin_token: str | None = None
    ) -> None:
        self.url = url
        self.login = login
        self.key = key
        self.authority = authority
        self._admin_token = admin_token

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r}, login={self.login!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/_emulator/{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self._admin_token is not None:
            request.add_header("Authorization", f"Bearer {self._admin_token}")
        # A server certificate that no authority file vouches for (given --certfile) is one the caller made.
        context = None
        if self.url.startswith("https:"):
            context = ssl.create_default_context(cafile=self.authority) if self.authority else _unverified()
        with urllib.request.urlopen(request, timeout=ADMIN_TIMEOUT_SECONDS, context=context) as response:
            return json.loads(response.read() or b"null")

    def reset(self) -> None:
        """Forget tasks, artifacts, logs, errors, credentials, datapools, tokens and counters; faults go
        back to the start-up profile."""
        self._admin("POST", "reset")

    def set_faults(self, **profile: Any) -> dict[str, Any]:
        """Merge ``profile`` into the fault profile (``POST /_emulator/faults``); return the whole profile.

        :raises urllib.error.HTTPError: 400 when a key or value is invalid.
        """
        result: dict[str, Any] = self._admin("POST", "faults", profile)
        return result

    def clear_faults(self) -> None:
        """Stop every fault: all rates and latency 0, script empty, tokens valid forever."""
        self._admin("POST", "faults", _CLEAR_FAULTS)

    def stats(self) -> dict[str, Any]:
        """Return the counters of ``GET /_emulator/stats``."""
        result: dict[str, Any] = self._admin("GET", "stats")
        return result

    def tokens(self) -> list[str]:
        """Return every token issued since start or reset (runner tokens included)."""
        result: list[str] = self._admin("GET", "tokens")
        return result

    def tasks(self) -> list[dict[str, Any]]:
        """Return every task with its internal schedule (``GET /_emulator/tasks``)."""
        result: list[dict[str, Any]] = self._admin("GET", "tasks")
        return result

    def alerts(self, task_id: int | None = None) -> list[dict[str, Any]]:
        """Return the alerts posted (``GET /_emulator/alerts``), oldest first; only a task's if given."""
        query = "" if task_id is None else f"?taskId={quote(str(task_id))}"
        result: list[dict[str, Any]] = self._admin("GET", f"alerts{query}")
        return result

    def messages(self) -> list[dict[str, Any]]:
        """Return the e-mail messages sent (``GET /_emulator/messages``), oldest first."""
        result: list[dict[str, Any]] = self._admin("GET", "messages")
        return result

    def add_automation(
        self,
        label: str,
        *,
        name: str | None = None,
        description: str | None = None,
        parameters: Sequence[dict[str, Any]] = (),
    ) -> dict[str, Any]:
        """Create or replace an automation (``POST /_emulator/automations``); return it as the API shows it.

        :param parameters: its declared parameters, ``{"label", "type", "required"}`` each.
        :raises urllib.error.HTTPError: 400 when a field is invalid.
        """
        body = {"label": label, "name": name, "description": description, "parameters": list(parameters)}
        result: dict[str, Any] = self._admin("POST", "automations", body)
        return result

    def add_runner(
        self,
        machine_id: str,
        *,
        name: str | None = None,
        online: bool | None = None,
        type: str | None = None,
        version: str | None = None,
        online_after_seconds: float | None = None,
        offline_after_seconds: float | None = None,
    ) -> dict[str, Any]:
        """Create or replace a runner (``POST /_emulator/runners``); return it as the API shows it.

        :param online: its state now; default online, or, with a schedule, the opposite of its first switch.
        :param online_after_seconds: it comes online this long from now, by itself (on the emulator's
            clock, applied when next read).
        :param offline_after_seconds: it goes offline this long from now, by itself.
        :raises urllib.error.HTTPError: 400 when a field is invalid or ``online`` contradicts the schedule.
        """
        body = {
            "machineId": machine_id,
            "name": name,
            "isOnline": online,
            "type": type,
            "version": version,
            "onlineAfterSeconds": online_after_seconds,
            "offlineAfterSeconds": offline_after_seconds,
        }
        result: dict[str, Any] = self._admin("POST", "runners", body)
        return result

    def set_runner_online(self, machine_id: str, online: bool) -> dict[str, Any]:
        """Mark a runner online or offline; return it.

        :raises urllib.error.HTTPError: 404 for an unknown runner.
        """
        state = "online" if online else "offline"
        path = f"runners/{quote(machine_id, safe='')}/{state}"
        result: dict[str, Any] = self._admin("POST", path)
        return result

    def add_runner_log(self, machine_id: str, message: str, *, level: str = "INFO") -> dict[str, Any]:
        """Append a line to a runner's log (``POST /_emulator/runners/{id}/log``); return the line."""
        body = {"message": message, "level": level}
        path = f"runners/{quote(machine_id, safe='')}/log"
        result: dict[str, Any] = self._admin("POST", path, body)
        return result

    def set_consumer(self, label: str, **knobs: Any) -> dict[str, Any]:
        """Give a datapool the emulator's bot, or replace it (``PUT /_emulator/datapools/{label}/consumer``).

        :param knobs: ``rate``, ``error_ratio``, ``error_type``, ``done_message``, ``error_message``,
            ``mode``, ``start_delay_seconds`` (see ``docs/emulator.md``); none at all is a bot with every
            default.
        :returns: the bot's settings, every key filled in.
        :raises urllib.error.HTTPError: 404 for an unknown datapool, 400 naming a bad knob.
        """
        # An empty object would remove the bot: ask for the default mode instead.
        body = knobs or {"mode": "work"}
        result: dict[str, Any] = self._admin("PUT", f"datapools/{quote(label, safe='')}/consumer", body)
        return result

    def remove_consumer(self, label: str) -> None:
        """Take the datapool's bot away; the item it holds goes back to PENDING.

        :raises urllib.error.HTTPError: 404 for an unknown datapool.
        """
        self._admin("DELETE", f"datapools/{quote(label, safe='')}/consumer")

    def stop(self) -> None:
        """Stop the server; calling it twice is harmless."""


def _unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class _ThreadEmulator(EmulatorHandle):
    def __init__(
        self, url: str, login: str, key: str, thread: ServerThread, on_stop: Any, **secured: Any
    ) -> None:
        super().__init__(url, login, key, **secured)
        self._thread = thread
        self._on_stop = on_stop
        self._lock = threading.Lock()
        self._stopped = False

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._thread.stop()
        self._on_stop()


def serve_in_thread(
    *,
    login: str = "demo",
    key: str = "demo-key",
    port: int = 0,
    state_file: str | os.PathLike[str] | None = None,
    queue_seconds: float = 1.0,
    run_seconds: float = 2.0,
    runner_tokens: Sequence[str] = (),
    activities: Sequence[str] | None = None,
    tls: bool = False,
    certfile: str | os.PathLike[str] | None = None,
    keyfile: str | os.PathLike[str] | None = None,
    admin_token: str | None = None,
    **faults: Any,
) -> EmulatorHandle:
    """Run an emulator on ``127.0.0.1`` in a daemon thread of this process; return once it is ready.

    :param port: 0 picks a free port.
    :param state_file: journal that keeps the state across restarts; ``None`` keeps it in memory.
    :param tls: serve HTTPS with a throwaway authority (``handle.authority`` is its PEM file).
    :param certfile: serve HTTPS with this PEM certificate and ``keyfile`` instead.
    :param admin_token: the token the ``/_emulator/`` routes require (the handle sends it).
    :param faults: initial fault settings, e.g. ``error_rate=0.2, seed=1``.
    :raises ValueError: for a certificate or key file that cannot serve HTTPS, naming it.
    """
    config = EmulatorConfig(
        login=login,
        key=key,
        queue_seconds=queue_seconds,
        run_seconds=run_seconds,
        state_file=None if state_file is None else Path(state_file),
        runner_tokens=tuple(runner_tokens),
        activities=None if activities is None else frozenset(activities),
        faults=faults,
        admin_token=admin_token,
    )
    # Made whatever is asked, as the command does: a throwaway authority's files live as long as the server.
    directory = Path(tempfile.mkdtemp(prefix="maestro-emulator-tls-"))
    try:
        files = chosen("127.0.0.1", directory, tls=tls, certfile=_path(certfile), keyfile=_path(keyfile))
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    app = create_app(config)
    sock = bind_socket("127.0.0.1", port)
    thread = ServerThread(app, sock, tls=files)

    def stopped() -> None:
        app.emulator.close()
        shutil.rmtree(directory, ignore_errors=True)

    try:
        thread.start(STARTUP_TIMEOUT_SECONDS)
    except BaseException:
        stopped()
        raise
    authority = None if files is None or files.authority is None else str(files.authority)
    url = url_of(sock, tls=files is not None)
    return _ThreadEmulator(url, login, key, thread, stopped, authority=authority, admin_token=admin_token)


def _path(given: str | os.PathLike[str] | None) -> Path | None:
    return None if given is None else Path(given)


class SubprocessEmulator(EmulatorHandle):
    """An emulator in a child process (``python -m botcity_maestro_emulator``) that can be killed.

    :ivar process: the child process; ``process.pid`` is the server's pid (e.g. for ``/proc/<pid>/status``).
    """

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        login: str,
        key: str,
        timeout_seconds: float,
        *,
        admin_token: str | None = None,
    ) -> None:
        super().__init__("", login, key, admin_token=admin_token)
        self._argv = argv
        self._env = env
        self._timeout_seconds = timeout_seconds
        self.process: subprocess.Popen[str] | None = None
        self._start()

    @property
    def pid(self) -> int:
        """Return the pid of the running server."""
        assert self.process is not None
        return self.process.pid

    def _start(self) -> None:
        process = subprocess.Popen(
            self._argv, env=self._env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
        )
        self.process = process
        ready = parse_ready_line(_read_line(process.stdout, self._timeout_seconds))
        if ready is None:
            code = process.poll()
            self.stop()
            why = f"exit status {code}" if code is not None else f"not ready in {self._timeout_seconds} s"
            raise RuntimeError(f"the Maestro emulator subprocess failed to start ({why})")
        atexit.register(self.stop)
        self.url, self.authority = ready.url, ready.authority
        port = self.url.rsplit(":", 1)[1]
        self._argv = [*_without_port(self._argv), "--port", port]

    def restart(self, *, kill: bool = True) -> None:
        """Stop the server (SIGKILL by default, SIGTERM with ``kill=False``) and start it again on the same
        port with the same state file."""
        self._end(signal.SIGKILL if kill else signal.SIGTERM)
        self._start()

    def stop(self) -> None:
        """Stop the server with SIGTERM, escalating to SIGKILL; never leaves an orphan process."""
        self._end(signal.SIGTERM)
        atexit.unregister(self.stop)

    def _end(self, how: signal.Signals) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(how)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        finally:
            if process.stdout is not None:
                process.stdout.close()


def _read_line(stream: IO[str] | None, timeout_seconds: float) -> str:
    """Read one line with a deadline: a child that hangs at start-up must not hang the caller."""
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline() if stream else ""), daemon=True)
    reader.start()
    reader.join(timeout_seconds)
    return result[0] if result else ""


def _without_port(argv: list[str]) -> list[str]:
    cleaned = list(argv)
    while "--port" in cleaned:
        index = cleaned.index("--port")
        del cleaned[index : index + 2]
    return cleaned


def serve_in_subprocess(
    *,
    login: str = "demo",
    key: str = "demo-key",
    port: int = 0,
    state_file: str | os.PathLike[str] | None = None,
    queue_seconds: float = 1.0,
    run_seconds: float = 2.0,
    runner_tokens: Sequence[str] = (),
    activities: Sequence[str] | None = None,
    startup_timeout_seconds: float = STARTUP_TIMEOUT_SECONDS,
    tls: bool = False,
    certfile: str | os.PathLike[str] | None = None,
    keyfile: str | os.PathLike[str] | None = None,
    admin_token: str | None = None,
    **faults: Any,
) -> SubprocessEmulator:
    """Run an emulator in a child process on ``127.0.0.1``; return once it prints its ready line.

    Use it where the server must die for real (``restart(kill=True)`` is a SIGKILL) or where its memory is
    measured. Arguments are those of :func:`serve_in_thread`.

    :raises RuntimeError: if the child does not become ready within ``startup_timeout_seconds``.
    """
    argv = [sys.executable, "-m", "botcity_maestro_emulator", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--login", login, "--queue-seconds", str(queue_seconds)]
    argv += ["--run-seconds", str(run_seconds), "--faults", json.dumps(faults)]
    if state_file is not None:
        argv += ["--state-file", os.fspath(state_file)]
    if activities is not None:
        argv += ["--activities", ",".join(activities)]
    argv += ["--tls"] if tls else []
    argv += ["--certfile", os.fspath(certfile)] if certfile is not None else []
    argv += ["--keyfile", os.fspath(keyfile)] if keyfile is not None else []
    # Secrets travel in the environment: a command line is readable by every user of the machine.
    env = {**os.environ, KEY_ENV: key, RUNNER_TOKENS_ENV: ",".join(runner_tokens)}
    env.pop(ADMIN_TOKEN_ENV, None)
    if admin_token is not None:
        env[ADMIN_TOKEN_ENV] = admin_token
    return SubprocessEmulator(argv, env, login, key, startup_timeout_seconds, admin_token=admin_token)
