"""Draw the provider's import graph, and check it against the layering rules.

The sources are read with :mod:`ast`, never imported, so this runs without Airflow, on a broken tree, and
on a synthetic one in a test. Every ``import`` is sorted into one of three kinds:

- ``module``: runs when the module is imported (module body, class bodies, ``try`` blocks);
- ``deferred``: inside a function, so it runs only when the function is called. This is how operators,
  sensors and links stay light at DAG-parse time: they import the hook or the client inside ``execute``;
- ``typing``: under ``if TYPE_CHECKING:``, never run at all.

Usage::

    python scripts/import_graph.py -o graph.svg      # write the picture
    python scripts/import_graph.py -o graph.svg      # elsewhere
    python scripts/import_graph.py --check           # print each layering violation; exit 1 if any

The rules are the one table ``LAYERS`` below; ``docs/architecture.md`` renders the same table and the
picture at docs build time (``docs/_hooks/architecture.py``), so neither can go stale.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROVIDER = "botcity_provider"
EMULATOR = "botcity_maestro_emulator"
# (import package, its folder relative to the checkout); a package that is not there is skipped.
PACKAGES = ((PROVIDER, Path("src") / PROVIDER), (EMULATOR, Path("emulator") / "src" / EMULATOR))

TOP = "top-level"
EMU = "emulator"
LIGHT = frozenset({TOP, "links", "operators", "sensors"})
HEAVY = frozenset({"client", "hooks", "triggers"})
ANY = None  # "any layer of the provider" (the emulator is never one of them, see check_emulator)


@dataclass(frozen=True)
class Layer:
    """One row of the rules table: what a layer is and which layers its imports may reach."""

    name: str
    what: str
    module_level: frozenset[str] | None
    """Layers it may import at module level (``None``: any layer of the provider)."""
    deferred: frozenset[str] | None
    """Layers it may import inside a function (``None``: any layer of the provider)."""
    row: int
    """Row of the picture: the light layers at the top, what they defer to below."""


# THE layering rules. Besides this table, for every layer: no module imports a private module (``_name``)
# of another subpackage (top-level ``botcity_provider._name`` helpers are shared by the whole provider),
# the emulator and the provider never import each other, and a light layer may not reach a heavy one
# through a chain of module-level imports either.
LAYERS: tuple[Layer, ...] = (
    Layer(
        "operators",
        "Airflow operators: argument checks, execute, defer, execute_complete, on_kill",
        LIGHT,
        ANY,
        0,
    ),
    Layer("sensors", "the task sensor: poke, or defer to the trigger", LIGHT, ANY, 0),
    Layer("links", "the extra link to the Maestro task page", LIGHT, ANY, 0),
    Layer("triggers", "the trigger: poll, sleep, yield one event (in the triggerer's loop)", ANY, ANY, 1),
    Layer(
        "hooks", "the connection: Airflow Connection to ClientConfig, connection form and test", ANY, ANY, 1
    ),
    Layer(
        TOP, "botcity_provider/*.py: version, provider info, shared light helpers (_events...)", LIGHT, ANY, 1
    ),
    Layer(
        "client",
        "the Maestro client: sans-I/O core, endpoints, models, sync and async drivers",
        frozenset({"client"}),
        frozenset({"client"}),
        2,
    ),
    Layer(
        EMU,
        "the Maestro emulator (its own distribution): FastAPI routes from the API docs",
        frozenset({EMU}),
        frozenset({EMU}),
        3,
    ),
)
RULES = {layer.name: layer for layer in LAYERS}


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    layer: str
    is_package: bool


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    kind: str
    """``module``, ``deferred`` or ``typing``."""
    line: int


@dataclass(frozen=True)
class Violation:
    imp: Import
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.imp.line}: {self.imp.source} imports {self.imp.target}: {self.reason}"


@dataclass
class Graph:
    root: Path
    modules: dict[str, Module] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)

    def layer_of(self, name: str) -> str:
        """The layer of a module, or of the nearest module above a name that is not one (a moved file)."""
        parts = name.split(".")
        while parts:
            known = self.modules.get(".".join(parts))
            if known:
                return known.layer
            parts.pop()
        return EMU if name.split(".", maxsplit=1)[0] == EMULATOR else TOP


def _subpackage_dirs(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}


def _discover(root: Path) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for package, relative in PACKAGES:
        base = root / relative
        if not (base / "__init__.py").is_file():
            continue
        subpackages = _subpackage_dirs(base)
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            name = ".".join([package, *parts])
            if package == EMULATOR or parts[:1] == [EMU]:
                layer = EMU
            else:
                layer = parts[0] if parts and parts[0] in subpackages else TOP
            modules[name] = Module(name, path, layer, is_package)
    return modules


def _resolve(node: ast.ImportFrom, module: Module, modules: dict[str, Module]) -> list[str]:
    if node.level:
        package = module.name.split(".")
        keep = len(package) - node.level + (1 if module.is_package else 0)
        base = ".".join(package[:keep] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    # ``from package import submodule`` imports the submodule; ``from module import name`` the module.
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(nodes: Iterable[ast.AST], kind: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, kind
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(ast.iter_child_nodes(node), "deferred" if kind == "module" else kind)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _walk(node.body, "typing")
            yield from _walk(node.orelse, kind)
        else:
            yield from _walk(ast.iter_child_nodes(node), kind)


def scan(root: Path = ROOT) -> Graph:
    """Read every module of the provider (and of the emulator, if present) under ``root``."""
    graph = Graph(root, _discover(root))
    ours = (PROVIDER, EMULATOR)
    for module in graph.modules.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
        for node, kind in _walk(tree.body, "module"):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                targets = _resolve(node, module, graph.modules)
            for target in dict.fromkeys(targets):
                if target.split(".")[0] in ours:
                    graph.imports.append(Import(module.name, target, kind, node.lineno))
    return graph


def _private_of_other_subpackage(graph: Graph, imp: Import) -> bool:
    parts = imp.target.split(".")
    private = [i for i, part in enumerate(parts) if part.startswith("_") and not part.startswith("__")]
    if not private or private[0] < 2:  # botcity_provider._helper is shared on purpose
        return False
    owner = ".".join(parts[: private[0]])
    return not (imp.source == owner or imp.source.startswith(owner + "."))


def _layer_violation(graph: Graph, imp: Import) -> str | None:
    source, target = graph.layer_of(imp.source), graph.layer_of(imp.target)
    if (source == EMU) != (target == EMU):
        return "the emulator and the provider share no code (a wrong field would be wrong on both sides)"
    rule = RULES.get(source)
    if rule is None or (imp.kind == "typing" and source != "client"):
        return None
    allowed = rule.module_level if imp.kind == "module" else rule.deferred
    if allowed is not None and target not in allowed:
        when = "at module level" if imp.kind == "module" else "even inside a function"
        return f"{source} may not import {target} {when} (may: {', '.join(sorted(allowed))})"
    return None


def _heavy_chains(graph: Graph) -> Iterator[tuple[Import, list[str]]]:
    """Light modules whose module-level imports, followed transitively, reach a heavy layer."""
    runtime: dict[str, list[Import]] = {}
    for imp in graph.imports:
        if imp.kind == "module":
            runtime.setdefault(imp.source, []).append(imp)
    for name, module in graph.modules.items():
        if module.layer not in LIGHT:
            continue
        for first in runtime.get(name, []):
            if graph.layer_of(first.target) not in LIGHT:
                continue  # a direct import: reported by the table rule
            chain = _path_to_heavy(graph, runtime, first.target, {name})
            if chain:
                yield first, [first.target, *chain]


def _path_to_heavy(graph: Graph, runtime: dict[str, list[Import]], start: str, seen: set[str]) -> list[str]:
    stack: list[tuple[str, list[str]]] = [(start, [])]
    while stack:
        current, trail = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for imp in runtime.get(current, []):
            if graph.layer_of(imp.target) in HEAVY:
                return [*trail, imp.target]
            stack.append((imp.target, [*trail, imp.target]))
    return []


def check(graph_or_root: Graph | Path = ROOT) -> list[Violation]:
    """Every import that breaks a layering rule, in file order."""
    graph = graph_or_root if isinstance(graph_or_root, Graph) else scan(graph_or_root)
    found: list[Violation] = []
    for imp in graph.imports:
        path = graph.modules[imp.source].path.relative_to(graph.root)
        reason = _layer_violation(graph, imp)
        if reason:
            found.append(Violation(imp, path, reason))
        if _private_of_other_subpackage(graph, imp):
            found.append(Violation(imp, path, "a private module of another subpackage: use its public API"))
    for imp, chain in _heavy_chains(graph):
        path = graph.modules[imp.source].path.relative_to(graph.root)
        reason = "reaches a heavy layer at module level via " + " -> ".join(chain)
        found.append(Violation(imp, path, reason))
    return sorted(found, key=lambda v: (str(v.path), v.imp.line, v.reason))


def rules_markdown() -> str:
    """The rules table as Markdown, for docs/architecture.md."""

    def layers(allowed: frozenset[str] | None) -> str:
        return (
            "any layer of the provider" if allowed is None else ", ".join(f"`{n}`" for n in sorted(allowed))
        )

    rows = [
        "| Layer | What it holds | May import at module level | May import inside a function |",
        "|---|---|---|---|",
    ]
    rows += [f"| `{r.name}` | {r.what} | {layers(r.module_level)} | {layers(r.deferred)} |" for r in LAYERS]
    return "\n".join(rows) + "\n"


# ---- the picture ----------------------------------------------------------------------------------------

LINE = 16
PAD = 10
GAP_X = 60
GAP_Y = 110
PER_COLUMN = 8
MIN_WIDTH = 860
HEADER = 26
CHAR = 6.6  # average width of a character of the 11px monospace font
STYLE = {"module": "", "deferred": ' stroke-dasharray="7 5"', "typing": ' stroke-dasharray="2 4"'}
COLOURS = {"module": "#1a237e", "deferred": "#2e7d32", "typing": "#9e9e9e", "bad": "#c62828"}


@dataclass
class _Box:
    layer: str
    lines: list[str]
    x: float = 0.0
    y: float = 0.0
    cols: int = 1
    col_w: float = 0.0
    w: float = 0.0
    h: float = 0.0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


def _boxes(graph: Graph) -> list[list[_Box]]:
    members: dict[str, list[str]] = {}
    for module in graph.modules.values():
        members.setdefault(module.layer, []).append(
            module.name.split(".", 1)[-1] if "." in module.name else module.name
        )
    for rule in LAYERS[:-1]:  # every provider layer is drawn, even an empty one; the emulator if present
        members.setdefault(rule.name, [])
    rows: dict[int, list[_Box]] = {}
    for layer, names in members.items():
        row = RULES[layer].row if layer in RULES else max(r.row for r in LAYERS) + 1
        rows.setdefault(row, []).append(_Box(layer, sorted(names)))
    order = [r.name for r in LAYERS]
    return [
        sorted(rows[r], key=lambda b: order.index(b.layer) if b.layer in order else 99) for r in sorted(rows)
    ]


def _place(rows: list[list[_Box]]) -> tuple[float, float]:
    for box in (b for row in rows for b in row):
        box.cols = -(-len(box.lines) // PER_COLUMN) or 1
        box.col_w = CHAR * max([len(n) for n in box.lines] + [len(box.layer) + 4]) + 2 * PAD
        box.w = max(box.col_w * box.cols, 150)
        box.h = HEADER + LINE * max(min(len(box.lines), PER_COLUMN), 1) + PAD
    width = max([sum(b.w for b in row) + GAP_X * (len(row) - 1) for row in rows] + [MIN_WIDTH]) + 2 * GAP_X
    y = 110.0
    for row in rows:
        x = (width - (sum(b.w for b in row) + GAP_X * (len(row) - 1))) / 2
        for box in row:
            box.x, box.y = x, y
            x += box.w + GAP_X
        y += max(b.h for b in row) + GAP_Y
    return width, y - GAP_Y + 70


def _layer_edges(graph: Graph, bad: set[Import]) -> dict[tuple[str, str, str], tuple[int, bool]]:
    edges: dict[tuple[str, str, str], tuple[int, bool]] = {}
    for imp in graph.imports:
        key = (graph.layer_of(imp.source), graph.layer_of(imp.target), imp.kind)
        if key[0] == key[1]:
            continue
        count, broken = edges.get(key, (0, False))
        edges[key] = (count + 1, broken or imp in bad)
    return edges


def _arrow(a: _Box, b: _Box, slot: float, kind: str, *, count: int, broken: bool) -> str:
    if abs(a.y - b.y) < 1 and abs(a.x - b.x) < max(a.w, b.w) + GAP_X + 1:  # neighbours: side to side
        x1, x2 = (a.x + a.w, b.x) if a.x < b.x else (a.x, b.x + b.w)
        y1 = y2 = a.y + 14 + HEADER / 2 + slot * 0.4
        path = f"M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}"
    elif abs(a.y - b.y) < 1:  # same row, further apart: an arc over the boxes between them
        x1, x2, y1 = a.cx + slot, b.cx + slot * 0.6, a.y
        top = a.y - 30 - abs(slot)
        path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{top:.0f} {x2:.0f},{top:.0f} {x2:.0f},{y1:.0f}"
    else:
        down = b.y > a.y
        x1, x2 = a.cx + slot, b.cx + slot * 0.6
        y1, y2 = (a.y + a.h, b.y) if down else (a.y, b.y + b.h)
        bend = (y2 - y1) / 2
        path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 + bend:.0f} {x2:.0f},{y2 - bend:.0f} {x2:.0f},{y2:.0f}"
    colour = COLOURS["bad" if broken else kind]
    label = f"{count} {kind} import{'s' if count > 1 else ''} {a.layer} → {b.layer}"
    # A white halo under each arrow keeps it apart from the module names it crosses.
    return (
        f'<path d="{path}" fill="none" stroke="#fff" stroke-width="4" stroke-opacity="0.7"/>'
        f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.6"{STYLE[kind]} '
        f'marker-end="url(#head-{"bad" if broken else kind})"><title>{escape(label)}</title></path>'
    )


def _legend(y: float) -> str:
    parts = [f'<g font-size="12" transform="translate(20,{y:.0f})">']
    for i, (kind, text) in enumerate(
        [
            ("module", "module-level import"),
            ("deferred", "inside a function"),
            ("typing", "under TYPE_CHECKING"),
            ("bad", "breaks a rule"),
        ]
    ):
        colour = COLOURS[kind]
        x = i * 220
        parts.append(
            f'<line x1="{x}" y1="0" x2="{x + 40}" y2="0" stroke="{colour}" stroke-width="1.6"'
            f'{STYLE.get(kind, "")}/><text x="{x + 48}" y="4">{text}</text>'
        )
    return "".join(parts) + "</g>"


def render_svg(graph: Graph, violations: Iterable[Violation] = ()) -> str:
    """The picture: a box per layer with its modules, an arrow per (layer, layer, kind) with imports."""
    rows = _boxes(graph)
    width, height = _place(rows)
    boxes = {b.layer: b for row in rows for b in row}
    edges = _layer_edges(graph, {v.imp for v in violations})
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="import-graph" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        'font-family="ui-monospace, SFMono-Regular, Menlo, monospace">',
        "<title>Import graph of botcity_provider and the emulator</title>",
        "<defs>",
    ]
    for kind, colour in COLOURS.items():
        out.append(
            f'<marker id="head-{kind}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            f'fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    out.append(
        '<text x="20" y="30" font-size="14" font-weight="bold">Layers and their imports '
        "(arrows point at what is imported; hover one for the count)</text>"
    )
    for box in boxes.values():
        fill = "#fff8e1" if box.layer == EMU else "#e8eaf6" if box.layer in HEAVY else "#e8f5e9"
        out.append(
            f'<g class="layer" data-layer="{escape(box.layer)}"><rect x="{box.x:.0f}" y="{box.y:.0f}" '
            f'width="{box.w:.0f}" height="{box.h:.0f}" rx="8" fill="{fill}" stroke="#455a64"/>'
            f'<text x="{box.x + PAD:.0f}" y="{box.y + 18:.0f}" font-size="13" font-weight="bold">'
            f"{escape(box.layer)}</text>"
        )
        for i, name in enumerate(box.lines or ["(no modules)"]):
            x, y = box.x + PAD + (i // PER_COLUMN) * box.col_w, box.y + HEADER + 10 + (i % PER_COLUMN) * LINE
            out.append(f'<text x="{x:.0f}" y="{y:.0f}" font-size="11">{escape(name)}</text>')
        out.append("</g>")
    slots: dict[str, int] = {}
    # Rule-breaking arrows last, so that they are drawn on top.
    for (source, target, kind), (count, broken) in sorted(edges.items(), key=lambda e: (e[1][1], e[0])):
        if source in boxes and target in boxes:
            n = slots[source] = slots.get(source, 0) + 1
            slot = (n // 2) * 14 * (1 if n % 2 else -1)
            out.append(_arrow(boxes[source], boxes[target], slot, kind, count=count, broken=broken))
    out.append(_legend(height - 30))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout (default: this one)")
    parser.add_argument("--check", action="store_true", help="print each layering violation; exit 1 if any")
    parser.add_argument(
        "-o", "--output", type=Path, default=Path("import_graph.svg"), help="the SVG to write"
    )
    args = parser.parse_args(argv)
    graph = scan(args.root)
    violations = check(graph)
    if args.check:
        for violation in violations:
            print(violation)
        print(f"{len(graph.modules)} modules, {len(graph.imports)} imports, {len(violations)} violations")
        return 1 if violations else 0
    args.output.write_text(render_svg(graph, violations), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
