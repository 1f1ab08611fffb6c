"""Deferred waits and asset watchers of one connection: one shared listing against a listing each.

A triggerer that runs both (operators deferred on their bots, and a DAG scheduled on an asset whose
watcher waits for bot finishes) polls the same Maestro. ``shared`` is ours: the waits and the watchers
use one connection, so one poller lists what changed for all of them. ``apart`` is the same code with
the watchers on a second connection to the same emulator, so that two pollers list apart: the active
tasks for the waits, the finished ones for the watchers (what the provider did before they shared).

For each size, the waited-for tasks are created first and never finish; a minute later (the listing's
margin, so that their creation is no recent change) a ticker starts: one task of another automation
finishing per interval, which the watchers tell of. Listings and single reads are counted by the
emulator while the waits' poller makes ``--cycles`` cycles, after three of warm-up (the waits' first
looks are the direct way in both designs), and given per poll interval of that time: the two pollers of
``apart`` each make their own cycles.

    python bench/shared_listing.py                    # 10, 100, 1000 waits, 2 watchers, 2 s interval
    python bench/shared_listing.py --waits 10 --cycles 3

Target: shared, fewer requests than apart and no single read, whatever the number of waits (apart:
ceil(N / 250) + 1 listings per interval). Each watcher tells each ticker finish once, in both designs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from _common import BenchEmulator, Headline, Result, connection_env, emulator, finish, fmt, parser, table

from botcity_provider.client import MaestroClient, TokenCache
from botcity_provider.triggers._active import MAX_PAGE_SIZE as PAGE_SIZE

WAITS_CONN = "botcity_maestro_default"
APART_CONN = "botcity_maestro_watchers"
LIST = "GET /api/v2/task"
GET = "GET /api/v2/task/{taskId}"
WAITED = "bench-bot"
TICKER = "bench-ticker"
WARM_UP_CYCLES = 3
# The listing's margin (triggers/_changes.MARGIN) and a little: older tasks are no recent change.
SETTLE_SECONDS = 65.0


@dataclass
class Measured:
    design: str
    waits: int
    listings: float
    reads: float
    ticks: int
    told: list[int]


def _client(handle: BenchEmulator) -> MaestroClient:
    return MaestroClient(handle.url, handle.login, handle.key, token_cache=TokenCache())


def create_waited(handle: BenchEmulator, count: int) -> list[int]:
    script = {"_emulator": {"queue_seconds": 0, "run_seconds": 1, "outcome": "NEVER"}}
    with _client(handle) as client, ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: client.tasks.create(WAITED, parameters=script).id, range(count)))


def tick(handle: BenchEmulator) -> int:
    """One task of another automation that finishes at once: the workspace's other life."""
    script = {"_emulator": {"queue_seconds": 0, "run_seconds": 0.05}}
    with _client(handle) as client:
        return client.tasks.create(TICKER, parameters=script).id


async def _until(check: Callable[[], bool], what: str, limit: float) -> None:
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def measure(
    handle: BenchEmulator, design: str, task_ids: list[int], interval: float, cycles: int
) -> Measured:
    from botcity_provider.triggers._poller import TaskPoller
    from botcity_provider.triggers.finished import MaestroTaskFinishedTrigger
    from botcity_provider.triggers.maestro import MaestroTaskTrigger

    watchers_conn = WAITS_CONN if design == "shared" else APART_CONN
    told: list[list[int]] = [[], []]

    async def watch(into: list[int]) -> None:
        trigger = MaestroTaskFinishedTrigger(
            activity_label=TICKER, maestro_conn_id=watchers_conn, poll_interval_seconds=interval
        )
        async for event in trigger.run():
            into.append(event.payload["maestro_task_id"])

    async def wait(task_id: int) -> None:
        trigger = MaestroTaskTrigger(
            maestro_conn_id=WAITS_CONN,
            maestro_task_id=task_id,
            poll_interval_seconds=interval,
            deadline_at=time.time() + 3600,
        )
        async for _ in trigger.run():
            raise RuntimeError(f"task {task_id} never finishes, yet its wait ended")

    ticks: list[int] = []

    async def ticker() -> None:
        while True:
            ticks.append(await asyncio.to_thread(tick, handle))
            await asyncio.sleep(interval)

    running = [asyncio.ensure_future(watch(into)) for into in told]
    running += [asyncio.ensure_future(wait(task_id)) for task_id in task_ids]
    running.append(asyncio.ensure_future(ticker()))
    try:
        poller = TaskPoller.for_connection(WAITS_CONN)
        limit = 120 + 30 * interval
        await _until(lambda: poller.cycles >= WARM_UP_CYCLES, "the warm-up cycles", limit)
        before, first, counted_from = handle.stats()["requests"], poller.cycles, len(ticks)
        began = time.monotonic()
        await _until(lambda: poller.cycles >= first + cycles, "the counted cycles", limit)
        after, intervals = handle.stats()["requests"], (time.monotonic() - began) / interval
        last = ticks[-1]
        # Each watcher tells every tick of the counted cycles (those before its first look are old).
        await _until(lambda: all(last in into for into in told), "the watchers' last tell", limit)
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    done = ticks[counted_from : ticks.index(last) + 1]
    return Measured(
        design=design,
        waits=len(task_ids),
        listings=(after.get(LIST, 0) - before.get(LIST, 0)) / intervals,
        reads=(after.get(GET, 0) - before.get(GET, 0)) / intervals,
        ticks=len(done),
        told=[sum(1 for task_id in into if task_id in done) for into in told],
    )


