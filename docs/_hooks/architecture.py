"""MkDocs hook: draw the import graph and the layering rules into the Architecture page at build time.

Both come from ``scripts/import_graph.py`` (read with ``ast``, nothing imported), so the page shows the
tree being built and cannot go stale. The rules table goes in as Markdown; the SVG goes into the finished
HTML, after Markdown has run, so that module names such as ``_events`` are not read as emphasis.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

PAGE = "architecture.md"
RULES_MARKER = "<!-- architecture-rules -->"
GRAPH_MARKER = '<div class="architecture-graph"></div>'
SCRIPT = Path("scripts/import_graph.py")


def _script(config: Any) -> ModuleType:
    """Load the script by path: ``scripts/`` is not a package, and the docs build must not need it to be."""
    path = Path(config.config_file_path).parent / SCRIPT
    name = "_botcity_import_graph"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is being made
    spec.loader.exec_module(module)
    return module


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    """Replace the rules marker with the table the script checks."""
    if page.file.src_uri != PAGE:
        return markdown
    return markdown.replace(RULES_MARKER, _script(config).rules_markdown())


def on_post_page(output: str, *, page: Any, config: Any) -> str:
    """Inline the picture of the tree being built, its rule-breaking imports in red."""
    if page.file.src_uri != PAGE or GRAPH_MARKER not in output:
        return output
    script = _script(config)
    graph = script.scan(Path(config.config_file_path).parent)
    svg = script.render_svg(graph, script.check(graph))
    return output.replace(GRAPH_MARKER, f'<div class="architecture-graph">{svg}</div>')
