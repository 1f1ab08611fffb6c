"""The Architecture page shows the import graph of the tree being built, drawn at docs build time."""

from __future__ import annotations

import re
from pathlib import Path


def test_architecture_page_shows_the_import_graph(site: Path) -> None:
    html = (site / "architecture.html").read_text(encoding="utf-8")
    graph = re.search(r'<svg[^>]*class="import-graph".*?</svg>', html, re.DOTALL)
    assert graph, "the page has no import graph"
    for layer in ("client", "hooks", "operators", "triggers"):
        assert f'data-layer="{layer}"' in graph.group(0), f"the graph has no {layer} layer"
    # The rules table is rendered from the script's own table.
    assert "May import at module level" in html
