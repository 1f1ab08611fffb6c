"""MkDocs hook: put the headline of ``bench/results.md`` into the Benchmarks page.

``make bench`` writes that file; it may not exist yet in a fresh clone. A snippet include would then
fail the strict build, so this hook includes what is there (the measurement note and the "Headline"
section) and otherwise says how to produce it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MARKER = "<!-- bench-headline -->"
RESULTS = Path("bench/results.md")
MISSING = (
    '!!! note "Not measured yet"\n'
    "    `make bench` runs every benchmark on this machine and writes `bench/results.md`;\n"
    "    its headline table then appears here.\n"
)


def headline(text: str) -> str:
    """The note under the title and the "Headline" section, without the page title."""
    lines = text.splitlines()
    kept: list[str] = []
    in_headline = False
    for line in lines:
        if line.startswith("# "):
            continue
        if line.startswith("## "):
            if in_headline:
                break
            in_headline = line.strip() == "## Headline"
            continue
        kept.append(line)
    return "\n".join(kept).strip() + "\n"


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    """Replace the marker with the headline, or with a note when there are no results yet."""
    if MARKER not in markdown:
        return markdown
    results = Path(config.config_file_path).parent / RESULTS
    text = results.read_text() if results.is_file() else ""
    return markdown.replace(MARKER, headline(text) if "## Headline" in text else MISSING)
