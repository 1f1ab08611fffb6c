"""The blocking client: a ``requests.Session`` doing the steps of the shared engine (:mod:`._engine`)."""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, TypeVar

import requests
import urllib3.exceptions
from pydantic import BaseModel, SecretStr
from requests_toolbelt import MultipartEncoder

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
from ._paging import MakePage, pages
from ._resources import (
    NAMESPACES,
    Alerts,
    Artifacts,
    Automations,
    Bots,
    Credentials,
    Datapools,
    Errors,
    Logs,
    Messages,
    Runners,
    Schedules,
    Tasks,
    Workspace,
)
from ._tls import tls_failure, trusted

__all__ = ["MaestroClient"]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
log = logging.getLogger("botcity_provider.client")
CHUNK = 1024 * 1024


class MaestroClient(BaseClient):
    """A Maestro workspace, for blocking code (operators, sensors in poke mode, scripts).

    ``client.tasks.create(...)``, ``client.artifacts.upload(...)``… Requests share one connection pool
    and one token per credentials in the process. Use it as a context manager, or call :meth:`close`.
    The parameters are those of :class:`BaseClient`.
    """

    namespaces: ClassVar[dict[str, type[Any]]] = {name: pair[0] for name, pair in NAMESPACES.items()}
    tasks: Tasks
    artifacts: Artifacts
    errors: Errors
    alerts: Alerts
    messages: Messages
    datapools: Datapools
    logs: Logs
    credentials: Credentials
    automations: Automations
    bots: Bots
    runners: Runners
    schedules: Schedules
    workspace: Workspace

    def _open(self) -> None:
        # verify goes with each request, not on the session: requests lets $REQUESTS_CA_BUNDLE (set in many
        # images) override a session's CA bundle and even verify=False, but not a request's own.
        self._session = requests.Session()
        self._verify = trusted(self.config.verify, os.environ)
        if self.config.verify is False:
            _quiet_insecure_warnings()

    def __enter__(self) -> MaestroClient:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._session.close()

    def request(
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
        return self._run(raw.request_call(method, path, params=params, json=json, files=files))

    def _run(self, operation: Operation[T] | Call[T]) -> T:
        return self._drive(run(operation, self.config))

    def _iterate(self, make: MakePage[M]) -> Iterator[M]:
        return pages(self._run, make)

    def _drive(self, steps: Steps[T]) -> T:
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
                    time.sleep(step.seconds)
                elif isinstance(step, NeedToken):
                    reply = self._token(step.refused)
                else:
                    reply = self._send(step)
            except MaestroError as exc:
                error = exc

    def _token(self, refused: SecretStr | None) -> SecretStr:
        token = self._usable_token(refused)
        if token is None:
            with self._slot.thread_lock:  # threads that need a token at once share one login
                token = self._usable_token(refused)
                if token is None:
                    token = self._logged_in(self._drive(run(login_call(self.config), self.config)))
        return token

    def _send(self, spec: RequestSpec) -> RawResponse:
        action = f"{spec.method} {spec.url}"
        started = time.monotonic()
        with ExitStack() as stack, _mapped_errors(action):
            response = self._session.request(**_request_args(spec, stack), verify=self._verify)
            stack.callback(response.close)
            raw = _read(response, spec.download_to)
        log.debug("%s %s -> %d in %.3f s", spec.method, spec.url, raw.status, time.monotonic() - started)
        return raw


def _request_args(spec: RequestSpec, stack: ExitStack) -> dict[str, Any]:
    """``Session.request`` arguments; built here so the token and the login body are no local of
    ``_send``, whose frame is in the traceback of every transport error."""
    data: Any = spec.content
    content_type = {}
    if spec.upload is not None:
        data = MultipartEncoder(
            fields={spec.upload.field: spec.upload.part(stack.enter_context(spec.upload.path.open("rb")))}
        )
        content_type["Content-Type"] = data.content_type
    return {
        "method": spec.method,
        "url": spec.url,
        "params": list(spec.query),
        "data": data,
        "headers": {**spec.headers, **content_type},
        "timeout": spec.timeout_seconds,
        "stream": True,
    }


def _read(response: requests.Response, download_to: Path | None) -> RawResponse:
    headers = {name.lower(): value for name, value in response.headers.items()}
    if download_to is None or not 200 <= response.status_code < 300:
        return RawResponse(response.status_code, headers, response.content)
    fd, partial = tempfile.mkstemp(prefix=f".{download_to.name}.", dir=download_to.parent or None)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in response.iter_content(CHUNK):
                out.write(chunk)
        os.replace(partial, download_to)
    except BaseException:
        os.unlink(partial)
        raise
    return RawResponse(response.status_code, headers)


def _quiet_insecure_warnings() -> None:
    """Silence urllib3's warning on every unverified request: the client has said it once (``_base``).

    Added again by each such client (``filterwarnings`` keeps one copy, moved to the front): whoever
    reset the filters since (pytest does per test) would otherwise get a warning per request back.
    """
    warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)


@contextmanager
def _mapped_errors(action: str) -> Iterator[None]:
    """Turn requests' exceptions into the client's, at this one border."""
    try:
        yield
    except requests.RequestException as exc:
        # Not chained: requests' and urllib3's frames hold the token and the login body in locals, which
        # a traceback that prints locals (rich, Sentry) would show. The message names the cause.
        raise _translate(exc, action) from None


def _translate(exc: requests.RequestException, action: str) -> MaestroTransportError:
    if isinstance(exc, requests.exceptions.SSLError):
        return MaestroTLSError(action, tls_failure(exc))
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return MaestroConnectError(action, "timed out while connecting")
    if isinstance(exc, requests.exceptions.Timeout):
        return MaestroTimeout(action, "the server did not answer in time")
    if isinstance(exc, requests.exceptions.ConnectionError) and _never_connected(exc):
        return MaestroConnectError(action, f"could not connect: {_root(exc)}")
    if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return MaestroConnectionLostError(action, f"the connection broke: {_root(exc)}")
    return MaestroTransportError(action, f"{type(exc).__name__}: {_root(exc)}")


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.NameResolutionError)


def _root(exc: BaseException) -> str:
    """The innermost reason, without urllib3's wrapping ("HTTPConnectionPool(...): Max retries exceeded
    ... (Caused by NewConnectionError(...))"): the host and port are in the action already."""
    reason: object = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    text = _WRAPPER.sub("", str(reason)) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"


# "HTTPConnection(host='h', port=1): " or "<urllib3.connection.HTTPConnection object at 0x...>: "
_WRAPPER = re.compile(r"^(?:\w+\([^)]*\)|<[^>]*>): ")
