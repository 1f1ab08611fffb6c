"""Every path the client sends is a row of one table (``client/_routes.py``), and every row is used."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from botcity_provider.client._routes import ROUTES, Route

CLIENT = Path(__file__).resolve().parents[2] / "src" / "botcity_provider" / "client"


def _client_sources() -> dict[Path, str]:
    return {
        path: path.read_text(encoding="utf-8") for path in CLIENT.rglob("*.py") if path.name != "_routes.py"
    }


def test_no_path_is_written_outside_the_table() -> None:
    found = [
        f"{path.relative_to(CLIENT)}:{node.lineno}: {node.value!r}"
        for path, text in _client_sources().items()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("/api/v2/")
    ]
    assert found == []


def test_every_route_of_the_table_is_used_by_an_endpoint() -> None:
    used = set()
    for text in _client_sources().values():
        used |= set(re.findall(r'"([a-z]+\.[a-z_]+)"', text))
    unused = sorted(set(ROUTES) - used)
    assert unused == [], f"rows of _routes.py no endpoint calls: {unused}"


def test_routes_are_unique_and_well_formed() -> None:
    pairs = [(r.method, r.template) for r in ROUTES.values()]
    assert len(pairs) == len(set(pairs)), "two names for one route"
    for name, known in ROUTES.items():
        assert known.name == name
        assert known.method in {"GET", "POST", "PUT", "DELETE"}, name
        assert known.template.startswith("/api/v2/"), name
        assert known.source, name


def test_only_the_official_sdks_make_a_route_verified() -> None:
    assert ROUTES["tasks.create"].verified and ROUTES["datapools.pull"].verified
    assert not ROUTES["tasks.list"].verified and not ROUTES["schedules.create"].verified
    for known in ROUTES.values():
        assert known.verified == ("official" in known.source), known.name


def test_a_path_encodes_its_values_so_they_cannot_change_the_route() -> None:
    pool = ROUTES["datapools.get_entry"]
    assert pool.path("a/b c", 7) == "/api/v2/datapool/a%2Fb%20c/entry/7"
    assert ROUTES["credentials.value"].path("vault", "../task") == "/api/v2/credential/vault/key/..%2Ftask"


def test_a_path_with_the_wrong_number_of_values_is_a_bug_caught_at_once() -> None:
    with pytest.raises(TypeError, match="takes 2 value"):
        Route("x.y", "GET", "/api/v2/{}/{}", "official", verified=True).path(1)
