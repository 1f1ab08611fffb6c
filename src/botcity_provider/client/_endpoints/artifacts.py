"""Artifacts ("result files"): the record, the streamed file, reading and listing them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, RawResponse, Upload, model_parser
from botcity_provider.client._errors import ValidationError
from botcity_provider.client._models import Artifact, Page

from ._common import TASK_HINT, call, days_back, ignore_body, page_parser, paging

_artifact = model_parser(Artifact, "Reading the artifact")


def create_artifact(task_id: object, name: str) -> Call[Artifact]:
    """``POST /api/v2/artifact``: the artifact's record, before its file is sent."""
    ident = check.task_id(task_id, "task_id")
    return call(
        "artifacts.create",
        (),
        f"Creating artifact {name!r} for task {ident}",
        model_parser(Artifact, "Creating the artifact"),
        json={"taskId": ident, "name": name, "filename": name},
        idempotent=False,
        hint=TASK_HINT,
    )


def upload_artifact_file(artifact_id: int, file: Path, name: str) -> Call[None]:
    """``POST /api/v2/artifact/log/{id}``: the file, streamed. Resending replaces it, so it may repeat."""
    return call(
        "artifacts.upload",
        (artifact_id,),
        f"Uploading {str(file)!r} as artifact {artifact_id}",
        ignore_body,
        upload=Upload(path=file, filename=name),
    )


def artifact_name(file: Path, name: str | None) -> str:
    """The name Maestro shows; given the file's extension when it lacks one, as the official SDK does."""
    chosen = file.name if name is None else name
    if not isinstance(chosen, str) or not chosen.strip():
        raise ValidationError("name", "is empty; give the artifact a name or leave it out")
    if file.suffix and not chosen.endswith(file.suffix):
        chosen += file.suffix
    return chosen


def get_artifact(artifact_id: object) -> Call[Artifact]:
    """``GET /api/v2/artifact/{id}``."""
    ident = check.artifact_id(artifact_id)
    return call("artifacts.get", (ident,), f"Getting artifact {ident}", _artifact)


def list_artifacts(
    *, task_id: object = None, days: int = 7, page: int = 0, size: int = 100
) -> Call[Page[Artifact]]:
    """``GET /api/v2/artifact``: one page of the workspace's artifacts, newest first; with ``task_id``,
    only that task's.

    The official SDK never filters by task: ``taskId`` is sent, and the page is filtered here as well, so
    a server that ignores the parameter still gives only the task's artifacts (its counts then are of
    every task's).
    """
    wanted = None if task_id is None else check.task_id(task_id, "task_id")
    whole = artifact_pages(task_id=wanted, days=days, page=page, size=size)
    if wanted is None:
        return whole

    def parse(raw: RawResponse) -> Page[Artifact]:
        listing = whole.parse(raw)
        return listing.model_copy(update={"content": [a for a in listing.content if a.task_id == wanted]})

    return replace(whole, parse=parse)


def artifact_pages(
    *, task_id: object = None, days: int = 7, page: int = 0, size: int = 100
) -> Call[Page[Artifact]]:
    """The pages of :func:`list_artifacts` as the server sends them, unfiltered (``taskId`` is sent), for a
    listing that filters each artifact as it goes: an emptied page would end it early."""
    query = [*paging(page, size), ("sort", "dateCreation,desc"), *days_back(days)]
    doing = "Listing artifacts"
    if task_id is not None:
        ident = check.task_id(task_id, "task_id")
        query.append(("taskId", str(ident)))
        doing = f"Listing the artifacts of task {ident}"
    parse = page_parser(Artifact, doing)
    return call("artifacts.list", (), doing, parse, query=tuple(query))


def download_artifact(artifact_id: object, destination: object) -> Call[Path]:
    """``GET /api/v2/artifact/{id}/file``, streamed into ``destination``."""
    ident = check.artifact_id(artifact_id)
    target = check.destination(destination)
    return call(
        "artifacts.download",
        (ident,),
        f"Downloading artifact {ident}",
        lambda raw: target,
        download_to=target,
    )
