"""A small stand-in for the Maestro portal, so that "BotCity Maestro task" links open somewhere.

The provider's link points at ``<portal>/tasks/<id>``. With the emulator as the portal,
``GET /tasks/{taskId}`` shows what a person looks for there: what the API says of the task, its
parameters, every run (so the failure before a restart stays visible), its artifacts, its error
entries and its alerts. ``GET /`` lists the tasks, then the automations, the runners, the datapools (with
their entries counted by state, and each one's emulated bot), the alerts and the e-mail messages.
The pages need no token (a browser has none) and, like the ``/_emulator/`` admin routes, they are never
faulted, delayed or counted: opening a link must not change what a test or a benchmark measures.
"""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from botcity_maestro_emulator.errors import ApiError
from botcity_maestro_emulator.lifecycle import runs_of
from botcity_maestro_emulator.middleware import FaultMiddleware
from botcity_maestro_emulator.pages import Workspace, index_page, message_page, task_page
from botcity_maestro_emulator.routes.automations import all_automations
from botcity_maestro_emulator.routes.common import emulator_of
from botcity_maestro_emulator.routes.machines import all_runners
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.timefmt import now

__all__ = ["PORTAL_PREFIX", "PortalMiddleware", "router"]

PORTAL_PREFIX = "/tasks/"
router = APIRouter()


@router.get("/", include_in_schema=False)
async def index(request: Request) -> Response:
    """List the tasks, newest first, with links to their pages."""
    emulator = emulator_of(request)
    records = emulator.tasks.records(now())
    runs = {record.id: record.schedule.runs for record in records}
    page = index_page(emulator.config.login, [record.wire for record in records], runs, _workspace(emulator))
    return HTMLResponse(page)


def _workspace(emulator: Emulator) -> Workspace:
    store = emulator.store
    emulator.consumers.catch_up_all(now())
    counts: dict[str, Counter[str]] = {}
    for entry in store.values("entry"):
        counts.setdefault(str(entry["dataPoolLabel"]), Counter())[str(entry["state"])] += 1
    return Workspace(
        automations=all_automations(emulator),
        runners=sorted(all_runners(emulator), key=lambda item: str(item["id"])),
        datapools=sorted(store.values("datapool"), key=lambda item: str(item["label"])),
        pool_counts={label: dict(of_pool) for label, of_pool in counts.items()},
        consumers={
            label: settings.to_json()
            for label in store.objects["datapool"]
            if (settings := emulator.consumers.settings(label)) is not None
        },
        alerts=store.values("alert"),
        messages=store.values("message"),
    )


@router.get(PORTAL_PREFIX + "{taskId}", include_in_schema=False)
async def task(taskId: str, request: Request) -> Response:
    """Show one task as of now; an unknown id is a 404 page, not JSON, since a person reads it."""
    emulator = emulator_of(request)
    try:
        record = emulator.tasks.find(taskId, now())
    except ApiError as exc:
        return HTMLResponse(message_page(f"Task {taskId}", exc.message), status_code=exc.status)
    artifacts = _of_task(emulator, "artifact", record.id)
    errors = sorted(_of_task(emulator, "error", record.id), key=lambda entry: str(entry["dateCreation"]))
    alerts = _of_task(emulator, "alert", record.id)
    return HTMLResponse(task_page(record.wire, runs_of(record), artifacts, errors, alerts))


def _of_task(emulator: Emulator, kind: str, task_id: int) -> list[dict[str, object]]:
    return [item for item in emulator.store.values(kind) if str(item.get("taskId")) == str(task_id)]


class PortalMiddleware(FaultMiddleware):
    """The fault layer with the portal pages beside it, out of reach of faults, latency and counters."""

    def __init__(self, api: FastAPI, emulator: Emulator) -> None:
        super().__init__(api, emulator)
        # Added after the fault layer has listed the API routes, so no route key or fault rule names them.
        api.include_router(router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and is_portal(scope["path"]):
            await self.api(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def is_portal(path: str) -> bool:
    """Tell a portal page's path (``/`` or ``/tasks/<id>``) from an API path."""
    if path == "/":
        return True
    return path.startswith(PORTAL_PREFIX) and "/" not in path[len(PORTAL_PREFIX) :]
