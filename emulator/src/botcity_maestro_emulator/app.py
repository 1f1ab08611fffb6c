"""Assemble the emulator's ASGI application: FastAPI routes, Spring-style errors, the fault layer."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from botcity_maestro_emulator.config import EmulatorConfig
from botcity_maestro_emulator.errors import ApiError, spring_body
from botcity_maestro_emulator.middleware import FaultMiddleware
from botcity_maestro_emulator.routes import (
    admin,
    artifacts,
    automations,
    bots,
    credentials,
    datapools,
    errors,
    logs,
    machines,
    portal,
    schedules,
    seeding,
    tasks,
    workspace,
)
from botcity_maestro_emulator.routes.common import reply
from botcity_maestro_emulator.service import Emulator

ROUTERS = (
    workspace,
    tasks,
    artifacts,
    errors,
    logs,
    credentials,
    datapools,
    automations,
    bots,
    machines,
    schedules,
    seeding,
    admin,
)


def create_app(config: EmulatorConfig | None = None) -> FaultMiddleware:
    """Build the emulator for ``config`` (loading its state file, if any) and return the ASGI app.

    The result can be served by uvicorn or called in-process (e.g. by ``httpx.ASGITransport``); its
    ``emulator`` attribute gives direct access to the state. Call ``app.emulator.close()`` when done.
    """
    emulator = Emulator(config or EmulatorConfig())
    api = FastAPI(title="BotCity Maestro emulator", docs_url=None, redoc_url=None, openapi_url=None)
    api.state.emulator = emulator
    for module in ROUTERS:
        api.include_router(module.router)
    api.add_exception_handler(ApiError, _api_error)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    return portal.PortalMiddleware(api, emulator)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    response = reply(spring_body(exc.status, exc.message, request.url.path), status=exc.status)
    response.headers.update(exc.headers)
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        message = f"no route for {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"method {request.method} not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return reply(spring_body(exc.status_code, message, request.url.path), status=exc.status_code)


async def _validation_error(request: Request, exc: Exception) -> Response:
    return reply(spring_body(400, f"invalid request: {exc}", request.url.path), status=400)
