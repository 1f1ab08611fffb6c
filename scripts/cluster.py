"""`make cluster`: a distributed Airflow on loopback, as users run it, with the provider and the emulator.

PostgreSQL (Debian's server binaries, a fresh data directory in a temporary folder, started with
``pg_ctl``) holds the metadata; Redis (Debian's ``redis-server``) is the Celery broker. On top of them:
the api-server, the scheduler, the dag-processor, two Celery workers and two triggerers, all sharing one
JWT secret and the execution API's URL, plus the Maestro emulator and a connection to it. Every port is
free when chosen. ``redis-cli monitor`` records every broker command, so a test can look for secrets in
what went over Redis. Ctrl-C stops everything, PostgreSQL included, and removes its data directory.

The servers are installed with apt when missing (as root, or with ``sudo -n``). PostgreSQL refuses to run
as root: then its commands run as the ``postgres`` user, which Debian's package creates.

``tests/cluster`` (``make test-cluster``) uses :class:`Cluster` directly.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from airflow_local import (
    EMULATOR,
    ROOT,
    LocalAirflow,
    StartupError,
    _usable_port,
    serve,
)

WORKERS = ("worker-1", "worker-2")
TRIGGERERS = ("triggerer-1", "triggerer-2")
REDIS, MONITOR = "redis", "redis-monitor"
DATABASE = "airflow"
PG_USER = "postgres"


def free_port() -> int:
    return _usable_port(0, lambda line: None, "")


def ensure_debian_packages(commands: dict[str, str], say: Callable[[str], None]) -> None:
    """Install the Debian package of each missing command (``{command: package}``) with apt-get."""
    missing = sorted({package for command, package in commands.items() if not _found(command)})
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    for command in (
        ["apt-get", *lock, "update", "-qq"],
        ["apt-get", *lock, "install", "-y", "-qq", *missing],
    ):
        say(" ".join(command))
        done = subprocess.run([*sudo, *command], env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise StartupError(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def _found(command: str) -> bool:
    return bool(shutil.which(command) or glob.glob(f"/usr/lib/postgresql/*/bin/{command}"))


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path is None:
        raise StartupError(f"PostgreSQL's {name} was not found (apt-get install postgresql)")
    return on_path


class Postgres:
    """A PostgreSQL server of its own: data directory in a temporary folder, loopback only, ``pg_ctl``."""

    def __init__(self, say: Callable[[str], None], keep_log: Path | None = None) -> None:
        self.say = say
        self.keep_log = keep_log  # where the server's log is copied before the data directory goes
        self.port = free_port()
        self.folder: Path | None = None
        self.url = f"postgresql+psycopg2://{PG_USER}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def data(self) -> Path:
        assert self.folder is not None
        return self.folder / "data"

    def _as_owner(self, argv: list[str]) -> list[str]:
        # The server refuses root; Debian's package made the postgres user for it.
        return ["runuser", "-u", PG_USER, "--", *argv] if os.geteuid() == 0 else argv

    def _run(self, argv: list[str], timeout: float = 120) -> None:
        done = subprocess.run(self._as_owner(argv), capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise StartupError(f"{' '.join(argv)} failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")

    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="botcity-cluster-pg-"))
        if os.geteuid() == 0:
            account = pwd.getpwnam(PG_USER)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self.say(f"PostgreSQL: a fresh cluster in {self.data}, port {self.port}")
        # Trust on loopback only: nothing else can reach this server, and no password lands in a file.
        self._run(
            [_postgres_bin("initdb"), "-D", str(self.data), "-U", PG_USER, "--auth=trust", "-E", "UTF8"]
        )
        self.pg_ctl("start")
        self._run(
            [_postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER, DATABASE]
        )

    def pg_ctl(self, action: str) -> None:
        """``start``, ``stop`` or ``restart`` the server, waiting until it is done."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c max_connections=300"
        argv = [_postgres_bin("pg_ctl"), action, "-w", "-t", "120", "-D", str(self.data)]
        argv += ["-l", str(self.folder / "server.log")]
        if action != "stop":
            argv += ["-o", options]
        else:
            argv += ["-m", "fast"]
        self._run(argv, timeout=180)

    def dump(self) -> str:
        """The whole metadata database as SQL (``pg_dump``)."""
        argv = [_postgres_bin("pg_dump"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER, DATABASE]
        return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=300).stdout

    def running(self) -> bool:
        return self.folder is not None and (self.data / "postmaster.pid").exists()

    def stop(self) -> None:
        if self.folder is None:
            return
        if self.running():
            with contextlib.suppress(StartupError, subprocess.TimeoutExpired):
                self.pg_ctl("stop")
        log = self.folder / "server.log"
        if log.exists() and self.keep_log is not None:
            with contextlib.suppress(OSError):
                shutil.copy(log, self.keep_log)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


