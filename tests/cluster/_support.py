"""What the cluster tests share: Airflow's REST API, the emulator's request log, and the accounting.

Everything here looks from outside the deployment: Airflow through its public REST API, Maestro through
the emulator's admin routes, its request log and the official SDK, processes through ``/proc`` (only
those the cluster started).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import requests

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
ENABLED = os.environ.get("BOTCITY_CLUSTER_TESTS") == "1"
CLUSTER_DAGS = ROOT / "tests" / "dag_files" / "cluster_dags.py"
TERMINAL = {"FINISHED", "CANCELED"}
LOGIN_ROUTE = "POST /api/v2/workspace/login"
LIST_ROUTE = "GET /api/v2/task"
GET_ROUTE = "GET /api/v2/task/{taskId}"
UPDATE_ROUTE = "POST /api/v2/task/{taskId}"


def load_cluster_module() -> ModuleType:
    return load_script("cluster", "botcity_cluster")


def wait_for(what: str, check: Callable[[], Any], timeout_seconds: float, every: float = 1.0) -> Any:
    """Poll ``check`` until it returns something true; fail naming ``what`` after the deadline."""
    deadline = time.monotonic() + timeout_seconds
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")


class Airflow:
    """Airflow's public REST API as the admin user; the token is renewed when it is refused."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url, self._login = url, {"username": username, "password": password}
        self.session = requests.Session()
        self._authenticate()

    def _authenticate(self) -> None:
        answer = requests.post(f"{self.url}/auth/token", json=self._login, timeout=60)
        answer.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One API call; a restart of the api-server's database (PostgreSQL) is ridden out for a minute."""
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = self.session.request(method, f"{self.url}{path}", timeout=60, **kwargs)
                if answer.status_code == 401:
                    self._authenticate()
                    answer = self.session.request(method, f"{self.url}{path}", timeout=60, **kwargs)
                if answer.status_code < 500 or time.monotonic() > deadline:
                    answer.raise_for_status()
                    return answer.json() if answer.content else None
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(1.0)

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        body = {"logical_date": None, "conf": conf or {}}
        return str(self.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)["dag_run_id"])

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}"))

    def wait_run(
        self, dag_id: str, run_id: str, timeout_seconds: float, between: Callable[[], object] | None = None
    ) -> str:
        """Wait for the run to end; ``between`` runs before each look (to restart what died)."""

        def ended() -> str | None:
            if between is not None:
                between()
            state = self.run(dag_id, run_id)["state"]
            return state if state in ("success", "failed") else None

        return str(wait_for(f"the end of {dag_id} {run_id}", ended, timeout_seconds, every=2.0))

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            page = self.call(
                "GET",
                f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                params={"limit": 100, "offset": len(found)},
            )
            found += page["task_instances"]
            if len(found) >= page["total_entries"] or not page["task_instances"]:
                return found

    def log_tail(self, dag_id: str, run_id: str, ti: dict[str, Any], lines: int = 15) -> str:
        """The last lines of a task instance's log, through the REST API, to say why it failed."""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/{ti['try_number']}"
        try:
            answer = self.call(
                "GET", path, params={"map_index": ti["map_index"]}, headers={"Accept": "application/json"}
            )
        except requests.RequestException as error:
            return f"(no log: {error})"
        entries = answer.get("content") or []
        text = [
            str(entry.get("event", entry)) if isinstance(entry, dict) else str(entry) for entry in entries
        ]
        return "\n".join(text[-lines:])

    def states(self, dag_id: str, run_id: str, task_id: str | None = None) -> Counter[str]:
        return Counter(
            str(ti["state"])
            for ti in self.task_instances(dag_id, run_id)
            if task_id is None or ti["task_id"] == task_id
        )


class Maestro:
    """The emulator from outside: admin routes, the request log, and the official SDK."""

    def __init__(self, url: str, login: str, key: str, request_log: Path) -> None:
        self.url, self.login, self.key, self.request_log = url, login, key, request_log

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = requests.request(method, f"{self.url}/_emulator/{path}", json=body, timeout=60)
        answer.raise_for_status()
        return answer.json()

    def faults(self, profile: dict[str, Any]) -> None:
        self.admin("POST", "faults", profile)

    def tasks(self) -> list[dict[str, Any]]:
        return list(self.admin("GET", "tasks"))

    def sdk_tasks(self, ids: Iterable[int]) -> dict[int, Any]:
        """Each task as the official SDK reads it (faults must be off)."""
        from botcity.maestro import BotMaestroSDK

        sdk = BotMaestroSDK(self.url, self.login, self.key)
        sdk.login()
        return {task_id: sdk.get_task(str(task_id)) for task_id in ids}

    def requests_since(self, since: float) -> list[dict[str, Any]]:
        lines = self.request_log.read_text().splitlines() if self.request_log.exists() else []
        return [line for line in map(json.loads, lines) if line["t"] >= since]


def agent_pid(agent: str) -> int | None:
    """The pid in our client's user agent, ``airflow-provider-botcity (pid 123)``."""
    if "(pid " not in agent:
        return None
    return int(agent.rsplit("(pid ", 1)[1].rstrip(")"))


def idempotency_groups(tasks: Iterable[Any]) -> dict[str, list[Any]]:
    """SDK tasks by task instance (the key up to its last ``|``, which is the try)."""
    groups: dict[str, list[Any]] = defaultdict(list)
    for task in tasks:
        key = (task.parameters or {}).get("_idempotency_key", "")
        groups[key.rsplit("|", 1)[0] if "|" in key else f"<no key {task.id}>"].append(task)
    return groups


def poll_cycles(lines: list[dict[str, Any]], gap_seconds: float) -> list[list[dict[str, Any]]]:
    """Split one process's requests into bursts: a pause of ``gap_seconds`` or more ends a cycle."""
    cycles: list[list[dict[str, Any]]] = []
    for line in sorted(lines, key=lambda line: line["t"]):
        if cycles and line["t"] - cycles[-1][-1]["t"] < gap_seconds:
            cycles[-1].append(line)
        else:
            cycles.append([line])
    return cycles


def percentile(values: list[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def epoch(stamp: str | None) -> float:
    assert stamp, "no time"
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def psql(cluster: Any, query: str) -> list[list[str]]:
    """Rows of a query on the metadata database, as the postgres user (trusted on 127.0.0.1)."""
    argv = ["psql", "-h", "127.0.0.1", "-p", str(cluster.postgres.port), "-U", "postgres", "-d", "airflow"]
    done = subprocess.run([*argv, "-AtF", "\t", "-c", query], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line.split("\t") for line in done.stdout.splitlines() if line]


def triggers_by_job(cluster: Any) -> Counter[str]:
    """How many triggers each triggerer job holds ('-': not assigned yet)."""
    return Counter(row[0] for row in psql(cluster, "SELECT coalesce(triggerer_id::text, '-') FROM trigger"))
