"""The provider's promises, proved on a distributed Airflow from outside (``make test-cluster``).

The deployment is ``scripts/cluster.py``: PostgreSQL, Redis, two Celery workers, two triggerers. These
tests drive it only through Airflow's REST API and judge it only from outside: Maestro through the
emulator (its admin routes, its request log, the official SDK), Airflow through the API and a
``pg_dump``, and processes through ``/proc`` (those the cluster started). They run in file order.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import math
import os
import re
import signal
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from botcity_provider.triggers._active import MAX_PAGE_SIZE

from ._support import (
    GET_ROUTE,
    LIST_ROUTE,
    LOGIN_ROUTE,
    TERMINAL,
    UPDATE_ROUTE,
    Airflow,
    Maestro,
    agent_pid,
    epoch,
    idempotency_groups,
    median,
    percentile,
    poll_cycles,
    psql,
    triggers_by_job,
    wait_for,
)

# Each example DAG's run state and the state of each of its tasks, as designed (see dags_examples/).
EXAMPLES: dict[str, tuple[dict[str, Any], str]] = {
    "maestro_create_and_wait": ({}, "success"),
    "maestro_sensor": ({}, "success"),
    # Its upload needs two Celery slots within the hold: 30 s was not enough beside another suite.
    "maestro_upload_then_run": ({"hold_seconds": 120}, "success"),
    "maestro_cancel": ({}, "success"),
    "maestro_restart": ({}, "success"),
    "maestro_mapped": ({}, "success"),
    "maestro_tour": ({}, "success"),
    "maestro_runner": ({}, "success"),
    "maestro_notify": ({}, "success"),
}
SCALE = {"size": 200, "automations": 20, "queue_seconds": 1, "run_seconds": 120}
# The emulator's chaos profile, without expiring tokens while logins are counted (every expiry is a login).
CHAOS = {
    "error_rate": 0.10,
    "error_statuses": [500, 502, 503, 504],
    "rate_limit_rate": 0.03,
    "retry_after_seconds": 1,
    "drop_rate": 0.03,
    "lost_create_rate": 0.10,
    "max_faults_in_a_row": 2,
}
NO_FAULTS: dict[str, Any] = {
    "error_rate": 0,
    "rate_limit_rate": 0,
    "drop_rate": 0,
    "lost_create_rate": 0,
    "token_lifetime_seconds": None,
}
POLL_INTERVAL = 2.0  # poll_interval of tests/dag_files/cluster_dags.py
RUNS: list[tuple[str, str]] = []  # every DAG run started here, for the checks at the end


def _pids_of(cluster: Any, names: list[str]) -> dict[int, str]:
    return {pid: name for name in names for pid in cluster.processes([name])}


def test_every_example_dag_ends_as_designed(
    cluster: Any, airflow: Airflow, maestro: Maestro, report: dict
) -> None:
    wait_for("the example DAGs", lambda: all(_parsed(airflow, dag) for dag in EXAMPLES), 300)
    runs = {dag_id: airflow.trigger(dag_id, conf) for dag_id, (conf, _) in EXAMPLES.items()}
    RUNS.extend(runs.items())
    ended = {dag_id: airflow.wait_run(dag_id, run_id, 900) for dag_id, run_id in runs.items()}
    assert ended == {dag_id: expected for dag_id, (_, expected) in EXAMPLES.items()}
    labels = Counter(task["activityLabel"] for task in maestro.tasks())
    assert labels["customer-update-bot"] == 50, "one Maestro task per mapped customer"
    report["example DAGs"] = f"{len(ended)} runs, all as designed; {sum(labels.values())} Maestro tasks"


def _parsed(airflow: Airflow, dag_id: str) -> bool:
    try:
        airflow.call("GET", f"/api/v2/dags/{dag_id}")
    except Exception:
        return False
    return True


def test_mapped_deferred_waits_survive_a_dead_triggerer_and_a_scheduler_restart(
    cluster: Any, airflow: Airflow, maestro: Maestro, report: dict
) -> None:
    wait_for("the cluster DAGs", lambda: _parsed(airflow, "cluster_deferred"), 300)
    maestro.faults(CHAOS)
    started = time.time()
    run_id = airflow.trigger("cluster_deferred", SCALE)
    RUNS.append(("cluster_deferred", run_id))
    triggerers = ["triggerer-1", "triggerer-2"]
    pids: dict[int, str] = {}

    def spread() -> Counter[str] | None:
        pids.update(_pids_of(cluster, triggerers))
        by_job = triggers_by_job(cluster)
        deferred = airflow.states("cluster_deferred", run_id, "run_bot")["deferred"]
        return by_job if deferred >= SCALE["size"] // 2 and len(set(by_job) - {"-"}) == 2 else None

    by_job = wait_for("half the waits deferred, on both triggerers", spread, 900, every=3.0)
    killed_at = time.monotonic()
    cluster.kill_service("triggerer-1")
    dead_job = _stale_triggerer_job(cluster)
    moved = by_job[dead_job]

    def taken_over() -> bool:
        pids.update(_pids_of(cluster, ["triggerer-2"]))
        return triggers_by_job(cluster)[dead_job] == 0

    wait_for("the surviving triggerer to take the waits over", taken_over, 300, every=1.0)
    takeover = time.monotonic() - killed_at
    cluster.start_service("triggerer-1")
    # The survivor holds every wait now; paused past its heartbeat, it loses them to the restarted one.
    survivor = next(job for job in by_job if job not in (dead_job, "-"))
    handed = _pause_until_handed_over(cluster, maestro, "triggerer-2", survivor)
    cluster.stop_service("scheduler")  # a restart, mid-run
    cluster.start_service("scheduler")

    def ended() -> str | None:
        pids.update(_pids_of(cluster, triggerers))
        state = airflow.run("cluster_deferred", run_id)["state"]
        return state if state in ("success", "failed") else None

    assert wait_for("the end of the mapped run", ended, 1500, every=3.0) == "success"
    maestro.faults(NO_FAULTS)

    lines = maestro.requests_since(started)
    # A trigger changes a task only in on_kill: none may have, though the paused triggerer cancelled its
    # waits when it woke (Airflow 3.3 calls on_kill for those too, apache/airflow#73454).
    stopped = [line for line in lines if line["route"] == UPDATE_ROUTE and agent_pid(line["agent"]) in pids]
    logs = cluster.home / "logs" / "dag_id=cluster_deferred"
    assert not stopped, (
        f"a triggerer stopped a bot whose wait it had only handed over: {stopped[:3]}; "
        f"{_logs_saying(logs, NOT_ASKED)} trigger logs say on_kill could not read the task's state"
    )
    tis = [ti for ti in airflow.task_instances("cluster_deferred", run_id) if ti["task_id"] == "run_bot"]
    assert len(tis) == SCALE["size"] and {ti["state"] for ti in tis} == {"success"}
    # Under chaos a create can run out of its attempts, and Airflow retries the task (its create finds
    # the first try's Maestro task by key). A wait, once deferred, must never need a retry.
    first_tries = {
        ti["map_index"]: airflow.log_tail("cluster_deferred", run_id, {**ti, "try_number": 1}, lines=10_000)
        for ti in tis
        if ti["try_number"] != 1
    }
    lost = {
        index: log
        for index, log in first_tries.items()
        if DEFERRED_LINE in log or "Task failed with exception" not in log
    }
    assert not lost, f"a wait ended twice, or was lost and retried:\n{_why_retried(cluster, lost)}"
    ours = [task for task in maestro.tasks() if task["created_at"] >= started - 1]
    sdk = maestro.sdk_tasks(task["id"] for task in ours)
    groups = idempotency_groups(sdk.values())
    indexes = {key.split("|")[4] for key in groups}
    assert indexes == {str(index) for index in range(SCALE["size"])}, "one Maestro task per map index"
    duplicates = sum(len(tasks) - 1 for tasks in groups.values())
    orphans = sum(1 for task in sdk.values() if _state(task) not in TERMINAL)
    assert (duplicates, orphans) == (0, 0)

    per_cycle, _ = _triggerer_traffic(lines, pids, SCALE["size"])
    # Logins over each triggerer process's whole life: the earliest came with the example DAGs.
    _, logins = _triggerer_traffic(maestro.requests_since(0), pids, SCALE["size"])
    task_logins = Counter(
        agent_pid(line["agent"])
        for line in lines
        if line["route"] == LOGIN_ROUTE and line["answer"] == 200 and agent_pid(line["agent"]) not in pids
    )
    assert max(task_logins.values()) == 1, f"a worker task process logged in twice: {task_logins}"
    assert all(count == 1 for count in logins.values()), f"a triggerer process logged in twice: {logins}"
    delays = _detection_delays(maestro, tis, ours, sdk)
    faults = maestro.admin("GET", "stats")["faults"]
    report["mapped deferred run"] = (
        f"{SCALE['size']} waits over {SCALE['automations']} automations; Maestro tasks {len(ours)}, "
        f"duplicates: {duplicates}, orphans: {orphans}; faults injected {faults}; retried before their "
        f"wait (a create out of attempts): {len(first_tries)}, waits retried: 0"
    )
    report["requests per poll cycle (answered)"] = per_cycle
    report["logins"] = (
        f"per triggerer process {dict(logins)}; worker task processes: {len(task_logins)}, "
        f"at most {max(task_logins.values())} each"
    )
    report["detection delay (bot finished -> Airflow task success)"] = (
        f"p50 {median(delays):.1f} s, p99 {percentile(delays, 0.99):.1f} s"
    )
    report["triggerer takeover"] = f"{moved} waits moved to the survivor in {takeover:.0f} s after SIGKILL"
    declined = _logs_saying(logs, HANDED_OVER)
    report["triggerer paused past its heartbeat"] = (
        f"{handed} waits handed to the other; on waking it cancelled them: on_kill left {declined} bots "
        f"running (as their trigger logs say), bots stopped: {len(stopped)}"
    )


def _why_retried(cluster: Any, first_tries: dict[int, str]) -> str:
    """Each retried map index's first try, as its log ends, and what the scheduler said of retries."""
    lines = [
        f"map index {index}, try 1:\n" + "\n".join(log.splitlines()[-25:])
        for index, log in list(first_tries.items())[:3]
    ]
    said = [line for line in cluster._log_text("scheduler").splitlines() if SCHEDULER_ON_RETRIES.search(line)]
    lines.append(f"{len(first_tries)} retried; the scheduler said:\n" + "\n".join(said[-15:]))
    return "\n".join(lines)


