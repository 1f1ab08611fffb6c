"""Requests per DAG run: what the example DAG ``maestro_tour`` asks of Maestro, deferrable and not.

Runs ``airflow dags test maestro_tour`` twice against one emulator (with its access log on), with
``AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE`` True, then False, in a fresh Airflow home. Requests are counted
by route from ``/_emulator/stats`` and attributed to the DAG's Airflow tasks from the access log (task ids
in paths, automation labels in listings). Beside each task: the minimum that task's work needs, reasoned
in :func:`minimum_rows` from the DAG's own timings.

    python bench/dag_requests.py
    python bench/dag_requests.py --modes true
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import ROOT, BenchEmulator, Headline, Result, connection_env, emulator, finish, parser, table

BIN = Path(sys.executable).parent
DAG_ID = "maestro_tour"
QUEUE_SECONDS, RUN_SECONDS = 0.5, 1.0  # as `make demo` runs it
ACCESS = re.compile(r'^(\S+ \S+) .*"(GET|POST|PUT|DELETE) (\S+) HTTP/[\d.]+" (\d+)')


def airflow_env(home: Path, handle: BenchEmulator, deferrable: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update(connection_env(handle))
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags_examples"),
        AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE=str(deferrable),
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def airflow(args: list[str], env: dict[str, str], log: Path) -> int:
    with log.open("w") as out:
        done = subprocess.run(
            [str(BIN / "airflow"), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=600,
            check=False,
        )
    return done.returncode


def access_lines(log: Path, offset: int) -> tuple[list[tuple[float, str, str]], int]:
    """(epoch, method, path) of each API request logged since ``offset``; the new offset."""
    text = log.read_text(errors="replace")
    found = []
    for line in text[offset:].splitlines():
        if (match := ACCESS.search(line)) and not match.group(3).startswith("/_emulator"):
            stamp = time.mktime(time.strptime(match.group(1)[:19], "%Y-%m-%d %H:%M:%S"))
            found.append((stamp + int(match.group(1)[20:23]) / 1000, match.group(2), match.group(3)))
    return found, len(text)


def label_of(path: str, labels: dict[int, str]) -> str:
    """The automation a request concerns: by task id in the path, or the listing's ``activityLabel``."""
    if (match := re.search(r"/api/v2/task/(\d+)", path)) or (match := re.search(r"taskId=(\d+)", path)):
        return labels.get(int(match.group(1)), "?")
    if match := re.search(r"activityLabel=([\w-]+)", path):
        return match.group(1)
    if path.startswith("/api/v2/artifact"):
        return "invoice-bot"
    return "-"


def route_of(method: str, path: str) -> str:
    bare = re.sub(r"/\d+", "/{id}", path.split("?", maxsplit=1)[0])
    return f"{method} {bare}"


def run_mode(handle: BenchEmulator, home: Path, log: Path, deferrable: bool) -> dict[str, Any]:
    handle.reset()
    _, offset = access_lines(log, 0)
    started = time.monotonic()
    env = airflow_env(home, handle, deferrable)
    code = airflow(["dags", "test", DAG_ID], env, home / f"dags-test-deferrable-{deferrable}.log")
    took = time.monotonic() - started
    time.sleep(1.0)  # the emulator writes its access log in its own time
    lines, _ = access_lines(log, offset)
    tasks = handle.tasks()
    labels = {task["id"]: task["activityLabel"] for task in tasks}
    by_label: dict[str, Counter[str]] = defaultdict(Counter)
    for _stamp, method, path in lines:
        by_label[label_of(path, labels)][route_of(method, path)] += 1
    return {
        "code": code,
        "seconds": took,
        "stats": handle.stats(),
        "by_label": by_label,
        "sensor_reads": sensor_minimum(lines, tasks, load_dag().get_task("wait_invoice_bot").poke_interval),
    }


def sensor_minimum(lines: list[tuple[float, str, str]], tasks: list[dict[str, Any]], interval: float) -> int:
    """Looks the invoice sensor needs: one, plus one per poke interval the bot was still running."""
    invoice = next(task for task in tasks if task["activityLabel"] == "invoice-bot")
    mine = (f"/api/v2/task/{invoice['id']}", "activityLabel=invoice-bot")
    reads = [
        at
        for at, method, path in lines
        if (method == "GET" and path.split("?")[0] == mine[0]) or mine[1] in path
    ]
    if not reads or invoice["finish_at"] is None:
        return 1
    return 1 + max(0, math.ceil((invoice["finish_at"] - reads[0]) / interval - 1e-3))


