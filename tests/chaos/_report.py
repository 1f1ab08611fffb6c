"""Reading a chaos run: what rode faults out, which exceptions failed a try, duplicates, and the report."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.chaos._harness import ChaosResult

TERMINAL = frozenset({"FINISHED", "CANCELED"})

# What rode a fault out, and where it is logged. The client and the trigger log through stdlib loggers,
# read from the collected records; operators, sensors and hooks through Airflow's task logger, read from
# the captured output (``[airflow.task.`` lines). Counting each in one place counts each line once.
RECORD_PATTERNS = {
    # The client's retry warning: "<the request that failed>; trying POST /x again in 1.0 s (attempt ...)".
    "client retries": re.compile(r"; trying (?:GET|POST|PUT|DELETE) \S+ again in "),
    "ambiguous creates looked up by key": re.compile(r"Creating a task may have failed"),
    "key lookups made again": re.compile(r"Looking for the task by its key failed"),
    "re-logins after a refused token": re.compile(r"Token refused by .*; logging in again"),
    "trigger polls ridden out": re.compile(r"trying again later|looking at each task instead|skipping this"),
}
OUTPUT_PATTERNS = {
    "worker polls ridden out": re.compile(
        r"Could not read Maestro task \d+, trying again.*\[airflow\.task\."
    ),
    "stops tried again": re.compile(r"Could not stop Maestro task \d+ yet.*\[airflow\.task\."),
}


def retry_counts(result: ChaosResult) -> dict[str, int]:
    """How often each way of riding out a fault was taken, and the Airflow retries on top."""
    records = "\n".join(result.records)
    output = "\n".join(result.output)
    counts = {name: len(pattern.findall(records)) for name, pattern in RECORD_PATTERNS.items()}
    counts |= {name: len(pattern.findall(output)) for name, pattern in OUTPUT_PATTERNS.items()}
    counts["Airflow task retries"] = sum(
        max(tries - 1, 0) for run in result.runs for tries in run.tries.values()
    )
    return counts


_RAISED = re.compile(r"^((?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Timeout)): (.*)$", re.MULTILINE)


def failures(text: str) -> list[str]:
    """The exceptions that failed a try, as the task log shows them (the last line of each traceback)."""
    found = []
    for block in text.split("Task failed with exception")[1:]:
        raised = _RAISED.findall(block.split("Task instance state updated")[0])
        if raised:
            name, message = raised[-1]
            found.append(f"{name.rsplit('.', 1)[-1]}: {message}")
    return found


def idempotency_groups(tasks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Maestro tasks by task instance: the key up to its last ``|`` (``airflow|dag|run|task|map|``)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for task in tasks:
        key = (task.get("parameters") or {}).get("_idempotency_key")
        prefix = (
            key.rsplit("|", 1)[0] + "|" if isinstance(key, str) and "|" in key else f"<no key {task['id']}>"
        )
        groups.setdefault(prefix, []).append(task)
    return groups


def report(result: ChaosResult) -> str:
    """The counts a chaos run prints: runs, faults injected, retries, duplicates and orphans."""
    groups = idempotency_groups(result.tasks)
    duplicates = sum(len(tasks) - 1 for tasks in groups.values())
    orphans = sum(1 for run in result.runs for task in run.maestro if task["state"] not in TERMINAL)
    per_dag = Counter(run.dag_id for run in result.runs)
    rescued = Counter(
        f"{run.dag_id}.{task_id}" for run in result.runs for task_id, n in run.tries.items() if n > 1
    )
    lines = [
        f"chaos profile {result.profile.name!r} (seed {result.profile.seed}): {len(result.runs)} DAG runs "
        f"in {result.seconds:.0f} s, full log in {result.log_file}",
        "  runs       : " + ", ".join(f"{dag} x{n}" for dag, n in sorted(per_dag.items())),
        f"  Maestro    : {len(result.tasks)} tasks, {result.requests} API requests, "
        f"{result.restarts} emulator restart(s) by SIGKILL in the middle of a wait",
        f"  faults     : {sum(result.faults.values())} injected ("
        + ", ".join(f"{kind} {n}" for kind, n in sorted(result.faults.items()))
        + ")",
        "  retries    : " + ", ".join(f"{name} {n}" for name, n in retry_counts(result).items()),
        "  retried    : " + (", ".join(f"{name} x{n}" for name, n in sorted(rescued.items())) or "none"),
        f"  duplicates : {duplicates}",
        f"  orphans    : {orphans}",
    ]
    return "\n".join(lines)
