"""The real user guide, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.building import ROOT, mkdocs_build


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the guide into a temporary folder, as ``make docs`` would into site/."""
    out = tmp_path_factory.mktemp("site")
    # Run from an unrelated folder: the build must not depend on where mkdocs is started.
    done = mkdocs_build(ROOT / "mkdocs.yml", out, cwd=tmp_path_factory.mktemp("elsewhere"))
    assert done.returncode == 0, done.stderr[-4000:]
    return out
