"""Artifacts ("result files"): two-step upload, metadata, listing and download (maestro-api.md §4.6)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.responses import FileResponse

from botcity_maestro_emulator.errors import ApiError, not_found
from botcity_maestro_emulator.paging import page_request, paginate, select
from botcity_maestro_emulator.records import artifact_record
from botcity_maestro_emulator.routes.common import Auth, read_object, reply, task_of_body
from botcity_maestro_emulator.schemas import optional_str
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.timefmt import now
from botcity_maestro_emulator.uploads import receive_file

router = APIRouter()
SORTABLE_ARTIFACT_FIELDS = ("id", "taskId", "taskName", "name", "fileName", "dateCreation", "size")


def _artifact(emulator: Emulator, raw_id: str) -> dict[str, Any]:
    found = emulator.store.get("artifact", raw_id.strip()) if raw_id.strip().isdigit() else None
    if found is None:
        raise not_found("artifact", raw_id)
    return found


@router.post("/api/v2/artifact")
async def create_artifact(request: Request, emulator: Auth) -> Response:
    """Register an artifact of a task; the file itself follows at ``/api/v2/artifact/log/{artifactId}``."""
    body = await read_object(request)
    at = now()
    task = task_of_body(emulator, body, at)
    name = optional_str(body, "name") or optional_str(body, "filename")
    if not name:
        raise ApiError(400, "name: must be a non-empty string")
    filename = optional_str(body, "filename") or name
    artifact_id = emulator.store.new_artifact_id()
    record = artifact_record(artifact_id, task, name, filename, organization=emulator.config.login, at=at)
    return reply(emulator.store.put("artifact", str(artifact_id), record))


@router.post("/api/v2/artifact/log/{artifactId}")
async def upload_artifact(artifactId: str, request: Request, emulator: Auth) -> Response:
    """Stream the multipart ``file`` part to disk (constant memory whatever the size)."""
    artifact = _artifact(emulator, artifactId)
    upload = await receive_file(request, emulator.files.artifact_path(int(artifact["id"])))
    emulator.stats.bytes_uploaded += upload.size
    updated = {**artifact, "size": upload.size}
    return reply(emulator.store.put("artifact", str(artifact["id"]), updated))


@router.get("/api/v2/artifact")
async def list_artifacts(request: Request, emulator: Auth) -> Response:
    """List artifacts as a Spring page; ``days`` keeps the recent ones, ``taskId`` those of one task."""
    params = request.query_params
    page = page_request(
        params, fields=SORTABLE_ARTIFACT_FIELDS, default_sort="dateCreation,desc", tiebreak="id"
    )
    return reply(paginate(select(emulator.store.values("artifact"), params, now(), ("taskId",)), page))


@router.get("/api/v2/artifact/{artifactId}")
async def get_artifact(artifactId: str, emulator: Auth) -> Response:
    """Return artifact metadata; the SDK needs ``fileName`` (capital N)."""
    return reply(_artifact(emulator, artifactId))


@router.get("/api/v2/artifact/{artifactId}/file")
async def download_artifact(artifactId: str, emulator: Auth) -> Response:
    """Stream the file back byte for byte, named by ``Content-Disposition``."""
    artifact = _artifact(emulator, artifactId)
    path = emulator.files.artifact_path(int(artifact["id"]))
    if artifact.get("size") is None or not path.is_file():
        raise ApiError(404, f"artifact {artifactId} has no file yet: upload it first")
    return FileResponse(path, filename=artifact["fileName"], media_type="application/octet-stream")
