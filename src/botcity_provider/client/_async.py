"""The asyncio client: an ``httpx.AsyncClient`` doing the steps of the shared engine (:mod:`._engine`).

Its loop mirrors :mod:`._sync`'s; only the I/O calls, the lock and the exception mapping differ.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel, SecretStr

from ._base import BaseClient
from ._core import Call, RawResponse, RequestSpec, login_call
from ._endpoints import raw
from ._engine import NeedToken, Operation, Sleep, Steps, run
from ._errors import (
    MaestroConnectError,
    MaestroConnectionLostError,
    MaestroError,
    MaestroTimeout,
    MaestroTLSError,
    MaestroTransportError,
)
from ._paging import MakePage, async_pages
from ._resources import (
    NAMESPACES,
    AsyncAlerts,
    AsyncArtifacts,
    AsyncAutomations,
    AsyncBots,
    AsyncCredentials,
    AsyncDatapools,
    AsyncErrors,
    AsyncLogs,
    AsyncMessages,
    AsyncRunners,
    AsyncSchedules,
    AsyncTasks,
    AsyncWorkspace,
)
from ._tls import ssl_error_in, tls_failure, trusted

__all__ = ["AsyncMaestroClient"]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
log = logging.getLogger("botcity_provider.client")
CHUNK = 1024 * 1024


class AsyncMaestroClient(BaseClient):
    """A Maestro workspace, for asyncio code (triggers). The twin of :class:`MaestroClient`.

    Nothing here blocks the event loop for long: waits are ``asyncio.sleep`` and logging in is guarded
    by a per-loop lock, so a thousand coroutines that need a token at once share one login.
    """

    namespaces: ClassVar[dict[str, type[Any]]] = {name: pair[1] for name, pair in NAMESPACES.items()}
    tasks: AsyncTasks
    artifacts: AsyncArtifacts
    errors: AsyncErrors
    alerts: AsyncAlerts
    messages: AsyncMessages
    datapools: AsyncDatapools
    logs: AsyncLogs
    credentials: AsyncCredentials
    automations: AsyncAutomations
    bots: AsyncBots
    runners: AsyncRunners
    schedules: AsyncSchedules
    workspace: AsyncWorkspace

    def _open(self) -> None:
        cfg = self.config
        verify = _ssl_context(trusted(cfg.verify, os.environ))
        self._http = httpx.AsyncClient(verify=verify, timeout=cfg.timeout_seconds)

    async def __aenter__(self) -> AsyncMaestroClient:
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Mapping[str, str | Path] | None = None,
    ) -> Any:
        """Call a route this client has no method for, with the same login, retries, timeouts and errors:
        ``client.request("GET", "/api/v2/activity/invoice-bot")``. The answer is its parsed JSON, its
        text, or None when empty. ``files`` is ``{part name: path}``, streamed."""
        return await self._run(raw.request_call(method, path, params=params, json=json, files=files))

    async def _run(self, operation: Operation[T] | Call[T]) -> T:
        return await self._drive(run(operation, self.config))

    def _iterate(self, make: MakePage[M]) -> AsyncIterator[M]:
        return async_pages(self._run, make)

    async def _drive(self, steps: Steps[T]) -> T:
        """Do what the engine asks, one step at a time: the whole I/O loop of this client."""
        reply: Any = None
        error: MaestroError | None = None
        while True:
            try:
                step = steps.throw(error) if error is not None else steps.send(reply)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            reply, error = None, None
            try:
                if isinstance(step, Sleep):
                    await asyncio.sleep(step.seconds)
                elif isinstance(step, NeedToken):
                    reply = await self._token(step.refused)
                else:
                    reply = await self._send(step)
            except MaestroError as exc:
                error = exc

    async def _token(self, refused: SecretStr | None) -> SecretStr:
        token = self._usable_token(refused)
        if token is None:
            async with self._slot.loop_lock():  # coroutines that need a token at once share one login
                token = self._usable_token(refused)
                if token is None:
                    token = self._logged_in(await self._drive(run(login_call(self.config), self.config)))
        return token

    async def _send(self, spec: RequestSpec) -> RawResponse:
        action = f"{spec.method} {spec.url}"
        started = time.monotonic()
        async with AsyncExitStack() as stack, _mapped_errors(action):
            files = None
            if spec.upload is not None:
                handle = stack.enter_context(spec.upload.path.open("rb"))
                files = {spec.upload.field: spec.upload.part(handle)}
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
    if isinstance(exc, httpx.ConnectError) and ssl_error_in(exc) is not None:
        return MaestroTLSError(action, tls_failure(exc))
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return MaestroConnectError(action, f"could not connect: {text}")
    if isinstance(exc, httpx.TimeoutException):
        return MaestroTimeout(action, "the server did not answer in time")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return MaestroConnectionLostError(action, f"the connection broke: {text}")
    return MaestroTransportError(action, f"{type(exc).__name__}: {text}")
