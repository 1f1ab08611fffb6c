"""Scale on a real Celery deployment: many deferred waits, our trigger beside one GET per wait.

``make cluster``'s deployment (PostgreSQL, Redis, two Celery workers, two triggerers) runs
``bench/dags/bench_cluster_waits.py``: for each size (waits, automations), one DAG run whose mapped
tasks all create a bot and defer with our ``MaestroTaskTrigger``, then one whose tasks defer with the
one-GET-per-wait trigger (``bench/triggers/botcity_bench_triggers.py``). The bots run until the benchmark
finishes them. Once every task is deferred, and the triggerers have had two intervals to start polling,
it measures from outside, over ``--cycles`` poll intervals with no bot finishing:

* requests per poll cycle of the triggerers (the emulator's request log, by the pid in our user agent),
  against the goal ceil(active tasks / page size) + 1 for each triggerer that holds waits (every
  triggerer's poller lists the workspace's active tasks: here, the run's bots);
* the triggerers' CPU time per cycle and resident size (their process trees, from ``/proc``).

Then it finishes every bot (as bots report their own end), evenly over two intervals, and measures:

* detection delay: from a bot's finish to the triggerer's first read of its task that can see it (the
  request log), p50 and p99;
* what Airflow adds: from the finish to the Airflow task's success (a worker runs ``execute_complete``),
  p99, and the scheduler's, dag-processor's, api-server's and workers' CPU time per bot run.

    python bench/cluster.py                                   # 500,1000 waits, 1,50 automations
    python bench/cluster.py --waits 100 --automations 1,10    # a quick look (about 10 minutes)
"""

from __future__ import annotations

import math
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from _common import BENCH, Headline, Result, finish, fmt, median, parser, percentile, ratio_text, table

ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH / "dags"), str(BENCH / "triggers")]

from bench_cluster_waits import POLL_INTERVAL_SECONDS  # noqa: E402

from botcity_provider.client import MaestroClient, Task  # noqa: E402
from botcity_provider.triggers._active import MAX_PAGE_SIZE  # noqa: E402
from tests.cluster._support import (  # noqa: E402
    Airflow,
    Maestro,
    agent_pid,
    epoch,
    triggers_by_job,
    wait_for,
)
from tests.scripts import load_script  # noqa: E402

DESIGNS = {"poller": "shared poller (ours)", "get": "one GET per wait"}
TRIGGERERS = ("triggerer-1", "triggerer-2")
AIRFLOW_SIDE = ("scheduler", "dag-processor", "api-server", "worker-1", "worker-2")
LOGIN = "POST /api/v2/workspace/login"
GET = "GET /api/v2/task/{taskId}"
# Task processes mostly wait on the api-server and the database: more of them than cores keeps the
# two cores busy while a thousand tasks start and defer.
WORKER_CONCURRENCY = 8


@dataclass
class Phase:
    """One DAG run of one design at one size, as measured."""

    waits: int
    automations: int
    design: str
    per_cycle: float = 0.0
    by_triggerer: dict[str, float] = field(default_factory=dict)
    goal: int = 0
    cpu_per_cycle: float = 0.0
    rss_mib: float = 0.0
    detection: list[float] = field(default_factory=list)
    success: list[float] = field(default_factory=list)
    airflow_cpu_per_run: float = 0.0
    failed: int = 0
    seconds: float = 0.0


def tree_cpu(cluster: Any, names: tuple[str, ...]) -> float:
    """CPU seconds of the named services so far: every live process of theirs, and the reaped children
    each has collected (a Celery pool process collects its task processes)."""
    total = 0.0
    for pid in cluster.processes(list(names)):
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def tree_rss(cluster: Any, names: tuple[str, ...]) -> int:
    total = 0
    for pid in cluster.processes(list(names)):
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.Error:
            continue
    return total


class PeakRss:
    """The highest resident size of the triggerers' process trees, sampled each second in a thread."""

    def __init__(self, cluster: Any) -> None:
        self.cluster, self.peak = cluster, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, tree_rss(self.cluster, TRIGGERERS))
            if self._stop.wait(1.0):
                return

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def pids_of(cluster: Any) -> dict[int, str]:
    return {pid: name for name in TRIGGERERS for pid in cluster.processes([name])}


