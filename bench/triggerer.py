"""Triggerer scale: a thousand ``MaestroTaskTrigger.run()`` waiting at once in one event loop.

Tasks finish at staggered times (each task's ``_emulator`` ``run_seconds``); the emulator runs in a
process of its own, so its CPU is not counted. Each design runs in a fresh child process
(``bench/_waits_child.py``) that resolves the connection through Airflow (``AIRFLOW_CONN_...``). Side by
side: our shared poller, and the naive designs anchor providers use: (a) a new HTTP session and a fresh
login per poll, (b) a blocking client run in a thread (``asyncio.to_thread``) per poll.

    python bench/triggerer.py                              # 1000 waits, 5 s interval, 20 s spread
    python bench/triggerer.py --waits 100 --designs shared,thread

Reported per design: logins, requests per task, CPU seconds, peak RSS of the process, and the delay
between a task finishing on the emulator (its ``finish_at``) and its trigger's event.
Targets (ours): 1 login; requests per task at most one per poll; RSS ≤ 200 MB; p99 delay ≤ interval + 1 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from _common import MIB, Headline, Result, emulator, finish, fmt, parser, ratio_text, table
from _waits import Measured, run_design

NAMES = {
    "shared": "ours: shared poller (`MaestroTaskTrigger`)",
    "fresh": "(a) new session + login per poll",
    "thread": "(b) sync client in a thread per poll",
    "get": "one GET per wait, shared async client",
}
DESIGNS = (
    "The designs, all consumed as triggers (`run()` to its one event) with the same 30 s client timeout: "
    "ours registers each wait with the connection's one poller, which lists the workspace's active tasks "
    "once per cycle and reads alone each task that left the listing (one GET per task, when it ends), "
    "first one interval after the wait begins (whoever defers has just looked at the task). "
    "(a) builds an `AsyncMaestroClient` with an empty token "
    "cache for every poll: a new connection pool and a login each time (TLS verification off for it, so "
    "it is not also charged for loading the CA bundle into each new httpx session). (b) gets a blocking "
    "client from `MaestroHook` per trigger and runs each `tasks.get` through `asyncio.to_thread` (the "
    "loop's default executor: 6 threads on 2 cores). (a) and (b) look at once when they start, then every "
    "interval after each answer."
)
MAX_RSS_MB = 200
LEAD_SECONDS = 3.0


def run(waits: int, interval: float, spread: float, designs: list[str]) -> Result:
    results: list[Measured] = []
    # Creating the tasks takes a moment: the first finishes one interval after the waits begin.
    lead = LEAD_SECONDS + waits / 250 + interval
    with emulator(max_seconds=len(designs) * (lead + spread + 15 * interval + 400)) as handle:
        for design in designs:
            found = run_design(handle, design, waits=waits, interval=interval, lead=lead, spread=spread)
            results.append(found)
            print(
                f"{design:<7} logins {found.logins:>5}  requests {found.requests:>6}  "
                f"cpu {found.cpu_seconds:5.1f} s  rss {found.rss_peak / MIB:5.0f} MiB  "
                f"p99 {found.p99:5.2f} s  unfinished {found.unfinished}",
                flush=True,
            )
    return report(results, waits, interval, spread)


def report(results: list[Measured], waits: int, interval: float, spread: float) -> Result:
    headers = [
        "design",
        "logins",
        "requests",
        "requests / task",
        "polls needed / task",
        "CPU s",
        "peak RSS MB",
        "RSS growth MB",
        "delay p50 s",
        "delay p99 s",
        "delay max s",
        "missed",
        "longest loop step ms",
        "longest GC pause ms",
    ]
    rows = [
        (
            NAMES[m.design],
            m.logins,
            m.requests,
            m.requests / m.waits,
            m.wait_intervals,
            m.cpu_seconds,
            m.rss_peak / 1e6,
            (m.rss_peak - m.rss_before) / 1e6,
            m.p50,
            m.p99,
            m.max_delay,
            m.unfinished,
            m.extra.get("longest_step_ms", float("nan")),
            m.extra.get("longest_collection_ms", float("nan")),
        )
        for m in results
    ]
    routes = {m.design: ", ".join(f"{r} {c}" for r, c in sorted(m.routes.items())) for m in results}
    body = (
        f"{waits} waits in one event loop, poll interval {interval:g} s, tasks finishing over {spread:g} s; "
        "each design in a fresh process (Airflow imported, connection from `AIRFLOW_CONN_...`). "
        "*Polls needed / task* is the mean wait in intervals: what one GET per poll costs. "
        "*Missed*: waits that ended without their success event. *Longest loop step*: the longest stretch "
        "the event loop spent in one callback or coroutine step, cold start included (the client, the hook "
        "and the poller are imported by the design as it runs); a triggerer shares that loop with every "
        "trigger of every provider, and asyncio's debug mode reports any step over 50 ms. Steps during "
        "which Python collected garbage are left out of it and shown apart (*longest GC pause*): a "
        "collection stops whatever step runs, for a time set by every object of the process.\n\n"
        + table(headers, rows)
        + "\n\nRequests by route:\n\n"
        + "\n".join(f"- {NAMES[d]}: {text}" for d, text in routes.items())
        + "\n\n"
        + DESIGNS
    )
    return Result("triggerer", "2. Triggerer scale", body, headline(results, waits, interval))


METRICS: list[tuple[str, Callable[[Measured], float], int]] = [
    ("logins", lambda m: m.logins, 0),
    ("requests / task", lambda m: m.requests / m.waits, 2),
    ("CPU seconds", lambda m: m.cpu_seconds, 1),
    ("peak RSS MB", lambda m: m.rss_peak / 1e6, 0),
    ("event delay p99 s", lambda m: m.p99, 2),
]


def headline(results: list[Measured], waits: int, interval: float) -> list[Headline]:
    """Ours beside (a) and (b); the ratio is ours ÷ each of them."""
    by = {m.design: m for m in results}
    ours = by.get("shared")
    if ours is None:
        return []
    naive = [(tag, by[design]) for tag, design in (("(a)", "fresh"), ("(b)", "thread")) if design in by]
    targets = {
        "logins": ("1", ours.logins == 1),
        "requests / task": (
            f"≤ {fmt(ours.wait_intervals)} (1 per poll)",
            ours.requests / waits <= ours.wait_intervals,
        ),
        "CPU seconds": ("-", None),
        "peak RSS MB": (f"≤ {MAX_RSS_MB}", ours.rss_peak / 1e6 <= MAX_RSS_MB),
        "event delay p99 s": (f"≤ {interval + 1:g}", ours.p99 <= interval + 1 and ours.unfinished == 0),
    }
    rows = []
    for name, value, digits in METRICS:
        mine = value(ours)
        rows.append(
            Headline(
                "triggerer",
                f"{name}, {waits} waits",
                fmt(float(mine), digits),
                ", ".join(f"{tag} {fmt(float(value(m)), digits)}" for tag, m in naive),
                ", ".join(f"{tag} {ratio_text(mine, value(m))}" for tag, m in naive),
                *targets[name],
            )
        )
    return rows


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--waits", type=int, default=1000, help="triggers waiting at once (default 1000)")
    args.add_argument("--interval", type=float, default=5.0, help="poll interval, seconds (default 5)")
    args.add_argument("--spread", type=float, default=20.0, help="tasks finish over this many seconds")
    args.add_argument("--designs", default="shared,fresh,thread", help="any of shared,fresh,thread,get")
    options = args.parse_args()
    started = time.monotonic()
    designs = [d.strip() for d in options.designs.split(",") if d.strip()]
    finish(run(options.waits, options.interval, options.spread, designs), started, options.json)


if __name__ == "__main__":
    main()
