"""The client's protocol, with no I/O: what a call is, the request it becomes, how its answer is read.

A :class:`Call` describes one API operation; :func:`build_request` turns it into a :class:`RequestSpec`
for a transport, and :func:`interpret` turns the :class:`RawResponse` into the result or the right
:class:`MaestroAPIError`, with the server's own words. The loop that sends calls, logs in and retries
is :mod:`._engine`.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import pydantic
from pydantic import SecretStr

from ._config import DEFAULT_SERVER, ClientConfig
from ._errors import (
    AuthenticationError,
    ConflictError,
    MaestroAPIError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)
from ._models import LoginResult
from ._routes import route

LOGIN_PATH = route("workspace.login").template

__all__ = [
    "LOGIN_PATH",
    "Call",
    "RawResponse",
    "RequestSpec",
    "Upload",
    "build_request",
    "interpret",
    "login_call",
    "with_prefix",
]

T = TypeVar("T")
log = logging.getLogger("botcity_provider.client")


@dataclass(frozen=True)
class Upload:
    """A file sent as one multipart part (``file`` unless a route names it otherwise), streamed from disk.
    ``content_type`` goes on the part only when given: the official SDK sends none."""

    path: Path
    filename: str
    field: str = "file"
    content_type: str | None = None

    def part(self, handle: Any) -> tuple[Any, ...]:
        """The ``(filename, file[, content type])`` tuple that requests-toolbelt and httpx both take."""
        if self.content_type is None:
            return (self.filename, handle)
        return (self.filename, handle, self.content_type)


@dataclass(frozen=True)
class RawResponse:
    """What came back, reduced to what the core reads. ``body`` is empty for a streamed download."""

    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes = field(default=b"", repr=False)  # a login answer holds a token


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API operation, fully described: where to send it, how to read the answer, if it may repeat.

    :param doing: the operation in words, for error messages ("Getting task 42").
    :param parse: turns a success response into the result.
    :param expected: exact success statuses, where the API pins one (error create: 201).
    :param hint: advice attached to a 404 ("check the task id").
    :param auth_hint: advice attached to a 401, when the call has better advice than the general one.
    :param prefix: the path of the server URL, sent before ``path``; filled in from the settings by
        :func:`with_prefix`, so that errors name the path as it was sent.
    :param safe: repeating it is harmless whatever the server did (a login, the lookup after a lost
        create): then even a 500 is worth another try. Elsewhere a 500 may mean the server acted, or
        will fail the same way again, and is not retried.
    """

    method: str
    path: str
    doing: str
    parse: Callable[[RawResponse], T]
    query: tuple[tuple[str, str], ...] = ()
    json: Any = field(default=None, repr=False)  # the login body holds the key
    upload: Upload | None = None
    download_to: Path | None = None
    idempotent: bool = True
    authenticated: bool = True
    expected: frozenset[int] | None = None
    hint: str = ""
    auth_hint: str = ""
    prefix: str = ""
    safe: bool = False

    @property
    def action(self) -> str:
        """``METHOD /path``: how a call is named in logs and transport errors."""
        return f"{self.method} {self.prefix}{self.path}"


@dataclass(frozen=True)
class RequestSpec:
    """A request ready for a transport. Its ``repr`` hides the headers (the token) and the body (the
    login body holds the key)."""

    method: str
    url: str
    headers: Mapping[str, str] = field(repr=False)
    query: tuple[tuple[str, str], ...] = ()
    content: bytes | None = field(default=None, repr=False)
    upload: Upload | None = None
    download_to: Path | None = None
    timeout_seconds: float = 30.0


def build_request(cfg: ClientConfig, call: Call[Any], token: SecretStr | None) -> RequestSpec:
    """Turn a call into a request, adding the auth headers Maestro expects."""
    # The process id tells Maestro's request logs (and a test of a whole deployment) which Airflow process
    # sent a request: which triggerer, which task. Read per request, because workers fork.
    headers = {"Accept": "application/json", "User-Agent": f"{cfg.user_agent} (pid {os.getpid()})"}
    if token is not None:
        headers["token"] = token.get_secret_value()
        headers["organization"] = cfg.login
    content = None
    if call.json is not None:
        headers["Content-Type"] = "application/json"
        content = json.dumps(call.json, separators=(",", ":")).encode("utf-8")
    return RequestSpec(
        method=call.method,
        url=cfg.server + call.path,
        headers=headers,
        query=call.query,
        content=content,
        upload=call.upload,
        download_to=call.download_to,
        timeout_seconds=cfg.timeout_seconds,
    )


def login_call(cfg: ClientConfig) -> Call[LoginResult]:
    """``POST /api/v2/workspace/login``. Its body holds the key: it is never logged.

    A 404 here means no Maestro API lives at the server URL (a wrong host or path), not a wrong key:
    the server never got as far as reading the body, so its advice is about the URL.
    """
    return Call(
        method="POST",
        path=LOGIN_PATH,
        doing=f"Logging in to {cfg.server} as {cfg.login!r}",
        parse=model_parser(LoginResult, "the login answer"),
        json={"login": cfg.login, "key": cfg.key.get_secret_value()},
        authenticated=False,
        hint=(
            f"check the server URL of {cfg.source}: Maestro's login route is not under {cfg.server}, so "
            f"the login and key were not checked. The server URL is the Maestro server's address, "
            f"e.g. {DEFAULT_SERVER}"
        ),
        auth_hint=f"check the login and key of {cfg.source} (Maestro, Dev. Environment page)",
        safe=True,  # a second login costs only another token
        prefix=_server_prefix(cfg),
    )


