"""Bots: the versions of each bot, deployed, uploaded, released, deleted (maestro-api.md §4.10).

The routes are those of BotCity's GitHub deploy action (deploy, upload, release, delete, list by ``botId``)
and of third-party clients (one version, the Spring page); no source shows the reply bodies, so every
route answers with the version's JSON object. A bot version is keyed by ``(botId, version)``; deploying
a pair that exists is a 409, as creating any other named object twice is in this emulator.

The literal routes (``pagination``, ``upload``, ``release``) are declared before the ones with a
``{botId}`` slot, so that the stats and the fault scripts name them by their own route even if a
``{botId}`` route of the same shape is added later.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response

from botcity_maestro_emulator.errors import ApiError, bad_request, not_found
from botcity_maestro_emulator.paging import page_request, paginate
from botcity_maestro_emulator.records import bot_record
from botcity_maestro_emulator.routes.common import Auth, read_object, reply
from botcity_maestro_emulator.schemas import optional_str, required_str
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.timefmt import iso, now
from botcity_maestro_emulator.uploads import receive_file

router = APIRouter()
SORTABLE_BOT_FIELDS = ("id", "botId", "version", "technology", "released", "dateCreation", "dateLastModified")


def _key(bot_id: str, version: str) -> str:
    """The store key of a version: JSON, so that no ``botId`` can make two pairs collide."""
    return json.dumps([bot_id, version], ensure_ascii=False)


def _version(emulator: Emulator, bot_id: str, version: str) -> dict[str, Any]:
    found = emulator.store.get("bot", _key(bot_id, version))
    if found is None:
        raise not_found("bot version", f"{bot_id!r} {version!r}")
    return found


def _segment(body: dict[str, Any], field: str) -> str:
    """A ``botId`` or ``version`` of a body: non-blank, without ``/`` (no route could address it)."""
    value = required_str(body, field)
    if "/" in value:
        raise bad_request(field, f"must not contain '/', got {value!r}")
    return value


@router.get("/api/v2/bot")
async def list_versions(request: Request, emulator: Auth) -> Response:
    """Return the versions of ``botId`` (all versions without it) as a plain JSON array, oldest first."""
    wanted = request.query_params.get("botId")
    versions = emulator.store.values("bot")
    return reply([bot for bot in versions if not wanted or bot["botId"] == wanted])


@router.get("/api/v2/bot/pagination")
async def page_versions(request: Request, emulator: Auth) -> Response:
    """Return the versions as a Spring page; ``botId`` keeps those whose id contains it (any case), as the
    dashboard's search box does."""
    params = request.query_params
    page = page_request(params, fields=SORTABLE_BOT_FIELDS, default_sort="botId,version", tiebreak="id")
    text = (params.get("botId") or "").lower()
    found = [bot for bot in emulator.store.values("bot") if text in bot["botId"].lower()]
    return reply(paginate(found, page))


@router.post("/api/v2/bot")
async def deploy(request: Request, emulator: Auth) -> Response:
    """Register a version ``{organization, botId, version, technology, command}``; its file comes next."""
    body = await read_object(request)
    bot_id, version = _segment(body, "botId"), _segment(body, "version")
    for field in ("organization", "technology", "command", "repositoryLabel"):
        optional_str(body, field)
    key = _key(bot_id, version)
    if emulator.store.get("bot", key) is not None:
        raise ApiError(409, f"bot {bot_id!r} already has version {version!r}; delete it first")
    record = bot_record(body, organization=emulator.config.login, at=now())
    return reply(emulator.store.put("bot", key, record))


@router.post("/api/v2/bot/upload/{botId}/version/{version}")
async def upload(botId: str, version: str, request: Request, emulator: Auth) -> Response:
    """Stream the multipart ``file`` part to disk, recording its name, size, SHA-256 and content type.
    A second upload replaces the file."""
    bot = _version(emulator, botId, version)
    received = await receive_file(request, emulator.files.bot_path(bot["id"]))
    emulator.stats.bytes_uploaded += received.size
    updated = {
        **_version(emulator, botId, version),  # read again: a release may have come while the file did
        "fileName": received.filename,
        "size": received.size,
        "sha256": received.sha256,
        "contentType": received.content_type,
        "dateLastModified": iso(now()),
    }
    return reply(emulator.store.put("bot", _key(botId, version), updated))


@router.post("/api/v2/bot/release")
async def release(request: Request, emulator: Auth) -> Response:
    """Mark a version ``{botId, version}`` released; releasing it again changes nothing but the date."""
    body = await read_object(request)
    bot_id, version = required_str(body, "botId"), required_str(body, "version")
    bot = _version(emulator, bot_id, version)
    at = iso(now())
    updated = {**bot, "released": True, "dateRelease": at, "dateLastModified": at}
    return reply(emulator.store.put("bot", _key(bot_id, version), updated))


@router.delete("/api/v2/bot/{botId}/version/{version}")
async def delete(botId: str, version: str, emulator: Auth) -> Response:
    """Delete a version and its file; the reply is the version as it was."""
    bot = _version(emulator, botId, version)
    emulator.store.delete("bot", _key(botId, version))
    emulator.files.bot_path(bot["id"]).unlink(missing_ok=True)
    return reply(bot)


@router.get("/api/v2/bot/{botId}/version/{version}")
async def get_version(botId: str, version: str, emulator: Auth) -> Response:
    """Return one version, or 404."""
    return reply(_version(emulator, botId, version))
