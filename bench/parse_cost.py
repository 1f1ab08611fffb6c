"""Parse cost: what importing our operators and sensor adds to a DAG file, beside the dbt Cloud provider's.

The DAG processor imports every DAG file again and again; what a provider's operator modules import is
paid each time. Each measurement is a fresh interpreter that first imports ``airflow.sdk`` (what any
DAG file pays), then times the import of the target modules and lists the modules they added.
Targets are measured interleaved, ``--repeat`` times each; the table shows medians.

Bytecode: this machine sets ``PYTHONDONTWRITEBYTECODE``, and our package is installed editable (no
compiled files) while the dbt wheel is compiled. To compare like with like, the children run with a
private ``PYTHONPYCACHEPREFIX`` filled by one warm-up import of each target: everybody reads bytecode.

    python bench/parse_cost.py              # 9 repetitions
    python bench/parse_cost.py --repeat 3

Target: ours ≤ 30 ms and no requests, httpx, pydantic model or client import at parse time.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from typing import Any

from _common import PYTHON, Headline, Result, finish, median, parser, ratio_text, run_json, table

TARGETS = {
    "ours: operators": ["botcity_provider.operators.maestro"],
    "ours: operators + sensor": ["botcity_provider.operators.maestro", "botcity_provider.sensors.maestro"],
    "dbt Cloud: operators": ["airflow.providers.dbt.cloud.operators.dbt"],
    "dbt Cloud: operators + sensor": [
        "airflow.providers.dbt.cloud.operators.dbt",
        "airflow.providers.dbt.cloud.sensors.dbt",
    ],
}
# Modules a DAG file should not pay for: HTTP stacks, retry libraries, models, our client and hooks.
HEAVY = (
    "requests",
    "requests_toolbelt",
    "urllib3",
    "httpx",
    "httpcore",
    "aiohttp",
    "tenacity",
    "pydantic",
    "asgiref",
    "botcity_provider.client",
    "botcity_provider.hooks",
    "botcity_provider.triggers",
    "airflow.providers.dbt.cloud.hooks",
    "airflow.providers.dbt.cloud.triggers",
)
MAX_MS = 30.0

CHILD = r"""
import importlib, json, sys, time
started = time.perf_counter()
import airflow.sdk
sdk_ms = (time.perf_counter() - started) * 1000
before = set(sys.modules)
started = time.perf_counter()
for name in sys.argv[1:]:
    importlib.import_module(name)
ms = (time.perf_counter() - started) * 1000
print(json.dumps({"sdk_ms": sdk_ms, "ms": ms, "added": sorted(set(sys.modules) - before)}))
"""


def child_env(cache: str) -> dict[str, str]:
    # An empty PYTHONDONTWRITEBYTECODE counts as unset: the warm-up may write bytecode (into the prefix).
    return {
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": cache,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }


def measure(repeat: int) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in TARGETS}
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as cache:
        env = child_env(cache)
        for modules in TARGETS.values():  # warm-up: compile everything into the private cache
            run_json([PYTHON, "-c", CHILD, *modules], env=env)
        for number in range(repeat):
            for name, modules in TARGETS.items():
                found = run_json([PYTHON, "-c", CHILD, *modules], env=env)
                runs[name].append(found)
            print(f"repetition {number + 1}: " + ", ".join(f"{n} {runs[n][-1]['ms']:.1f} ms" for n in runs))
    return runs


def heavy_in(added: list[str]) -> list[str]:
    """The heavy packages among the modules added (``pydantic`` when any new pydantic module is)."""
    return sorted({h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in added)})


def packages(added: list[str]) -> str:
    """Top-level packages added, with module counts, largest first."""
    counts = Counter(name.split(".")[0] for name in added if not name.startswith("_"))
    return ", ".join(f"{pkg} {count}" for pkg, count in counts.most_common(12))


def report(runs: dict[str, list[dict[str, Any]]], repeat: int) -> Result:
    ms = {name: median([one["ms"] for one in found]) for name, found in runs.items()}
    added = {name: found[0]["added"] for name, found in runs.items()}
    sdk_ms = median([one["sdk_ms"] for found in runs.values() for one in found])
    rows = [
        (name, ms[name], len(added[name]), ", ".join(heavy_in(added[name])) or "none", packages(added[name]))
        for name in runs
    ]
    headers = [
        "import (after `airflow.sdk`)",
        "median ms",
        "modules added",
        "heavy modules added",
        "by package",
    ]
    body = (
        f"Fresh interpreter per measurement, {repeat} repetitions interleaved; `import airflow.sdk` itself "
        f"takes {sdk_ms:.0f} ms (median) and is not counted. Heavy = {', '.join(HEAVY)}.\n\n"
        + table(headers, rows)
    )
    ours, dbt = "ours: operators + sensor", "dbt Cloud: operators + sensor"
    clean = not heavy_in(added[ours])
    headline = [
        Headline(
            "parse cost",
            "import ms over airflow.sdk (operators + sensor)",
            f"{ms[ours]:.1f} ms",
            f"{ms[dbt]:.1f} ms (dbt Cloud)",
            ratio_text(ms[ours], ms[dbt]),
            f"≤ {MAX_MS:g} ms",
            ms[ours] <= MAX_MS,
        ),
        Headline(
            "parse cost",
            "modules added / heavy ones",
            f"{len(added[ours])} / {', '.join(heavy_in(added[ours])) or 'none'}",
            f"{len(added[dbt])} / {', '.join(h for h in heavy_in(added[dbt]) if '.' not in h)} (dbt Cloud)",
            ratio_text(len(added[ours]), len(added[dbt])),
            "no requests, httpx, pydantic models, client",
            clean,
        ),
    ]
    return Result("parse_cost", "4. Parse cost", body, headline)


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--repeat", type=int, default=9, help="measurements per target (default 9)")
    options = args.parse_args()
    started = time.monotonic()
    finish(report(measure(options.repeat), options.repeat), started, options.json)


if __name__ == "__main__":
    main()
