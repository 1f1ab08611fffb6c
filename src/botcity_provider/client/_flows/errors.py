"""The error flow: a report takes the official SDK's steps (``maestro-api.md`` §4.7).

Create the error, then upload its screenshot, then each attachment. Every file is checked readable
before the error is created, so a bad path leaves no half-made report.
"""

from __future__ import annotations

from botcity_provider.client._endpoints import errors as api
from botcity_provider.client._engine import Operation
from botcity_provider.client._errors import MaestroError
from botcity_provider.client._models import TaskError

__all__ = ["report_error"]


def report_error(
    task_id: object, error: object, screenshot: object, attachments: object, tags: object
) -> Operation[TaskError]:
    """Create the error, then send its screenshot and its attachments, in that order."""
    body = api.error_body(task_id, error, tags)
    shot, files = api.error_files(screenshot, attachments)
    created: TaskError = yield api.create_error(body)
    try:
        if shot is not None:
            yield api.upload_error_screenshot(created.id, shot)
        for file in files:
            yield api.upload_error_attachment(created.id, file)
    except MaestroError as exc:
        exc.add_note(f"error {created.id!r} was reported, but not all of its files were sent")
        raise
    return created