def run(sizes: list[int], interval: float, cycles: int) -> Result:
    found: list[Measured] = []
    per_size = SETTLE_SECONDS + 2 * (WARM_UP_CYCLES + cycles + 10) * interval + 120
    with emulator(max_seconds=len(sizes) * per_size + 120) as handle:
        os.environ.update(connection_env(handle, WAITS_CONN))
        os.environ.update(connection_env(handle, APART_CONN))
        for waits in sizes:
            handle.reset()
            task_ids = create_waited(handle, waits)
            time.sleep(SETTLE_SECONDS)  # the margin itself: not a condition to wait for
            for design in ("apart", "shared"):
                one = asyncio.run(measure(handle, design, task_ids, interval, cycles))
                found.append(one)
                print(
                    f"{waits:>5} waits {design:<6} {one.listings:5.2f} listings/interval, "
                    f"{one.reads:5.2f} reads/interval, told {one.told} of {one.ticks} finishes",
                    flush=True,
                )
    return report(found, interval, cycles)


def report(found: list[Measured], interval: float, cycles: int) -> Result:
    by = {(m.waits, m.design): m for m in found}
    rows: list[tuple[Any, ...]] = []
    headline: list[Headline] = []
    for waits in sorted({m.waits for m in found}):
        ours, apart = by[(waits, "shared")], by[(waits, "apart")]
        per_ours, per_apart = ours.listings + ours.reads, apart.listings + apart.reads
        expected_apart = math.ceil(waits / PAGE_SIZE) + 1
        every = all(count == m.ticks for m in (ours, apart) for count in m.told)
        rows.append(
            (
                waits,
                fmt(ours.listings),
                fmt(ours.reads),
                fmt(apart.listings),
                fmt(apart.reads),
                expected_apart,
                every,
            )
        )
        headline.append(
            Headline(
                "shared listing",
                f"requests / interval, {waits} waits + 2 watchers",
                fmt(per_ours),
                f"{fmt(per_apart)} (a listing each)",
                f"{per_ours / per_apart:.2f}" if per_apart else "n/a",
                "< apart, 0 reads; every finish told once",
                per_ours < per_apart and ours.reads == 0 and every,
            )
        )
    headers = [
        "waits",
        "shared: listings / interval",
        "shared: reads / interval",
        "apart: listings / interval",
        "apart: reads / interval",
        f"apart expected (ceil(N/{PAGE_SIZE})+1)",
        "each watcher told every finish",
    ]
    body = (
        f"Poll interval {interval:g} s; requests per interval while the waits' poller made {cycles} cycles, "
        f"after {WARM_UP_CYCLES} of warm-up. The "
        "waits' tasks run and never change; one task of another automation finishes per interval, and two "
        "asset watchers tell of them. Shared: waits and watchers on one connection, one listing of what "
        "changed. Apart: the watchers on a second connection, as before they shared. Every wait is also "
        "looked at the direct way once every 10 minutes, a safeguard outside this window.\n\n"
        + table(headers, rows)
    )
    return Result("shared_listing", "13. Waits and asset watchers sharing one listing", body, headline)


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--waits", default="10,100,1000", help="comma-separated wait counts")
    args.add_argument("--interval", type=float, default=2.0, help="poll interval, seconds (default 2)")
    args.add_argument("--cycles", type=int, default=10, help="cycles counted (default 10)")
    options = args.parse_args()
    # Each watcher logs every finish it tells of: the table, not a line per event, is the result.
    logging.getLogger("botcity_provider").setLevel(logging.WARNING)
    started = time.monotonic()
    sizes = [int(text) for text in options.waits.split(",") if text.strip()]
    finish(run(sizes, options.interval, options.cycles), started, options.json)


if __name__ == "__main__":
    main()
