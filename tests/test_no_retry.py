"""A retry that cannot help is not made: a refused key, an unknown id, a wrong server path, a connection
that does not parse fail their task on the first try, with their clear message, whatever ``retries`` says.
Only transient faults (the network, 5xx, 429) use the retries.

One real DAG run (``tests/dag_files/no_retry.py``, two retries per task) counts each task's tries.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.client._support import closed_port_url
from tests.dag_runs import load_dag_bag

DAG_ID = "no_retry_can_help"
PERMANENT = {
    "wrong_key": "invalid login or key",
    "wrong_server_path": "Check the server URL",
    "bad_extras": "timeout_seconds: must be a number of seconds, got 'fast'",
    "no_scheme": "has no scheme",
    "unknown_id_sensor_poke": "876543",
    "unknown_id_sensor_deferrable": "876543",
    "unknown_id_cancel": "876543",
    "unknown_id_restart": "876543",
}
TRANSIENT = {"server_down": "could not connect"}


def _connection(handle: Any, **fields: Any) -> str:
    base = {"conn_type": "botcity", "host": handle.url, "login": handle.login, "password": handle.key}
    return json.dumps({**base, **fields})


@pytest.fixture
def connections(emulator_state: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from botcity_provider.client import default_token_cache

    default_token_cache().clear()
    values = {
        "MAESTRO_NR": _connection(emulator_state),
        "MAESTRO_NR_WRONG_KEY": _connection(emulator_state, password="not-the-key"),
        "MAESTRO_NR_WRONG_PATH": _connection(emulator_state, host=f"{emulator_state.url}/nowhere"),
        "MAESTRO_NR_BAD_EXTRAS": _connection(emulator_state, extra=json.dumps({"timeout_seconds": "fast"})),
        "MAESTRO_NR_NO_SCHEME": _connection(emulator_state, host="maestro.example.com"),
        "MAESTRO_NR_DOWN": _connection(
            emulator_state, host=closed_port_url(), extra=json.dumps({"max_retries": 0})
        ),
    }
    for name, value in values.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}", value)
    return emulator_state


def test_only_transient_failures_use_their_retries(
    airflow_db: Path, connections: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    dag = load_dag_bag().get_dag(DAG_ID)
    capfd.readouterr()
    dag_run = dag.test()
    out, err = capfd.readouterr()
    log = out + err
    tries = {ti.task_id: (str(ti.state), ti.try_number) for ti in dag_run.get_task_instances()}

    assert {name: tries[name] for name in PERMANENT} == dict.fromkeys(PERMANENT, ("failed", 1)), tries
    assert {name: tries[name] for name in TRANSIENT} == dict.fromkeys(TRANSIENT, ("failed", 3)), tries
    for name, words in {**PERMANENT, **TRANSIENT}.items():
        assert words in log, f"{name}: {words!r} is not in the log"
    # None of these tasks got as far as a Maestro task, so their links are empty: silently, without the
    # error-level "XCom not found" that a lookup of a link never stored logs after the real error.
    assert "XCom not found" not in log
    stats = connections.stats()
    assert stats["logins"] == 1, "the wrong key was sent once; the good connection logged in once"
    assert connections.tasks() == [], "nothing was created"
