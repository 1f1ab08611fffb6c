"""Helpers for the client tests: one way to call both clients, request spies, and admin shortcuts."""

from __future__ import annotations

import inspect
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import pytest
import requests

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import AsyncMaestroClient, MaestroClient, RetryPolicy, ValidationError

if TYPE_CHECKING:
    from botcity.maestro import BotMaestroSDK

T = TypeVar("T")

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


async def collect(items: Iterable[T] | AsyncIterable[T]) -> list[T]:
    """Every item of a lazy listing (``iter(...)``), whichever client made it."""
    if isinstance(items, AsyncIterable):
        return [item async for item in items]
    return list(items)


async def refused(emulator: EmulatorHandle, call: Awaitable[Any], field: str) -> str:
    """Await a call that must be refused naming ``field``, with nothing sent; return the message.

    Nothing sent means the emulator counted no request at all, not even a login: every argument is
    checked before the first request. The message starts with the field, so a reader sees which one.
    """
    with pytest.raises(ValidationError) as caught:
        await call
    error = caught.value
    assert isinstance(error, ValueError)  # a plain ``except ValueError`` catches it too
    assert error.field == field, error
    assert str(error).startswith(f"{field}: "), error
    assert emulator.stats()["requests_total"] == 0
    return str(error)


@dataclass(frozen=True)
class Raised:
    """What a statement raised in a child process: the exception's class name (None if nothing was
    raised), its ``field`` if it has one, its message, and the path of the file it was given."""

    error: str | None
    field: str | None
    message: str
    path: Path


_AS_NOBODY = r"""
import json, os, sys
from botcity_provider.client import MaestroClient, TokenCache

url, login, path, statement = sys.argv[1:]
client = MaestroClient(url, login, os.environ["MAESTRO_TEST_KEY"], token_cache=TokenCache())
if os.geteuid() == 0:
    # root reads anything whatever its mode; become "nobody", for whom mode 000 means what it says.
    os.setgid(65534)
    os.setuid(65534)
try:
    open(path, "rb").close()
    readable = True
except PermissionError:
    readable = False
try:
    exec(statement, {"client": client, "path": path})
    outcome = {"error": None, "field": None, "message": ""}
except Exception as exc:
    outcome = {"error": type(exc).__name__, "field": getattr(exc, "field", None), "message": str(exc)}
print(json.dumps({"readable": readable, **outcome}))
"""


def raised_on_unreadable(emulator: EmulatorHandle, statement: str, name: str, content: bytes) -> Raised:
    """Run one client statement as user nobody (uid 65534) in a child process; return what it raised.

    The statement sees ``client``, a blocking client of ``emulator``, and ``path``, a file called ``name``
    holding ``content`` that no one may read. Root reads anything whatever the mode, so the child drops
    to nobody; the folder is a fresh one anyone may enter (pytest's ``tmp_path`` is private to root). The
    child also tries to open the file itself, so a pass cannot come from a file it could read after all.
    """
    folder = Path(tempfile.mkdtemp(prefix="unreadable-"))
    try:
        folder.chmod(0o755)
        path = folder / name
        path.write_bytes(content)
        path.chmod(0o000)
        done = subprocess.run(
            [sys.executable, "-c", _AS_NOBODY, emulator.url, emulator.login, str(path), statement],
            env={**os.environ, "MAESTRO_TEST_KEY": emulator.key},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout)
    assert outcome["readable"] is False, "the child could read the file, so the check proves nothing"
    return Raised(outcome["error"], outcome["field"], outcome["message"], path)


def logged_in_sdk(emulator: EmulatorHandle) -> BotMaestroSDK:
    """The official SDK, logged in to ``emulator`` (imported here so only the SDK tests need it)."""
    from botcity.maestro import BotMaestroSDK

    sdk = BotMaestroSDK(emulator.url, emulator.login, emulator.key)
    sdk.login()
    return sdk


def sdk_posts(monkeypatch: pytest.MonkeyPatch, path: str) -> list[Any]:
    """The JSON bodies of the official SDK's POSTs to ``path`` (it sends them with ``requests.post``)."""
    bodies: list[Any] = []
    original = requests.post

    def record(url: str, *args: Any, **kwargs: Any) -> Any:
        if urlsplit(url).path == path:
            bodies.append(kwargs["json"])
        return original(url, *args, **kwargs)

    monkeypatch.setattr(requests, "post", record)
    return bodies


def client_posts(monkeypatch: pytest.MonkeyPatch, client: MaestroClient, path: str) -> list[Any]:
    """The JSON bodies of the blocking client's POSTs to ``path``, as sent."""
    bodies: list[Any] = []
    original = client._send

    def spy(spec: Any) -> Any:
        if urlsplit(spec.url).path == path and spec.method == "POST":
            bodies.append(json.loads(spec.content))
        return original(spec)

    monkeypatch.setattr(client, "_send", spy)
    return bodies
