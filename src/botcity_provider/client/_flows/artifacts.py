"""The artifact flow: an upload is two calls, the record first, then the file streamed into it."""

from __future__ import annotations

from pathlib import Path

from botcity_provider.client import checks as check
from botcity_provider.client._endpoints import artifacts as api
from botcity_provider.client._engine import Operation
from botcity_provider.client._models import Artifact

__all__ = ["upload_artifact"]


def upload_artifact(task_id: object, file: object, name: str | None) -> Operation[Artifact]:
    """Create the artifact's record, then stream its file into it."""
    path: Path = check.readable_file(file)
    label = api.artifact_name(path, name)
    artifact: Artifact = yield api.create_artifact(task_id, label)
    yield api.upload_artifact_file(artifact.id, path, label)
    return artifact
