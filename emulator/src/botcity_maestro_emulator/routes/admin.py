"""The ``/_emulator/`` admin surface: reset, faults, stats, tokens, task schedules, alerts and e-mails.

Never faulted or counted: tests and benchmarks must be able to read the counters through any fault profile
without disturbing them. Open on loopback; with an admin token (which the CLI requires on any other address)
every route asks for it, since ``/tokens`` hands out every token issued and ``/reset`` wipes the state.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Request, Response

from botcity_maestro_emulator.errors import ApiError
from botcity_maestro_emulator.routes.common import emulator_of, read_object, reply
from botcity_maestro_emulator.timefmt import now


async def admin_only(request: Request) -> None:
    """FastAPI dependency: with an admin token set, refuse (401) a request that does not carry it."""
    token = emulator_of(request).config.admin_token
    if token is None:
        return
    given = request.headers.get("authorization", "")
    # compare_digest: how much of a guess matched must not show in how long the answer takes.
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        message = (
            "the /_emulator/ routes need 'Authorization: Bearer <admin token>' (the emulator's --admin-token)"
        )
        raise ApiError(401, message, headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/_emulator", dependencies=[Depends(admin_only)])


@router.post("/reset")
async def reset(request: Request) -> Response:
    """Forget every object, token, file and counter; faults go back to the start-up profile."""
    emulator_of(request).reset()
    return reply({"reset": True})


@router.get("/faults")
async def get_faults(request: Request) -> Response:
    """Return the whole live fault profile (with the script entries not yet consumed)."""
    return reply(emulator_of(request).faults.profile.to_json())


@router.post("/faults")
async def set_faults(request: Request) -> Response:
    """Merge the given keys into the fault profile and return the whole profile."""
    patch = await read_object(request)
    try:
        return reply(emulator_of(request).faults.configure(patch))
    except ValueError as exc:
        raise ApiError(400, str(exc)) from exc


@router.get("/stats")
async def stats(request: Request) -> Response:
    """Return the counters (see ``docs/emulator.md`` for the exact keys)."""
    return reply(emulator_of(request).stats_snapshot(now()))


@router.get("/tokens")
async def tokens(request: Request) -> Response:
    """Return every token issued since start or reset, so hygiene tests can grep logs for them."""
    return reply(emulator_of(request).tokens())


@router.get("/tasks")
async def tasks(request: Request) -> Response:
    """Return every task with its internal schedule (epoch seconds, outcome, number of runs)."""
    return reply(emulator_of(request).tasks.describe_all(now()))


@router.get("/alerts")
async def alerts(request: Request) -> Response:
    """Return every alert posted since start or reset, oldest first (only a task's with ``?taskId=``)."""
    emulator = emulator_of(request)
    # The emulated bots post their alerts lazily: let every due one exist before answering.
    emulator.tasks.refresh_all(now())
    found = emulator.store.values("alert")
    task_id = request.query_params.get("taskId")
    if task_id is not None:
        found = [alert for alert in found if str(alert["taskId"]) == task_id]
    return reply(found)


@router.get("/messages")
async def messages(request: Request) -> Response:
    """Return every e-mail message "sent" since start or reset, oldest first, recipients included."""
    return reply(emulator_of(request).store.values("message"))
