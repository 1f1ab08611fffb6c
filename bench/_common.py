"""What every benchmark shares: an emulator in a child process, child runs, statistics and the report.

Benchmarks print, they never assert times: the machine has two cores and other work runs beside us, so
each figure is measured side by side with its baseline in the same run and read as a ratio.

A benchmark script prints its tables and, given ``--json PATH``, writes a :class:`Result` there, which
``bench/run.py`` assembles into ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from botcity_maestro_emulator.cli import KEY_ENV, parse_ready_line
from botcity_maestro_emulator.testing import EmulatorHandle

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
LOGIN, KEY = "bench", "bench-key-0123456789"
STARTUP_SECONDS = 60.0
MIB = 1 << 20


# --- the emulator, in a child process that stops by itself ---------------------------------------------


class BenchEmulator(EmulatorHandle):
    """An emulator child (``bench/_serve.py``): its CPU and memory are not the benchmark's."""

    def __init__(self, url: str, process: subprocess.Popen[str]) -> None:
        super().__init__(url, LOGIN, KEY)
        self.process = process

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


@contextmanager
def emulator(
    max_seconds: float,
    *,
    queue_seconds: float = 0.0,
    run_seconds: float = 1.0,
    stderr: TextIO | None = None,
    extra_args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    **faults: Any,
) -> Iterator[BenchEmulator]:
    """Run an emulator on a free loopback port for at most ``max_seconds`` (it then stops by itself)."""
    argv = [PYTHON, str(BENCH / "_serve.py"), "--max-seconds", str(max_seconds), "--port", "0"]
    argv += ["--login", LOGIN, "--queue-seconds", str(queue_seconds), "--run-seconds", str(run_seconds)]
    argv += ["--faults", json.dumps(faults), *extra_args]
    process = subprocess.Popen(
        argv,
        env={**os.environ, **(env or {}), KEY_ENV: KEY},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr if stderr is not None else subprocess.DEVNULL,
        text=True,
    )
    ready = parse_ready_line(read_line(process.stdout, STARTUP_SECONDS))
    handle = BenchEmulator(ready[0] if ready else "", process)
    try:
        if ready is None:
            raise RuntimeError(f"the emulator did not start (exit status {process.poll()})")
        yield handle
    finally:
        handle.stop()


def read_line(stream: TextIO | None, timeout_seconds: float) -> str:
    """One line from a child's pipe, or "" if none came in time (a hung child must not hang us)."""
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(stream.readline() if stream else ""), daemon=True)
    reader.start()
    reader.join(timeout_seconds)
    return got[0] if got else ""


def connection_env(handle: EmulatorHandle, conn_id: str = "botcity_maestro_default") -> dict[str, str]:
    """The environment that gives Airflow (no DB needed) a Maestro connection to the emulator."""
    conn = {"conn_type": "botcity", "host": handle.url, "login": handle.login, "password": handle.key}
    return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn)}


# --- child processes -----------------------------------------------------------------------------------


def run_json(argv: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 600.0) -> Any:
    """Run a child that prints one JSON document as its last line of stdout; return it."""
    done = subprocess.run(
        list(argv),
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"{' '.join(argv[:3])} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- statistics -------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def ratio_text(ours: float, baseline: float) -> str:
    """A ratio for the headline: two decimals, or two significant digits when it is small."""
    if not baseline:
        return "-"
    value = ours / baseline
    return f"{value:.2f}" if value >= 0.1 or value == 0 else f"{value:.2g}"


def fmt(value: Any, digits: int = 2) -> str:
    """Numbers for tables: thousands separators, no trailing noise."""
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "**no**", None: "-"}[value]
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "-" if math.isnan(value) else "∞"
        return f"{value:,.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(fmt(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# --- the report ---------------------------------------------------------------------------------------------


@dataclass
class Headline:
    """One line of the headline table: ours beside its baseline, as a ratio, against a target."""

    benchmark: str
    metric: str
    ours: str
    baseline: str
    ratio: str
    target: str
    met: bool | None


@dataclass
class Result:
    name: str
    title: str
    markdown: str
    headline: list[Headline] = field(default_factory=list)
    seconds: float = 0.0


def parser(description: str | None) -> argparse.ArgumentParser:
    """An argument parser with the flag every benchmark has: ``--json PATH`` for ``bench/run.py``."""
    made = argparse.ArgumentParser(description=description, formatter_class=argparse.RawTextHelpFormatter)
    made.add_argument("--json", type=Path, help="also write the result here (for bench/run.py)")
    return made


def finish(result: Result, started: float, json_path: Path | None) -> None:
    """Print the section and write it for ``bench/run.py`` when asked."""
    result.seconds = time.monotonic() - started
    print(f"\n## {result.title}\n\n{result.markdown}\n")
    if result.headline:
        print(headline_table(result.headline))
    print(f"\n({result.name}: {result.seconds:.0f} s)")
    if json_path is not None:
        json_path.write_text(json.dumps(asdict(result), indent=1))


def headline_table(rows: Sequence[Headline]) -> str:
    return table(
        ["benchmark", "metric", "ours", "baseline", "ours / baseline", "target", "met"],
        [(r.benchmark, r.metric, r.ours, r.baseline, r.ratio, r.target, r.met) for r in rows],
    )


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import psutil

    model = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / (1 << 30), 1),
        "cpu": model,
        "python": platform.python_version(),
        "load": os.getloadavg(),
    }