SCHEDULER_ON_RETRIES = re.compile(r"orphaned|without heartbeat|stuck in queued|up_for_retry", re.IGNORECASE)


def _state(task: Any) -> str:
    return str(getattr(task.state, "value", task.state))


def _pause_until_handed_over(cluster: Any, maestro: Maestro, name: str, job: str) -> int:
    """SIGSTOP a triggerer until the other holds its waits (its heartbeat lapsed), then SIGCONT it and
    wait until it has let them go: awake, it finds them reassigned, cancels each (Airflow 3.3 calls
    on_kill for every one) and its poller stops asking Maestro. Returns how many waits moved."""
    held = triggers_by_job(cluster)[job]
    assert held > 0, f"{name} holds no wait to hand over: the pause would test nothing"
    pids = cluster.processes([name])
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        wait_for(f"the waits of paused {name} to move", lambda: triggers_by_job(cluster)[job] == 0, 300, 2.0)
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
    woke, quiet_for = time.time(), 3 * POLL_INTERVAL

    def let_go() -> bool:
        if time.time() - woke < quiet_for:  # awake long enough that its silence means something
            return False
        recent = maestro.requests_since(time.time() - quiet_for)
        return not any(agent_pid(line["agent"]) in pids for line in recent)

    wait_for(f"woken {name} to stop polling the waits it lost", let_go, 180, 1.0)
    return held


