"""The cluster tests' fixtures: one distributed Airflow (``scripts/cluster.py``) for the whole session.

These tests run only when ``BOTCITY_CLUSTER_TESTS=1`` (``make test-cluster`` sets it): they start
PostgreSQL, Redis and seven Airflow processes, which ``make test`` must not pay for. Without it they are
reported as skipped; with it a skip becomes a failure. They run in file order, one after another, on the
same deployment, and each adds its counts to the report printed at the end.
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

from ._support import CLUSTER_DAGS, ENABLED, Airflow, Maestro, load_cluster_module

REPORT: dict[str, str] = {}
# On top of the cluster's own settings: a worker killed mid-task is noticed within half a minute instead of
# five, so that the retries it causes fit in the run.
TEST_SETTINGS = {"AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30"}


pytest_collection_modifyitems, pytest_runtest_makereport = opt_in_hooks(
    Path(__file__).parent,
    "BOTCITY_CLUSTER_TESTS",
    ENABLED,
    "test of a whole Celery deployment",
    "make test-cluster",
)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORT:
        terminalreporter.section("cluster report")
        for name, value in REPORT.items():
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The deployment, on free ports with a home of its own; every process it started is gone after."""
    module = load_cluster_module()
    home = Path(tempfile.mkdtemp(prefix="botcity-cluster-"))
    deployment = module.Cluster(
        home,
        extra_env=TEST_SETTINGS,
        dags=[CLUSTER_DAGS],
        say=lambda line: print(f"[cluster] {line}", file=sys.stderr, flush=True),
    )
    with deployment:
        yield deployment
    left = deployment.processes()
    assert not left, f"processes left behind by the cluster: {left}"
    assert not deployment.postgres.running(), "PostgreSQL still running"
    if request.session.testsfailed:
        print(f"[cluster] kept the home for inspection: {home}", file=sys.stderr, flush=True)
    else:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow(cluster: Any) -> Airflow:
    return Airflow(cluster.url, cluster.username, cluster.password)


@pytest.fixture(scope="session")
def maestro(cluster: Any) -> Maestro:
    return Maestro(cluster.emulator_url, cluster.emulator_login, cluster.emulator_key, cluster.requests_log)


@pytest.fixture(scope="session")
def report() -> dict[str, str]:
    return REPORT
