"""MkDocs hook: show the Sphinx roles of our docstrings (``:class:`~a.b.C```) as plain code (``C``).

The docstrings follow Airflow's Sphinx style; mkdocstrings renders the role name as text in front of the
code. This drops the role and, as Sphinx does for ``~``, keeps only the last part of the dotted name.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:class|meth|func|mod|data|attr|exc|obj):(?=<code>)")
TILDE = re.compile(r"<code>~(?:[\w]+\.)*([\w]+)</code>")


def on_page_content(html: str, *, page: Any, config: Any, files: Any) -> str:
    """Drop role prefixes and ``~`` abbreviations from the rendered page."""
    return TILDE.sub(r"<code>\1</code>", ROLE.sub("", html))
