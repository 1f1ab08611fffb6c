"""The create's budget: how often ``tasks.create(idempotency_key=...)`` gives up under random faults.

Many creates are made with the blocking client, as the operator makes them, against an emulator that
fails a given share of requests in the chaos suite's mix (``tests/chaos/_harness.py``: drops, 5xx of
500/502/503/504, 429 with ``Retry-After: 1``, lost create answers; tokens expire after 3 s, or never with
``--token-lifetime never``, which is near enough for a real Maestro's long-lived tokens). A create "gives
up" when it raises: the operator then fails without a Maestro task. Each create uses its own automation
label and key, so its lookups read only its own task, and the run checks that no key ever got two tasks
and that no create that gave up left a task behind.

Nothing of the client is changed, not even its clock: the budget measured is the call's one retry budget
(``RetryPolicy(max_attempts=max_retries + 1)``, the connection's ``max_retries``), spent by the create,
the key lookups after each ambiguous failure and the new attempts alike, with its real pauses. To be done in
minutes, many workers (threads, each with its own connection and token, as separate worker processes
would have) create side by side; they mostly sleep. Creates start at a steady pace (``--per-second``)
whatever the fault rate, so that the emulator is never the bottleneck: an overloaded emulator answers so
late that a token can expire between a login and the request after it, a 401 no create meets in earnest
(the run warns when it saw one).

    python bench/create_budget.py                                 # the table in docs/reliability.md
    python bench/create_budget.py --token-lifetime never --bounds none     # and its second part
    python bench/create_budget.py --creates 2000 --levels 0.35,0.5 --bounds none,2
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from _common import Result, finish, parser, table

from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_subprocess
from botcity_provider.client import (
    AuthenticationError,
    MaestroAPIError,
    MaestroClient,
    MaestroError,
    MaestroTransportError,
    RetryPolicy,
    TokenCache,
)

# The chaos suite's mix; level 1.0 is the chaos profile itself.
CHAOS_RATES = {"drop_rate": 0.05, "error_rate": 0.20, "rate_limit_rate": 0.05, "lost_create_rate": 0.10}
CHAOS_FIXED = {"error_statuses": [500, 502, 503, 504], "retry_after_seconds": 1}
FAULT_KINDS = ("drop", "error", "rate_limit")
STOP = threading.Event()
"""Set when the benchmark is stopped from outside: workers end after the create in hand."""


def faulted_share(scale: float) -> float:
    """The share of requests (other than creates) that meet a fault at ``scale`` times the chaos rates.

    The emulator draws drop, then error, then rate limit, each only if the one before missed.
    """
    missed = 1.0
    for rate in ("drop_rate", "error_rate", "rate_limit_rate"):
        missed *= 1 - min(CHAOS_RATES[rate] * scale, 1.0)
    return 1 - missed


def scale_for(share: float) -> float:
    """The multiple of the chaos rates at which ``share`` of requests meet a fault (by bisection)."""
    low, high = 0.0, 1 / max(CHAOS_RATES.values())
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if faulted_share(middle) < share else (low, middle)
    return low


@dataclass
class Outcome:
    """What the creates of one setting came to."""

    creates: int = 0
    gave_up: Counter[str] = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    """How long each create that got through took."""
    stats: dict[str, Any] = field(default_factory=dict)
    duplicates: int = 0
    orphans: int = 0
    refused_twice: int = 0
    """Creates that gave up on a 401 right after a fresh login: a sign of an overloaded emulator."""


class Pacer:
    """Lets creates start at most ``per_second`` times a second, in all the workers together."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self.next_at = time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            start_at = max(self.next_at, now)
            self.next_at = start_at + self.interval
        time.sleep(start_at - now)


def create_many(handle: EmulatorHandle, numbers: range, pacer: Pacer, max_retries: int) -> Outcome:
    """One create after the other, as one worker process makes them (with its own token cache)."""
    outcome = Outcome()
    retry = RetryPolicy(max_attempts=max_retries + 1)
    with MaestroClient(handle.url, handle.login, handle.key, token_cache=TokenCache(), retry=retry) as client:
        for number in numbers:
            pacer.wait()
            if STOP.is_set():
                break
            started = time.monotonic()
            try:
                client.tasks.create(f"budget-{number}", idempotency_key=f"bench|{number}|")
            except MaestroError as exc:
                outcome.gave_up[what_failed(exc)] += 1
                outcome.refused_twice += isinstance(exc, AuthenticationError)
            else:
                outcome.seconds.append(time.monotonic() - started)
            outcome.creates += 1
    return outcome


REQUEST_NAMES = {"POST /task": "create", "GET /task": "lookup", "POST /workspace/login": "login"}


def what_failed(exc: MaestroError) -> str:
    """The request whose failure made a create give up: the create itself, its key lookup or a login."""
    if isinstance(exc, MaestroAPIError):
        method, path = exc.method, exc.path
    elif isinstance(exc, MaestroTransportError):
        method, _, url = exc.action.partition(" ")
        path = urlsplit(url).path
    else:
        return type(exc).__name__
    request = f"{method} {path.removeprefix('/api/v2')}"
    return REQUEST_NAMES.get(request, request)


@dataclass(frozen=True)
class Setting:
    """One row of the table: the emulator's faults."""

    share: float
    """Share of requests that meet a fault (drop, 5xx, 429), in the chaos suite's mix."""
    bound: int | None
    """``max_faults_in_a_row``; ``None`` for no bound."""
    token_lifetime_seconds: float | None
    """Seconds a token lives; ``None``: forever, as near enough for a real Maestro's long-lived tokens."""
    max_retries: int = RetryPolicy().max_attempts - 1
    """The connection's ``max_retries``: the create's whole budget is that many retries."""

    def faults(self) -> dict[str, Any]:
        scale = scale_for(self.share)
        faults: dict[str, Any] = {name: rate * scale for name, rate in CHAOS_RATES.items()} | CHAOS_FIXED
        return faults | {
            "token_lifetime_seconds": self.token_lifetime_seconds,
            "max_faults_in_a_row": self.bound,
        }