class Cluster(LocalAirflow):
    """make airflow's setup, spread out: PostgreSQL, Redis, Celery workers and two triggerers.

    :param worker_concurrency: task slots of each Celery worker (two cores: keep it low).
    :param emulator_args: more flags for the emulator (a fault profile, timings).
    :param dags: more DAG files to serve beside the examples (linked into the home's DAG folder).
    """

    STOP_LAST = (MONITOR, REDIS, EMULATOR)

    def __init__(
        self,
        home: Path,
        *,
        port: int = 0,
        emulator_port: int = 0,
        extra_env: dict[str, str] | None = None,
        say: Callable[[str], None] = print,
        worker_concurrency: int = 4,
        emulator_args: list[str] | None = None,
        dags: list[Path] | None = None,
    ) -> None:
        super().__init__(home, port=port, emulator_port=emulator_port, extra_env=extra_env, say=say)
        self.postgres = Postgres(say, keep_log=self.logs / "postgresql.log")
        self.redis_port = free_port()
        self.worker_concurrency = worker_concurrency
        self.emulator_args = list(emulator_args or [])
        self.emulator_args += ["--request-log", str(self.home / "maestro-requests.jsonl")]
        # Distinctive and new for each cluster: a hit in a log or a dump cannot be a coincidence.
        self.emulator_key = f"BOTCITY-CLUSTER-KEY-{uuid.uuid4().hex}"
        self.jwt_secret = secrets.token_urlsafe(32)
        # As every real deployment (and the Helm chart) has: connection passwords are stored encrypted.
        self.fernet_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
        self.log_ports = {name: free_port() for name in (*WORKERS, *TRIGGERERS)}
        self.extra_dags = list(dags or [])
        self.dags_folder = self.home / "dags"

    @property
    def requests_log(self) -> Path:
        return self.home / "maestro-requests.jsonl"

    def start(self, timeout_seconds: float = 480.0) -> None:
        ensure_debian_packages({"redis-server": "redis-server", "initdb": "postgresql"}, self.say)
        self.logs.mkdir(parents=True, exist_ok=True)
        self._link_dags()
        self.postgres.start()
        self._start_redis()
        super().start(timeout_seconds)
        self._wait_workers(time.monotonic() + 120)

    def _link_dags(self) -> None:
        self.dags_folder.mkdir(parents=True, exist_ok=True)
        for old in self.dags_folder.glob("*.py"):
            old.unlink()
        for path in [*sorted((ROOT / "dags_examples").glob("*.py")), *self.extra_dags]:
            (self.dags_folder / path.name).symlink_to(path.resolve())

    def _start_redis(self) -> None:
        folder = self.home / "redis"
        folder.mkdir(exist_ok=True)
        argv = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--dir", str(folder), "--protected-mode", "yes"]
        self._spawn(REDIS, argv, dict(os.environ))
        deadline = time.monotonic() + 30
        ping = ["redis-cli", "-p", str(self.redis_port), "ping"]
        while subprocess.run(ping, capture_output=True, text=True).stdout.strip() != "PONG":
            if time.monotonic() > deadline or self._children[REDIS].poll() is not None:
                raise StartupError(f"Redis did not start{self._tail(REDIS)}")
            time.sleep(0.2)
        self._spawn(MONITOR, ["redis-cli", "-p", str(self.redis_port), "monitor"], dict(os.environ))

    def environment(self) -> dict[str, str]:
        env = super().environment()
        broker = f"redis://127.0.0.1:{self.redis_port}/0"
        env.update(
            AIRFLOW__CORE__EXECUTOR="CeleryExecutor",
            AIRFLOW__CORE__PARALLELISM="64",
            AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG="512",
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=self.postgres.url,
            AIRFLOW__CELERY__BROKER_URL=broker,
            AIRFLOW__CELERY__RESULT_BACKEND=f"db+postgresql://{PG_USER}@127.0.0.1:{self.postgres.port}/{DATABASE}",
            AIRFLOW__CELERY__WORKER_CONCURRENCY=str(self.worker_concurrency),
            AIRFLOW__API_AUTH__JWT_SECRET=self.jwt_secret,
            AIRFLOW__API__SECRET_KEY=self.jwt_secret,
            AIRFLOW__CORE__FERNET_KEY=self.fernet_key,
        )
        env.update(self.extra_env)
        return env

    def services(self) -> dict[str, list[str]]:
        worker = ["airflow", "celery", "worker", "--concurrency", str(self.worker_concurrency)]
        return {
            "api-server": ["airflow", "api-server"],
            "scheduler": ["airflow", "scheduler"],
            "dag-processor": ["airflow", "dag-processor"],
            "worker-1": [*worker, "--celery-hostname", "worker-1@%h"],
            "worker-2": [*worker, "--celery-hostname", "worker-2@%h", "--skip-serve-logs"],
            "triggerer-1": ["airflow", "triggerer"],
            "triggerer-2": ["airflow", "triggerer"],
        }

    def service_environment(self, name: str, env: dict[str, str]) -> dict[str, str]:
        # Each process that serves its logs gets a port of its own: two on one host cannot share 8793/8794.
        if name in self.log_ports:
            port = str(self.log_ports[name])
            return {
                **env,
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": port,
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": port,
            }
        return env

    def start_service(self, name: str) -> None:
        """Start one service again (after a kill), as it was started the first time."""
        self._children.pop(name, None)
        self._spawn(name, self.services()[name], self.service_environment(name, self.environment()))

    def kill_service(self, name: str) -> list[int]:
        """SIGKILL a service and every process it started; return their pids."""
        pids = self.processes([name])
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._children[name].wait(timeout=30)
        return pids

    def restart_dead(self) -> list[str]:
        """Start again every service that exited by itself, as a supervisor (systemd, Kubernetes) would:
        a scheduler whose database shuts down under it exits, and a deployment brings it back."""
        dead = self.dead_services()
        for name in dead:
            self.say(f"{name} exited; starting it again")
            self.start_service(name)
        return dead

    def stop_service(self, name: str) -> None:
        """SIGTERM a service (a clean stop, as a restart does) and wait for it."""
        self._terminate([name], 60.0)

    def _wait_workers(self, deadline: float) -> None:
        """Celery workers log ``<name> ready.`` once they consume; the health report does not show them."""
        while time.monotonic() < deadline:
            ready = [name for name in WORKERS if " ready." in self._log_text(name)]
            if len(ready) == len(WORKERS):
                return
            for name in WORKERS:
                if self._children[name].poll() is not None:
                    raise StartupError(f"{name} exited during start-up{self._tail(name)}")
            time.sleep(0.5)
        raise StartupError(f"the Celery workers were not ready in time{self._tail(WORKERS[0])}")

    def _log_text(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def details(self) -> list[str]:
        return [
            f"  PostgreSQL 127.0.0.1:{self.postgres.port} (database {DATABASE}), Redis 127.0.0.1:"
            f"{self.redis_port}; Celery workers {', '.join(WORKERS)}; triggerers {', '.join(TRIGGERERS)}"
        ]

    def stop(self) -> list[int]:
        left = super().stop()
        self.postgres.stop()
        return left


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--home", type=Path, default=ROOT / ".cluster", help="AIRFLOW_HOME (default .cluster)"
    )
    parser.add_argument("--check", action="store_true", help="start, wait until healthy, stop, report")
    args = parser.parse_args(argv)
    # A second run starts clean: the database is new each time, so the home's old logs and state go too.
    shutil.rmtree(args.home, ignore_errors=True)
    return serve(Cluster(args.home, port=8080, emulator_port=8900), check=args.check)


if __name__ == "__main__":
    sys.exit(main())
