"""Cold start of a deferred wait: the first trigger of a fresh triggerer process, beside a later one.

A deferred task's first report can come late on the first run after a triggerer starts: measured in
``make airflow``, with ``poll_interval=1``, bots that had finished 5 to 7 s earlier. This splits that
first wait into what is ours and what is Airflow's, each in a fresh interpreter:

* ours: a process that has Airflow's trigger runner loaded, as a triggerer does, runs one
  ``MaestroTaskTrigger`` (1 s interval) on a task that has already finished, then a second one. Each is
  timed from ``run()`` to its event: one interval (the first look is one interval away, as the operator
  has just looked) plus our cold start (imports in a worker thread, the HTTP client, the login). The
  connection comes from ``AIRFLOW_CONN_...``, which Airflow reads in the process itself.
* Airflow's: a connection kept in Airflow's database, as ``make airflow`` keeps it. A triggerer's
  trigger runner asks its supervisor for it, and the supervisor answers through an execution API it
  builds in-process on the first lookup; timed here as the supervisor does it, first and second lookup.

    python bench/cold_start.py
    python bench/cold_start.py --rounds 3
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    PYTHON,
    Headline,
    Result,
    connection_env,
    emulator,
    finish,
    fmt,
    median,
    parser,
    ratio_text,
    run_json,
    table,
)

from botcity_provider.client import MaestroClient, TokenCache

INTERVAL = 1.0
LABEL = "cold-bot"

OURS = r"""
import asyncio, json, sys, time
import airflow.jobs.triggerer_job_runner  # what a triggerer has loaded before its first trigger
from botcity_provider.triggers.maestro import MaestroTaskTrigger

async def one(task_id):
    trigger = MaestroTaskTrigger(maestro_conn_id="botcity_maestro_default", maestro_task_id=task_id,
                                 poll_interval_seconds=float(sys.argv[2]), activity_label=sys.argv[3])
    started = time.perf_counter()
    events = [event.payload["status"] async for event in trigger.run()]
    return time.perf_counter() - started, events

async def main():
    first, second = json.loads(sys.argv[1])
    return [await one(first), await one(second)]

(cold, cold_events), (warm, warm_events) = asyncio.run(main())
print(json.dumps({"cold": cold, "warm": warm, "events": cold_events + warm_events}))
"""

AIRFLOWS = r"""
import json, time
started = time.perf_counter()
import airflow.jobs.triggerer_job_runner as runner
from airflow.sdk.api.client import Client
loaded = time.perf_counter() - started

def lookup(client):
    began = time.perf_counter()
    conn = client.connections.get("botcity_maestro_default")
    return time.perf_counter() - began, conn.conn_type

began = time.perf_counter()
# What TriggerRunnerSupervisor.make_client does on its first use (its `client` is a cached property).
client = Client(base_url=None, token="", dry_run=True, transport=runner.in_process_api_server().transport)
client.base_url = "http://in-process.invalid./"
built = time.perf_counter() - began
first, kind = lookup(client)
second, _ = lookup(client)
print(json.dumps({"build": built, "first": built + first, "second": second, "conn_type": kind}))
"""


def _finished_tasks(handle: object, count: int) -> list[int]:
    with MaestroClient(handle.url, handle.login, handle.key, token_cache=TokenCache()) as client:  # type: ignore[attr-defined]
        ids = [client.tasks.create(LABEL).id for _ in range(count)]
        deadline = time.monotonic() + 60
        while not all(client.tasks.get(i).is_terminal for i in ids) and time.monotonic() < deadline:
            time.sleep(0.1)
    return ids


def measure_ours(rounds: int) -> list[dict[str, float]]:
    found = []
    with emulator(max_seconds=120 + 30 * rounds, queue_seconds=0.0, run_seconds=0.1) as handle:
        for _ in range(rounds):
            pair = _finished_tasks(handle, 2)
            argv = [PYTHON, "-c", OURS, json.dumps(pair), str(INTERVAL), LABEL]
            found.append(run_json(argv, env=connection_env(handle)))
    return found


def measure_airflows(rounds: int) -> list[dict[str, float]] | None:
    """Airflow's first and second lookup of a connection in its database, or None on Airflow 2."""
    try:
        import airflow.jobs.triggerer_job_runner as runner
    except ImportError:
        return None
    if not hasattr(runner, "in_process_api_server"):
        return None
    with tempfile.TemporaryDirectory(prefix="bench-cold-airflow-") as home:
        env = {**os.environ, "AIRFLOW_HOME": home, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
        env = {key: value for key, value in env.items() if not key.startswith("AIRFLOW_CONN_")}
        add = ["connections", "add", "botcity_maestro_default", "--conn-type", "botcity"]
        add += ["--conn-host", "http://127.0.0.1:9", "--conn-login", "demo", "--conn-password", "demo-key"]
        for argv in (["db", "migrate"], add):
            airflow = str(Path(PYTHON).parent / "airflow")
            subprocess.run([airflow, *argv], env=env, check=True, capture_output=True)
        return [run_json([PYTHON, "-c", AIRFLOWS], env=env) for _ in range(rounds)]


def run(rounds: int) -> Result:
    ours = measure_ours(rounds)
    airflows = measure_airflows(rounds)
    cold, warm = median([m["cold"] for m in ours]), median([m["warm"] for m in ours])
    assert all(m["events"] == ["success", "success"] for m in ours), ours
    rows: list[tuple[object, ...]] = [
        ("ours: first trigger of the process (cold)", fmt(cold), fmt(cold - INTERVAL)),
        ("ours: the next trigger (warm)", fmt(warm), fmt(warm - INTERVAL)),
    ]
    headline = [
        Headline(
            "cold_start",
            "first wait's event, cold process",
            f"{fmt(cold)} s",
            f"warm {fmt(warm)} s",
            ratio_text(cold, warm),
            f"≤ interval + 1 s ({INTERVAL + 1:g} s)",
            cold <= INTERVAL + 1,
        )
    ]
    if airflows:
        first, second = median([m["first"] for m in airflows]), median([m["second"] for m in airflows])
        build = median([m["build"] for m in airflows])
        rows += [
            (
                f"Airflow: first connection lookup from its database (builds its API: {fmt(build)} s)",
                "",
                fmt(first),
            ),
            ("Airflow: the next lookup", "", fmt(second)),
        ]
        headline.append(
            Headline(
                "cold_start",
                "Airflow's first connection lookup in a triggerer (not ours)",
                f"{fmt(first)} s",
                f"next {fmt(second, 3)} s",
                ratio_text(first, second),
                "-",
                None,
            )
        )
    body = (
        f"Medians of {rounds} fresh processes; a task that has already finished, poll interval "
        f"{INTERVAL:g} s (the first look is one interval after the wait begins).\n\n"
        + table(["what", "event after s", "cold start s (beyond the interval; or the lookup)"], rows)
        + "\n\nThe late first report seen in `make airflow` is the second pair: a triggerer's first lookup "
        "of a connection kept in Airflow's database builds Airflow's in-process execution API, which takes "
        "seconds; every trigger of every provider that reads a connection waits for it once per triggerer "
        "process. A connection from the environment (`AIRFLOW_CONN_...`) or a secrets backend is read in "
        "the trigger's own process and skips it."
    )
    return Result("cold_start", "8. Cold start of a deferred wait", body, headline)


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--rounds", type=int, default=3, help="fresh processes per measurement (default 3)")
    options = args.parse_args()
    started = time.monotonic()
    finish(run(options.rounds), started, options.json)


if __name__ == "__main__":
    sys.exit(main())