HANDED_OVER = "goes on: its Airflow task is still waiting"
NOT_ASKED = "taking the kill as a user's"
DEFERRED_LINE = "in the triggerer"  # the operator's "Waiting for Maestro task N in the triggerer"


def _logs_saying(folder: Path, text: str) -> int:
    """How many of the task log files under ``folder`` contain ``text``."""
    return sum(1 for path in folder.rglob("*.log*") if text in path.read_text(errors="replace"))


def _stale_triggerer_job(cluster: Any) -> str:
    """The TriggererJob whose heartbeat stopped: the one just killed."""

    def stale() -> str | None:
        rows = psql(
            cluster,
            "SELECT id, extract(epoch FROM now() - latest_heartbeat) FROM job "
            "WHERE job_type = 'TriggererJob' AND state = 'running' ORDER BY latest_heartbeat",
        )
        return rows[0][0] if len(rows) == 2 and float(rows[0][1]) > 12 else None

    return str(wait_for("the killed triggerer's heartbeat to stop", stale, 120))


def _triggerer_traffic(
    lines: list[dict[str, Any]], pids: dict[int, str], waits: int
) -> tuple[str, Counter[int]]:
    by_pid: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        pid = agent_pid(line["agent"])
        if pid in pids:
            by_pid[pid].append(line)
    # A login the chaos profile answered with a 5xx is retried: one login means one that succeeded.
    logins = Counter(
        pid
        for pid, ours in by_pid.items()
        for line in ours
        if line["route"] == LOGIN_ROUTE and line["answer"] == 200
    )
    shown = []
    for pid, ours in sorted(by_pid.items()):
        answered = [
            line for line in ours if line["answer"] == 200 and line["route"] in (LIST_ROUTE, GET_ROUTE)
        ]
        if not answered:
            continue
        listings = sum(1 for line in answered if line["route"] == LIST_ROUTE)
        # Waits arrive out of phase, so bursts blur; per poll interval of the process's life is exact.
        intervals = max(1.0, (answered[-1]["t"] - answered[0]["t"]) / POLL_INTERVAL)
        bursts = [len(cycle) for cycle in poll_cycles(answered, gap_seconds=POLL_INTERVAL / 2)]
        # The design: one listing of the active tasks per interval (a page per 250), whatever the
        # automations, plus a GET per task that left it; on average over the process's life.
        assert listings / intervals <= math.ceil(waits / MAX_PAGE_SIZE) + 1, (
            f"{pids[pid]} pid {pid}: {listings / intervals:.1f} listings"
        )
        shown.append(
            f"{pids[pid]} (pid {pid}): {listings / intervals:.1f} listings and "
            f"{len(answered) / intervals:.1f} requests per {POLL_INTERVAL:g} s interval "
            f"over {intervals:.0f} intervals; bursts median {median(bursts):.0f}, max {max(bursts)}"
        )
    return "; ".join(shown), logins


