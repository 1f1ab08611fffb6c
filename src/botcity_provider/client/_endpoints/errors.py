"""Errors that bots report for their tasks: the report, its screenshot and attachments, reading them.

The report is the official SDK's ``error()`` body (§4.7): exception type, message, traceback, language
``PYTHON`` and tags, the SDK's default tags (who, where, which system) under the caller's own.
"""

from __future__ import annotations

import os
import platform
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, Upload, model_parser
from botcity_provider.client._errors import ValidationError
from botcity_provider.client._models import Page, TaskError
from botcity_provider.client._models.errors import ReportedError

from ._common import TASK_HINT, call, ignore_body, page_parser, task_listing

__all__ = [
    "create_error",
    "default_tags",
    "error_body",
    "error_files",
    "error_id",
    "get_error",
    "list_errors",
    "upload_error_attachment",
    "upload_error_screenshot",
]

ERROR_HINT = "check the error id"
_CREATED = frozenset({201})  # the official SDK accepts exactly 201 for a new error
MESSAGE_TYPE = "Error"
"""The ``type`` of a report made of a message rather than an exception."""


def error_id(value: object) -> str:
    """An error's id as Maestro gave it: non-empty text (a number is taken as its text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or "/" in value:
        raise ValidationError("error_id", f"must be the error's id as Maestro gave it, got {value!r}")
    return value


def default_tags() -> dict[str, str]:
    """The tags the official SDK adds to every report: user, host, operating system, Python."""
    try:
        user = os.getlogin()
    except OSError:  # no controlling terminal (a scheduler's worker): the SDK sends "" too
        user = ""
    return {
        "user_name": user,
        "host_name": platform.node(),
        "os_name": platform.system(),
        "os_version": _os_version(),
        "python_version": platform.python_version(),
    }


def _os_version() -> str:
    if platform.system() != "Linux":
        return platform.version()
    try:
        release = platform.freedesktop_os_release()
    except OSError:
        return platform.version()
    # As the SDK's distro.linux_distribution() words it: "Debian GNU/Linux 12 bookworm".
    parts = (release.get("NAME", ""), release.get("VERSION_ID", ""), release.get("VERSION_CODENAME", ""))
    return " ".join(part for part in parts if part)


def _tags(tags: object) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise ValidationError("tags", f"must be a mapping of text to text, got {type(tags).__name__}")
    for key, value in tags.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValidationError("tags", f"must map text to text; {key!r}: {value!r} is not")
    return dict(tags)


def error_body(task_id: object, error: object, tags: object) -> dict[str, Any]:
    """The report's body: from an exception (type, ``str()``, traceback) or from a message."""
    ident = check.task_id(task_id, "task_id")
    if isinstance(error, BaseException):
        kind, message = type(error).__name__, str(error)
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    elif isinstance(error, str) and error.strip():
        kind, message, trace = MESSAGE_TYPE, error, ""
    else:
        raise ValidationError("error", f"must be an exception or a non-empty message, got {error!r}")
    return {
        "taskId": ident,
        "type": kind,
        "message": message,
        "stackTrace": trace,
        "language": "PYTHON",
        "tags": {**default_tags(), **_tags(tags)},
    }


def error_files(screenshot: object, attachments: object) -> tuple[Path | None, list[Path]]:
    """The screenshot and the attachments, each a readable file, checked before the report is made."""
    shot = None if screenshot is None else check.readable_file(screenshot, "screenshot")
    if isinstance(attachments, str | bytes) or not isinstance(attachments, Iterable):
        raise ValidationError("attachments", "must be a list of file paths")
    files = [check.readable_file(path, f"attachments[{index}]") for index, path in enumerate(attachments)]
    return shot, files


def create_error(body: Mapping[str, Any]) -> Call[TaskError]:
    """``POST /api/v2/error``: must answer 201. Not idempotent: a resend makes a second report."""
    doing = f"Reporting an error of task {body['taskId']}"
    parse = model_parser(TaskError, "Reading the new error")
    return call(
        "errors.create",
        (),
        doing,
        parse,
        json=dict(body),
        expected=_CREATED,
        idempotent=False,
        hint=TASK_HINT,
    )


def upload_error_screenshot(ident: str, file: Path) -> Call[None]:
    """``POST /api/v2/error/{id}/screenshot``: the file, streamed; a resend replaces it."""
    doing = f"Uploading {str(file)!r} as the screenshot of error {ident!r}"
    upload = Upload(path=file, filename=file.name)
    return call("errors.screenshot", (ident,), doing, ignore_body, upload=upload, hint=ERROR_HINT)


def upload_error_attachment(ident: str, file: Path) -> Call[None]:
    """``POST /api/v2/error/{id}/attachments``: one more file. Not idempotent: a resend adds it twice."""
    doing = f"Attaching {str(file)!r} to error {ident!r}"
    upload = Upload(path=file, filename=file.name)
    return call(
        "errors.attachment", (ident,), doing, ignore_body, upload=upload, idempotent=False, hint=ERROR_HINT
    )


def get_error(ident: object) -> Call[ReportedError]:
    """``GET /api/v2/error/{id}`` (unverified route)."""
    name = error_id(ident)
    parse = model_parser(ReportedError, "Reading the error")
    return call("errors.get", (name,), f"Getting error {name!r}", parse, hint=ERROR_HINT)


def list_errors(
    task_id: object = None, *, days: int = 30, page: int = 0, size: int = 50
) -> Call[Page[ReportedError]]:
    """``GET /api/v2/error``: the errors bots reported, newest first, for one task or (``task_id``
    None) the whole workspace. Unverified route."""
    query, whose = task_listing(task_id, days, page, size, "dateCreation")
    parse = page_parser(ReportedError, "Listing task errors")
    return call("errors.list", (), f"Listing the errors of {whose}", parse, query=query)
