"""`make demo`: run the example DAG `maestro_tour` with a real `airflow dags test` against the emulator.

It starts the bundled Maestro emulator on a free loopback port, gives Airflow a fresh home and a
connection to it, runs the DAG, and prints what happened: each Airflow task, each Maestro task the bots
ran, what the provider logged, and the requests Maestro received. The emulator is stopped at the end,
whatever happens.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DAG_ID = "maestro_tour"
BIN = Path(sys.executable).parent
# Lines the provider writes: our loggers, minus Airflow's own bookkeeping around them.
OURS = re.compile(r"\[(?:airflow\.task\.\w+\.)?botcity_provider[\w.]*\]")
STAMP = re.compile(r"^\S+Z \[\w+\s*\] ")
TAIL = re.compile(r"\s+\[[\w.]+\]\s+loc=\S+.*$")


def main() -> int:
    from botcity_provider.emulator.testing import serve_in_subprocess

    home = Path(tempfile.mkdtemp(prefix="botcity-demo-airflow-"))
    log_file = home / "dags-test.log"
    print("BotCity Maestro provider demo")
    with serve_in_subprocess(queue_seconds=0.5, run_seconds=1.0) as emulator:
        print(f"  emulator : {emulator.url} (login {emulator.login!r})")
        env = airflow_env(home, emulator.url, emulator.login, emulator.key)
        print(f"  airflow  : {airflow_version(env)}, home {home}")
        step("Preparing Airflow's database (airflow db migrate)")
        run([str(BIN / "airflow"), "db", "migrate"], env, home / "migrate.log")
        step(f"Running `airflow dags test {DAG_ID}` (full log: {log_file})")
        started = time.monotonic()
        code = run([str(BIN / "airflow"), "dags", "test", DAG_ID], env, log_file, check=False)
        took = time.monotonic() - started
        log_text = log_file.read_text(errors="replace")
        print_airflow_tasks(env, log_text)
        print_maestro_tasks(emulator.tasks())
        print_provider_lines(log_text)
        print_requests(emulator.stats())
    verdict = "succeeded" if code == 0 and "state=success" in log_text else "FAILED"
    print(f"\nThe DAG run {verdict} in {took:.1f} s.")
    if code == 0:
        shutil.rmtree(home, ignore_errors=True)
    return code


def airflow_env(home: Path, url: str, login: str, key: str) -> dict[str, str]:
    connection = {"conn_type": "botcity_maestro", "host": url, "login": login, "password": key}
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags_examples"),
        AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT=json.dumps(connection),
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def airflow_version(env: dict[str, str]) -> str:
    out = subprocess.run(
        [str(BIN / "airflow"), "version"], env=env, capture_output=True, text=True, check=True
    )
    return f"Airflow {out.stdout.strip().splitlines()[-1]}"


def run(command: list[str], env: dict[str, str], log: Path, check: bool = True) -> int:
    with log.open("w") as out:
        done = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if check and done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed; see {log}")
    return done.returncode


def step(text: str) -> None:
    print(f"\n== {text}")


def print_airflow_tasks(env: dict[str, str], log_text: str) -> None:
    step("Airflow tasks")
    run_id = re.search(r"run_id=(manual__[^,\s]+)", log_text)
    if run_id is None:
        print("  (no DAG run found in the log)")
        return
    out = subprocess.run(
        [str(BIN / "airflow"), "tasks", "states-for-dag-run", DAG_ID, run_id.group(1), "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        rows = json.loads(out.stdout[out.stdout.index("[") :])
    except ValueError:
        print("  (could not read the task states)")
        return
    print(f"  {'task':<20} {'state':<10} {'took':>7}")
    for row in sorted(rows, key=lambda item: item.get("start_date") or ""):
        print(f"  {row['task_id']:<20} {row['state']:<10} {_took(row):>7}")


def _took(row: dict[str, Any]) -> str:
    from datetime import datetime

    try:
        start = datetime.fromisoformat(row["start_date"])
        end = datetime.fromisoformat(row["end_date"])
    except (KeyError, TypeError, ValueError):
        return "-"
    return f"{(end - start).total_seconds():.1f} s"


def print_maestro_tasks(tasks: list[dict[str, Any]]) -> None:
    step("Maestro tasks, as the emulator saw them")
    print(f"  {'id':>3} {'automation':<12} {'state':<9} {'last outcome':<13} {'runs':>4} {'ran':>6}")
    for task in tasks:
        ran = "-"
        if task.get("run_start_at") and task.get("finish_at") and task["state"] == "FINISHED":
            ran = f"{task['finish_at'] - task['run_start_at']:.1f} s"
        outcome = task.get("outcome") if task["state"] == "FINISHED" else "-"
        print(
            f"  {task['id']:>3} {task['activityLabel']:<12} {task['state']:<9} {outcome:<13} "
            f"{task.get('runs', '-'):>4} {ran:>6}"
        )


def print_provider_lines(log_text: str) -> None:
    step("What the provider logged")
    for line in log_text.splitlines():
        if OURS.search(line) or line.startswith(("botcity_provider.", "  bot error", "See ")):
            print("  " + TAIL.sub("", STAMP.sub("", line)))


def print_requests(stats: dict[str, Any]) -> None:
    step(f"Requests Maestro received: {stats['requests_total']} (logins: {stats['logins']})")
    for route, count in sorted(stats["requests"].items(), key=lambda item: -item[1]):
        print(f"  {count:>4}  {route}")


if __name__ == "__main__":
    sys.exit(main())
