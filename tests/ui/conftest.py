"""The browser test's fixtures: Debian's chromium, a real local Airflow (``scripts/airflow_local.py``) and a
logged-in page.

These tests run only when ``BOTCITY_UI_TESTS=1`` (``make test-ui`` sets it): they start four Airflow
services and a browser, which ``make test`` must not pay for. Without it they are reported as skipped,
with the reason; with it, a skip is turned into a failure, so a missing browser or a broken Airflow can
never pass unnoticed.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gating import opt_in_hooks

from ._support import (
    CHROMIUM_FLAGS,
    ENABLED,
    SCREENSHOTS,
    TEST_SETTINGS,
    VIEWPORT,
    AirflowApi,
    ensure_chromium,
    load_launcher,
)

pytest_collection_modifyitems, pytest_runtest_makereport = opt_in_hooks(
    Path(__file__).parent, "BOTCITY_UI_TESTS", ENABLED, "browser test of the Airflow UI", "make test-ui"
)


@pytest.fixture(scope="session")
def chromium() -> str:
    return ensure_chromium()


@pytest.fixture(scope="session")
def airflow(chromium: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """make airflow's setup on free ports and a home of its own; every process it started is gone after.

    The home (database, service and task logs) is kept when a test failed, and its path printed.
    """
    launcher = load_launcher()
    home = Path(tempfile.mkdtemp(prefix="botcity-ui-airflow-"))
    local = launcher.LocalAirflow(
        home,
        port=0,
        emulator_port=0,
        extra_env=TEST_SETTINGS,
        say=lambda line: print(f"[ui] {line}", file=sys.stderr, flush=True),
    )
    with local:
        yield local
    left = local.processes()
    assert not left, f"processes left behind by the local Airflow: {left}"
    if request.session.testsfailed:
        print(f"[ui] kept the Airflow home for inspection: {home}", file=sys.stderr, flush=True)
    else:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def api(airflow: Any) -> AirflowApi:
    return AirflowApi(airflow.url, airflow.username, airflow.password)


@pytest.fixture(scope="session")
def browser_context(chromium: str, airflow: Any) -> Iterator[Any]:
    """A headless chromium with a fresh profile, logged in to Airflow through its login page."""
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="botcity-ui-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport=VIEWPORT,
        )
        context.set_default_timeout(30_000)
        try:
            page = context.new_page()
            page.goto(f"{airflow.url}/")
            page.get_by_label("Username").fill(airflow.username)
            page.get_by_label("Password").fill(airflow.password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{airflow.url}/")
            page.close()
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    page = browser_context.new_page()
    yield page
    page.close()