def _detection_delays(
    maestro: Maestro, tis: list[dict[str, Any]], ours: list[dict[str, Any]], sdk: dict[int, Any]
) -> list[float]:
    finished = {task["id"]: task["finish_at"] for task in ours if task["finish_at"]}
    by_index = {
        int(task.parameters["index"]): finished[task_id]
        for task_id, task in sdk.items()
        if task_id in finished and "index" in (task.parameters or {})
    }
    return [epoch(ti["end_date"]) - by_index[ti["map_index"]] for ti in tis if ti["map_index"] in by_index]


def test_a_killed_celery_worker_and_a_database_restart_leave_no_duplicate(
    cluster: Any, airflow: Airflow, maestro: Maestro, report: dict
) -> None:
    maestro.faults({**CHAOS, "token_lifetime_seconds": 3})
    started = time.time()
    conf = {"size": 16, "automations": 4, "queue_seconds": 1, "run_seconds": 45}
    run_id = airflow.trigger("cluster_polled", conf)
    RUNS.append(("cluster_polled", run_id))

    def busy() -> bool:
        # Bots created and polled on both workers, while some creates may still be in flight.
        polling = airflow.states("cluster_polled", run_id, "run_bot")["running"]
        created = sum(1 for task in maestro.tasks() if task["created_at"] >= started - 1)
        return polling >= 8 and created >= 6 and len(cluster.processes(["worker-1"])) > 4

    wait_for("the polled bots running on both workers", busy, 900, every=2.0)
    killed = cluster.kill_service("worker-1")
    cluster.postgres.pg_ctl("restart")
    cluster.start_service("worker-1")
    # A service whose database shut down under it may exit; a deployment's supervisor starts it again.
    revived: list[str] = []
    state = airflow.wait_run(
        "cluster_polled", run_id, 1500, between=lambda: revived.extend(cluster.restart_dead())
    )
    assert state == "success"
    maestro.faults(NO_FAULTS)
    tis = [ti for ti in airflow.task_instances("cluster_polled", run_id) if ti["task_id"] == "run_bot"]
    retried = sum(1 for ti in tis if ti["try_number"] > 1)
    assert retried > 0, "the killed worker's tasks were not retried: the kill tested nothing"
    ours = [
        task
        for task in maestro.tasks()
        if task["created_at"] >= started - 1 and "cluster" in task["activityLabel"]
    ]
    sdk = maestro.sdk_tasks(task["id"] for task in ours)
    groups = idempotency_groups(sdk.values())
    duplicates = sum(len(tasks) - 1 for tasks in groups.values())
    orphans = sum(1 for task in sdk.values() if _state(task) not in TERMINAL)
    assert len(groups) == conf["size"] and (duplicates, orphans) == (0, 0)
    report["worker SIGKILL + PostgreSQL restart"] = (
        f"{len(killed)} processes killed, {retried} tasks retried, Maestro tasks {len(ours)}, "
        f"duplicates: {duplicates}, orphans: {orphans}, "
        f"restarted after exiting: {', '.join(revived) or 'none'}"
    )