def run_phase(cluster: Any, airflow: Airflow, maestro: Maestro, phase: Phase, cycles: int) -> None:
    started = time.monotonic()
    interval = POLL_INTERVAL_SECONDS
    tag = f"{phase.design}-{phase.waits}-{phase.automations}"
    dag_id = f"bench_waits_{phase.design}"
    airflow_cpu = tree_cpu(cluster, AIRFLOW_SIDE)
    run_id = airflow.trigger(dag_id, {"size": phase.waits, "automations": phase.automations, "tag": tag})

    explained: set[int] = set()

    def all_deferred() -> bool:
        instances = [ti for ti in airflow.task_instances(dag_id, run_id) if ti["task_id"] == "run_bot"]
        states = Counter(str(ti["state"]) for ti in instances)
        # A task that fails on the way to its wait is counted and explained, not the end of the run.
        for ti in instances:
            if ti["state"] == "failed" and ti["map_index"] not in explained:
                explained.add(ti["map_index"])
                print(f"  {tag}: map index {ti['map_index']} failed:\n{airflow.log_tail(dag_id, run_id, ti)}")
        print(f"  {tag}: {dict(states)}", flush=True)
        return states.get("deferred", 0) + states.get("failed", 0) == phase.waits

    wait_for(f"{phase.waits} deferred tasks", all_deferred, 600 + 4 * phase.waits, every=10.0)
    # The triggerers pick new triggers up within a few seconds; two intervals and every wait polls.
    time.sleep(2 * interval)
    by_job = triggers_by_job(cluster)
    # Each triggerer's poller pages through the workspace's active tasks, its own and the other's.
    holding = sum(1 for job, count in by_job.items() if job != "-" and count)
    phase.goal = holding * (math.ceil(phase.waits / MAX_PAGE_SIZE) + 1)

    pids = pids_of(cluster)
    cpu0, peak, t0 = tree_cpu(cluster, TRIGGERERS), PeakRss(cluster), time.time()
    time.sleep(cycles * interval)
    t1, cpu1 = time.time(), tree_cpu(cluster, TRIGGERERS)
    phase.rss_mib = peak.stop() / 2**20
    counts: Counter[str] = Counter()
    for line in maestro.requests_since(t0):
        name = pids.get(agent_pid(line["agent"]) or 0)
        if name and line["t"] < t1 and line["route"] != LOGIN:
            counts[name] += 1
    phase.by_triggerer = {name: counts[name] / cycles for name in TRIGGERERS}
    phase.per_cycle = sum(counts.values()) / cycles
    phase.cpu_per_cycle = (cpu1 - cpu0) / cycles

    finished = finish_bots(maestro, tag, 2 * interval)
    state = airflow.wait_run(dag_id, run_id, 600 + 2 * phase.waits)
    instances = airflow.task_instances(dag_id, run_id)
    phase.failed = sum(1 for ti in instances if ti["task_id"] == "run_bot" and ti["state"] != "success")
    phase.detection = detection_delays(maestro, finished, pids)
    by_index = {index: moment for index, (_, moment) in finished.items()}
    phase.success = [
        epoch(ti["end_date"]) - by_index[ti["map_index"]]
        for ti in instances
        if ti["task_id"] == "run_bot" and ti["state"] == "success" and ti["map_index"] in by_index
    ]
    phase.airflow_cpu_per_run = (tree_cpu(cluster, AIRFLOW_SIDE) - airflow_cpu) / phase.waits
    phase.seconds = time.monotonic() - started
    print(
        f"  {tag}: run {state}, {phase.per_cycle:.1f} requests/cycle (goal ≤ {phase.goal}), "
        f"detection p99 {percentile(phase.detection, 99):.2f} s, {phase.seconds:.0f} s",
        flush=True,
    )


def finish_bots(maestro: Maestro, tag: str, spread: float) -> dict[int, tuple[int, float]]:
    """Finish this run's bots as their bots would, evenly over ``spread`` seconds (waits that started
    together poll in step, so finishes at one moment would measure one phase of the cycle, not the
    delay); map index → (task id, when)."""
    finished: dict[int, tuple[int, float]] = {}
    with MaestroClient(maestro.url, maestro.login, maestro.key) as client:
        ours = [task for task in active_tasks(client) if task.parameters.get("tag") == tag]
        start = time.monotonic()
        for number, task in enumerate(ours):
            pause = start + spread * number / max(1, len(ours)) - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            client.tasks.finish(task.id, "SUCCESS", "done by the benchmark")
            finished[int(task.parameters["index"])] = (task.id, time.time())
    return finished


def active_tasks(client: MaestroClient) -> list[Task]:
    found: list[Task] = []
    for number in range(10_000):
        page = client.tasks.list(states=["START", "RUNNING"], page=number, size=MAX_PAGE_SIZE)
        found += page.content
        if number + 1 >= page.total_pages or not page.content:
            break
    return found


def detection_delays(
    maestro: Maestro, finished: dict[int, tuple[int, float]], pids: dict[int, str]
) -> list[float]:
    """For each bot: its finish to the first triggerer read of its task after it (a GET, or for the poller
    the GET it makes once the task has left the active listing)."""
    when = dict(finished.values())
    first: dict[int, float] = {}
    for line in maestro.requests_since(min(when.values(), default=time.time())):
        if line["route"] != GET or (agent_pid(line["agent"]) or 0) not in pids:
            continue
        task_id = int(line["request"].rsplit("/", 1)[1])
        if task_id in when and line["t"] >= when[task_id] and task_id not in first:
            first[task_id] = line["t"] - when[task_id]
    return list(first.values())


