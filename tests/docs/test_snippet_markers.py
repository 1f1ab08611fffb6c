"""A snippet include that cannot work fails the strict build instead of showing text or nothing.

Each test builds a one-page site of its own with the project's snippet settings and hooks, read from the
real mkdocs.yml, so a change there that weakens the checks fails here.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.docs.building import ROOT, mkdocs_build

EXAMPLE = 'with DAG(dag_id="tiny_example") as dag:\n    pass\n'


@functools.cache
def _project_settings() -> tuple[dict[str, Any], list[str]]:
    """The real guide's pymdownx.snippets options and the files of its hooks."""
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    snippets = dict(config["mdx_configs"]["pymdownx.snippets"])
    hooks = [module.__file__ for module in config["hooks"].values()]
    return snippets, hooks


def _build(tmp_path: Path, page: str) -> tuple[int, str, Path]:
    """Build a site whose only page is ``page``, next to example.py; return the code, the log and the site."""
    snippets, hooks = _project_settings()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(page)
    (tmp_path / "example.py").write_text(EXAMPLE)
    config = {
        "site_name": "tiny",
        "docs_dir": "docs",
        "theme": {"name": "mkdocs"},
        "hooks": hooks,
        # Only the base path is this site's own: the project's points at the checkout.
        "markdown_extensions": [{"pymdownx.snippets": {**snippets, "base_path": [str(tmp_path)]}}],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    done = mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site", cwd=tmp_path)
    return done.returncode, done.stderr, tmp_path / "site"


def test_a_well_formed_marker_includes_the_file(tmp_path: Path) -> None:
    code, log, site = _build(tmp_path, '# Page\n\n```python\n--8<-- "example.py"\n```\n')
    assert code == 0, log
    html = (site / "index.html").read_text()
    assert "tiny_example" in html
    assert "8&lt;" not in html


def test_an_escaped_marker_is_shown_as_text_and_passes(tmp_path: Path) -> None:
    code, log, site = _build(tmp_path, '# Page\n\n```text\n;--8<-- "example.py"\n```\n')
    assert code == 0, log
    assert "--8&lt;-- &quot;example.py&quot;" in (site / "index.html").read_text()


@pytest.mark.parametrize(
    "marker",
    [
        '--8 < --"example.py"',  # what the reformat made of the how-to pages
        '--8<--"example.py"',
        '-- 8<-- "example.py"',
        "--8<-- example.py",
        '--8\\<-- "example.py"',
        '--8<-- "example.py" trailing words',
    ],
)
def test_a_malformed_marker_fails_the_strict_build(tmp_path: Path, marker: str) -> None:
    code, log, _ = _build(tmp_path, f"# Page\n\n```python\n{marker}\n```\n")
    assert code != 0
    assert "index.md:4:" in log
    assert "looks like a snippet marker but is not one" in log


def test_a_marker_for_a_missing_file_fails_the_strict_build(tmp_path: Path) -> None:
    code, log, _ = _build(tmp_path, '# Page\n\n```python\n--8<-- "dags_examples/gone.py"\n```\n')
    assert code != 0
    assert "dags_examples/gone.py" in log
