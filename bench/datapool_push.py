"""Datapool push: 100,000 items of a 100 MB JSON Lines file, by the operator's code and by the official SDK.

Ours is what ``BotCityDatapoolPushOperator`` does on a first try: ``ItemSource.check`` reads the file
once, then ``push_once`` streams it again, ``--concurrency`` pushes at a time (Maestro has no batch route:
one request per item). The SDK pushes the same items one by one (``DataPool.create_entry``), reading the
file line by line. Each pusher runs in a process of its own (``bench/_datapool_push_child.py``) into a
fresh pool of a reset emulator, so the requests the emulator counts are its own. Last, ours pushes part of
the file at the highest concurrency while the emulator answers a share of the requests 429, and the pool is
listed to show that every item landed once.

    python bench/datapool_push.py                   # 100,000 items of 1 KB; the SDK pushes them all
    python bench/datapool_push.py --items 10000 --sdk-items 2000 --rate-limited-items 2000

Targets: peak RSS growth of ours at most 64 MiB for the whole file, one request per item, and under 429s
every item in the pool exactly once.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from _common import MIB, PYTHON, BenchEmulator, Headline, Result, emulator, finish, parser, run_json, table

from botcity_provider.client import MaestroClient, TokenCache

CHILD = str(Path(__file__).with_name("_datapool_push_child.py"))
ITEM_BYTES = 1024
DEFAULT_CONCURRENCY = 4  # the operator's max_concurrency
MAX_GROWTH_MIB = 64
PUSH_ROUTE = "POST /api/v2/datapool/{label}/push"
MARKER_FIELD = "airflow_key"
FILLER = "Deliver to the loading dock at the back; call ahead if nobody answers the bell. " * 16
NAMES = {"ours": "ours, `push_once` (the operator)", "sdk": "official SDK 0.9.1, `DataPool.create_entry`"}


@dataclass(frozen=True)
class Run:
    """One push: who, how many at a time, which file, and the fault profile during it."""

    kind: str
    concurrency: int
    path: Path
    items: int
    faults: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.kind} c={self.concurrency}" + (" 429s" if self.faults else "")


def write_items(path: Path, count: int) -> None:
    """``count`` JSON objects of ``ITEM_BYTES`` bytes each (newline included), one a line."""
    with path.open("w", encoding="utf-8") as out:
        for order in range(count):
            item = {"order": order, "customer": f"customer-{order % 977:04d}", "note": ""}
            room = ITEM_BYTES - 1 - len(json.dumps(item))
            start = order % 80
            item["note"] = FILLER[start : start + room]
            out.write(json.dumps(item) + "\n")


def first_lines(source: Path, target: Path, count: int) -> None:
    """The first ``count`` lines of ``source`` in ``target``: a sample both pushers take alike."""
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for _, line in zip(range(count), lines, strict=False):
            out.write(line)


def measure(handle: BenchEmulator, run: Run, label: str) -> dict[str, Any]:
    """Push ``run`` into a fresh pool; add what the emulator counted and what the pool holds after."""
    handle.reset()
    with MaestroClient(handle.url, handle.login, handle.key, token_cache=TokenCache()) as client:
        client.datapools.create(label)
    if run.faults:
        handle.set_faults(**run.faults)
    before = handle.stats()
    server_cpu = _cpu_seconds(handle.pid)
    argv = [PYTHON, CHILD, run.kind, handle.url, handle.login, label, str(run.path), str(run.concurrency)]
    try:
        found: dict[str, Any] = run_json(argv, env={"BENCH_MAESTRO_KEY": handle.key}, timeout=1800)
        found["server_cpu_seconds"] = _cpu_seconds(handle.pid) - server_cpu
        after = handle.stats()
    finally:
        handle.clear_faults()
    found["push_route"] = after["requests"].get(PUSH_ROUTE, 0) - before["requests"].get(PUSH_ROUTE, 0)
    found["requests_total"] = after["requests_total"] - before["requests_total"]
    found["logins"] = after["logins"] - before["logins"]
    found["rate_limited"] = after["faults"]["rate_limit"] - before["faults"]["rate_limit"]
    ids = [entry_id for entry_id in found.pop("ids") if entry_id]
    with MaestroClient(handle.url, handle.login, handle.key, token_cache=TokenCache()) as client:
        found["in_pool"] = client.datapools.summary(label).count_pending
        if run.faults:
            # Each item's own key, as the pool holds it: a listing, where a count could hide a swap.
            keys = Counter(entry.values.get(MARKER_FIELD) for entry in client.datapools.iter_entries(label))
            found["duplicates"] = sum(times - 1 for times in keys.values())
            found["missing"] = run.items - len(keys)
            found["listed"] = True
        else:
            found["duplicates"] = found["in_pool"] - len(set(ids))
            found["missing"] = run.items - len(set(ids))
            found["listed"] = False
    if found["count"] != run.items:
        raise RuntimeError(f"{run.name}: pushed {found['count']} items of {run.items}")
    return found


def _cpu_seconds(pid: int) -> float:
    used = psutil.Process(pid).cpu_times()
    return float(used.user + used.system)


def run(
    items: int, concurrencies: Sequence[int], sdk_items: int, limited: int, faults: dict[str, Any]
) -> Result:
    runs: list[tuple[Run, dict[str, Any]]] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-datapool-") as folder,
        emulator(max_seconds=3600) as handle,
    ):
        whole, sample, part = (Path(folder) / name for name in ("items.jsonl", "sample.jsonl", "part.jsonl"))
        write_items(whole, items)
        print(f"wrote {items:,} items, {whole.stat().st_size / MIB:.1f} MiB", flush=True)
        # The operator's concurrency last: next in time to the SDK it is compared with.
        ordered = sorted(concurrencies, key=lambda concurrency: concurrency == DEFAULT_CONCURRENCY)
        plan = [Run("ours", concurrency, whole, items) for concurrency in ordered]
        if sdk_items < items:
            # The SDK on a sample only: ours pushes the same sample too, for the side-by-side figures.
            first_lines(whole, sample, sdk_items)
            plan += [Run("ours", DEFAULT_CONCURRENCY, sample, sdk_items), Run("sdk", 1, sample, sdk_items)]
        else:
            plan.append(Run("sdk", 1, whole, items))
        first_lines(whole, part, limited)
        plan.append(Run("ours", max(concurrencies), part, limited, faults))
        for number, one in enumerate(plan):
            found = measure(handle, one, f"bench-pool-{number}")
            runs.append((one, found))
            show(one, found)
    return report(runs, items, sdk_items, faults)


def show(one: Run, found: dict[str, Any]) -> None:
    speed = one.items / found["push_seconds"]
    growth = found["growth_bytes"] / MIB
    verdict = "PASS" if growth <= MAX_GROWTH_MIB else "FAIL"
    print(
        f"{one.name:<13} {one.items:>7,} items {speed:7.0f} items/s, {found['push_route'] / one.items:.3f}"
        f" pushes/item, {found['rate_limited']} 429s, peak growth {growth:5.1f} MiB ({verdict} ≤ "
        f"{MAX_GROWTH_MIB}), missing {found['missing']}, duplicates {found['duplicates']}",
        flush=True,
    )


def report(
    runs: list[tuple[Run, dict[str, Any]]], items: int, sdk_items: int, faults: dict[str, Any]
) -> Result:
    sdk = next(found for one, found in runs if one.kind == "sdk")
    sdk_speed = sdk_items / sdk["push_seconds"]
    whole = runs[0][0].path
    rows = []
    for one, found in sorted(runs, key=lambda pair: _row_order(pair[0], whole)):
        speed = one.items / found["push_seconds"]
        growth = found["growth_bytes"] / MIB
        same_items = one.items == sdk_items and not one.faults
        rows.append(
            (
                NAMES[one.kind],
                one.concurrency if one.kind == "ours" else "1 (one by one)",
                one.items,
                f"{found['check_seconds']:.2f}" if one.kind == "ours" else "-",
                found["push_seconds"],
                speed,
                f"{speed / sdk_speed:.2f}" if same_items else "-",
                f"{found['push_route'] / one.items:.4f}",
                f"{found['requests_total'] / one.items:.5f} (+{_others(found)})",
                found["rate_limited"],
                f"{found['push_cpu_seconds'] / found['push_seconds']:.0%} / "
                f"{found['server_cpu_seconds'] / found['push_seconds']:.0%}",
                f"{found['check_growth_bytes'] / MIB:.1f} / {growth:.1f}"
                if one.kind == "ours"
                else f"{growth:.1f}",
                "PASS" if growth <= MAX_GROWTH_MIB else "FAIL",
                f"{found['missing']} / {found['duplicates']}" + (" (listed)" if found["listed"] else ""),
            )
        )
    headers = [
        "pusher",
        "concurrency",
        "items",
        "check s",
        "push s",
        "items/s",
        "÷ SDK",
        "push requests / item",
        "all requests / item (+ others)",
        "429s received",
        "CPU during the push, pusher / emulator",
        "peak RSS growth, MiB (after check / whole)",
        f"≤ {MAX_GROWTH_MIB} MiB",
        "missing / duplicates",
    ]
    sample = (
        f"The SDK pushed the first {sdk_items:,} items only (`--sdk-items`, to keep the run short), and "
        "ours the same ones in the row beside it: the ÷ SDK column compares those."
        if sdk_items < items
        else f"Both pushed all {items:,} items; ÷ SDK compares the same items."
    )
    limited = runs[-1][0]
    body = (
        f"{items:,} items of {ITEM_BYTES} bytes in a JSON Lines file of {items * ITEM_BYTES / MIB:.0f} MiB, "
        "each pusher in a fresh process into a fresh pool of a reset emulator (its own process). Ours is "
        "the operator's first try: `ItemSource.check` (reads the whole file, keeps only the keys), then "
        f"`push_once` with an `AsyncMaestroClient`; it adds its key field (`{MARKER_FIELD}`) to each item. "
        f"{sample} Push time includes the login; requests are the emulator's counts (all requests: the "
        "login too, and the SDK's reads of the version and the pool). CPU: each process's CPU time "
        "over the push's wall time (100 % is one core of the two). Growth is the peak resident size "
        "during check and push minus the size just before (`ru_maxrss` and a 5 ms sampler, as in "
        "section 1). Missing / duplicates: from the pool's count and the distinct entry ids, or, in the "
        "last row, from a listing of the pool by each item's key. The last row pushes "
        f"{limited.items:,} items at concurrency {limited.concurrency} while the emulator answers 429 to "
        f"{faults.get('rate_limit_rate', 0):.0%} of requests (Retry-After "
        f"{faults.get('retry_after_seconds', 1)} s), which the client waits out and sends again (each 429 "
        "holds one of the pushers that long): a 429 is never processed, so the extra requests add no "
        "item.\n\n" + table(headers, rows)
    )
    sdk_run = next(one for one, _ in runs if one.kind == "sdk")
    side = beside(runs, sdk_run.path)
    whole_runs = [(one, found) for one, found in runs if one.kind == "ours" and one.path == runs[0][0].path]
    unlimited = next(
        (pair for pair in whole_runs if pair[0].concurrency == runs[-1][0].concurrency), whole_runs[-1]
    )
    worst = max(found["growth_bytes"] for _, found in whole_runs) / MIB
    per_item = max(found["push_route"] / one.items for one, found in whole_runs)
    total_per_item = max(found["requests_total"] / one.items for one, found in whole_runs)
    others = max(_others(found) for _, found in whole_runs)
    speeds = ", ".join(
        f"{one.items / found['push_seconds']:.0f} at {one.concurrency}" for one, found in whole_runs
    )
    ours_speed = sdk_items / side[1]["push_seconds"]
    limited_found = runs[-1][1]
    limited_speed = limited.items / limited_found["push_seconds"]
    unlimited_speed = unlimited[0].items / unlimited[1]["push_seconds"]
    headline = [
        Headline(
            "datapool_push",
            f"peak RSS growth pushing {items:,} items ({items * ITEM_BYTES / MIB:.0f} MiB JSON Lines)",
            f"{worst:.1f} MiB",
            f"SDK {sdk['growth_bytes'] / MIB:.1f} MiB",
            "-",
            f"≤ {MAX_GROWTH_MIB} MiB",
            worst <= MAX_GROWTH_MIB,
        ),
        Headline(
            "datapool_push",
            "push requests per item (all requests per item, + the others: login; SDK: version, pool)",
            f"{per_item:.4f} ({total_per_item:.5f}, +{others})",
            f"SDK {sdk['push_route'] / sdk_items:.4f} "
            f"({sdk['requests_total'] / sdk_items:.5f}, +{_others(sdk)})",
            "-",
            "1 (no batch route)",
            per_item == 1,
        ),
        Headline(
            "datapool_push",
            f"items/s at concurrency {side[0].concurrency}, {sdk_items:,} items (all items: {speeds})",
            f"{ours_speed:.0f}",
            f"SDK one by one {sdk_speed:.0f}",
            f"{ours_speed / sdk_speed:.2f}",
            "-",
            None,
        ),
        Headline(
            "datapool_push",
            f"{limited.items:,} items at concurrency {limited.concurrency}, "
            f"{limited_found['rate_limited']} 429s received",
            f"{limited_speed:.0f} items/s, "
            f"{limited_found['missing']} missing, {limited_found['duplicates']} duplicates",
            f"no 429s, {unlimited[0].concurrency} at a time: {unlimited_speed:.0f} items/s",
            f"{limited_speed / unlimited_speed:.2f}",
            "each item once",
            limited_found["missing"] == 0 and limited_found["duplicates"] == 0,
        ),
    ]
    return Result("datapool_push", "12. Pushing items into a datapool", body, headline)


def _others(found: dict[str, Any]) -> int:
    """Requests beside the pushes: the login (and the SDK's reads of the version and the pool)."""
    return int(found["requests_total"] - found["push_route"])


def _row_order(one: Run, whole: Path) -> tuple[bool, bool, bool, int]:
    return bool(one.faults), one.kind == "sdk", one.path != whole, one.concurrency


def beside(runs: list[tuple[Run, dict[str, Any]]], path: Path) -> tuple[Run, dict[str, Any]]:
    """Ours without faults on the file at ``path``: at the operator's concurrency when it ran."""
    plain = [
        (one, found) for one, found in runs if one.kind == "ours" and one.path == path and not one.faults
    ]
    return next(((one, f) for one, f in plain if one.concurrency == DEFAULT_CONCURRENCY), plain[0])


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--items", type=int, default=100_000, help="items in the file (default 100000)")
    args.add_argument("--concurrency", default="1,4,8", help="ours' concurrencies (default 1,4,8)")
    args.add_argument("--sdk-items", type=int, help="items the SDK pushes (default: all)")
    args.add_argument("--rate-limited-items", type=int, default=10_000, help="items pushed under 429s")
    args.add_argument("--rate-limit-rate", type=float, default=0.05, help="share of requests answered 429")
    args.add_argument("--retry-after", type=float, default=0.2, help="the 429s' Retry-After, seconds")
    options = args.parse_args()
    concurrencies = [int(value) for value in options.concurrency.split(",")]
    sdk_items = min(options.items, options.sdk_items or options.items)
    limited = min(options.items, options.rate_limited_items)
    faults = {
        "rate_limit_rate": options.rate_limit_rate,
        "retry_after_seconds": options.retry_after,
        "seed": 7,
    }
    started = time.monotonic()
    finish(run(options.items, concurrencies, sdk_items, limited, faults), started, options.json)


if __name__ == "__main__":
    main()
