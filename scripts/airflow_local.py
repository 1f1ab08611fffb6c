"""`make airflow`: a real local Airflow with the provider, the Maestro emulator and the example DAGs.

It starts the bundled Maestro emulator and Airflow's four services (api-server, scheduler, dag-processor,
triggerer) on SQLite, with the DAGs of ``dags_examples/`` already serialised and a connection
``botcity_maestro_default`` that points at the emulator. It prints the URL and the login, then runs until
Ctrl-C (SIGINT) or SIGTERM, and stops everything it started.

Every child is started in a session of its own, so a terminal's Ctrl-C reaches only this script, which
then stops the children in order. A child's descendants (the scheduler's task runners, the api-server's
workers) stay in their parent's session even when they make process groups of their own: on stop, every
process of those sessions and every descendant of this script is signalled (SIGTERM, then SIGKILL after
a grace period) until none is left. Each child also gets SIGTERM if this script dies (``setpriv
--pdeathsig``), and the script itself gets SIGTERM if ``make`` dies.

The browser test (``tests/ui``) uses :class:`LocalAirflow` directly: free ports, a home of its own, no
Ctrl-C. ``--check`` starts everything, waits until it is healthy, stops and reports leftovers.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Collection
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self
from urllib.parse import urlsplit

from botcity_provider.get_provider_info import CONNECTION_FIELDS

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONN_ID = "botcity_maestro_default"
USERNAME = "admin"
SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")
HEALTHY = ("metadatabase", "scheduler", "triggerer", "dag_processor")
READY_LINE = "Maestro emulator ready at "
EMULATOR = "maestro-emulator"
STOP_GRACE_SECONDS = 15.0
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


class StartupError(RuntimeError):
    """A service did not come up; the message names it and quotes the end of its log."""


class LocalAirflow:
    """Airflow's four services plus the Maestro emulator, started and stopped as one.

    :param home: ``AIRFLOW_HOME``; the database, logs and the emulator's state file live there.
    :param port: the api-server's port; 0 picks a free one (so does a busy port, with a note).
    :param emulator_port: the emulator's port; 0 picks a free one.
    :param extra_env: more settings for the services, e.g. ``{"AIRFLOW__CORE__DEFAULT_TASK_RETRIES": "1"}``.
    :param say: where progress lines go (``print``, or a no-op for tests).
    """

    def __init__(
        self,
        home: Path = ROOT / ".airflow",
        *,
        port: int = 8080,
        emulator_port: int = 8900,
        extra_env: dict[str, str] | None = None,
        say: Callable[[str], None] = print,
    ) -> None:
        self.home = Path(home).resolve()
        self.logs = self.home / "processes"
        self.say = say
        self.extra_env = dict(extra_env or {})
        self.port = _usable_port(port, say, "Airflow")
        self.emulator_port = _usable_port(emulator_port, say, "the emulator")
        self.url = f"http://127.0.0.1:{self.port}"
        self.emulator_url = ""
        self.emulator_login = "demo"
        self.emulator_key = "demo-key"
        self.username = USERNAME
        self.password = ""
        self.emulator_args: list[str] = []
        self.dags_folder = ROOT / "dags_examples"
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._stopping = False
        self.adopt_orphans = False

    #: Children stopped one by one after the rest, in this order: what the services still talk to.
    STOP_LAST: tuple[str, ...] = (EMULATOR,)

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # -- start -------------------------------------------------------------------------------------

    def start(self, timeout_seconds: float = 240.0) -> None:
        """Start the emulator, prepare the database, start the services and wait until all are healthy."""
        deadline = time.monotonic() + timeout_seconds
        self.logs.mkdir(parents=True, exist_ok=True)
        self.password = self._password()
        self._start_emulator(deadline)
        env = self.environment()
        self.say(f"Preparing Airflow in {self.home} (db migrate, DAGs, connection)...")
        self._run("db-migrate", ["airflow", "db", "migrate"], env, deadline)
        connection = self._connection_file()
        one_offs = {
            "dags-reserialize": ["airflow", "dags", "reserialize"],
            "connections-import": ["airflow", "connections", "import", "--overwrite", str(connection)],
        }
        try:
            self._run_together(one_offs, env, deadline)
        finally:
            connection.unlink(missing_ok=True)
        for name, argv in self.services().items():
            self._spawn(name, argv, self.service_environment(name, env))
        self._wait_healthy(deadline)

    def services(self) -> dict[str, list[str]]:
        """The long-running Airflow processes: name (also of the log file) -> command line."""
        return {name: ["airflow", name] for name in SERVICES}

    def service_environment(self, name: str, env: dict[str, str]) -> dict[str, str]:
        """The environment of one service; the same for all of them here."""
        return env

    def environment(self) -> dict[str, str]:
        """The services' environment: ours without any ``AIRFLOW*`` variable, plus this setup."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
        env.update(
            PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            AIRFLOW_HOME=str(self.home),
            AIRFLOW__CORE__DAGS_FOLDER=str(self.dags_folder),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__PARALLELISM="4",
            AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
            AIRFLOW__CORE__TEST_CONNECTION="Enabled",
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{self.url}/execution/",
            AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE="True",
            AIRFLOW__API__HOST="127.0.0.1",
            AIRFLOW__API__PORT=str(self.port),
            AIRFLOW__API__WORKERS="1",
            # The task supervisor notices a deferred task's exit within this many seconds. At the default
            # 5 s, a bot that ends within seconds lets the trigger requeue the task before the scheduler
            # has seen the deferral end, and Airflow fails it ("state mismatch", apache/airflow#66374).
            AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL="1",
        )
        env.update(self.extra_env)
        return env

    def _password(self) -> str:
        """The admin password: the one of an earlier run in this home, or a new one Airflow will use."""
        path = self.home / "simple_auth_manager_passwords.json.generated"
        with contextlib.suppress(OSError, ValueError, KeyError):
            return str(json.loads(path.read_text())[USERNAME])
        password = secrets.token_urlsafe(12)
        path.write_text(json.dumps({USERNAME: password}) + "\n")
        path.chmod(0o600)
        return password

    def _start_emulator(self, deadline: float) -> None:
        argv = [sys.executable, "-m", "botcity_maestro_emulator", "--port", str(self.emulator_port)]
        argv += ["--login", self.emulator_login, "--state-file", str(self.home / "maestro-emulator.jsonl")]
        argv += self.emulator_args
        env = {**os.environ, "MAESTRO_EMULATOR_KEY": self.emulator_key}
        process = self._spawn(EMULATOR, argv, env, stdout=subprocess.PIPE)
        line = _read_line(process.stdout, max(1.0, deadline - time.monotonic()))
        if not line.startswith(READY_LINE):
            raise StartupError(f"the Maestro emulator did not start{self._tail('maestro-emulator')}")
        # "Maestro emulator ready at <url> (login <login>)": the URL is the first word after the prefix.
        self.emulator_url = next(iter(line[len(READY_LINE) :].split()), "")

    def _connection_file(self) -> Path:
        # The whole URL in the host, so the form shows the URL that is used. The port is stored as well,
        # and the form shows it: Airflow 3.3.1-3.3.2's Test button sends port 0 for a connection without
        # a port and gets 400 "host or port ... differs" (apache/airflow#73298). For that reason this script
        # used to store schema + host + port, which the form showed as a bare host, hiding both.
        port = urlsplit(self.emulator_url).port
        connection = {
            "conn_type": "botcity",
            "description": "The Maestro emulator started by make airflow",
            "host": self.emulator_url,
            "port": port,
            "login": self.emulator_login,
            "password": self.emulator_key,
            # Every extra field, null for its default: Airflow 3.3's edit form draws only the extra fields
            # whose keys are in the stored JSON (the Add form, which stores them all, draws all five).
            "extra": json.dumps({**dict.fromkeys(CONNECTION_FIELDS), "timeout_seconds": 10, "verify": True}),
        }
        path = self.home / "connection.json"
        path.touch(mode=0o600)
        path.write_text(json.dumps({CONN_ID: connection}))
        return path

    def _spawn(
        self, name: str, argv: list[str], env: dict[str, str], stdout: int | None = None
    ) -> subprocess.Popen[bytes]:
        """Start a child in a session of its own, logging to ``processes/<name>.log``."""
        if self._stopping:
            raise StartupError("stopping: no new process is started")
        if argv[0] == "airflow":
            argv = [str(BIN / "airflow"), *argv[1:]]
        guard = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [*guard, *argv],
                env=env,
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                stdout=log if stdout is None else stdout,
                stderr=log,
                start_new_session=True,
            )
        self._children[name] = process
        return process

    def _run(self, name: str, argv: list[str], env: dict[str, str], deadline: float) -> None:
        self._run_together({name: argv}, env, deadline)

    def _run_together(self, commands: dict[str, list[str]], env: dict[str, str], deadline: float) -> None:
        """Run one-off commands side by side; fail with the log of the first one that fails."""
        started = {name: self._spawn(name, argv, env) for name, argv in commands.items()}
        for name, process in started.items():
            try:
                code = process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise StartupError(f"{name} did not finish in time{self._tail(name)}") from None
            self._children.pop(name, None)
            if code != 0:
                raise StartupError(f"{name} failed with exit status {code}{self._tail(name)}")

    def _wait_healthy(self, deadline: float) -> None:
        """Poll ``/api/v2/monitor/health`` until every service reports healthy."""
        status: dict[str, Any] = {}
        while time.monotonic() < deadline:
            for name in (*self.services(), EMULATOR):
                if self._children[name].poll() is not None:
                    raise StartupError(f"{name} exited during start-up{self._tail(name)}")
            with contextlib.suppress(OSError, ValueError):
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as answer:
                    status = json.loads(answer.read())
                if all(status.get(part, {}).get("status") == "healthy" for part in HEALTHY):
                    return
            time.sleep(1.0)
        raise StartupError(f"Airflow was not healthy in time; last health report: {status}")

    def _tail(self, name: str, lines: int = 25) -> str:
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"; end of {path}:\n{tail}" if tail else f" (no output; see {path})"

    # -- watch and stop ------------------------------------------------------------------------------

    def details(self) -> list[str]:
        """More lines for the banner, about what this setup adds."""
        return []

    def dead_services(self) -> list[str]:
        """The long-running children that exited by themselves."""
        return [name for name, process in self._children.items() if process.poll() is not None]

    def processes(self, names: Collection[str] | None = None) -> list[int]:
        """Every running process started here, directly or not: the children (all, or those named) and
        their offspring.

        Offspring keep their parent's session, even in process groups of their own (Airflow's task
        runners), and are its descendants while it lives. Only children not yet reaped serve as roots of
        the descendant search: the pid of a reaped child may already belong to someone else. With
        ``adopt_orphans`` (the CLI, which makes itself subreaper) every descendant of this process counts.
        """
        chosen = [p for name, p in self._children.items() if names is None or name in names]
        sessions = {process.pid for process in chosen}
        live = {process.pid for process in chosen if process.poll() is None}
        if self.adopt_orphans and names is None:
            live.add(os.getpid())
        table = _process_table()
        found = _descendants(table, live) | live
        found |= {pid for pid, (_, _, session) in table.items() if session in sessions}
        ours = {process.pid for process in self._children.values()}
        running = []
        for pid in sorted(found - {os.getpid()}):
            parent, state, _ = table.get(pid, (0, "X", 0))
            if state not in ("Z", "X"):
                running.append(pid)
            elif parent == os.getpid() and pid not in ours:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)  # an orphan adopted by this subreaper: collect it
        return running

    def stop(self) -> list[int]:
        """Stop the services, then the emulator; return the pids still alive afterwards (none, normally).

        Each child's process group gets SIGTERM and some seconds to finish; whatever is still running
        then, in its session or among its descendants, gets SIGKILL. Safe to call twice.
        """
        if self._stopping:
            return self.processes()
        self._stopping = True
        last = [name for name in self.STOP_LAST if name in self._children]
        self._terminate([name for name in self._children if name not in last], STOP_GRACE_SECONDS)
        for name in last:
            self._terminate([name], 5.0)
        _kill_until_gone(self.processes)  # anything that escaped both (never seen so far)
        for process in self._children.values():
            if process.stdout is not None:
                process.stdout.close()
        return self.processes()

    def _terminate(self, names: list[str], grace_seconds: float) -> None:
        children = [self._children[name] for name in names if name in self._children]
        for process in children:
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for process in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        # Left: task runners in groups of their own, a worker that outlived its parent, a hung child.
        _kill_until_gone(lambda: self.processes(names))
        for process in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