def test_marking_a_deferred_task_failed_stops_its_bot(
    cluster: Any, airflow: Airflow, maestro: Maestro, report: dict
) -> None:
    started = time.time()
    run_id = airflow.trigger("cluster_deferred", {"size": 1, "outcome": "NEVER", "run_seconds": 1})
    RUNS.append(("cluster_deferred", run_id))
    # Marked before a triggerer has picked the wait up, the trigger is deleted unseen and nothing can stop
    # the bot (Airflow calls no on_kill then): the mark comes once the trigger runs and writes its log.
    folder = Path(cluster.home) / "logs" / "dag_id=cluster_deferred" / f"run_id={run_id}" / "task_id=run_bot"
    wait_for(
        "the wait to run in a triggerer",
        lambda: list(folder.glob("map_index=0/attempt=1.log.trigger.*")),
        600,
    )
    (task,) = [task for task in maestro.tasks() if task["created_at"] >= started - 1]
    marked = time.monotonic()
    airflow.call(
        "PATCH",
        f"/api/v2/dags/cluster_deferred/dagRuns/{run_id}/taskInstances/run_bot/0",
        json={"new_state": "failed"},
    )

    def stopped() -> str | None:
        state = next(found["state"] for found in maestro.tasks() if found["id"] == task["id"])
        return state if state in TERMINAL else None

    state = wait_for("the marked task's bot to be stopped", stopped, 300)
    report["marked failed"] = (
        f"Maestro task {task['id']} {state} {time.monotonic() - marked:.0f} s after the mark"
    )


PUSH_ROUTE = "POST /api/v2/datapool/{label}/push"


def test_a_worker_killed_mid_push_costs_the_retry_only_the_missing_items(
    cluster: Any, airflow: Airflow, maestro: Maestro, report: dict
) -> None:
    from botcity_provider.client import MaestroClient

    maestro.faults(NO_FAULTS)
    with MaestroClient(maestro.url, maestro.login, maestro.key) as client:
        client.datapools.create("cluster-orders")
    pushed = maestro.admin("GET", "stats")["requests"].get(PUSH_ROUTE, 0)
    # The 101st push and every later one hang until their worker dies, and never land.
    stall = {"match": PUSH_ROUTE, "action": "stall", "skip": 100, "count": 100000, "seconds": 900}
    maestro.faults({"script": [stall]})
    run_id = airflow.trigger("cluster_datapool", {"pool": "cluster-orders"})
    RUNS.append(("cluster_datapool", run_id))

    def hanging() -> bool:
        return maestro.admin("GET", "stats")["requests"].get(PUSH_ROUTE, 0) - pushed >= 101

    wait_for("the 101st push to hang", hanging, 600, every=0.5)
    killed = cluster.kill_service("worker-1") + cluster.kill_service("worker-2")
    maestro.faults({"script": []})
    with MaestroClient(maestro.url, maestro.login, maestro.key) as client:
        landed = len(list(client.datapools.iter_entries("cluster-orders", size=1000)))
    before_retry = maestro.admin("GET", "stats")["requests"].get(PUSH_ROUTE, 0)
    cluster.start_service("worker-1")
    cluster.start_service("worker-2")
    assert airflow.wait_run("cluster_datapool", run_id, 900) == "success"
    (ti,) = airflow.task_instances("cluster_datapool", run_id)
    retry_pushes = maestro.admin("GET", "stats")["requests"].get(PUSH_ROUTE, 0) - before_retry
    with MaestroClient(maestro.url, maestro.login, maestro.key) as client:
        orders = Counter(
            e.values["order"] for e in client.datapools.iter_entries("cluster-orders", size=1000)
        )
    assert landed == 100 and ti["try_number"] >= 2
    assert retry_pushes == 300 - landed, f"the retry pushed {retry_pushes}, not the {300 - landed} missing"
    assert len(orders) == 300 and set(orders.values()) == {1}, "an item is missing or was pushed twice"
    report["worker SIGKILL mid-push"] = (
        f"{len(killed)} processes killed after {landed} of 300 pushes landed; try {ti['try_number']} "
        f"pushed {retry_pushes}; 300 items in the pool, each once"
    )


