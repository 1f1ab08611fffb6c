"""Streaming: memory of every upload and download the client does, at two sizes, side by side.

Artifact uploads, bot build uploads, artifact downloads and log exports (CSV), each with the blocking and
the asyncio client, each in a fresh process (``bench/_streaming_child.py``) after a warm-up on a small
input. If a transfer held the file in memory, its growth would follow the size: here it is measured at a
small and a big size, and the difference between the two is what the size costs.

    python bench/streaming.py                        # files of 64 and 512 MiB, log exports of 8 and 48 MiB
    python bench/streaming.py --small-mib 16 --big-mib 64 --log-small-mib 2 --log-big-mib 8

Targets: peak growth at most 64 MiB at the big size, and at most 16 MiB more than at the small size.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import MIB, PYTHON, BenchEmulator, Headline, Result, emulator, finish, parser, run_json, table
from upload import write_file

from botcity_provider.client import MaestroClient, TokenCache

CHILD = str(Path(__file__).with_name("_streaming_child.py"))
OPS = ("artifact-upload", "bot-upload", "artifact-download", "log-export")
NAMES = {
    "artifact-upload": "`artifacts.upload`",
    "bot-upload": "`bots.upload`",
    "artifact-download": "`artifacts.download`",
    "log-export": "`logs.export` (CSV)",
}
MAX_GROWTH_MIB = 64
MAX_SIZE_COST_MIB = 16
LOG_ROW = {"text": "x" * 50_000}
Growth = dict[tuple[str, str, str], float]
"""(operation, client, size) → peak growth in MiB."""


class Inputs:
    """What each operation works on, at both sizes, made once on one emulator."""

    def __init__(self, handle: BenchEmulator, folder: Path, sizes: dict[str, int], log_sizes: dict[str, int]):
        self.folder = folder
        self.args: dict[tuple[str, str], dict[str, Any]] = {}
        with MaestroClient(handle.url, handle.login, handle.key, token_cache=TokenCache()) as client:
            task = client.tasks.create("streaming", parameters={"_emulator": {"outcome": "NEVER"}}).id
            for size_name, size in sizes.items():
                path = folder / f"{size_name}.bin"
                write_file(path, size)
                self.args["artifact-upload", size_name] = {"task": task, "path": str(path)}
                client.bots.deploy("streaming-bot", size_name)
                bot = {"bot": "streaming-bot", "version": size_name, "path": str(path)}
                self.args["bot-upload", size_name] = bot
                artifact = client.artifacts.upload(task, path)
                target = {"artifact": artifact.id, "path": str(folder / f"down-{size_name}.bin")}
                self.args["artifact-download", size_name] = target
            for size_name, size in log_sizes.items():
                label = f"log-{size_name}"
                client.logs.create(label, [{"name": "Text", "label": "text", "width": 100}])
                for _ in range(max(1, size // len(LOG_ROW["text"]))):
                    client.logs.add(label, LOG_ROW)
                self.args["log-export", size_name] = {"log": label, "path": str(folder / f"{label}.csv")}

    def measure(self, handle: BenchEmulator, op: str, kind: str, size_name: str) -> dict[str, float]:
        small, big = self.args[op, "warm-up"], self.args[op, size_name]
        argv = [PYTHON, CHILD, op, kind, handle.url, handle.login, json.dumps(small), json.dumps(big)]
        found: dict[str, float] = run_json(argv, env={"BENCH_MAESTRO_KEY": handle.key}, timeout=1200)
        return found


def run(sizes_mib: tuple[int, int], log_sizes_mib: tuple[int, int]) -> Result:
    sizes = {"warm-up": 64 * 1024, "small": sizes_mib[0] * MIB, "big": sizes_mib[1] * MIB}
    log_sizes = {"warm-up": 100_000, "small": log_sizes_mib[0] * MIB, "big": log_sizes_mib[1] * MIB}
    growth: Growth = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-streaming-", dir=_ram()) as folder,
        emulator(max_seconds=3600, env={"TMPDIR": folder}) as handle,
    ):
        inputs = Inputs(handle, Path(folder), sizes, log_sizes)
        for op in OPS:
            for kind in ("sync", "async"):
                for size_name in ("small", "big"):
                    found = inputs.measure(handle, op, kind, size_name)
                    mib = growth[op, kind, size_name] = found["growth_bytes"] / MIB
                    print(f"{op:<18} {kind:<5} {size_name:<5} growth {mib:6.1f} MiB", flush=True)
    return report(growth, sizes_mib, log_sizes_mib)


def _ram() -> str | None:
    # Files in RAM (tmpfs): a disk's write-back would make the transfers, not the client, the slow party.
    return "/dev/shm" if os.path.isdir("/dev/shm") else None


def report(growth: Growth, sizes: tuple[int, int], logs: tuple[int, int]) -> Result:
    rows = []
    worst, worst_cost = 0.0, 0.0
    for op in OPS:
        small, big = logs if op == "log-export" else sizes
        for kind in ("sync", "async"):
            low, high = growth[op, kind, "small"], growth[op, kind, "big"]
            worst, worst_cost = max(worst, high), max(worst_cost, high - low)
            rows.append((NAMES[op], kind, f"{small} MiB", low, f"{big} MiB", high, high - low))
    headers = ["transfer", "client", "small", "growth, MiB", "big", "growth, MiB", "what the size cost, MiB"]
    body = (
        "Peak resident-size growth of the client's process during one transfer, after a warm-up transfer of a"
        " small input (each in a fresh process; `ru_maxrss` and a 5 ms sampler, as in section 1). The "
        "emulator builds a log's CSV in memory (its process, not the client's), hence smaller log sizes.\n\n"
        + table(headers, rows)
    )
    headline = [
        Headline(
            "streaming",
            f"peak RSS growth of any transfer at {sizes[1]} MiB (log {logs[1]} MiB)",
            f"{worst:.1f} MiB",
            f"what the size cost: {worst_cost:.1f} MiB",
            "-",
            f"≤ {MAX_GROWTH_MIB} MiB, size ≤ {MAX_SIZE_COST_MIB} MiB",
            worst <= MAX_GROWTH_MIB and worst_cost <= MAX_SIZE_COST_MIB,
        )
    ]
    return Result("streaming", "11. Streaming uploads and downloads", body, headline)


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--small-mib", type=int, default=64)
    args.add_argument("--big-mib", type=int, default=512)
    args.add_argument("--log-small-mib", type=int, default=8)
    args.add_argument("--log-big-mib", type=int, default=48)
    options = args.parse_args()
    started = time.monotonic()
    result = run((options.small_mib, options.big_mib), (options.log_small_mib, options.log_big_mib))
    finish(result, started, options.json)


if __name__ == "__main__":
    main()
