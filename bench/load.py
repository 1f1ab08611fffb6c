"""Load: 200 concurrent clients creating and polling tasks for 60 s, with injected faults.

Each client is a coroutine with an ``AsyncMaestroClient`` of its own (one token for all: the process
cache): it creates a task (with an idempotency key, as the operator does) that runs 0.5 to 2 s, reads
it every ``--poll`` seconds (0.1: as fast as it can, in effect) until it ends, and starts over until
the time is up. The emulator, in a process of its own, answers a share of the requests with injected
5xx and 429. Every call's latency (retries included) is recorded, and every error that reaches the
caller is classified: one the emulator injected, or anything else (a timeout, a broken connection, a
wrong answer), which is a failure.

Side by side, the same workload from a bare keep-alive HTTP/1.1 client on asyncio streams (no retries,
no parsing beyond JSON): what the emulator serves on this machine when the client costs next to
nothing. Both run in this process, one after the other; the emulator's CPU is its own. A last table
splits one call's CPU between the bare client, httpx and ours.

    python bench/load.py                    # 200 clients, 60 s each
    python bench/load.py --clients 50 --seconds 10
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psutil
from _common import (
    BenchEmulator,
    Headline,
    Result,
    emulator,
    finish,
    fmt,
    parser,
    percentile,
    ratio_text,
    table,
)

from botcity_provider.client import AsyncMaestroClient, MaestroAPIError, MaestroError, TokenCache

FAULTS = {"error_rate": 0.005, "rate_limit_rate": 0.002, "retry_after_seconds": 1, "seed": 7}
INJECTED_STATUSES = frozenset({500, 502, 503, 504, 429})
LABEL = "load-bot"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)
    other: Counter[str] = field(default_factory=Counter)
    tasks: int = 0


def script() -> dict[str, Any]:
    return {"_emulator": {"queue_seconds": 0, "run_seconds": round(random.uniform(0.5, 2.0), 2)}}


async def timed(tally: Tally, call: Any) -> Any:
    """Await a call, record its latency, and sort an error reaching us: injected or not."""
    started = time.perf_counter()
    try:
        return await call
    except MaestroAPIError as exc:
        (tally.injected if exc.status in INJECTED_STATUSES else tally.other)[f"{exc.status}"] += 1
    except MaestroError as exc:
        tally.other[type(exc).__name__] += 1
    finally:
        tally.latencies.append(time.perf_counter() - started)
    return None


async def ours_client(
    handle: BenchEmulator, cache: TokenCache, until: float, tally: Tally, poll: float
) -> None:
    async with AsyncMaestroClient(
        handle.url, handle.login, handle.key, verify=False, token_cache=cache
    ) as client:
        while time.monotonic() < until:
            key = f"load-{uuid.uuid4().hex}"
            task = await timed(tally, client.tasks.create(LABEL, parameters=script(), idempotency_key=key))
            if task is None:
                continue
            tally.tasks += 1
            while time.monotonic() < until:
                await asyncio.sleep(poll)
                seen = await timed(tally, client.tasks.get(task.id))
                if seen is not None and seen.is_terminal:
                    break


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for this workload."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: str) -> None:
        self.reader, self.writer, self.head = reader, writer, head

    @classmethod
    async def open(cls, url: str, token: str, login: str) -> Connection:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer, f"Host: {host}\r\ntoken: {token}\r\norganization: {login}\r\n")

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\n{self.head}Content-Type: application/json\r\n"
        self.writer.write(f"{head}Content-Length: {len(data)}\r\n\r\n".encode() + data)
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        return status, json.loads(payload) if payload else None


async def raw_call(tally: Tally, connection: Connection, method: str, path: str, body: Any = None) -> Any:
    started = time.perf_counter()
    try:
        status, answer = await connection.request(method, path, body)
    finally:
        tally.latencies.append(time.perf_counter() - started)
    if status == 200:
        return answer
    (tally.injected if status in INJECTED_STATUSES else tally.other)[str(status)] += 1
    return None


async def raw_client(handle: BenchEmulator, token: str, until: float, tally: Tally, poll: float) -> None:
    connection = await Connection.open(handle.url, token, handle.login)
    try:
        while time.monotonic() < until:
            body = {"activityLabel": LABEL, "parameters": script()}
            task = await raw_call(tally, connection, "POST", "/api/v2/task", body)
            if task is None:
                continue
            tally.tasks += 1
            while time.monotonic() < until:
                await asyncio.sleep(poll)
                seen = await raw_call(tally, connection, "GET", f"/api/v2/task/{task['id']}")
                if seen is not None and seen["state"] in ("FINISHED", "CANCELED"):
                    break
    finally:
        connection.writer.close()


def login(handle: BenchEmulator) -> str:
    """A token for the bare client, from one plain login."""
    body = json.dumps({"login": handle.login, "key": handle.key}).encode()
    request = urllib.request.Request(f"{handle.url}/api/v2/workspace/login", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.loads(answer.read())["accessToken"])


async def drive(handle: BenchEmulator, kind: str, clients: int, seconds: float, poll: float) -> Tally:
    tally = Tally()
    until = time.monotonic() + seconds
    if kind == "ours":
        cache = TokenCache()
        runs = [ours_client(handle, cache, until, tally, poll) for _ in range(clients)]
    else:
        token = await asyncio.to_thread(login, handle)
        runs = [raw_client(handle, token, until, tally, poll) for _ in range(clients)]
    await asyncio.gather(*runs)
    return tally


def measure(handle: BenchEmulator, kind: str, clients: int, seconds: float, poll: float) -> dict[str, Any]:
    handle.reset()
    handle.set_faults(**FAULTS)
    # Who had the CPU: this process (the clients), the emulator, and the machine as a whole.
    meters = [psutil.Process(), psutil.Process(handle.pid)]
    cpu_before = [meter.cpu_times() for meter in meters]
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    tally = asyncio.run(drive(handle, kind, clients, seconds, poll))
    took = time.monotonic() - started
    busy = [
        (now.user + now.system - then.user - then.system) / took * 100
        for now, then in zip((meter.cpu_times() for meter in meters), cpu_before, strict=True)
    ]
    stats = handle.stats()
    handle.clear_faults()
    found = {
        "kind": kind,
        "seconds": took,
        "rps": stats["requests_total"] / took,
        "calls": len(tally.latencies),
        "p50": percentile(tally.latencies, 50) * 1000,
        "p99": percentile(tally.latencies, 99) * 1000,
        "p999": percentile(tally.latencies, 99.9) * 1000,
        "tasks": tally.tasks,
        "injected_seen": sum(tally.injected.values()),
        "injected_by_status": dict(tally.injected),
        "other": dict(tally.other),
        "faults": sum(stats["faults"].values()),
        "listings": stats["requests"].get("GET /api/v2/task", 0),
        "statuses": stats["responses"],
        "cpu_clients": busy[0],
        "cpu_emulator": busy[1],
        "load": (load_before, os.getloadavg()[0]),
    }
    print(
        f"{kind:<4} {found['rps']:7.0f} req/s, p99 {found['p99']:6.0f} ms, tasks {tally.tasks}, "
        f"faults {found['faults']}, surfaced {found['injected_seen']}, other errors {found['other']}",
        flush=True,
    )
    return found


async def cpu_per_call(handle: BenchEmulator, calls: int, rounds: int) -> dict[str, float]:
    """CPU milliseconds per ``GET /api/v2/task/{id}``, one connection, one call at a time, no faults."""
    import httpx

    async with AsyncMaestroClient(handle.url, handle.login, handle.key, token_cache=TokenCache()) as client:
        task = await client.tasks.create(LABEL, parameters={"_emulator": {"outcome": "NEVER"}})
        secret = client._slot.token  # kept wrapped by the client; the bare clients need its text
        token = secret.get_secret_value() if secret is not None else ""
        bare = await Connection.open(handle.url, token, handle.login)
        path = f"/api/v2/task/{task.id}"
        async with httpx.AsyncClient(headers={"token": token, "organization": handle.login}) as plain:

            async def with_httpx() -> Any:
                return json.loads((await plain.get(handle.url + path)).content)

            kinds = {
                "bare asyncio streams": lambda: bare.request("GET", path),
                "httpx + json": with_httpx,
                "ours (`tasks.get`)": lambda: client.tasks.get(task.id),
            }
            found: dict[str, list[float]] = {name: [] for name in kinds}
            for _ in range(rounds):
                for name, call in kinds.items():
                    for _ in range(calls // 10):  # warm
                        await call()
                    started = time.process_time()
                    for _ in range(calls):
                        await call()
                    found[name].append((time.process_time() - started) / calls * 1000)
        bare.writer.close()
    return {name: sorted(values)[len(values) // 2] for name, values in found.items()}


def limit(measured: dict[str, Any], asked: float) -> str:
    """What held a run back: the demand if it was met, else the busier of the two processes."""
    if measured["rps"] >= 0.8 * asked:
        return "the demand"
    if measured["cpu_clients"] >= measured["cpu_emulator"]:
        return "the clients' process"
    return "the emulator"


HEADERS = [
    "client",
    "requests/s (server)",
    "calls/s",
    "tasks",
    "call p50 ms",
    "call p99 ms",
    "call p99.9 ms",
    "CPU clients / emulator",
    "limit",
    "load average",
    "faults injected",
    "task listings (key lookups)",
    "injected errors reaching the caller",
    "other errors",
]
NAMES = {"ours": "ours: `AsyncMaestroClient` per client", "raw": "bare keep-alive HTTP client"}


def row_of(m: dict[str, Any], asked: float) -> tuple[Any, ...]:
    return (
        NAMES[m["kind"]],
        m["rps"],
        m["calls"] / m["seconds"],
        m["tasks"],
        m["p50"],
        m["p99"],
        m["p999"],
        f"{m['cpu_clients']:.0f} % / {m['cpu_emulator']:.0f} %",
        limit(m, asked),
        f"{m['load'][0]:.1f} → {m['load'][1]:.1f}",
        m["faults"],
        m["listings"],
        ", ".join(f"{n}x {s}" for s, n in sorted(m["injected_by_status"].items())) or "none",
        ", ".join(f"{k} {v}" for k, v in m["other"].items()) or "none",
    )


def report(ours: dict[str, Any], raw: dict[str, Any], clients: int, seconds: float, poll: float) -> Result:
    rows = [row_of(m, clients / poll) for m in (ours, raw)]
    body = (
        f"{clients} concurrent clients for {seconds:g} s each, creating tasks (0.5 to 2 s runs) and reading "
        f"each every {poll:g} s until it ends: up to {clients / poll:.0f} requests/s asked. *Limit* says "
        "what held each run back: the demand when 80 % of it was served, else the busier process (each "
        "client waits for its answer before it sleeps, so a slow process asks less); the load average "
        "shows how much else ran. Faults: "
        f"{json.dumps(FAULTS)}. A call's latency includes its retries (after a 429 it waits the "
        "Retry-After of 1 s; after a 5xx, 0.5 s and more), which shows in the p99.9. Our client retries "
        "429, 502, 503 and 504 on reads, passes a 500 on, and after a failed create looks for the task by "
        "its idempotency key (task listings) before creating again. The runs are one after the other: "
        "compare them knowing the load average moved.\n\n" + table(HEADERS, rows)
    )
    clean = not ours["other"]
    limits = f"{limit(ours, clients / poll)} / {limit(raw, clients / poll)}"
    headline = [
        Headline(
            "load",
            f"requests/s, {clients} clients x {seconds:g} s (limit: {limits})",
            fmt(ours["rps"], 0),
            f"{fmt(raw['rps'], 0)} (bare client)",
            ratio_text(ours["rps"], raw["rps"]),
            "no error but injected ones",
            clean,
        ),
        Headline(
            "load",
            "call latency p99 (retries included)",
            f"{ours['p99']:.0f} ms",
            f"{raw['p99']:.0f} ms (bare, no retries)",
            ratio_text(ours["p99"], raw["p99"]),
            "-",
            None,
        ),
    ]
    return Result("load", "7. Load", body, headline)


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--clients", type=int, default=200, help="concurrent clients (default 200)")
    args.add_argument("--seconds", type=float, default=60.0, help="duration of each run (default 60)")
    args.add_argument("--poll", type=float, default=0.1, help="seconds between reads of a task (default 0.1)")
    options = args.parse_args()
    started = time.monotonic()
    with emulator(max_seconds=2 * options.seconds + 600) as handle:
        per_call = asyncio.run(cpu_per_call(handle, 2000, 3))
        print("CPU ms per call:", {name: round(ms, 3) for name, ms in per_call.items()}, flush=True)
        ours = measure(handle, "ours", options.clients, options.seconds, options.poll)
        raw = measure(handle, "raw", options.clients, options.seconds, options.poll)
    result = report(ours, raw, options.clients, options.seconds, options.poll)
    base = per_call["bare asyncio streams"]
    result.markdown += (
        "\n\nWhere the client's time goes: CPU per `GET /api/v2/task/{id}` on one connection, one call at a "
        "time, no faults (median of 3 x 2000 calls):\n\n"
        + table(["client", "CPU ms / call", "÷ bare"], [(n, ms, ms / base) for n, ms in per_call.items()])
    )
    finish(result, started, options.json)


if __name__ == "__main__":
    main()