WATCHED = "maestro_on_bot_finished"  # dags_examples/: one run per finished task of month-close-bot


def _cursor_stored(cluster: Any) -> bool:
    return bool(psql(cluster, "SELECT key FROM asset_state_store WHERE key LIKE 'botcity.finished/%'"))


def _watched_runs(airflow: Airflow) -> list[dict[str, Any]]:
    runs = airflow.call("GET", f"/api/v2/dags/{WATCHED}/dagRuns", params={"limit": 100})["dag_runs"]
    return [run for run in runs if run["run_type"] == "asset_triggered"]


def _month_close(maestro: Maestro, outcomes: list[str]) -> list[int]:
    from botcity_provider.client import MaestroClient

    knobs = {"queue_seconds": 0.5, "run_seconds": 2}
    with MaestroClient(maestro.url, maestro.login, maestro.key) as client:
        return [
            client.tasks.create("month-close-bot", parameters={"_emulator": {**knobs, "outcome": outcome}}).id
            for outcome in outcomes
        ]


def test_each_finished_bot_starts_one_dag_run_and_a_triggerer_restart_changes_nothing(
    cluster: Any, airflow: Airflow, maestro: Maestro, report: dict
) -> None:
    maestro.faults(NO_FAULTS)
    wait_for("the event-driven example", lambda: _parsed(airflow, WATCHED), 300)
    # Its first look stores the cursor (the asset state store): from then on, every finish counts.
    wait_for("the watcher's first look", lambda: _cursor_stored(cluster), 300, every=2.0)
    outcomes = ["SUCCESS", "FAILED", "PARTIALLY_COMPLETED", "SUCCESS", "SUCCESS"]
    ids: list[int] = []
    for number, outcome in enumerate(outcomes):
        # One at a time: Airflow folds the events that arrive before a run is made into that one run.
        if number == 2:
            cluster.kill_service("triggerer-1")  # one triggerer dies...
            cluster.stop_service("triggerer-2")  # ...the other stops cleanly: none runs at all
        ids.extend(_month_close(maestro, [outcome]))
        if number == 2:
            wait_for("a finish while no triggerer ran", lambda: _all_ended(maestro, ids[-1:]), 120)
            cluster.start_service("triggerer-1")
            cluster.start_service("triggerer-2")
        wait_for(f"run {number + 1}", lambda count=number + 1: _runs_if(airflow, count), 600, every=2.0)
    # Exactly five: after the last finish, the watcher looks again and fires nothing more.
    _wait_looks_after(maestro, time.time())
    runs = _watched_runs(airflow)
    told = [_payloads_of(airflow, run) for run in runs]
    assert [len(events) for events in told] == [1] * 5, told
    by_id = {events[0]["maestro_task_id"]: events[0] for events in told}
    assert sorted(by_id) == sorted(ids) and [by_id[i]["finish_status"] for i in ids] == outcomes
    assert {p["runner"] for p in by_id.values()} != {None}
    ended = {run["dag_run_id"]: airflow.wait_run(WATCHED, run["dag_run_id"], 600) for run in runs}
    assert set(ended.values()) == {"success"}
    RUNS.extend((WATCHED, run_id) for run_id in ended)
    report["bots finished → DAG runs"] = (
        f"5 Maestro tasks finished (one while no triggerer ran) → {len(runs)} runs, each with its payload"
    )


