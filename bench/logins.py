"""Login economy: a hundred operator executions and ten hooks in one worker process, against the SDK.

Each run is a fresh process (``bench/_logins_child.py``); the emulator counts the logins. Side by side:

* ours: ``MaestroCreateTaskOperator`` executed EXECUTIONS times (create, then wait without deferring),
  then HOOKS ``MaestroHook.test_connection()`` (login and one read);
* ours again with tokens that expire after ``--token-lifetime`` seconds on the emulator, the executions
  paced to last several lifetimes: one login per lifetime (plus the refused request that reveals it);
* the official SDK as DAGs use it today: one ``BotMaestroSDK`` per task, each ``login()``-ing.

    python bench/logins.py
    python bench/logins.py --executions 20 --hooks 2

Target: one login per credentials and token lifetime.

In Airflow 3 each task instance runs in a process of its own (the supervisor forks one per try), so
across task instances this per-process economy cannot help: there it is one login per task instance, what
one SDK per task costs too. It pays inside a task (create, wait, read errors, cancel: one login) and in
the triggerer (one login for every wait; see the triggerer benchmark).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from _common import (
    PYTHON,
    BenchEmulator,
    Headline,
    Result,
    connection_env,
    emulator,
    finish,
    parser,
    ratio_text,
    run_json,
    table,
)

CHILD = str(Path(__file__).with_name("_logins_child.py"))
LIFETIMES = 4


def measure(
    handle: BenchEmulator, kind: str, executions: int, hooks: int, pause: float = 0.0
) -> dict[str, Any]:
    before = handle.stats()
    argv = [PYTHON, CHILD, kind, str(executions), str(hooks), str(pause)]
    found = run_json(argv, env=connection_env(handle))
    after = handle.stats()
    found["logins"] = after["logins"] - before["logins"]
    found["requests"] = after["requests_total"] - before["requests_total"]
    found["refused"] = after["faults"]["expired_token"] - before["faults"]["expired_token"]
    return found


def run(executions: int, hooks: int, lifetime: float) -> Result:
    with emulator(max_seconds=900) as handle:
        ours = measure(handle, "ours", executions, hooks)
        print(f"ours: {ours['logins']} login(s), {ours['requests']} requests", flush=True)
        sdk = measure(handle, "sdk", executions, hooks)
        print(f"sdk:  {sdk['logins']} login(s), {sdk['requests']} requests", flush=True)
        handle.set_faults(token_lifetime_seconds=lifetime)
        # Paced so that the executions span LIFETIMES token lifetimes.
        expiring = measure(handle, "ours", executions, hooks, pause=LIFETIMES * lifetime / executions)
        print(f"ours, tokens of {lifetime:g} s: {expiring['logins']} login(s)", flush=True)
    return report(ours, sdk, expiring, executions=executions, hooks=hooks, lifetime=lifetime)


def report(
    ours: dict[str, Any],
    sdk: dict[str, Any],
    expiring: dict[str, Any],
    *,
    executions: int,
    hooks: int,
    lifetime: float,
) -> Result:
    lifetimes = math.ceil(expiring["seconds"] / lifetime)  # windows of one token lifetime the run touched
    rows = [
        ("ours (operators + hooks)", ours["logins"], 1, ours["requests"], ours["seconds"]),
        (
            "official SDK, one `BotMaestroSDK` per task",
            sdk["logins"],
            executions + hooks,
            sdk["requests"],
            sdk["seconds"],
        ),
        (
            f"ours, tokens expire after {lifetime:g} s ({expiring['refused']} refused)",
            expiring["logins"],
            f"≤ {lifetimes} (run lasted {lifetimes} lifetimes)",
            expiring["requests"],
            expiring["seconds"],
        ),
    ]
    body = (
        f"{executions} executions of `MaestroCreateTaskOperator` (create + wait, not deferred) and {hooks} "
        "hooks (`test_connection`) in one process, against the same work with the official SDK.\n\n"
        + table(["run", "logins", "expected", "requests", "seconds (imports excluded)"], rows)
        + "\n\nIn Airflow 3 every task instance runs in its own forked process, so across task instances "
        "this is one login per task instance, the same as one SDK per task; the saving is within a task "
        "and in the triggerer."
    )
    headline = [
        Headline(
            "logins",
            f"logins, {executions} executions + {hooks} hooks",
            str(ours["logins"]),
            f"{sdk['logins']} (SDK per task)",
            ratio_text(ours["logins"], sdk["logins"]),
            "1 per credentials and lifetime",
            ours["logins"] == 1 and expiring["logins"] <= lifetimes,
        )
    ]
    return Result("logins", "3. Login economy", body, headline)


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--executions", type=int, default=100, help="operator executions (default 100)")
    args.add_argument("--hooks", type=int, default=10, help="hooks (default 10)")
    args.add_argument("--token-lifetime", type=float, default=1.0, help="seconds, for the third run")
    options = args.parse_args()
    started = time.monotonic()
    finish(run(options.executions, options.hooks, options.token_lifetime), started, options.json)


if __name__ == "__main__":
    main()
