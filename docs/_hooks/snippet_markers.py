"""MkDocs hook: fail the strict build on a line that looks like a snippet marker but is not one.

pymdownx.snippets only acts on a line that is exactly a marker (``--8<-- "path"``). Anything else, such as
``--8 < --"path"`` after a formatter put spaces in it, is left as text: the page then shows the marker
instead of the example DAG, and ``check_paths`` cannot notice because no path was ever read. This hook
warns about every such line, and a warning fails ``mkdocs build --strict``.

It checks the page's own Markdown, before the snippets are included, and judges a marker with the
extension's own patterns, so "valid" means what pymdownx.snippets would really act on. A page that needs
to show a marker as text writes the extension's escape (``;--8<-- "path"``), which is a valid marker.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pymdownx.snippets import SnippetPreprocessor

log = logging.getLogger("mkdocs.plugins.snippet_markers")

# Dashes, an 8, a "<" (maybe escaped by a formatter) and dashes, with spaces allowed anywhere between.
LOOKS_LIKE_MARKER = re.compile(r"-[ \t]*8[ \t]*(?:\\?<|&lt;)[ \t]*-")
MARKER = SnippetPreprocessor.RE_ALL_SNIPPETS
SECTION = SnippetPreprocessor.RE_SNIPPET_SECTION
HOW = 'write it as --8<-- "dags_examples/<file>.py": no space inside --8<--, one before the quoted path'


def malformed(markdown: str) -> list[tuple[int, str]]:
    """Return (line number, line) for each line that looks like a snippet marker and is not one."""
    found = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        if LOOKS_LIKE_MARKER.search(line) and not (MARKER.match(line) or SECTION.match(line)):
            found.append((number, line))
    return found


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    """Warn about each malformed marker of the page; the page itself is left as it is."""
    for number, line in malformed(markdown):
        log.warning(
            "%s:%d: %r looks like a snippet marker but is not one, so the page would show it as text "
            "instead of the file; %s",
            page.file.src_uri,
            number,
            line.strip(),
            HOW,
        )
    return markdown
