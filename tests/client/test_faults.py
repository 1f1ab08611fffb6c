"""The client against a misbehaving server: the emulator's fault script and rates, over loopback HTTP.

Request counts come from the emulator's own stats, so "retried" and "not retried" are measured on the
server side, not inferred from the client.
"""

from __future__ import annotations

import asyncio

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import (
    AuthenticationError,
    MaestroConnectError,
    MaestroConnectionLostError,
    MaestroTimeout,
    RetryPolicy,
    ServerError,
    TokenCache,
)

from ._support import (
    RETRY,
    STAY_QUEUED,
    Twin,
    closed_port_url,
    open_client,
    requests_to,
    retry_warnings,
    spy_requests,
)

GET_TASK = "GET /api/v2/task/{taskId}"
LIST_TASKS = "GET /api/v2/task"
CREATE_TASK = "POST /api/v2/task"
UPDATE_TASK = "POST /api/v2/task/{taskId}"
KINDS = ["sync", "async"]


def fail(route: str, status: int = 503, count: int = 1, **extra: object) -> dict[str, object]:
    return {"match": route, "action": "status", "status": status, "count": count, **extra}


# --- tokens ------------------------------------------------------------------------------------------


async def test_an_expired_token_costs_exactly_one_more_login(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    await maestro.tasks.list()
    # Long enough that the new token surely outlives the resend, even on a loaded machine.
    emulator_state.set_faults(token_lifetime_seconds=1.0)
    await asyncio.sleep(1.1)
    page = await maestro.tasks.list()
    assert page.content == []
    stats = emulator_state.stats()
    assert stats["logins"] == 2
    assert stats["faults"]["expired_token"] == 1
    assert stats["responses"]["401"] == 1
    assert maestro.client.logins == 2


async def test_a_forgotten_token_costs_exactly_one_more_login(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    await maestro.tasks.list()
    emulator_state.reset()  # forgets every token and zeroes the counters
    await maestro.tasks.list()
    stats = emulator_state.stats()
    assert stats["logins"] == 1
    assert stats["responses"] == {"401": 1, "200": 2}


@pytest.mark.parametrize("kind", KINDS)
async def test_a_wrong_key_is_an_authentication_error_and_is_not_retried(
    kind: str, emulator_state: EmulatorHandle
) -> None:
    async with open_client(
        kind,
        emulator_state.url,
        emulator_state.login,
        "wrong-key",
        retry=RETRY,
        token_cache=TokenCache(),
    ) as maestro:
        with pytest.raises(AuthenticationError) as caught:
            await maestro.tasks.get(1)
    assert "Check the login and key" in str(caught.value)
    assert "wrong-key" not in str(caught.value)
    stats = emulator_state.stats()
    assert (stats["login_failures"], stats["requests_total"]) == (1, 1)


# --- retried: 429, 5xx, broken connections on idempotent calls ---------------------------------------


async def test_retry_after_of_a_429_is_waited_for(
    maestro: Twin, emulator_state: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    await maestro.tasks.list()
    sent = spy_requests(maestro.client)
    emulator_state.set_faults(script=[fail(LIST_TASKS, 429, retry_after=1)])
    await maestro.tasks.list()
    (first, _, _), (second, _, _) = sent
    assert second - first >= 1.0
    # The warning names the request that failed, with the server's host and port, and what it said.
    assert retry_warnings(caplog.records) == [
        f"GET {emulator_state.url}/api/v2/task returned 429 (rate limited) "
        '"Too many requests: retry after 1 seconds (emulated)"; '
        "trying GET /api/v2/task again in 1.0 s (attempt 2 of 4)"
    ]
    assert requests_to(emulator_state, LIST_TASKS) == 3


async def test_5xx_answers_are_retried_until_one_succeeds(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    task = await maestro.tasks.create("a", parameters=STAY_QUEUED)
    emulator_state.set_faults(
        script=[
            fail(GET_TASK, 503),
            {"match": GET_TASK, "action": "html", "status": 502},
            fail(GET_TASK, 504),
        ]
    )
    assert (await maestro.tasks.get(task.id)).id == task.id
    assert requests_to(emulator_state, GET_TASK) == RETRY.max_attempts


async def test_5xx_for_ever_is_a_server_error_after_the_last_attempt(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    emulator_state.set_faults(script=[fail(GET_TASK, 503, count=100)])
    with pytest.raises(ServerError) as caught:
        await maestro.tasks.get(1)
    assert caught.value.status == 503
    assert requests_to(emulator_state, GET_TASK) == RETRY.max_attempts


async def test_a_500_is_not_retried(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    emulator_state.set_faults(script=[fail(GET_TASK, 500)])
    with pytest.raises(ServerError):
        await maestro.tasks.get(1)
    assert requests_to(emulator_state, GET_TASK) == 1


async def test_a_dropped_connection_on_a_read_is_retried(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    task = await maestro.tasks.create("a", parameters=STAY_QUEUED)
    emulator_state.set_faults(script=[{"match": GET_TASK, "action": "drop"}])
    assert (await maestro.tasks.get(task.id)).id == task.id
    assert requests_to(emulator_state, GET_TASK) == 2
    assert emulator_state.stats()["faults"]["drop"] == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_random_gateway_errors_are_each_answered_by_one_more_request(
    kind: str, emulator_state: EmulatorHandle
) -> None:
    emulator_state.set_faults(error_rate=0.2, error_statuses=[502, 503, 504], seed=7)
    policy = RetryPolicy(
        max_attempts=10, initial_backoff_seconds=0.01, max_backoff_seconds=0.02, jitter_seconds=0
    )
    async with open_client(
        kind,
        emulator_state.url,
        emulator_state.login,
        emulator_state.key,
        retry=policy,
        token_cache=TokenCache(),
    ) as maestro:
        for _ in range(30):
            await maestro.tasks.list()
    stats = emulator_state.stats()
    assert stats["faults"]["error"] > 0
    # Every request either succeeded (30 lists + 1 login) or failed and was sent again.
    assert stats["requests_total"] == 31 + stats["faults"]["error"]


# --- not retried: calls that change something and may have reached the server ------------------------


@pytest.mark.parametrize("action", ["status", "drop"])
async def test_restart_is_not_sent_again(maestro: Twin, emulator_state: EmulatorHandle, action: str) -> None:
    task = await maestro.tasks.create("a", parameters=STAY_QUEUED)
    emulator_state.set_faults(script=[{"match": UPDATE_TASK, "action": action, "status": 503}])
    expected = ServerError if action == "status" else MaestroConnectionLostError
    with pytest.raises(expected):
        await maestro.tasks.restart(task.id)
    assert requests_to(emulator_state, UPDATE_TASK) == 1


@pytest.mark.parametrize("action", ["status", "drop"])
async def test_create_without_a_key_is_not_sent_again(
    maestro: Twin, emulator_state: EmulatorHandle, action: str
) -> None:
    emulator_state.set_faults(script=[{"match": CREATE_TASK, "action": action, "status": 503}])
    expected = ServerError if action == "status" else MaestroConnectionLostError
    with pytest.raises(expected):
        await maestro.tasks.create("a")
    assert requests_to(emulator_state, CREATE_TASK) == 1
    assert emulator_state.stats()["tasks_created"] == 0


async def test_a_lost_create_answer_with_a_key_returns_the_one_task(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    emulator_state.set_faults(script=[{"match": CREATE_TASK, "action": "lost"}])
    task = await maestro.tasks.create("a", parameters=STAY_QUEUED, idempotency_key="dag/run/1")
    stats = emulator_state.stats()
    assert stats["tasks_created"] == 1
    assert stats["faults"]["lost_create"] == 1
    assert requests_to(emulator_state, CREATE_TASK) == 1
    (only,) = emulator_state.tasks()
    assert task.id == only["id"]


async def test_a_lost_create_answer_without_a_key_is_raised_and_not_resent(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    emulator_state.set_faults(script=[{"match": CREATE_TASK, "action": "lost"}])
    with pytest.raises(MaestroConnectionLostError):
        await maestro.tasks.create("a", parameters=STAY_QUEUED)
    assert requests_to(emulator_state, CREATE_TASK) == 1
    # The server did create it: this is exactly why the client must not send it again.
    assert emulator_state.stats()["tasks_created"] == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_a_create_with_a_key_survives_a_503(kind: str, emulator_state: EmulatorHandle) -> None:
    emulator_state.set_faults(script=[fail(CREATE_TASK, 503)])
    async with open_client(
        kind, emulator_state.url, emulator_state.login, emulator_state.key, token_cache=TokenCache()
    ) as maestro:
        task = await maestro.tasks.create("a", parameters=STAY_QUEUED, idempotency_key="dag/run/2")
    assert requests_to(emulator_state, CREATE_TASK) == 2
    assert emulator_state.stats()["tasks_created"] == 1
    assert [t["id"] for t in emulator_state.tasks()] == [task.id]


# --- transport failures ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_a_server_that_does_not_answer_in_time_is_a_timeout(
    kind: str, emulator_state: EmulatorHandle
) -> None:
    emulator_state.set_faults(script=[{"match": GET_TASK, "action": "delay", "seconds": 2.0, "count": 2}])
    policy = RetryPolicy(max_attempts=2, initial_backoff_seconds=0.01, jitter_seconds=0.0)
    async with open_client(
        kind,
        emulator_state.url,
        emulator_state.login,
        emulator_state.key,
        timeout_seconds=0.5,
        retry=policy,
        token_cache=TokenCache(),
    ) as maestro:
        await maestro.tasks.list()  # log in first, so only the delayed request can time out
        with pytest.raises(MaestroTimeout) as caught:
            await maestro.tasks.get(1)
    assert isinstance(caught.value, TimeoutError)
    assert "GET" in str(caught.value)
    assert requests_to(emulator_state, GET_TASK) == 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("operation", ["get", "create"])
async def test_a_refused_connection_is_a_connect_error_and_is_retried(
    kind: str, operation: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = closed_port_url()
    async with open_client(kind, url, "demo", "demo-key", retry=RETRY, token_cache=TokenCache()) as maestro:
        with pytest.raises(MaestroConnectError) as caught:
            if operation == "get":
                await maestro.tasks.get(1)
            else:
                await maestro.tasks.create("a")
    assert "could not connect" in str(caught.value)
    # Even a create is sent again: the request provably never left. Each warning names the request that
    # failed (the login, before the call it was for) with the host and port, and the reason.
    warnings = retry_warnings(caplog.records)
    assert len(warnings) == RETRY.max_attempts - 1
    login = f"POST {url}/api/v2/workspace/login failed: could not connect: "
    assert all(warning.startswith(login) for warning in warnings), warnings
    assert all("refused" in warning or "connection attempts failed" in warning for warning in warnings)