def _kill_until_gone(lister: Callable[[], list[int]]) -> None:
    for _ in range(25):
        left = lister()
        if not left:
            return
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)


def _signal_group(pid: int, how: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, how)


def _process_table() -> dict[int, tuple[int, str, int]]:
    """``pid -> (parent pid, state letter, session id)`` for every process, from ``/proc``."""
    table: dict[int, tuple[int, str, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry)] = (int(fields[1]), fields[0], int(fields[3]))
    return table


def _descendants(table: dict[int, tuple[int, str, int]], roots: set[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _usable_port(port: int, say: Callable[[str], None], what: str) -> int:
    """``port`` if it is free, else a free one (0 always means a free one)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            probe.bind(("127.0.0.1", 0))
            say(f"Port {port} is busy; {what} uses port {probe.getsockname()[1]} instead.")
        return int(probe.getsockname()[1])


def _read_line(stream: IO[bytes] | None, timeout_seconds: float) -> str:
    """One line of a child's stdout, waiting at most ``timeout_seconds``."""
    import selectors

    if stream is None:
        return ""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout_seconds):
            return ""
    return stream.readline().decode(errors="replace")


def _prctl(option: int, value: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


class _Stop(BaseException):
    """Raised in the main thread by SIGINT or SIGTERM, so start-up and the wait both end the same way."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=ROOT / ".airflow", help="AIRFLOW_HOME")
    parser.add_argument("--port", type=int, default=8080, help="Airflow's port; 0 picks a free one")
    parser.add_argument("--emulator-port", type=int, default=8900, help="the emulator's port; 0: free")
    parser.add_argument("--free-ports", action="store_true", help="pick free ports for both")
    parser.add_argument("--check", action="store_true", help="start, wait until healthy, stop, report")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run until Ctrl-C or SIGTERM (or, with ``--check``, until healthy), then stop everything."""
    args = _parser().parse_args(argv)
    airflow = LocalAirflow(
        args.home,
        port=0 if args.free_ports else args.port,
        emulator_port=0 if args.free_ports else args.emulator_port,
    )
    return serve(airflow, check=args.check)


def serve(airflow: LocalAirflow, *, check: bool) -> int:
    """Start ``airflow``, print its banner, run until Ctrl-C, SIGTERM or a dead service, then stop it all.

    With ``check``, stop as soon as it is healthy. The exit status is 1 if anything failed or was left.
    """
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)  # make (our parent) dies: stop too
    _prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of our children come to us, so none is missed
    airflow.adopt_orphans = True
    stopping = {"now": False}

    def on_signal(number: int, frame: object) -> None:
        if not stopping["now"]:
            stopping["now"] = True
            raise _Stop(signal.Signals(number).name)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    code = 0
    try:
        airflow.start()
        print(_banner(airflow, time.monotonic() - started), flush=True)
        while not check:
            if dead := airflow.dead_services():
                print(f"{', '.join(dead)} stopped by itself; see {airflow.logs}. Stopping the rest.")
                code = 1
                break
            time.sleep(1.0)
    except _Stop as why:
        print(f"\n{why}: stopping Airflow and the emulator...", flush=True)
    except StartupError as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        code = 1
    finally:
        stopping["now"] = True
        count = len(airflow.processes())
        left = airflow.stop()
        print(f"Stopped {count} processes; {len(left)} left{': ' + str(left) if left else ''}.")
    return 1 if left else code


def _banner(airflow: LocalAirflow, took: float) -> str:
    version = subprocess.run(
        [str(BIN / "airflow"), "version"], env=airflow.environment(), capture_output=True, text=True
    ).stdout.strip()
    dags = ", ".join(sorted(path.stem for path in (ROOT / "dags_examples").glob("*.py")))
    return "\n".join(
        [
            f"\nAirflow {version} is ready at {airflow.url} (took {took:.0f} s)",
            f"  login: {airflow.username}   password: {airflow.password}",
            f"  Maestro emulator: {airflow.emulator_url} (login {airflow.emulator_login}, "
            f"key {airflow.emulator_key}); connection {CONN_ID} points at it",
            f"  example DAGs: {dags}",
            f"  home: {airflow.home}; service logs in {airflow.logs}",
            *airflow.details(),
            "Press Ctrl-C to stop.",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
