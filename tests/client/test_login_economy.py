"""One login per credentials per process, however many threads, clients and coroutines need a token.

The login count is the emulator's, so a login that the client did not count would still be seen.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import AsyncMaestroClient, MaestroClient, Page, TokenCache

from ._support import RETRY

THREADS = 10
CALLS_PER_THREAD = 100


def run_in_threads(work: Callable[[int], None], threads: int = THREADS) -> None:
    """Run ``work(index)`` in threads that all start at the same moment; re-raise the first error."""
    barrier = threading.Barrier(threads)

    def start(index: int) -> None:
        barrier.wait()
        work(index)

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(start, index) for index in range(threads)]:
            future.result()


def sync_clients(emulator: EmulatorHandle, cache: TokenCache, count: int) -> list[MaestroClient]:
    return [
        MaestroClient(emulator.url, emulator.login, emulator.key, retry=RETRY, token_cache=cache)
        for _ in range(count)
    ]


def test_ten_threads_on_one_client_log_in_once(client: MaestroClient, emulator_state: EmulatorHandle) -> None:
    def work(_: int) -> None:
        for _ in range(CALLS_PER_THREAD):
            assert isinstance(client.tasks.list(size=1), Page)

    run_in_threads(work)
    stats = emulator_state.stats()
    assert stats["logins"] == 1
    assert stats["requests"]["GET /api/v2/task"] == THREADS * CALLS_PER_THREAD
    assert client.logins == 1


def test_ten_clients_of_the_same_credentials_log_in_once(
    emulator_state: EmulatorHandle, token_cache: TokenCache
) -> None:
    clients = sync_clients(emulator_state, token_cache, THREADS)

    def work(index: int) -> None:
        for _ in range(CALLS_PER_THREAD):
            clients[index].tasks.list(size=1)

    try:
        run_in_threads(work)
    finally:
        for each in clients:
            each.close()
    stats = emulator_state.stats()
    assert stats["logins"] == 1
    assert stats["requests"]["GET /api/v2/task"] == THREADS * CALLS_PER_THREAD


async def test_a_thousand_coroutines_on_fresh_clients_log_in_once(
    emulator_state: EmulatorHandle, token_cache: TokenCache
) -> None:
    async def one() -> int:
        # A trigger builds its own client; all of them share the process's token cache. TLS is off only
        # because building a verifying context costs ~20 ms and the emulator speaks plain HTTP anyway.
        async with AsyncMaestroClient(
            emulator_state.url,
            emulator_state.login,
            emulator_state.key,
            verify=False,
            token_cache=token_cache,
        ) as maestro:
            page = await maestro.tasks.list(size=1)
            return page.total_elements

    totals = await asyncio.gather(*(one() for _ in range(1000)))
    assert totals == [0] * 1000
    stats = emulator_state.stats()
    assert stats["logins"] == 1
    assert stats["requests"]["GET /api/v2/task"] == 1000


def test_a_refused_token_costs_one_login_for_a_hundred_threads(
    emulator_state: EmulatorHandle, token_cache: TokenCache
) -> None:
    clients = sync_clients(emulator_state, token_cache, 100)
    clients[0].tasks.list()
    emulator_state.reset()  # the token every client holds is now refused

    try:
        run_in_threads(lambda index: clients[index].tasks.list() and None, threads=100)
    finally:
        for each in clients:
            each.close()
    stats = emulator_state.stats()
    assert stats["logins"] == 1
    assert stats["responses"]["200"] == 101  # 100 lists and the one login
    assert stats["responses"]["401"] >= 1


async def test_a_refused_token_costs_one_login_for_a_hundred_coroutines(
    async_client: AsyncMaestroClient, emulator_state: EmulatorHandle
) -> None:
    await async_client.tasks.list()
    emulator_state.reset()
    await asyncio.gather(*(async_client.tasks.list() for _ in range(100)))
    stats = emulator_state.stats()
    assert stats["logins"] == 1
    assert stats["responses"]["200"] == 101
    assert stats["responses"]["401"] >= 1
    assert async_client.logins == 2
