"""DAG files import the operators at every parse: they must not pull in the client or HTTP libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = (
    "botcity_provider.client",
    "botcity_provider.hooks",
    "botcity_provider.triggers",
    "requests",
    "httpx",
)
# What Airflow's own base classes already import; we may not add to it.
BASELINE = (
    "import airflow.providers.common.compat.sdk as sdk; "
    "sdk.BaseOperator, sdk.BaseSensorOperator, sdk.BaseOperatorLink, sdk.XCom, sdk.conf, "
    "sdk.AirflowException, sdk.AirflowFailException, sdk.ResumableJobMixin"
)


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], env=os.environ, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def baseline() -> set[str]:
    return _modules_after(BASELINE)


@pytest.mark.parametrize(
    "module",
    [
        "botcity_provider.operators.maestro",
        "botcity_provider.sensors.maestro",
        "botcity_provider.operators.datapool",
        "botcity_provider.sensors.datapool",
        "botcity_provider.sensors.runner",
        "botcity_provider.operators.artifacts",
        "botcity_provider.links.maestro",
    ],
)
def test_parse_time_import_adds_nothing_heavy(module: str, baseline: set[str]) -> None:
    added = _modules_after(f"{BASELINE}; import {module}") - baseline
    heavy = sorted(name for name in added if name.startswith(HEAVY))
    assert heavy == []
    assert not any(name.startswith("pydantic") for name in added)


def test_the_watcher_trigger_is_light_for_the_dag_files_that_build_it() -> None:
    # An asset's watcher is built when its DAG file is parsed; the poller and the client load later.
    base = f"{BASELINE}; import airflow.triggers.base"  # Airflow's own trigger base (it loads pydantic)
    added = _modules_after(f"{base}; import botcity_provider.triggers.finished") - _modules_after(base)
    ours = {
        "botcity_provider.triggers",
        "botcity_provider.triggers.finished",
        "botcity_provider.triggers._off_loop",
    }
    heavy = sorted(name for name in added if name.startswith(HEAVY) and name not in ours)
    assert heavy == []
    assert not any(name.startswith("pydantic") for name in added)


def test_client_does_not_import_airflow() -> None:
    loaded = _modules_after("import botcity_provider.client")
    assert not any(name == "airflow" or name.startswith("airflow.") for name in loaded)


def test_emulator_shares_no_code_with_the_client() -> None:
    loaded = _modules_after("import botcity_maestro_emulator.app, botcity_maestro_emulator.testing")
    # Its own distribution now: it imports nothing of the provider at all.
    assert not any(name == "botcity_provider" or name.startswith("botcity_provider.") for name in loaded)
