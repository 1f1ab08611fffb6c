"""The outermost ASGI layer: counts every API request and plays the faults, like a flaky proxy would.

It sits outside FastAPI so that a fault answers *without* the request being processed (the way a gateway
error or a dropped connection looks to a client) and so that it can reach uvicorn's own ``send`` to break a
connection for real.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import Message, Receive, Scope, Send

from botcity_maestro_emulator.errors import nginx_page, spring_body
from botcity_maestro_emulator.faults import Action, Decision
from botcity_maestro_emulator.request_log import RequestLog
from botcity_maestro_emulator.service import Emulator

ADMIN_PREFIX = "/_emulator/"
UNMATCHED = "<unmatched>"
_DISCONNECT_WAIT_TURNS = 100
BODY_FINGERPRINT_LIMIT = 64 * 1024
"""Bodies up to this size (JSON, forms) are read to tell requests apart; larger or multipart bodies
(uploads) are named by their type and length instead, so that no upload is held in memory."""


async def drop_connection(send: Send) -> None:
    """Break the connection so that the client sees a network failure, not an HTTP error.

    Under uvicorn the ``send`` callable is a method of the request cycle, which holds the socket transport:
    aborting it closes the connection before any response byte, so ``requests`` raises ``ConnectionError``
    and ``httpx`` ``RemoteProtocolError``. We then wait for uvicorn to notice the loss, otherwise it would
    try to answer 500 on the dead connection. Elsewhere the fallback promises a body through
    ``Content-Length``, stops short of it and raises ``ConnectionResetError``: a server then closes the
    connection mid-body (a broken transfer to the client) and an in-process transport such as
    ``httpx.ASGITransport`` hands the error to the caller.
    """
    cycle: Any = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None and hasattr(transport, "abort"):
        transport.abort()
        for _ in range(_DISCONNECT_WAIT_TURNS):
            if getattr(cycle, "disconnected", True):
                return
            await asyncio.sleep(0)
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"1024")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b'{"id":', "more_body": True})
    raise ConnectionResetError("connection dropped by the Maestro emulator (fault injection)")


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside included routers: FastAPI 0.16x keeps those as wrappers."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (inner := getattr(route, "original_router", None)) is not None:
            found.extend(_api_routes(list(inner.routes)))
    return found


async def _discard(message: Message) -> None:
    """Swallow the response of a request whose reply is to be lost."""


async def request_identity(scope: Scope, receive: Receive) -> tuple[str, Receive]:
    """Name a request exactly, for the fault draws; return the name and the ``receive`` to use after it.

    The name holds the method, the path, the query (sorted) and the body's fingerprint: two creates with
    different parameters are different requests, a create sent again is the same one. A small body is
    read whole, so the returned ``receive`` replays it to the app.
    """
    query = urlencode(sorted(parse_qsl(scope.get("query_string", b"").decode("latin-1"), True)))
    head = f"{scope['method']} {scope['path']}?{query}"
    headers = dict(scope.get("headers", []))
    length = headers.get(b"content-length", b"").decode("latin-1")
    if not length and b"transfer-encoding" not in headers:
        return head, receive
    media = headers.get(b"content-type", b"").split(b";")[0].strip().decode("latin-1").lower()
    if media.startswith("multipart/") or not length.isdigit() or int(length) > BODY_FINGERPRINT_LIMIT:
        return f"{head} {media} {length or 'chunked'} bytes", receive
    messages = await _read_body(receive)
    body = b"".join(message.get("body", b"") for message in messages)
    return f"{head} sha256:{hashlib.sha256(body).hexdigest()}", _replaying(messages, receive)


async def _read_body(receive: Receive) -> list[Message]:
    """The request's messages up to its last body chunk (or a disconnect, if the client left first)."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands out the messages already read, then whatever comes next."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


async def _client_left_within(receive: Receive, seconds: float) -> bool:
    """Hold a request up to ``seconds``; return ``True`` as soon as its client disconnects.

    The body is read and thrown away on the way: only once it is all in does ``receive`` wait for the
    disconnect. A client that has left needs no closing, and a server must not write to it.
    """

    async def disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(disconnect(), seconds)
    except TimeoutError:
        return False
    return True


