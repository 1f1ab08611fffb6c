"""``make bench``: run every benchmark against the emulator and write ``bench/results.md``.

Each benchmark runs as its own process (``python bench/<name>.py --json ...``), one after the other, so
none measures another's leftovers; their output streams through. A benchmark that fails is reported in
the file (and makes this script exit non-zero) without stopping the others.

    python bench/run.py                      # everything, full sizes (about 12 minutes here)
    python bench/run.py --quick              # small sizes, about 4 minutes: does it all still work?
    python bench/run.py --only upload,parse_cost --output /tmp/results.md
    python bench/run.py --only cluster --merge   # `make bench-cluster`: one section into results.md

``--merge`` rewrites only the sections (and headline rows) of the benchmarks that ran, keeping the rest
of the file: the cluster benchmark takes about an hour and a half, more than a run of everything else.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import BENCH, PYTHON, Headline, headline_table, machine

# name, title, arguments for `make bench`, arguments for --quick
PLAN: list[tuple[str, str, list[str], list[str]]] = [
    (
        "upload",
        "1. Upload memory and speed",
        ["--size-mib", "1024", "--rounds", "5"],
        ["--size-mib", "64", "--rounds", "1"],
    ),
    (
        "triggerer",
        "2. Triggerer scale",
        ["--waits", "1000"],
        ["--waits", "100", "--interval", "2", "--spread", "4"],
    ),
    ("logins", "3. Login economy", [], ["--executions", "20", "--hooks", "2"]),
    ("parse_cost", "4. Parse cost", ["--repeat", "9"], ["--repeat", "2"]),
    ("dag_requests", "5. Requests per DAG run", [], []),
    ("poll_cycle", "6. Requests per poll cycle", [], ["--waits", "10,100", "--interval", "1"]),
    (
        "shared_listing",
        "13. Waits and asset watchers sharing one listing",
        [],
        ["--waits", "10", "--cycles", "3"],
    ),
    ("load", "7. Load", ["--seconds", "60"], ["--seconds", "5", "--clients", "50"]),
    ("cold_start", "8. Cold start of a deferred wait", ["--rounds", "3"], ["--rounds", "1"]),
    # The whole table of docs/reliability.md takes about 50 minutes: `python bench/create_budget.py`.
    (
        "create_budget",
        "9. What a create can ride out",
        ["--creates", "1000", "--levels", "0.278,0.5", "--bounds", "none,2", "--max-retries", "4,8"],
        ["--creates", "200", "--levels", "0.5", "--bounds", "2"],
    ),
    (
        "streaming",
        "11. Streaming uploads and downloads",
        [],
        ["--small-mib", "16", "--big-mib", "64", "--log-small-mib", "2", "--log-big-mib", "8"],
    ),
    (
        "datapool_push",
        "12. Pushing items into a datapool",
        [],
        ["--items", "10000", "--sdk-items", "2000", "--rate-limited-items", "2000"],
    ),
    (
        "cluster",
        "10. On a Celery deployment",
        [],
        ["--waits", "60", "--automations", "1,10", "--cycles", "2"],
    ),
]
# About an hour on a deployment of its own (`make bench-cluster`): only run when named in --only.
ON_REQUEST = {"cluster"}


def run_one(name: str, args: list[str], folder: Path) -> dict[str, Any]:
    out = folder / f"{name}.json"
    started = time.monotonic()
    print(f"\n=== {name} {' '.join(args)}", flush=True)
    with subprocess.Popen([PYTHON, str(BENCH / f"{name}.py"), *args, "--json", str(out)]) as child:
        try:
            code = child.wait()
        except KeyboardInterrupt:
            # subprocess.run would SIGKILL the child a quarter second after a Ctrl-C, in the middle of
            # its own clean-up: the cluster benchmark then leaves PostgreSQL and a Celery worker behind.
            child.send_signal(signal.SIGINT)
            child.wait(timeout=300)
            raise
    if code == 0 and out.exists():
        result: dict[str, Any] = json.loads(out.read_text())
        return result
    return {"name": name, "failed": code, "seconds": time.monotonic() - started}


def write(
    results: list[dict[str, Any]], titles: dict[str, str], quick: bool, output: Path, info: dict[str, Any]
) -> None:
    rows = [Headline(**row) for result in results for row in result.get("headline", [])]
    total = sum(result["seconds"] for result in results)
    lines = [
        "# Benchmarks",
        "",
        f"Measured {info['date']} by `make bench`{' --quick (small sizes)' if quick else ''} in "
        f"{total / 60:.0f} min, on {info['cores']} cores ({info['cpu']}), "
        f"{info['memory_gib']} GiB of memory, Python {info['python']}, Airflow {info['airflow']}. "
        "Other work shared the machine (load average "
        f"{info['load_before'][0]:.1f} at the start, {info['load_after'][0]:.1f} at the end): every figure "
        "is measured beside its baseline in the same run and read as a ratio, never as an absolute.",
        "",
        "## Headline",
        "",
        headline_table(rows),
        "",
        "Rerun one benchmark alone: `.venv/bin/python bench/<name>.py --help` (sizes and counts are flags).",
        "",
    ]
    for result in results:
        if "failed" in result:
            lines += [f"## {titles[result['name']]}", "", f"**Failed** (exit status {result['failed']}).", ""]
        else:
            lines += [f"## {result['title']}", "", result["markdown"], "", f"_{result['seconds']:.0f} s_", ""]
    output.write_text("\n".join(lines))


def merge(results: list[dict[str, Any]], titles: dict[str, str], output: Path, info: dict[str, Any]) -> None:
    """Put these results in place of their sections and headline rows; keep everything else."""
    text = output.read_text()
    rows = [Headline(**row) for result in results for row in result.get("headline", [])]
    names = {row.benchmark for row in rows}
    head, _, rest = text.partition("## Headline\n\n")
    table_text, _, sections = rest.partition("\n\n")
    kept = [line for line in table_text.splitlines()[2:] if line.split("|")[1].strip() not in names]
    new_table = headline_table(rows).splitlines()
    table_text = "\n".join([*table_text.splitlines()[:2], *kept, *new_table[2:]])
    for result in results:
        title = titles[result["name"]]
        body = (
            f"**Failed** (exit status {result['failed']})."
            if "failed" in result
            else f"{result['markdown']}\n\n_{result['seconds']:.0f} s, measured {info['date']}_"
        )
        section = f"## {title}\n\n{body}\n"
        start = sections.find(f"## {title}\n")
        if start < 0:
            sections = sections.rstrip("\n") + "\n\n" + section
        else:
            end = sections.find("\n## ", start + 1)
            sections = sections[:start] + section + ("" if end < 0 else sections[end:])
    output.write_text(f"{head}## Headline\n\n{table_text}\n\n{sections}")


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    options.add_argument("--quick", action="store_true", help="small sizes: checks that everything runs")
    options.add_argument("--only", help="comma-separated benchmark names")
    options.add_argument("--output", type=Path, default=BENCH / "results.md")
    options.add_argument("--merge", action="store_true", help="replace only what ran in the output file")
    args = options.parse_args()
    wanted = set(args.only.split(",")) if args.only else {name for name, *_ in PLAN} - ON_REQUEST
    import airflow

    info = {
        **machine(),
        "airflow": airflow.__version__,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    info["load_before"] = info.pop("load")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-run-") as folder:
        for name, _title, full, quick in PLAN:
            if name in wanted:
                results.append(run_one(name, quick if args.quick else full, Path(folder)))
    info["load_after"] = machine()["load"]
    titles = {name: title for name, title, *_ in PLAN}
    if args.merge and args.output.exists():
        merge(results, titles, args.output, info)
    else:
        write(results, titles, args.quick, args.output, info)
    print(f"\nWrote {args.output}")
    return 1 if any("failed" in result for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
