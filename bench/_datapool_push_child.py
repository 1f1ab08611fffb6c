"""One pusher in a process of its own: push every item of a JSON Lines file to a datapool, and report.

``python bench/_datapool_push_child.py KIND URL LOGIN LABEL PATH CONCURRENCY`` with the key in
``$BENCH_MAESTRO_KEY``. KIND is ``ours`` (what ``BotCityDatapoolPushOperator`` does: ``ItemSource.check``,
then ``push_once`` with an ``AsyncMaestroClient``, ``CONCURRENCY`` pushes at a time) or ``sdk`` (the
official SDK's ``DataPool.create_entry``, one item after the other, read line by line; CONCURRENCY is
ignored). Both start from nothing: the time of a push includes the login.

The CPU time of the push (the whole process's, the sampler's too) shows which side held it back.
Memory is measured as ``_upload_child.py`` does, from just before the first read of the file (after the
imports and the client's construction) to the end of the push: ``ru_maxrss`` when the push set a new
high-water mark, otherwise the peak seen by a 5 ms sampler.
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

# The marker field, the one the operator's idempotency_field defaults to.
MARKER_FIELD = "airflow_key"


def ours(url: str, login: str, key: str, *, label: str, path: Path, concurrency: int) -> dict[str, Any]:
    from botcity_provider.client import AsyncMaestroClient, ClientConfig, TokenCache
    from botcity_provider.hooks.datapools import ItemSource, Marker, push_once

    source = ItemSource(path, key_field="order", reserved_field=MARKER_FIELD)
    marker = Marker.of_task_instance(MARKER_FIELD, "bench", "run", "push", -1)
    loop = asyncio.new_event_loop()
    client = AsyncMaestroClient(config=ClientConfig(url, login, key), token_cache=TokenCache())
    found: dict[str, Any] = {}

    def check() -> None:
        started = time.perf_counter()
        found["count"] = source.check()
        found["check_seconds"] = time.perf_counter() - started

    def push() -> None:
        started = time.perf_counter()
        report = loop.run_until_complete(
            push_once(
                client,
                label,
                source,
                marker,
                count=found["count"],
                priority=0,
                concurrency=concurrency,
                look_first=False,
            )
        )
        found["push_seconds"] = time.perf_counter() - started
        found.update(ids=report.ids, pushed=report.pushed, push_requests=report.push_requests)
        found["listings"] = report.listings

    measured(found, check, push)
    loop.run_until_complete(client.aclose())
    return found


def sdk(url: str, login: str, key: str, *, label: str, path: Path, concurrency: int) -> dict[str, Any]:
    from botcity.maestro import BotMaestroSDK, DataPoolEntry

    found: dict[str, Any] = {"check_seconds": 0.0}

    def push() -> None:
        started = time.perf_counter()
        maestro = BotMaestroSDK(url, login, key)
        maestro.login()
        pool = maestro.get_datapool(label)
        ids = []
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                entry = pool.create_entry(DataPoolEntry(values=json.loads(line), priority=0))
                ids.append(entry.entry_id)
        found["push_seconds"] = time.perf_counter() - started
        found.update(ids=ids, count=len(ids), pushed=len(ids), push_requests=len(ids), listings=0)

    measured(found, lambda: None, push)
    return found


def measured(found: dict[str, Any], check: Callable[[], None], push: Callable[[], None]) -> None:
    """Run ``check`` then ``push`` under the meter; note the peak growth after each."""
    high_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rss_before = psutil.Process().memory_info().rss
    with Sampler() as sampler:
        check()
        found["check_growth_bytes"] = _growth(high_before, rss_before, sampler.peak)
        cpu_before = _cpu_seconds()
        push()
        found["push_cpu_seconds"] = _cpu_seconds() - cpu_before
    found["growth_bytes"] = _growth(high_before, rss_before, sampler.peak)
    found["rss_before"] = rss_before


def _cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _growth(high_before: int, rss_before: int, sampled: int) -> int:
    high = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    peak = high if high > high_before else max(sampled, rss_before)
    return peak - rss_before


KINDS = {"ours": ours, "sdk": sdk}


def main() -> None:
    kind, url, login, label, path, concurrency = sys.argv[1:]
    key = os.environ["BENCH_MAESTRO_KEY"]
    found = KINDS[kind](url, login, key, label=label, path=Path(path), concurrency=int(concurrency))
    print(json.dumps(found))


if __name__ == "__main__":
    main()
