"""What the random chaos runs found, each replayed with scripted faults so it fails the same way each time.

Each test names the promise it holds the provider to; all run against the shared in-thread emulator.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import (
    IDEMPOTENCY_PARAMETER,
    AsyncMaestroClient,
    MaestroClient,
    RetryPolicy,
    TokenCache,
)
from tests.chaos import _harness as chaos
from tests.conftest import FAST_RETRY, connection_json
from tests.dag_runs import load_dag_bag

Fault = dict[str, Any]


def fault(match: str, action: str = "status", status: int | None = None, count: int = 1) -> Fault:
    entry: Fault = {"match": match, "action": action, "count": count}
    if status is not None:
        entry["status"] = status
    return entry


@pytest.fixture(scope="module")
def dag_bag(airflow_db: Path) -> Any:
    return load_dag_bag(chaos.DAG_FILES)


@pytest.fixture
def run_chaos_dag(
    dag_bag: Any, maestro_conn: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], Any]:
    """Run a chaos DAG against the shared emulator (emptied, no faults until the test sets some)."""
    monkeypatch.setenv(chaos.CONN_ENV, connection_json(maestro_conn))

    def run(dag_id: str) -> Any:
        return dag_bag.get_dag(dag_id).test()

    return run


@pytest.mark.parametrize("mode", ["deferred", "polled"])
def test_a_500_on_the_kill_after_a_timeout_does_not_leave_the_bot_running(
    run_chaos_dag: Callable[[str], Any], maestro_conn: EmulatorHandle, mode: str
) -> None:
    """No remote task left running after a timeout: a kill is safe to repeat, so a 500 must not stop it."""
    maestro_conn.set_faults(script=[fault("POST /api/v2/task/{taskId}", status=500)])
    dag_run = run_chaos_dag(f"chaos_timeout_{mode}")
    assert str(dag_run.state) == "failed"
    (task,) = maestro_conn.tasks()
    assert task["state"] in chaos.TERMINAL, "the bot was left running"
    assert maestro_conn.stats()["faults"]["error"] == 1, "the scripted 500 was not met"


@pytest.mark.parametrize(("mode", "status"), [("polled", 500), ("polled", 503), ("deferred", 500)])
def test_a_sensor_rides_out_a_failed_look_at_the_task(
    run_chaos_dag: Callable[[str], Any], maestro_conn: EmulatorHandle, mode: str, status: int
) -> None:
    """A poll that fails transiently is simply made again at the next poll; a sensor is no exception.

    The 503 comes more often than the client retries it, the 500 is not retried by the client at all.
    """
    count = FAST_RETRY.max_attempts + 2 if status == 503 else 1
    maestro_conn.set_faults(script=[fault("GET /api/v2/task/{taskId}", status=status, count=count)])
    dag_run = run_chaos_dag(f"chaos_sensor_{mode}")
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert states == {"queue_reconciliation": "success", "wait_for_reconciliation": "success"}
    assert maestro_conn.stats()["faults"]["error"] == count


def _client(kind: str, handle: EmulatorHandle, retry: RetryPolicy = FAST_RETRY) -> Any:
    args = (handle.url, handle.login, handle.key)
    cls = MaestroClient if kind == "sync" else AsyncMaestroClient
    return cls(*args, retry=retry, token_cache=TokenCache())


async def _call(result: Any) -> Any:
    return await result if hasattr(result, "__await__") else result


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("status", [500, 503])
async def test_a_failed_key_lookup_after_a_lost_create_looks_again(
    emulator_state: EmulatorHandle, kind: str, status: int
) -> None:
    """Zero duplicates and no failure when a create's answer is lost and the lookup that resolves it fails.

    The lookup is a read: repeating it is safe. Giving up on it fails the Airflow task while the bot it
    created runs on. The create and its lookups share one budget: the lost create spends one attempt,
    so the lookups ride out every 503 the rest of the budget leaves room for.
    """
    count = FAST_RETRY.max_attempts - 2 if status == 503 else 1
    emulator_state.set_faults(
        script=[fault("POST /api/v2/task", "lost"), fault("GET /api/v2/task", status=status, count=count)]
    )
    client = _client(kind, emulator_state)
    try:
        task = await _call(client.tasks.create("lookup-bot", idempotency_key="airflow|d|r|t|-1|1"))
    finally:
        await _call(client.aclose() if kind == "async" else client.close())
    assert task.parameters[IDEMPOTENCY_PARAMETER] == "airflow|d|r|t|-1|1"
    stats = emulator_state.stats()
    assert stats["tasks_created"] == 1
    assert stats["requests"]["POST /api/v2/task"] == 1, "a lost create is resolved by lookup, not resent"


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_refused_token_is_not_sent_again_after_a_failed_login(
    emulator_state: EmulatorHandle, kind: str
) -> None:
    """Re-login once on 401: once the server refused a token, no retry may send it again.

    Here the token has expired and the first login after the 401 fails: the retry must log in, not
    resend the expired token (a wasted request and a second 401, which under faults doubles the odds
    that a call fails).
    """
    client = _client(kind, emulator_state)
    try:
        emulator_state.set_faults(token_lifetime_seconds=1.0)
        await _call(client.tasks.list(size=1))
        await asyncio.sleep(1.2)  # the token expires; the next one lives long enough for the resend
        emulator_state.set_faults(script=[fault("POST /api/v2/workspace/login", status=503)])
        await _call(client.tasks.list(size=1))
    finally:
        await _call(client.aclose() if kind == "async" else client.close())
    stats = emulator_state.stats()
    assert stats["faults"]["expired_token"] == 1, "the refused token was sent again"
    assert stats["logins"] == 2


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_create_whose_login_failed_is_sent_as_if_nothing_happened(
    emulator_state: EmulatorHandle, kind: str
) -> None:
    """A login that fails before a create proves the create was never sent: log in again and send it,
    without spending one of the create's few attempts on a lookup."""
    emulator_state.set_faults(script=[fault("POST /api/v2/workspace/login", status=503, count=2)])
    client = _client(kind, emulator_state)
    try:
        await _call(client.tasks.create("login-bot", idempotency_key="airflow|d|r|t|-1|1"))
    finally:
        await _call(client.aclose() if kind == "async" else client.close())
    requests = emulator_state.stats()["requests"]
    assert requests.get("GET /api/v2/task", 0) == 0, "a lookup for a create that was never sent"
    assert requests["POST /api/v2/task"] == 1


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_create_outlasts_five_failures_in_a_row(emulator_state: EmulatorHandle, kind: str) -> None:
    """Under the chaos profile about a third of the attempts at a create fail; after each, a lookup
    proves nothing was created, so trying again is safe. Four attempts lost about one create in a
    hundred: the chaos run failed DAG runs that way."""
    emulator_state.set_faults(script=[fault("POST /api/v2/task", status=502, count=5)])
    # One budget per create, its lookups included: six attempts outlast five failures; tiny waits.
    fast = RetryPolicy(
        max_attempts=6, initial_backoff_seconds=0.01, max_backoff_seconds=0.01, jitter_seconds=0.0
    )
    client = _client(kind, emulator_state, retry=fast)
    try:
        await _call(client.tasks.create("stubborn-bot", idempotency_key="airflow|d|r|t|-1|1"))
    finally:
        await _call(client.aclose() if kind == "async" else client.close())
    stats = emulator_state.stats()
    assert (stats["tasks_created"], stats["requests"]["POST /api/v2/task"]) == (1, 6)


def test_queueing_a_bot_succeeds_even_if_the_bot_ended_before_the_create_was_answered(
    run_chaos_dag: Callable[[str], Any], maestro_conn: EmulatorHandle
) -> None:
    """Zero duplicates when Airflow retries: with wait_for_completion=False the operator returns once the
    task exists. When the create's answer was lost and the lookup found the task already FAILED (a fast
    bot), the operator failed, and its retry created a second task."""
    maestro_conn.set_faults(script=[fault("POST /api/v2/task", "lost")])
    dag_run = run_chaos_dag("chaos_queue_fast_bot")
    assert str(dag_run.state) == "success"
    ((ti_state, tries),) = [(str(ti.state), ti.try_number) for ti in dag_run.get_task_instances()]
    assert (ti_state, tries) == ("success", 1)
    (task,) = maestro_conn.tasks()
    assert task["state"] == "FINISHED"
