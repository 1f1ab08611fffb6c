"""Helpers for the client tests: one way to call both clients, request spies, and admin shortcuts."""

from __future__ import annotations

import inspect
import logging
import re
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import requests

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import AsyncMaestroClient, MaestroClient, RetryPolicy

Client = MaestroClient | AsyncMaestroClient

RETRY = RetryPolicy(
    max_attempts=4,
    initial_backoff_seconds=0.05,
    max_backoff_seconds=0.2,
    jitter_seconds=0.05,
    max_retry_after_seconds=2.0,
    max_total_seconds=20.0,
)
"""The policy of the clients these tests build, and that attempt counts are checked against. The same
numbers as ``FAST_RETRY`` in ``tests/conftest.py``, kept here so this folder imports nothing from its
parent (which is not a package in every checkout)."""


class Twin:
    """A client whose every namespace method returns an awaitable, so one test body drives both clients.

    The blocking client runs in the event loop's thread; that is harmless here because the emulator
    serves from a thread of its own.
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        self.kind = "async" if isinstance(client, AsyncMaestroClient) else "sync"

    def __getattr__(self, namespace: str) -> _Namespace:
        return _Namespace(getattr(self.client, namespace))


class _Namespace:
    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._target, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            return await result if inspect.isawaitable(result) else result

        return call


def spy_requests(client: Client) -> list[tuple[float, str, str]]:
    """Record (monotonic time, method, url) of every request the client sends, logins included."""
    sent: list[tuple[float, str, str]] = []
    original = client._send

    if isinstance(client, AsyncMaestroClient):

        async def async_send(spec: Any) -> Any:
            sent.append((time.monotonic(), spec.method, spec.url))
            return await original(spec)

        client._send = async_send  # type: ignore[method-assign]
    else:

        def send(spec: Any) -> Any:
            sent.append((time.monotonic(), spec.method, spec.url))
            return original(spec)

        client._send = send  # type: ignore[method-assign]
    return sent


def requests_to(emulator: EmulatorHandle, route: str) -> int:
    """How many requests the emulator counted for one route key, e.g. ``GET /api/v2/task/{taskId}``."""
    counted: dict[str, int] = emulator.stats()["requests"]
    return counted.get(route, 0)


def raw_token(emulator: EmulatorHandle) -> str:
    """Log in with plain ``requests``, as the official SDK does (one login in the stats)."""
    answer = requests.post(
        f"{emulator.url}/api/v2/workspace/login",
        json={"login": emulator.login, "key": emulator.key},
        timeout=10,
    )
    answer.raise_for_status()
    token: str = answer.json()["accessToken"]
    return token


def create_datapool(emulator: EmulatorHandle, label: str) -> None:
    """Create a datapool the way the official SDK's ``create_datapool`` does: a raw POST."""
    token = raw_token(emulator)
    answer = requests.post(
        f"{emulator.url}/api/v2/datapool",
        json={"label": label, "name": label, "consumptionPolicy": "FIFO", "schema": [], "active": True},
        headers={"token": token, "organization": emulator.login},
        timeout=10,
    )
    answer.raise_for_status()


def closed_port_url() -> str:
    """A loopback URL where nothing listens (the port was bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# Task parameters that keep a task where the test puts it: queued for ever, or running for ever.
STAY_QUEUED = {"_emulator": {"queue_seconds": 3600}}
STAY_RUNNING = {"_emulator": {"queue_seconds": 0, "outcome": "NEVER"}}


@asynccontextmanager
async def open_client(kind: str, server: str, login: str, key: str, **settings: Any) -> AsyncIterator[Twin]:
    """A client of either kind with its own settings (timeout, retry policy, token cache)."""
    if kind == "sync":
        with MaestroClient(server, login, key, **settings) as client:
            yield Twin(client)
    else:
        async with AsyncMaestroClient(server, login, key, **settings) as aclient:
            yield Twin(aclient)


def retry_warnings(records: list[logging.LogRecord]) -> list[str]:
    """The client's retry warnings ("<what failed>; trying <call> again in ...") among captured records."""
    return [
        record.getMessage()
        for record in records
        if record.levelno == logging.WARNING and RETRY_WARNING.search(record.getMessage())
    ]


RETRY_WARNING = re.compile(r"; trying \S+ \S+ again in [\d.]+ s \(attempt \d+ of \d+\)$")