def with_prefix(call: Call[T], cfg: ClientConfig) -> Call[T]:
    """The call with the path of the server URL, as it is sent (errors name that path)."""
    return replace(call, prefix=_server_prefix(cfg))


def _server_prefix(cfg: ClientConfig) -> str:
    """The path of the server URL (``/maestro`` for ``https://host/maestro``), sent before every route."""
    return urlsplit(cfg.server).path


def interpret(call: Call[T], raw: RawResponse, secrets: Iterable[SecretStr] = ()) -> T:
    """Raise the right :class:`MaestroAPIError` for an error status, else parse the body."""
    ok = raw.status in call.expected if call.expected else 200 <= raw.status < 300
    if not ok:
        raise api_error(call, raw, secrets)
    try:
        return call.parse(raw)
    except ResponseValidationError:
        raise
    except pydantic.ValidationError as exc:
        detail = _describe_validation(exc)
        raise ResponseValidationError(call.doing, f"the server's answer did not fit: {detail}") from exc


_ERROR_CLASSES: dict[int, type[MaestroAPIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}
_HINTS = {
    401: "check the login and key of the connection",
    403: "check that this workspace may do this",
    429: "Maestro is rate limiting this workspace; poll less often",
}
_SERVER_HINT = "Maestro or a proxy in front of it failed; try again later"


def api_error(call: Call[Any], raw: RawResponse, secrets: Iterable[SecretStr] = ()) -> MaestroAPIError:
    """Build the error for a failed call from what the server said."""
    cls = _ERROR_CLASSES.get(raw.status, ServerError if raw.status >= 500 else MaestroAPIError)
    return cls(
        method=call.method,
        path=call.path,
        prefix=call.prefix,
        status=raw.status,
        server_message=scrub(server_message(raw), secrets),
        request_id=raw.headers.get("x-request-id"),
        hint=_hint(call, raw.status),
        doing=call.doing,
        retry_after=retry_after_seconds(raw.headers.get("retry-after")),
    )


def _hint(call: Call[Any], status: int) -> str:
    """The call's own advice for a 404 or 401 (each means something else on each route), else the
    general advice for the status."""
    if status >= 500:
        return _SERVER_HINT
    own = {401: call.auth_hint, 404: call.hint}.get(status)
    return own or _HINTS.get(status, "")


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_MAX_MESSAGE = 300


def server_message(raw: RawResponse) -> str:
    """The server's explanation: a JSON ``message``, an HTML page's title, or the start of the text."""
    text = raw.body.decode("utf-8", errors="replace").strip()
    if not text:
        return ""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack allows
        data = None
    if isinstance(data, dict):
        for key in ("message", "error", "detail"):
            if isinstance(data.get(key), str) and data[key].strip():
                return _clip(data[key])
    if "<" in text and ">" in text:
        title = _TITLE.search(text)
        text = title.group(1) if title else _TAGS.sub(" ", text)
        return _clip(f"an HTML page: {' '.join(text.split())}")
    return _clip(text)


def scrub(text: str, secrets: Iterable[SecretStr]) -> str:
    """Replace every secret in text the server wrote, in case it echoed one back."""
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret.get_secret_value(), "***")
    return text


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds, from either of its two forms (delta-seconds or HTTP date)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        # "nan" and "inf" parse as floats; a wait of nan seconds makes time.sleep() raise.
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def json_body(raw: RawResponse, what: str) -> Any:
    """Decode a JSON body, with a clear error for an empty or non-JSON one."""
    text = raw.body.decode("utf-8", errors="replace").strip()
    if not text:
        raise ResponseValidationError(what, f"the server sent an empty body (status {raw.status})")
    try:
        return json.loads(text)
    except RecursionError:
        raise ResponseValidationError(what, "the server sent JSON nested too deeply to read") from None
    except ValueError:
        kind = "an HTML page" if text.startswith("<") else "text that is not JSON"
        raise ResponseValidationError(
            what, f"the server sent {kind} where JSON was expected: {server_message(raw)!r}"
        ) from None


P = TypeVar("P", bound=pydantic.BaseModel)


def model_parser(model: type[P], what: str) -> Callable[[RawResponse], P]:
    """A parser that decodes the body as JSON and validates it into ``model``."""

    def parse(raw: RawResponse) -> P:
        data = json_body(raw, what)
        if not isinstance(data, dict):
            raise ResponseValidationError(what, f"expected a JSON object, got {type(data).__name__}")
        return model.model_validate(data)

    return parse


def _describe_validation(exc: pydantic.ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']} ({exc.error_count()} problem(s))"


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"