def measure(setting: Setting, creates: int, workers: int, per_second: float) -> Outcome:
    """Run ``creates`` creates in ``workers`` threads against a fresh emulator with ``setting``."""
    # Tasks stay queued: their lifecycle is no part of a create, and costs the emulator nothing then.
    with serve_in_subprocess(queue_seconds=86400, seed=20261122, **setting.faults()) as handle:
        pacer = Pacer(per_second)
        with ThreadPoolExecutor(workers) as pool:
            slices = [range(start, creates, workers) for start in range(workers)]
            parts = list(
                pool.map(lambda numbers: create_many(handle, numbers, pacer, setting.max_retries), slices)
            )
        handle.clear_faults()
        tasks, stats = handle.tasks(), handle.stats()
    return combine(parts, tasks, stats)


def combine(parts: list[Outcome], tasks: list[dict[str, Any]], stats: dict[str, Any]) -> Outcome:
    """Add the threads' outcomes up, and count duplicate tasks and tasks left by creates that gave up."""
    total = Outcome(stats=stats)
    for part in parts:
        total.creates += part.creates
        total.gave_up.update(part.gave_up)
        total.refused_twice += part.refused_twice
        total.seconds += part.seconds
    per_label = Counter(task["activityLabel"] for task in tasks)
    total.duplicates = sum(n - 1 for n in per_label.values() if n > 1)
    total.orphans = len(per_label) - (total.creates - sum(total.gave_up.values()))
    return total


def row(setting: Setting, outcome: Outcome) -> list[Any]:
    stats = outcome.stats
    faulted = sum(stats["faults"][kind] for kind in FAULT_KINDS)
    gave_up = sum(outcome.gave_up.values())
    took = sorted(outcome.seconds)
    p99 = took[min(len(took) - 1, int(0.99 * len(took)))] if took else float("nan")
    lifetime = setting.token_lifetime_seconds
    return [
        f"{setting.share:.0%}",
        "never" if lifetime is None else f"{lifetime:g} s",
        "none" if setting.bound is None else str(setting.bound),
        setting.max_retries,
        f"{faulted / max(stats['requests_total'], 1):.1%}",
        outcome.creates,
        gave_up,
        f"{gave_up / max(outcome.creates, 1):.3%}",
        ", ".join(f"{name} {n}" for name, n in sorted(outcome.gave_up.items())) or "-",
        f"{p99:.0f} / {took[-1]:.0f}" if took else "-",
        outcome.duplicates,
        outcome.orphans,
    ]


HEADERS = [
    "requests faulted (target)",
    "tokens expire after",
    "max_faults_in_a_row",
    "max_retries",
    "requests faulted (measured)",
    "creates",
    "gave up",
    "give-up rate",
    "failed last, in those that gave up",
    "seconds per create that got through, p99 / max",
    "duplicates",
    "tasks left by give-ups",
]


def stop(signum: int, frame: object) -> None:
    """Stopped from outside: let the workers end and the emulator child stop (on ``SystemExit``)."""
    STOP.set()
    sys.exit(128 + signum)


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--creates", type=int, default=6000, help="creates per setting (default 6000)")
    args.add_argument("--levels", default="0.10,0.20,0.278,0.35,0.50", help="shares of requests faulted")
    args.add_argument("--bounds", default="none,2", help="max_faults_in_a_row values to try ('none': unset)")
    args.add_argument("--workers", type=int, default=400, help="threads, each a worker with its own token")
    args.add_argument("--per-second", type=float, default=40.0, help="creates started per second, in all")
    args.add_argument(
        "--max-retries",
        default=str(RetryPolicy().max_attempts - 1),
        help="the connection's max_retries to try",
    )
    args.add_argument("--token-lifetime", default="3", help="seconds a token lives, or 'never' (default 3)")
    options = args.parse_args()
    signal.signal(signal.SIGTERM, stop)
    # Each retry is logged at WARNING; thousands of them would bury the table.
    logging.getLogger("botcity_provider").setLevel(logging.ERROR)
    started = time.monotonic()
    lifetime = None if options.token_lifetime == "never" else float(options.token_lifetime)
    rows = []
    settings = [
        Setting(share, bound, lifetime, retries)
        for retries in [int(n) for n in options.max_retries.split(",")]
        for bound in [None if b == "none" else int(b) for b in options.bounds.split(",")]
        for share in [float(level) for level in options.levels.split(",")]
    ]
    for setting in settings:
        outcome = measure(setting, options.creates, options.workers, options.per_second)
        rows.append(row(setting, outcome))
        print(table(HEADERS, [rows[-1]]).splitlines()[-1], flush=True)
        if outcome.refused_twice:
            print(
                "  warning: a token expired right after its login: the emulator was overloaded",
                flush=True,
            )
    budget = (
        "Budget: one per create, `max_retries` retries in all (the create, its key lookups and its new "
        f"attempts), within {RetryPolicy().max_total_seconds:g} s; {options.workers} workers, "
        f"{options.per_second:g} creates started per second.\n\n"
    )
    title = "9. What a create can ride out"
    finish(Result("create_budget", title, budget + table(HEADERS, rows)), started, options.json)


if __name__ == "__main__":
    main()
