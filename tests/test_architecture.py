"""The layering rules of scripts/import_graph.py hold on the real tree, and the check can fail."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph_script() -> ModuleType:
    # scripts/ is not a package: load the file itself, as the docs hook does.
    name = "_botcity_import_graph_under_test"
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "import_graph.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


LIGHT_TREE = {
    "src/botcity_provider/__init__.py": '__version__ = "0"\n',
    "src/botcity_provider/_events.py": "TERMINAL = ()\n",
    "src/botcity_provider/client/__init__.py": "from ._models import Task\n",
    "src/botcity_provider/client/_models.py": "class Task: ...\n",
    "src/botcity_provider/hooks/__init__.py": "",
    "src/botcity_provider/hooks/maestro.py": "from botcity_provider.client import Task\n",
    "src/botcity_provider/operators/__init__.py": "",
    "src/botcity_provider/operators/maestro.py": (
        "from botcity_provider._events import TERMINAL\n"
        "def execute():\n"
        "    from botcity_provider.hooks.maestro import MaestroHook\n"
    ),
}


def test_the_real_tree_keeps_the_layering_rules(graph_script: ModuleType) -> None:
    graph = graph_script.scan(ROOT)
    layers = {module.layer for module in graph.modules.values()}
    assert {"client", "hooks", "operators", "sensors", "triggers", "links"} <= layers, layers
    violations = graph_script.check(graph)
    assert not violations, "layering rules broken:\n" + "\n".join(map(str, violations))


def test_a_clean_synthetic_tree_passes(graph_script: ModuleType, tmp_path: Path) -> None:
    graph = graph_script.scan(_tree(tmp_path, LIGHT_TREE))
    kinds = {(imp.source, imp.target): imp.kind for imp in graph.imports}
    assert kinds[("botcity_provider.operators.maestro", "botcity_provider.hooks.maestro")] == "deferred"
    assert graph_script.check(graph) == []


@pytest.mark.parametrize(
    ("relative", "text", "reason"),
    [
        # An operator that imports the hook at module level is heavy to parse.
        (
            "src/botcity_provider/operators/heavy.py",
            "from botcity_provider.hooks.maestro import X\n",
            "operators may not import hooks at module level",
        ),
        # ...and so is one that reaches it through a light helper.
        (
            "src/botcity_provider/_helper.py",
            "import botcity_provider.client\n",
            "reaches a heavy layer at module level via botcity_provider._helper -> botcity_provider.client",
        ),
        # The client knows nothing of the rest of the package, not even inside a function.
        (
            "src/botcity_provider/client/_core.py",
            "def f():\n    from .. import _events\n",
            "client may not import top-level even inside a function",
        ),
        (
            "src/botcity_provider/hooks/_form.py",
            "from botcity_provider.client._models import Task\n",
            "a private module of another subpackage",
        ),
        (
            "emulator/src/botcity_maestro_emulator/__init__.py",
            "from botcity_provider.client import Task\n",
            "share no code",
        ),
        ("src/botcity_provider/hooks/emu.py", "import botcity_maestro_emulator\n", "share no code"),
    ],
)
def test_the_check_finds_a_violation(
    graph_script: ModuleType, tmp_path: Path, relative: str, text: str, reason: str
) -> None:
    files = {**LIGHT_TREE, relative: text}
    if relative == "src/botcity_provider/_helper.py":
        files["src/botcity_provider/operators/maestro.py"] += "from botcity_provider import _helper\n"
    if relative.startswith("src/botcity_provider/hooks/emu"):
        files["emulator/src/botcity_maestro_emulator/__init__.py"] = ""
    root = _tree(tmp_path, files)
    violations = graph_script.check(root)
    assert any(reason in str(v) for v in violations), violations
    assert graph_script.main(["--root", str(root), "--check"]) == 1


def test_the_picture_names_every_layer(graph_script: ModuleType, tmp_path: Path) -> None:
    graph = graph_script.scan(_tree(tmp_path, LIGHT_TREE))
    svg = graph_script.render_svg(graph, graph_script.check(graph))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    for layer in ("client", "hooks", "operators", "sensors", "triggers", "links", "top-level"):
        assert f'data-layer="{layer}"' in svg
    assert 'stroke-dasharray="7 5"' in svg, "the deferred operators -> hooks import is drawn dashed"


def test_the_picture_draws_a_violation_in_red(graph_script: ModuleType, tmp_path: Path) -> None:
    files = {**LIGHT_TREE, "src/botcity_provider/links/__init__.py": "import botcity_provider.client\n"}
    graph = graph_script.scan(_tree(tmp_path, files))
    violations = graph_script.check(graph)
    assert violations
    assert "url(#head-bad)" in graph_script.render_svg(graph, violations)
    assert "url(#head-bad)" not in graph_script.render_svg(
        graph_script.scan(_tree(tmp_path / "ok", LIGHT_TREE))
    )
