"""The asyncio client: an ``httpx.AsyncClient`` driving the shared core.

It mirrors :mod:`._sync` line for line; only the I/O calls, the lock and the exception mapping differ.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from ._config import DEFAULT_SERVER, DEFAULT_TIMEOUT_SECONDS, ClientConfig, hidden
from ._core import Call, NeedToken, RawResponse, RequestSpec, build_request, exchange, interpret, login_call
from ._errors import (
    MaestroConnectError,
    MaestroConnectionLostError,
    MaestroError,
    MaestroTimeout,
    MaestroTLSError,
    MaestroTransportError,
)
from ._flows import Pause
from ._resources import AsyncAlerts, AsyncArtifacts, AsyncDatapools, AsyncErrors, AsyncTasks
from ._retry import RetryPolicy
from ._token import TokenCache, default_token_cache

__all__ = ["AsyncMaestroClient"]

T = TypeVar("T")
log = logging.getLogger("botcity_provider.client")
CHUNK = 1024 * 1024


class AsyncMaestroClient:
    """A Maestro workspace, for asyncio code (triggers). The twin of :class:`MaestroClient`.

    Nothing here blocks the event loop for long: waits are ``asyncio.sleep`` and logging in is guarded
    by a per-loop lock, so a thousand coroutines that need a token at once share one login.
    """

    def __init__(
        self,
        server: str = DEFAULT_SERVER,
        login: str = "",
        key: str | SecretStr = "",
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        token_cache: TokenCache | None = None,
        on_token: Callable[[str], None] | None = None,
        config: ClientConfig | None = None,
    ) -> None:
        key = hidden(key)  # a traceback that prints locals then shows stars
        self.config = config or ClientConfig(
            server, login, key, timeout_seconds=timeout_seconds, verify=verify, retry=retry or RetryPolicy()
        )
        cfg = self.config
        self._slot = (token_cache or default_token_cache()).slot(cfg.server, cfg.login, cfg.key)
        self._on_token = on_token
        self._http = httpx.AsyncClient(verify=_ssl_context(cfg.verify), timeout=cfg.timeout_seconds)
        self.tasks = AsyncTasks(self)
        self.artifacts = AsyncArtifacts(self)
        self.errors = AsyncErrors(self)
        self.alerts = AsyncAlerts(self)
        self.datapools = AsyncDatapools(self)

    def __repr__(self) -> str:
        return f"AsyncMaestroClient(server={self.config.server!r}, login={self.config.login!r})"

    async def __aenter__(self) -> AsyncMaestroClient:
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    @property
    def logins(self) -> int:
        """Logins made so far for these credentials in this process, by any client."""
        return self._slot.logins

    async def _call(self, call: Call[T]) -> T:
        async for attempt in self.config.retry.async_retrying(
            idempotent=call.idempotent, action=call.action, server=self.config.server
        ):
            with attempt:
                return await self._drive(exchange(call, self.config))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _run(self, flow: Generator[Any, Any, T]) -> T:
        reply: Any = None
        error: MaestroError | None = None
        while True:
            try:
                step = flow.throw(error) if error is not None else flow.send(reply)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            reply, error = None, None
            if isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
                continue
            try:
                reply = await self._call(step)
            except MaestroError as exc:
                error = exc

    async def _drive(self, flow: Generator[NeedToken | RequestSpec, Any, T]) -> T:
        reply: Any = None
        while True:
            try:
                step = flow.send(reply)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            reply = await self._token(step.refused) if isinstance(step, NeedToken) else await self._send(step)

    async def _token(self, refused: SecretStr | None) -> SecretStr:
        max_age = self.config.token_max_age_seconds
        token = self._slot.usable(max_age_seconds=max_age, refused=refused)
        if token is not None:
            return token
        async with self._slot.loop_lock():
            token = self._slot.usable(max_age_seconds=max_age, refused=refused)
            if token is None:
                call = login_call(self.config)
                raw = await self._send(build_request(self.config, call, None))
                token = interpret(call, raw, (self.config.key,)).access_token
                self._slot.store(token)
                if self._on_token is not None:
                    self._on_token(token.get_secret_value())
        return token

    async def _send(self, spec: RequestSpec) -> RawResponse:
        action = f"{spec.method} {spec.url}"
        started = time.monotonic()
        async with AsyncExitStack() as stack, _mapped_errors(action):
            files = None
            if spec.upload is not None:
                handle = stack.enter_context(spec.upload.path.open("rb"))
                files = {"file": (spec.upload.filename, handle)}
            response = await self._http.send(
                self._http.build_request(
                    spec.method,
                    spec.url,
                    params=list(spec.query),
                    content=spec.content,
                    files=files,
                    headers=dict(spec.headers),
                    timeout=spec.timeout_seconds,
                ),
                stream=True,
            )
            stack.push_async_callback(response.aclose)
            raw = await _read(response, spec.download_to)
        log.debug("%s %s -> %d in %.3f s", spec.method, spec.url, raw.status, time.monotonic() - started)
        return raw


async def _read(response: httpx.Response, download_to: Path | None) -> RawResponse:
    headers = {name.lower(): value for name, value in response.headers.items()}
    if download_to is None or not 200 <= response.status_code < 300:
        return RawResponse(response.status_code, headers, await response.aread())
    fd, partial = tempfile.mkstemp(prefix=f".{download_to.name}.", dir=download_to.parent or None)
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in response.aiter_bytes(CHUNK):
                out.write(chunk)
        os.replace(partial, download_to)
    except BaseException:
        os.unlink(partial)
        raise
    return RawResponse(response.status_code, headers)


def _ssl_context(verify: bool | str) -> ssl.SSLContext | bool:
    # httpx wants a context for a CA bundle; plain booleans it takes as they are.
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


@asynccontextmanager
async def _mapped_errors(action: str) -> AsyncIterator[None]:
    """Turn httpx's exceptions into the client's, at this one border."""
    try:
        yield
    except httpx.HTTPError as exc:
        # Not chained: httpx's and httpcore's frames hold the token and the login body in locals, which
        # a traceback that prints locals (rich, Sentry) would show. The message names the cause.
        raise _translate(exc, action) from None


def _translate(exc: httpx.HTTPError, action: str) -> MaestroTransportError:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE" in text.upper():
        return MaestroTLSError(
            action, f"TLS failed ({text}); check the server's certificate or the verify setting"
        )
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return MaestroConnectError(action, f"could not connect: {text}")
    if isinstance(exc, httpx.TimeoutException):
        return MaestroTimeout(action, "the server did not answer in time")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return MaestroConnectionLostError(action, f"the connection broke: {text}")
    return MaestroTransportError(action, f"{type(exc).__name__}: {text}")
