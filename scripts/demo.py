"""`make demo`: run the example DAG `maestro_tour` with a real `airflow dags test` against the emulator.

It starts the bundled Maestro emulator on a free loopback port, gives Airflow a fresh home and a
connection to it, runs the DAG, and prints what happened: each Airflow task, each Maestro task the bots
ran, what the provider logged, and the requests Maestro received. The emulator is stopped at the end,
whatever happens.

Everything the run writes stays inside that home: temporary files too (``TMPDIR`` points into it, and the
DAG's ``tempfile`` calls follow it). After a successful run only the logs are kept; after a failed one,
the whole home is, for a look at what went wrong.
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
# `airflow dags test` runs one task at a time and says which; the provider says which Maestro task it touched.
STARTING = re.compile(r"\[DAG TEST\] starting task_id=(\S+)")
TOUCHED = re.compile(r"\b(Created|Restarted) Maestro task (\d+)\b")
LOGS = ("dags-test.log", "migrate.log")


def main() -> int:
    from botcity_maestro_emulator.testing import serve_in_subprocess

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
        maestro_tasks = emulator.tasks()
        notes = print_airflow_tasks(env, log_text, maestro_tasks)
        print_maestro_tasks(maestro_tasks)
        print_provider_lines(log_text)
        print_requests(emulator.stats())
    succeeded = code == 0 and "state=success" in log_text
    print(f"\nThe DAG run {'succeeded' if succeeded else 'FAILED'} in {took:.1f} s.")
    if succeeded and notes:
        print(f"{' and '.join(notes)} failed on purpose: see the note in the table of Airflow tasks.")
    tidy(home, keep_all=not succeeded)
    print(f"Full log: {log_file}")
    return code


def tidy(home: Path, *, keep_all: bool) -> None:
    """Remove the Airflow home but its logs, or say where it all is when a look may be needed."""
    if keep_all:
        print(f"The Airflow home is kept for a look: {home}")
        return
    for child in home.iterdir():
        if child.name in LOGS:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def airflow_env(home: Path, url: str, login: str, key: str) -> dict[str, str]:
    connection = {"conn_type": "botcity", "host": url, "login": login, "password": key}
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    # Files the DAG writes with `tempfile` (the invoices it uploads) land in the home and go with it.
    scratch = home / "tmp"
    scratch.mkdir()
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags_examples"),
        # The tour's waits run as they do in production: deferred, in the (here inline) triggerer.
        AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE="True",
        AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT=json.dumps(connection),
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        TMPDIR=str(scratch),
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


def print_airflow_tasks(env: dict[str, str], log_text: str, maestro_tasks: list[dict[str, Any]]) -> list[str]:
    """Print each Airflow task; return those that failed on purpose (explained in the note column)."""
    step("Airflow tasks")
    rows = airflow_task_states(env, log_text)
    if rows is None:
        return []
    states = {row["task_id"]: row["state"] for row in rows}
    notes = task_notes(log_text, maestro_tasks, states)
    print(f"  {'task':<20} {'state':<10} {'took':>7}  note")
    for row in sorted(rows, key=lambda item: item.get("start_date") or ""):
        note = notes.get(row["task_id"], "")
        print(f"  {row['task_id']:<20} {row['state']:<10} {_took(row):>7}  {note}".rstrip())
    return [task for task, note in notes.items() if states.get(task) == "failed"]


def airflow_task_states(env: dict[str, str], log_text: str) -> list[dict[str, Any]] | None:
    run_id = re.search(r"run_id=(manual__[^,\s]+)", log_text)
    if run_id is None:
        print("  (no DAG run found in the log)")
        return None
    out = subprocess.run(
        [str(BIN / "airflow"), "tasks", "states-for-dag-run", DAG_ID, run_id.group(1), "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        rows: list[dict[str, Any]] = json.loads(out.stdout[out.stdout.index("[") :])
    except ValueError:
        print("  (could not read the task states)")
        return None
    return rows


def touched_tasks(log_text: str) -> list[tuple[str, str, int]]:
    """Return (Airflow task, "Created" or "Restarted", Maestro task id) as the log tells them."""
    current, found = "", []
    for line in log_text.splitlines():
        if starting := STARTING.search(line):
            current = starting.group(1)
        elif (touched := TOUCHED.search(line)) and current:
            found.append((current, touched.group(1), int(touched.group(2))))
    return found


def task_notes(log_text: str, maestro_tasks: list[dict[str, Any]], states: dict[str, str]) -> dict[str, str]:
    """Explain, from the runs of each Maestro task, an Airflow task that failed because its bot's run was
    scripted to fail, and the Airflow task that restarted that bot."""
    by_id = {task["id"]: task for task in maestro_tasks}
    touched = touched_tasks(log_text)
    restarters = {maestro: airflow for airflow, verb, maestro in touched if verb == "Restarted"}
    notes: dict[str, str] = {}
    for airflow, verb, maestro in touched:
        runs = by_id.get(maestro, {}).get("history") or []
        if verb == "Created" and states.get(airflow) == "failed" and runs and scripted_failure(runs[0]):
            note = f"on purpose: run 1 of Maestro task {maestro} was scripted to fail"
            if maestro in restarters:
                note += f"; {restarters[maestro]} restarted it"
            notes[airflow] = note
        elif verb == "Restarted" and len(runs) > 1:
            notes[airflow] = f"restarted Maestro task {maestro}: run {len(runs)} {_ending(runs[-1])}"
    return notes


def scripted_failure(run: dict[str, Any]) -> bool:
    """Tell a run the emulated bot ended FAILED because its `_emulator` outcome said so."""
    return bool(run.get("finishStatus") == "FAILED" and run.get("ended_by") == "bot")


def _ending(run: dict[str, Any]) -> str:
    return str(run.get("finishStatus") or run.get("state"))


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
    for task in tasks:
        runs = task.get("history") or []
        if len(runs) > 1:
            print(f"  task {task['id']} ({task['activityLabel']}): " + "; restarted, ".join(map(_run, runs)))


def _run(run: dict[str, Any]) -> str:
    text = f"run {run['run']} {_ending(run)}" + (" as scripted" if scripted_failure(run) else "")
    return text + (f' "{run["finishMessage"]}"' if run.get("finishMessage") else "")


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
