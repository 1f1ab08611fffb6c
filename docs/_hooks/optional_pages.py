"""MkDocs hook: list pages that other parts of the project write, once they exist.

``docs/bad-input.md`` is written by ``tests/test_bad_input.py``. A nav entry for a missing file fails the
strict build, so the entry is added here only when the file is there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# (title, file under docs/, title of the entry it follows)
OPTIONAL = [("What bad input looks like", "bad-input.md", "Troubleshooting")]


def on_config(config: Any) -> Any:
    """Insert each optional page that exists after its anchor entry (or at the end)."""
    nav: list[Any] = config["nav"]
    for title, name, after in OPTIONAL:
        if not (Path(config["docs_dir"]) / name).is_file():
            continue
        titles = [next(iter(entry)) if isinstance(entry, dict) else None for entry in nav]
        position = titles.index(after) + 1 if after in titles else len(nav)
        nav.insert(position, {title: name})
    return config
