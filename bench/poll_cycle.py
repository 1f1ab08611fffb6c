"""Requests per poll cycle: the shared poller against one GET per wait, for 10, 100 and 1000 waits.

Every task keeps running for the first cycles; the emulator's request counter is read half an interval
after the waits begin and ``--cycles`` intervals later, so the window holds exactly that many polls of
every wait whichever design runs. Then the tasks finish over two intervals, which gives the detection
delay (event time minus the task's ``finish_at`` on the emulator). Both designs run as triggers in one
event loop of a fresh process (``bench/_waits_child.py``): ``shared`` is our ``MaestroTaskTrigger``;
``get`` is the per-trigger design at its best, one GET per wait on one shared client and token.

    python bench/poll_cycle.py                      # 10, 100, 1000 waits; 2 s interval; 3 cycles
    python bench/poll_cycle.py --waits 10,100 --interval 1

Target: the shared poller makes at most ceil(N / page size) + 1 requests per cycle, one more with the
bot's output told (the poller's page size: 250, so that decoding a page stays a short step of the
triggerer's loop), and its p99 delay stays within the interval + 1 s.
"""

from __future__ import annotations

import math
import time

from _common import Headline, Result, emulator, finish, fmt, parser, ratio_text, table
from _waits import Measured, run_design

from botcity_provider.triggers._active import MAX_PAGE_SIZE as PAGE_SIZE

NAMES = {
    "shared": "shared poller (ours)",
    "output": "shared poller, bot output told",
    "get": "one GET per wait",
}


def run(sizes: list[int], interval: float, cycles: int) -> Result:
    found: list[Measured] = []
    window = (0.5 * interval, (cycles + 0.5) * interval)
    with emulator(max_seconds=len(sizes) * 2 * ((cycles + 12) * interval + 200)) as handle:
        for waits in sizes:
            lead = 1 + waits / 250 + (cycles + 1) * interval
            for design in ("shared", "output", "get"):
                one = run_design(
                    handle,
                    design,
                    waits=waits,
                    interval=interval,
                    lead=lead,
                    spread=2 * interval,
                    windows=[window],
                )
                found.append(one)
                print(
                    f"{waits:>5} waits {design:<6} {one.windows[0] / cycles:8.1f} requests/cycle, "
                    f"p99 {one.p99:5.2f} s, missed {one.unfinished}",
                    flush=True,
                )
    return report(found, interval, cycles)


def report(found: list[Measured], interval: float, cycles: int) -> Result:
    by = {(m.waits, m.design): m for m in found}
    rows, headline = [], []
    for waits in sorted({m.waits for m in found}):
        ours, told, base = by[(waits, "shared")], by[(waits, "output")], by[(waits, "get")]
        per_ours, per_told, per_base = (m.windows[0] / cycles for m in (ours, told, base))
        target = math.ceil(waits / PAGE_SIZE) + 1
        rows.append(
            (
                waits,
                per_ours,
                per_told,
                per_base,
                ratio_text(per_ours, per_base),
                target,
                ours.p99,
                base.p99,
                ours.unfinished + told.unfinished,
            )
        )
        headline.append(
            Headline(
                "poll cycle",
                f"requests / cycle, {waits} waits",
                fmt(per_ours),
                f"{fmt(per_base)} (one GET per wait)",
                ratio_text(per_ours, per_base),
                f"≤ {target}; p99 ≤ {interval + 1:g} s (ours {fmt(ours.p99)} s)",
                per_ours <= target and ours.p99 <= interval + 1 and ours.unfinished == 0,
            )
        )
        headline.append(
            Headline(
                "poll cycle",
                f"requests / cycle with the bot's output, {waits} waits",
                fmt(per_told),
                f"{fmt(per_ours)} (without)",
                ratio_text(per_told, per_ours),
                f"≤ {target + 1} (one news request more); p99 ≤ {interval + 1:g} s",
                per_told <= target + 1 and told.p99 <= interval + 1 and told.unfinished == 0,
            )
        )
    headers = [
        "waits",
        "shared poller: requests / cycle",
        "with the bot's output: requests / cycle",
        "one GET per wait: requests / cycle",
        "ratio",
        f"target (ceil(N/{PAGE_SIZE})+1)",
        "shared: delay p99 s",
        "GET: delay p99 s",
        "shared (both): missed",
    ]
    body = (
        f"Poll interval {interval:g} s; requests counted by the emulator over {cycles} cycles while every "
        "task still runs (no finishes inside the window; the one login of each design left out), then the "
        "tasks finish over two intervals for the delay. The one-GET-per-wait design shares one client and "
        "token and keeps at most 20 GETs in flight, as our poller does for its own GETs; it falls short of "
        "N per cycle when a round of N GETs takes longer than the interval. With the bot's output told "
        "(`bot_output=True`, the operators' default), the running waits share one errors-or-alerts "
        "listing per cycle.\n\n" + table(headers, rows)
    )
    return Result("poll_cycle", "6. Requests per poll cycle", body, headline)


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--waits", default="10,100,1000", help="comma-separated wait counts")
    args.add_argument("--interval", type=float, default=2.0, help="poll interval, seconds (default 2)")
    args.add_argument("--cycles", type=int, default=3, help="cycles in the counting window (default 3)")
    options = args.parse_args()
    started = time.monotonic()
    sizes = [int(text) for text in options.waits.split(",") if text.strip()]
    finish(run(sizes, options.interval, options.cycles), started, options.json)


if __name__ == "__main__":
    main()