def _retry_after(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


class FaultMiddleware:
    """Wrap the FastAPI app; ``create_app`` returns this object, which is a plain ASGI application.

    :ivar emulator: the state behind the app, for in-process use.
    :ivar api: the wrapped FastAPI application.
    """

    def __init__(self, api: FastAPI, emulator: Emulator) -> None:
        self.api = api
        self.emulator = emulator
        self._routes: list[tuple[re.Pattern[str], frozenset[str], str]] = [
            (route.path_regex, frozenset(route.methods), route.path)
            for route in _api_routes(api.routes)
            if not route.path.startswith(ADMIN_PREFIX)
        ]

    def route_key(self, method: str, path: str) -> str:
        """Name a request by its declared route, e.g. ``GET /api/v2/task/{taskId}``."""
        for pattern, methods, template in self._routes:
            if method in methods and pattern.match(path):
                return f"{method} {template}"
        return f"{method} {UNMATCHED}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.api(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        key, request_key = self.route_key(method, path), f"{method} {path}"
        stats, faults = self.emulator.stats, self.emulator.faults
        stats.requests[key] += 1
        agent = _header(scope, b"user-agent")
        log = self.emulator.request_log
        # Reading the body to name the request is only worth it while random faults are drawn.
        identity, receive = (
            await request_identity(scope, receive) if faults.draws_random else (request_key, receive)
        )
        decision = faults.decide(key, request_key, identity)
        latency = faults.latency_for(key)
        if latency:
            await asyncio.sleep(latency)
        if decision is not None:
            stats.faults[decision.kind] += 1
            # A broken connection sends no status, and needs uvicorn's own send to break it with.
            breaks = decision.action in (Action.DROP, Action.LOST, Action.STALL)
            if breaks:
                log.write(key, decision.kind, agent, request_key)
            played = send if breaks else _logging(send, log, key, agent, request_key)
            if await self._play(decision, scope, receive, played):
                return

        def answered(status: int) -> None:
            faults.answered(identity, status)

        await self.api(scope, receive, self._counting(_logging(send, log, key, agent, request_key), answered))

    async def _play(self, decision: Decision, scope: Scope, receive: Receive, send: Send) -> bool:
        """Carry out a fault; return ``False`` when the request must still be processed normally."""
        action = decision.action
        if action is Action.DELAY:
            await asyncio.sleep(decision.seconds)
            return False
        if action is Action.DROP:
            await drop_connection(send)
        elif action is Action.STALL:
            if not await _client_left_within(receive, decision.seconds):
                await drop_connection(send)
        elif action is Action.LOST:
            await self.api(scope, receive, _discard)
            await drop_connection(send)
        else:
            await self._answer(decision, scope, self._counting(send))
        return True

    async def _answer(self, decision: Decision, scope: Scope, send: Send) -> None:
        status = decision.status
        headers: list[tuple[bytes, bytes]] = []
        if decision.action is Action.EMPTY:
            body, media = b"", b"application/json"
        elif decision.action is Action.HTML:
            body, media = nginx_page(status), b"text/html"
        else:
            message = decision.message or _default_message(status, decision.retry_after)
            body, media = _json_bytes(spring_body(status, message, scope["path"])), b"application/json"
        if decision.retry_after is not None:
            headers.append((b"retry-after", _retry_after(decision.retry_after).encode()))
        headers += [(b"content-type", media), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _counting(
        self, send: Send, on_status: Callable[[int], None] | None = None
    ) -> Callable[[Message], Awaitable[None]]:
        """Count each status sent; ``on_status`` also hears it (the app's own answers, not a fault's)."""
        responses = self.emulator.stats.responses

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                responses[str(message["status"])] += 1
                if on_status is not None:
                    on_status(int(message["status"]))
            await send(message)

        return counting_send


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


def _logging(send: Send, log: RequestLog, route: str, agent: str, request: str) -> Send:
    """``send``, writing the request's line to ``log`` when its status goes out."""
    if log.path is None:
        return send

    async def logging_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            log.write(route, int(message["status"]), agent, request)
        await send(message)

    return logging_send


def _default_message(status: int, retry_after: float | None) -> str:
    if status == 429:
        return f"Too many requests: retry after {_retry_after(retry_after or 1)} seconds (emulated)"
    return f"Emulated server error {status}"


def _json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()
