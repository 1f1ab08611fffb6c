"""The opt-in suites (``tests/ui``, ``tests/cluster``): skipped unless their variable is set, and then
never skipped, so a missing browser or a deployment that cannot start can never pass unnoticed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


def opt_in_hooks(
    folder: Path, variable: str, enabled: bool, what: str, target: str
) -> tuple[Callable[..., Any], ...]:
    """``pytest_collection_modifyitems`` and ``pytest_runtest_makereport`` for the tests under ``folder``."""

    def inside(item: pytest.Item) -> bool:
        return folder in Path(str(item.fspath)).parents

    def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
        if enabled:
            return
        skip = pytest.mark.skip(reason=f"{what}: run `{target}` ({variable}=1)")
        for item in items:
            if inside(item):
                item.add_marker(skip)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
        outcome = yield
        report = outcome.get_result()
        if enabled and report.skipped and inside(item):
            report.outcome = "failed"
            report.longrepr = f"{variable}=1 but the {what} was skipped: {report.longrepr}"

    return pytest_collection_modifyitems, pytest_runtest_makereport
