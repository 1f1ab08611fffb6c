"""Helpers every route module uses: the emulator of the app, JSON in and out, the auth dependency."""

from __future__ import annotations

import json
from typing import Annotated, Any, cast

from fastapi import Depends, Request, Response

from botcity_maestro_emulator.errors import ApiError, bad_request, not_found
from botcity_maestro_emulator.schemas import expect_object
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.timefmt import now


def emulator_of(request: Request) -> Emulator:
    """Return the :class:`Emulator` that :func:`~botcity_maestro_emulator.app.create_app` attached."""
    return cast(Emulator, request.app.state.emulator)


async def authenticated(request: Request) -> Emulator:
    """FastAPI dependency: refuse the request with 401 unless it carries a live token.

    It is ``async`` on purpose: FastAPI runs plain functions in a thread pool, which would cost a thread hop
    per request and touch the store from outside the event loop.
    """
    emulator = emulator_of(request)
    emulator.authenticate(request.headers, now())
    return emulator


Auth = Annotated[Emulator, Depends(authenticated)]
"""Handler parameter type for routes that need a token (all but version and login)."""


def reply(data: Any, status: int = 200) -> Response:
    """Return ``data`` as JSON labelled ``application/json``, as some clients parse by content type."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(body, status_code=status, media_type="application/json")


async def read_json(request: Request) -> Any:
    """Parse the body as JSON; an empty body is ``None`` (clients send a JSON content type on GETs too)."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "request body is not valid JSON") from exc


async def read_object(request: Request) -> dict[str, Any]:
    """Parse the body as a JSON object or answer 400."""
    return expect_object(await read_json(request))


def lookup(emulator: Emulator, kind: str, key: str, name: str) -> dict[str, Any]:
    """Return a stored object or raise the 404 naming it (``name`` is the word used in the message)."""
    found = emulator.store.get(kind, key)
    if found is None:
        raise not_found(name, repr(key))
    return found


def task_of_body(emulator: Emulator, body: dict[str, Any], at: float) -> dict[str, Any]:
    """Resolve the ``taskId`` of a body (number or numeric string) to the task's JSON, or 400/404."""
    raw = body.get("taskId")
    if raw is None or raw == "":
        raise bad_request("taskId", "is required")
    return emulator.tasks.find(raw, at).wire