def run(sizes: list[int], automations: list[int], cycles: int) -> Result:
    module = load_script("cluster", "botcity_cluster")
    home = Path(tempfile.mkdtemp(prefix="botcity-bench-cluster-"))
    env = {"PYTHONPATH": str(BENCH / "triggers")}
    deployment = module.Cluster(
        home,
        extra_env=env,
        dags=[BENCH / "dags" / "bench_cluster_waits.py"],
        say=print,
        worker_concurrency=WORKER_CONCURRENCY,
    )
    phases: list[Phase] = []
    try:
        with deployment:
            airflow = Airflow(deployment.url, deployment.username, deployment.password)
            maestro = Maestro(
                deployment.emulator_url,
                deployment.emulator_login,
                deployment.emulator_key,
                deployment.requests_log,
            )
            for waits in sizes:
                for count in automations:
                    for design, name in DESIGNS.items():
                        phase = Phase(waits, count, design)
                        print(f"\n{waits} waits over {count} automation(s): {name}", flush=True)
                        run_phase(deployment, airflow, maestro, phase, cycles)
                        phases.append(phase)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return report(phases, cycles)


def report(phases: list[Phase], cycles: int) -> Result:
    by = {(p.waits, p.automations, p.design): p for p in phases}
    rows, headline = [], []
    for waits, count in sorted({(p.waits, p.automations) for p in phases}):
        ours, base = by[(waits, count, "poller")], by[(waits, count, "get")]
        rows.append(
            (
                waits,
                count,
                ours.per_cycle,
                base.per_cycle,
                ratio_text(ours.per_cycle, base.per_cycle),
                ours.goal,
                f"{fmt(ours.cpu_per_cycle, 3)} / {fmt(base.cpu_per_cycle, 3)}",
                f"{ours.rss_mib:.0f} / {base.rss_mib:.0f}",
                f"{fmt(percentile(ours.detection, 99))} / {fmt(percentile(base.detection, 99))}",
                f"{fmt(percentile(ours.success, 99), 0)} / {fmt(percentile(base.success, 99), 0)}",
                f"{fmt(ours.airflow_cpu_per_run)} / {fmt(base.airflow_cpu_per_run)}",
                ours.failed + base.failed,
            )
        )
        met = ours.per_cycle <= ours.goal and ours.failed == 0 and len(ours.detection) == waits
        headline.append(
            Headline(
                "cluster",
                f"requests / cycle, {waits} waits, {count} automation(s)",
                fmt(ours.per_cycle),
                f"{fmt(base.per_cycle)} (one GET per wait)",
                ratio_text(ours.per_cycle, base.per_cycle),
                f"≤ {ours.goal}; detection p99 {fmt(percentile(ours.detection, 99))} s",
                met,
            )
        )
    headers = [
        "waits",
        "automations",
        "ours: requests / cycle",
        "one GET per wait: requests / cycle",
        "ratio",
        "goal (Σ over triggerers: ceil(active/250)+1)",
        "triggerers' CPU s / cycle (ours / GET)",
        "triggerers' peak RSS MiB (ours / GET)",
        "detection p99 s (ours / GET)",
        "finish → Airflow success p99 s (ours / GET)",
        "Airflow CPU s per bot run (ours / GET)",
        "tasks not successful",
    ]
    medians = ", ".join(
        f"{p.design} {p.waits} waits/{p.automations} {fmt(median(p.detection))} s" for p in phases
    )
    method = " ".join(
        [
            "A Celery deployment on this machine (`make cluster`: PostgreSQL, Redis, two workers of",
            f"{WORKER_CONCURRENCY}, two triggerers), poll interval {POLL_INTERVAL_SECONDS:g} s, requests",
            f"counted over {cycles} cycles while every bot still runs (logins left out), the two",
            "triggerers together. The goal is the poller's, for each triggerer holding waits:",
            f"ceil(active tasks / {MAX_PAGE_SIZE}) + 1 (no task finishes inside the window), since each",
            "triggerer's poller pages through all of the workspace's active tasks, the other's too.",
            "Detection delay: a bot's finish",
            "to the triggerer's first read of its task after it; the bots finish evenly over two",
            'intervals. "Finish → Airflow success" adds what Airflow does after the event: the',
            "scheduler queues the resumed task and a Celery worker runs `execute_complete` (all of a",
            "run's bots end within ten seconds, so the workers' queue sets it). Airflow's CPU: the",
            "scheduler, dag-processor, api-server and both workers with their task processes, over",
            f"the whole run, per bot run. Detection p50: {medians}. The poller learns that a task",
            "ended from the first listing sent after it ended (a task that ends while its page is being",
            "read still shows as running), then reads it: its delay is an interval plus a listing plus a",
            "read, where one GET per wait needs an interval plus a read.",
        ]
    )
    body = method + "\n\n" + table(headers, rows)
    return Result("cluster", "10. On a Celery deployment", body, headline)


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--waits", default="500,1000", help="comma-separated wait counts")
    args.add_argument("--automations", default="1,50", help="comma-separated automation counts")
    args.add_argument("--cycles", type=int, default=3, help="cycles in the counting window (default 3)")
    options = args.parse_args()
    started = time.monotonic()
    sizes = [int(text) for text in options.waits.split(",") if text.strip()]
    automations = [int(text) for text in options.automations.split(",") if text.strip()]
    finish(run(sizes, automations, options.cycles), started, options.json)


if __name__ == "__main__":
    main()
