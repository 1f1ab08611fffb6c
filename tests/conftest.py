"""Fixtures shared by every test: an Airflow home of its own, the emulator, and clients pointed at it.

Airflow reads its settings when first imported, so the environment is set here, before any test
module imports it.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_HOME = Path(tempfile.mkdtemp(prefix="botcity-airflow-home-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "tests" / "dag_files")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")

from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_thread  # noqa: E402
from botcity_provider.client import (  # noqa: E402 - after the environment is set
    AsyncMaestroClient,
    MaestroClient,
    RetryPolicy,
    TokenCache,
)

# Retries as in production but with short waits, so fault tests run in seconds.
FAST_RETRY = RetryPolicy(
    max_attempts=4,
    initial_backoff_seconds=0.05,
    max_backoff_seconds=0.2,
    jitter_seconds=0.05,
    max_retry_after_seconds=2.0,
    max_total_seconds=20.0,
)


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorHandle]:
    """One emulator for the whole run, on a free loopback port; tasks queue 0.2 s and run 0.3 s."""
    with serve_in_thread(queue_seconds=0.2, run_seconds=0.3) as handle:
        yield handle


@pytest.fixture(scope="session")
def tls_emulator() -> Iterator[EmulatorHandle]:
    """An emulator serving HTTPS, whose certificate a throwaway authority signed (``handle.authority``)."""
    with serve_in_thread(tls=True, queue_seconds=0.1, run_seconds=0.2) as handle:
        yield handle


@pytest.fixture
def emulator_state(emulator: EmulatorHandle) -> Iterator[EmulatorHandle]:
    """The emulator, emptied and without faults, for a test that counts or injects."""
    emulator.reset()
    yield emulator
    emulator.clear_faults()


@pytest.fixture
def token_cache() -> TokenCache:
    """A token cache of the test's own, so login counts do not depend on other tests."""
    return TokenCache()


@pytest.fixture
def client(emulator_state: EmulatorHandle, token_cache: TokenCache) -> Iterator[MaestroClient]:
    """A blocking client of the emulator."""
    with MaestroClient(
        emulator_state.url,
        emulator_state.login,
        emulator_state.key,
        retry=FAST_RETRY,
        token_cache=token_cache,
    ) as maestro:
        yield maestro


@pytest.fixture
async def async_client(
    emulator_state: EmulatorHandle, token_cache: TokenCache
) -> AsyncIterator[AsyncMaestroClient]:
    """An asyncio client of the emulator."""
    async with AsyncMaestroClient(
        emulator_state.url,
        emulator_state.login,
        emulator_state.key,
        retry=FAST_RETRY,
        token_cache=token_cache,
    ) as maestro:
        yield maestro


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated SQLite metadata database in this run's Airflow home (once per run, about 6 s)."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], env=os.environ, check=True, capture_output=True
    )
    return _HOME


def connection_json(handle: EmulatorHandle, key: str | None = None) -> str:
    """An ``AIRFLOW_CONN_...`` value for the emulator, in Airflow's JSON form."""
    return json.dumps(
        {
            "conn_type": "botcity",
            "host": handle.url,
            "login": handle.login,
            "password": key or handle.key,
        }
    )


@pytest.fixture
def maestro_conn(emulator_state: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> EmulatorHandle:
    """The default Maestro connection, pointed at the (emptied) emulator.

    The process-wide token cache is emptied too: the emulator forgot every token it issued.
    """
    from botcity_provider.client import default_token_cache

    default_token_cache().clear()
    monkeypatch.setenv("AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT", connection_json(emulator_state))
    return emulator_state


# What differs between Airflow versions: the provider's registration and imports, the connection form, the
# operators, sensor and trigger as Airflow runs them (deferral, on_kill, retries), and whole DAG runs. On
# the Airflow versions that CI does not run the whole suite on, only these run (`-m versions`; see
# docs/versions.md). The client, its properties, the chaos runs and the emulator import nothing that
# changes with Airflow's version, beyond what these already cover.
VERSION_SENSITIVE = (
    "tests/test_provider_info.py",
    "tests/test_imports.py",
    "tests/test_no_retry.py",
    "tests/hooks/",
    "tests/triggers/test_maestro_trigger.py",
    "tests/triggers/test_datapool_trigger.py",
    "tests/triggers/test_finished_trigger.py",
    "tests/triggers/test_shared_listing.py",
    "tests/triggers/test_runner_trigger.py",
    "tests/triggers/test_bot_output.py",
    "tests/notifications/",
    "tests/sensors/",
    "tests/operators/",
    "tests/dags/test_outcomes.py",
    "tests/dags/test_durability.py",
    "tests/dags/test_mapping.py",
    "tests/dags/test_datapools.py",
    "tests/dags/test_bot_output.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
        if where.startswith(VERSION_SENSITIVE):
            item.add_marker(pytest.mark.versions)