def _all_ended(maestro: Maestro, ids: list[int]) -> bool:
    states = {task["id"]: task["state"] for task in maestro.tasks()}
    return all(states.get(ident) in TERMINAL for ident in ids)


def _runs_if(airflow: Airflow, count: int) -> list[dict[str, Any]] | None:
    runs = _watched_runs(airflow)
    return runs if len(runs) >= count else None


def _wait_looks_after(maestro: Maestro, since: float) -> None:
    """Wait until the task listings (the watcher's: nothing else waits now) ran twice after ``since``."""

    def listed_twice() -> bool:
        lines = maestro.requests_since(since)
        return sum(1 for line in lines if line["route"] == "GET /api/v2/task") >= 2

    wait_for("two more looks of the watcher", listed_twice, 120, every=1.0)


def _payloads_of(airflow: Airflow, run: dict[str, Any]) -> list[dict[str, Any]]:
    path = f"/api/v2/dags/{WATCHED}/dagRuns/{run['dag_run_id']}/upstreamAssetEvents"
    return [dict(event["extra"]["payload"]) for event in airflow.call("GET", path)["asset_events"]]


def test_every_maestro_task_of_the_session_ended_once(maestro: Maestro, report: dict) -> None:
    maestro.faults(NO_FAULTS)
    tasks = maestro.tasks()
    running = [task["id"] for task in tasks if task["state"] not in TERMINAL]
    sdk = maestro.sdk_tasks(task["id"] for task in tasks)
    groups = idempotency_groups(sdk.values())
    duplicates = sum(len(found) - 1 for found in groups.values())
    assert (duplicates, running) == (0, []), "a task instance with two Maestro tasks, or a bot left running"
    report["totals"] = (
        f"DAG runs: {len(RUNS)}, Maestro tasks created: {len(tasks)}, duplicates: {duplicates}, "
        f"orphans: {len(running)}"
    )


def test_the_key_appears_nowhere(cluster: Any, airflow: Airflow, report: dict) -> None:
    key = cluster.emulator_key
    hits = [str(path) for path in Path(cluster.home).rglob("*") if path.is_file() and _holds(path, key)]
    assert not hits, f"the connection's key is in {hits}"
    dump = cluster.postgres.dump()
    assert "connection" in dump and key not in dump, "the key is in the metadata database"
    monitor = (cluster.logs / "redis-monitor.log").read_text(errors="replace")
    decoded = _decoded_blobs(monitor)
    assert monitor.count("LPUSH") + monitor.count("lpush") > 0, "no Celery message went over Redis"
    assert key not in monitor and not any(key in blob for blob in decoded), "the key went over Redis"
    rendered = [
        str(ti.get("rendered_fields"))
        for dag_id, run_id in RUNS
        for ti in airflow.task_instances(dag_id, run_id)
    ]
    assert rendered and not any(key in text for text in rendered), "the key is in a rendered field"
    files = sum(1 for path in Path(cluster.home).rglob("*") if path.is_file())
    report["secrets"] = (
        f"key in none of {files} files, a {len(dump) // 1024} KiB pg_dump, {len(decoded)} Redis messages, "
        f"{len(rendered)} rendered task instances"
    )


def _holds(path: Path, key: str) -> bool:
    try:
        return key.encode() in path.read_bytes()
    except OSError:
        return False


def _decoded_blobs(text: str) -> list[str]:
    """Celery's message bodies are base64 inside JSON: decode every long base64 run of the monitor log."""
    blobs = []
    for run in re.findall(r"[A-Za-z0-9+/=]{40,}", text):
        try:
            blobs.append(base64.b64decode(run + "=" * (-len(run) % 4)).decode(errors="replace"))
        except (binascii.Error, ValueError):
            continue
    return blobs


# One deployment, scenarios of minutes each: pytest-timeout's guard of make test does not fit them.
pytestmark = pytest.mark.timeout(3600)