Row = tuple[str, str, str, Callable[[int], int], str]


def load_dag() -> Any:
    """The example DAG object, imported from its file (no database needed)."""
    spec = importlib.util.spec_from_file_location(
        "maestro_tour_bench", ROOT / "dags_examples" / "maestro_tour.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag


def bot_seconds(operator: Any) -> float:
    """How long the emulated bot takes from creation to its end: queue plus run, from ``_emulator``."""
    script = (operator.parameters or {}).get("_emulator", {})
    return float(script.get("queue_seconds", QUEUE_SECONDS)) + float(script.get("run_seconds", RUN_SECONDS))


def looks(seconds: float, interval: float) -> int:
    """Looks a wait needs when it already knows the state at its start: the first at or after the end."""
    return max(1, math.ceil(seconds / interval - 1e-9))


def minimum_rows(dag: Any) -> list[Row]:
    """Per automation of ``maestro_tour``: (label, Airflow tasks, work, minimum given the sensor's looks,
    why). Timings and intervals are read from the DAG itself."""
    payroll, crm = dag.get_task("run_payroll_bot"), dag.get_task("run_crm_bot")
    restart, invoice = dag.get_task("restart_crm_bot"), dag.get_task("queue_invoice_bot")
    report, sensor = dag.get_task("start_report_bot"), dag.get_task("wait_invoice_bot")
    upload = dag.get_task("upload_invoices")
    # The upload reads the task once the files are up, and before too when it requires the queue.
    upload_reads = 2 if upload.require_queued else 1
    pay_s, crm_s = bot_seconds(payroll), bot_seconds(crm)
    pay_n, crm_n, again_n = (
        looks(pay_s, payroll.poll_interval),
        looks(crm_s, crm.poll_interval),
        looks(crm_s, restart.poll_interval),
    )
    return [
        (
            "-",
            "(all)",
            "log in",
            lambda s: 1,
            "one token per process; `airflow dags test` runs every task in one",
        ),
        (
            payroll.activity_label,
            "run_payroll_bot",
            "create, wait",
            lambda s: 1 + pay_n,
            f"1 create; its answer says START and the bot needs {pay_s:g} s, so at "
            f"{payroll.poll_interval:g} s the look number {pay_n} is the first that can see it finished",
        ),
        (
            invoice.activity_label,
            "queue_invoice_bot, upload_invoices, wait_invoice_bot",
            "create, upload a file, sensor",
            lambda s: 1 + 2 + upload_reads + s,
            "1 create (no wait); the upload is 2 calls (artifact record, then the file) and "
            f"{upload_reads} read(s) of the task's state (`require_queued`); the sensor needs one look, "
            f"plus one per {sensor.poke_interval:g} s the bot (held back by `min_execution_date`, then "
            f"{bot_seconds(invoice):g} s) still ran after that first look (read from the access log)",
        ),
        (
            report.activity_label,
            "start_report_bot, cancel_report_bot",
            "create, cancel",
            lambda s: 1 + 2,
            "1 create (no wait); cancelling needs 1 read (queued: cancel; running: interrupt; ended: "
            "nothing) and 1 update",
        ),
        (
            crm.activity_label,
            "run_crm_bot, restart_crm_bot",
            "create, wait, fails; restart, wait",
            lambda s: 1 + crm_n + 1 + 1 + again_n,
            f"1 create; {crm_s:g} s per run: look {crm_n} sees FAILED; 1 listing of the bot's errors for the "
            f"failure message; 1 restart; {again_n} look(s) again",
        ),
    ]


def attributed(found: dict[str, Any], label: str, work: str) -> tuple[int, str]:
    """Requests of one row of :func:`minimum_rows` in one run, and their breakdown by route."""
    if label == "-":
        return found["stats"]["logins"], "login"
    counts = Counter(found["by_label"].get(label, Counter()))
    if work.startswith("create"):
        counts["POST /api/v2/task"] += 1  # a create's path has no id: one per automation (checked in run)
    return sum(counts.values()), ", ".join(f"{n} {route}" for route, n in sorted(counts.items()))


def task_rows(
    modes: dict[bool, dict[str, Any]], rows_of_work: list[Row]
) -> tuple[list[tuple[Any, ...]], dict[bool, int]]:
    """One row per piece of work: requests / minimum in each mode; and the minimum per mode."""
    rows: list[tuple[Any, ...]] = []
    least = {mode: 0 for mode in modes}
    for label, tasks, work, minimum, why in rows_of_work:
        cells = []
        for mode, found in modes.items():
            count, detail = attributed(found, label, work)
            floor = minimum(found["sensor_reads"])
            least[mode] += floor
            cells.append(f"**{count}** / {floor} ({detail})")
        rows.append((tasks, work, *cells, why))
    rows.append(
        ("**total**", "", *(f"**{f['stats']['requests_total']}** / {least[m]}" for m, f in modes.items()), "")
    )
    return rows, least


NOT_DEFERRED_NOTE = (
    "What was found when this benchmark was written: a wait that does not defer goes through "
    "`MaestroHook.wait_for_task`, which reads the task at once, although the create or restart answer it "
    "was handed a moment before already says START; that is one read per non-deferred wait (payroll, crm, "
    "crm's restart). Sleeping one interval before the first read (or passing the known task in) removes "
    "them; that change belongs to the hook and the operators, not to the client, so it is left to their "
    "owners."
)


def report(modes: dict[bool, dict[str, Any]], rows_of_work: list[Row]) -> Result:
    rows, least = task_rows(modes, rows_of_work)
    routes = sorted({route for found in modes.values() for route in found["stats"]["requests"]})
    by_route = table(
        ["route", *(f"deferrable={mode}" for mode in modes)],
        [
            (route, *(found["stats"]["requests"].get(route, 0) for found in modes.values()))
            for route in routes
        ],
    )
    headers = [
        "Airflow task(s)",
        "work",
        *(f"deferrable={m}: requests / minimum" for m in modes),
        "why that minimum",
    ]
    body = (
        "`airflow dags test maestro_tour` against the emulator (queue 0.5 s, run 1 s unless the task says "
        "otherwise), one run per mode, `AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE` set accordingly. Requests by "
        "route from `/_emulator/stats`:\n\n" + by_route + "\n\nBy task, attributed from the emulator's "
        "access log (task ids in paths, automation labels in listings), beside the minimum for that work. "
        "The sensor's minimum depends on when it starts, so it is worked out per run from the log.\n\n"
        + table(headers, rows)
    )
    over = {m: f["stats"]["requests_total"] - least[m] for m, f in modes.items()}
    if over.get(False, 0) > 0:
        body += f"\n\nNot deferred, {over[False]} over the minimum. {NOT_DEFERRED_NOTE}"
    if over.get(True, 0) > 0:
        body += f"\n\nDeferred, {over[True]} over the minimum: see the breakdown above."
    headline = [
        Headline(
            "DAG requests",
            f"requests per `maestro_tour` run, deferrable={mode}",
            str(found["stats"]["requests_total"]),
            f"{least[mode]} (minimum)",
            f"{found['stats']['requests_total'] / least[mode]:.2f}",
            "the minimum",
            found["stats"]["requests_total"] <= least[mode],
        )
        for mode, found in modes.items()
    ]
    return Result("dag_requests", "5. Requests per DAG run", body, headline)


def run(modes: list[bool]) -> Result:
    work = minimum_rows(load_dag())
    home = Path(tempfile.mkdtemp(prefix="bench-dag-airflow-"))
    log = home / "emulator.log"
    found: dict[bool, dict[str, Any]] = {}
    with (
        log.open("w") as errors,
        emulator(
            900,
            queue_seconds=QUEUE_SECONDS,
            run_seconds=RUN_SECONDS,
            stderr=errors,
            extra_args=["--access-log"],
        ) as handle,
    ):
        if airflow(["db", "migrate"], airflow_env(home, handle, True), home / "migrate.log") != 0:
            raise RuntimeError(f"airflow db migrate failed; see {home}")
        for mode in modes:
            found[mode] = run_mode(handle, home, log, mode)
            stats = found[mode]["stats"]
            print(
                f"deferrable={mode}: exit {found[mode]['code']}, {found[mode]['seconds']:.0f} s, "
                f"{stats['requests_total']} requests, {stats['logins']} login(s)",
                flush=True,
            )
            if found[mode]["code"] != 0 or stats["requests"].get("POST /api/v2/task") != len(work) - 1:
                raise RuntimeError(f"airflow dags test failed or created an unexpected task; see {home}")
    shutil.rmtree(home, ignore_errors=True)
    return report(found, work)


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--modes", default="true,false", help="default_deferrable values to run")
    options = args.parse_args()
    started = time.monotonic()
    modes = [text.strip().lower() == "true" for text in options.modes.split(",") if text.strip()]
    finish(run(modes), started, options.json)


if __name__ == "__main__":
    main()
