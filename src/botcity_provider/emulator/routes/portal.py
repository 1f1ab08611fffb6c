"""A small stand-in for the Maestro portal's task page, so that "BotCity Maestro task" links open somewhere.

The provider's link points at ``<portal>/tasks/<id>``. With the emulator as the portal,
``GET /tasks/{taskId}`` shows what a person looks for there: the automation, the state, the finish status
and message, the items.
It needs no token (a browser has none) and, like the ``/_emulator/`` admin routes, it is never faulted,
delayed or counted: opening a link must not change what a test or a benchmark measures.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from botcity_provider.emulator.errors import ApiError
from botcity_provider.emulator.middleware import FaultMiddleware
from botcity_provider.emulator.routes.common import emulator_of
from botcity_provider.emulator.service import Emulator
from botcity_provider.emulator.timefmt import now

__all__ = ["PORTAL_PREFIX", "PortalMiddleware", "router"]

PORTAL_PREFIX = "/tasks/"
router = APIRouter()
_ROWS = (
    ("Automation", "activityLabel"),
    ("State", "state"),
    ("Finish status", "finishStatus"),
    ("Finish message", "finishMessage"),
    ("Created", "dateCreation"),
    ("Started running", "dateStartRunning"),
    ("Runner", "machineId"),
    ("Priority", "priority"),
)


@router.get(PORTAL_PREFIX + "{taskId}", include_in_schema=False)
async def task_page(taskId: str, request: Request) -> Response:
    """Show one task as of now; an unknown id is a 404 page, not JSON, since a person reads it."""
    try:
        task = emulator_of(request).tasks.find(taskId, now()).wire
    except ApiError as exc:
        return HTMLResponse(_page(f"Task {taskId}", f"<p>{escape(exc.message)}</p>"), status_code=exc.status)
    return HTMLResponse(_page(f"Task {task['id']}", _table(task)))


def _table(task: dict[str, Any]) -> str:
    rows = [(label, task.get(key)) for label, key in _ROWS]
    processed, failed, total = (task.get(key) for key in ("processedItems", "failedItems", "totalItems"))
    rows.append(("Items processed / failed / total", f"{processed} / {failed} / {total}"))
    cells = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape('-' if value is None else str(value))}</td></tr>"
        for label, value in rows
    )
    return f"<table>{cells}</table>"


def _page(title: str, body: str) -> str:
    style = (
        "body{font-family:sans-serif;margin:2rem;color:#1a202c}th{text-align:left;padding:.3rem 1rem .3rem 0}"
        "td{padding:.3rem 0}footer{margin-top:2rem;color:#718096;font-size:.9rem}"
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} - Maestro '
        f"emulator</title><style>{style}</style></head><body><h1>{escape(title)}</h1>{body}"
        "<footer>BotCity Maestro emulator: a stand-in for the Maestro portal's task page.</footer>"
        "</body></html>"
    )


class PortalMiddleware(FaultMiddleware):
    """The fault layer with the portal page beside it, out of reach of faults, latency and counters."""

    def __init__(self, api: FastAPI, emulator: Emulator) -> None:
        super().__init__(api, emulator)
        # Added after the fault layer has listed the API routes, so no route key or fault rule names it.
        api.include_router(router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and _is_portal(scope["path"]):
            await self.api(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _is_portal(path: str) -> bool:
    return path.startswith(PORTAL_PREFIX) and "/" not in path[len(PORTAL_PREFIX) :]
