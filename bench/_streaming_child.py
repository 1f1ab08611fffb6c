"""One streamed transfer in a process of its own: warm up on a small input, then the big one, and report.

``python bench/_streaming_child.py OP CLIENT URL LOGIN SMALL BIG`` with the key in ``$BENCH_MAESTRO_KEY``.
OP is ``artifact-upload``, ``bot-upload``, ``artifact-download`` or ``log-export``; CLIENT is ``sync`` or
``async``. SMALL and BIG are what OP takes, as JSON: ``{"task": id, "path": file}`` for an artifact upload,
``{"bot": id, "version": v, "path": file}`` for a bot upload, ``{"artifact": id, "path": target}`` for a
download, ``{"log": label, "path": target}`` for an export. Memory is measured as ``_upload_child.py`` does.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
from _upload_child import Sampler

from botcity_provider.client import AsyncMaestroClient, MaestroClient, TokenCache


def _call(client: Any, op: str, args: dict[str, Any]) -> Any:
    path = Path(args["path"])
    if op == "artifact-upload":
        return client.artifacts.upload(args["task"], path)
    if op == "bot-upload":
        return client.bots.upload(args["bot"], args["version"], path)
    if op == "artifact-download":
        return client.artifacts.download(args["artifact"], path)
    if op == "log-export":
        return client.logs.export(args["log"], path, days=1)
    raise SystemExit(f"unknown operation {op!r}")


def transfer(op: str, kind: str, url: str, login: str, key: str) -> Callable[[dict[str, Any]], None]:
    """A function doing one ``op`` with a client of ``kind`` that stays open between calls."""
    if kind == "sync":
        client = MaestroClient(url, login, key, token_cache=TokenCache())
        return lambda args: _call(client, op, args)
    loop = asyncio.new_event_loop()
    aclient = AsyncMaestroClient(url, login, key, token_cache=TokenCache())
    return lambda args: loop.run_until_complete(_call(aclient, op, args))


def main() -> None:
    op, kind, url, login, small, big = sys.argv[1:]
    run = transfer(op, kind, url, login, os.environ["BENCH_MAESTRO_KEY"])
    run(json.loads(small))
    high_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rss_before = psutil.Process().memory_info().rss
    with Sampler() as sampler:
        started = time.perf_counter()
        run(json.loads(big))
        seconds = time.perf_counter() - started
    high_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    peak = high_after if high_after > high_before else max(sampler.peak, rss_before)
    print(json.dumps({"seconds": seconds, "growth_bytes": peak - rss_before, "rss_before": rss_before}))


if __name__ == "__main__":
    main()
