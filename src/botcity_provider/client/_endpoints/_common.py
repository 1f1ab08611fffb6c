"""What the endpoint modules share: reading a page, an ignored body, the checks of a listing's paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, RawResponse, json_body
from botcity_provider.client._errors import ResponseValidationError, ValidationError
from botcity_provider.client._models import Page
from botcity_provider.client._routes import route

T = TypeVar("T")

TASK_HINT = "check the Maestro task id"


def call(
    name: str, values: tuple[object, ...], doing: str, parse: Callable[[RawResponse], T], **rest: Any
) -> Call[T]:
    """The :class:`Call` of route ``name`` (table in :mod:`.._routes`), slots filled with ``values``."""
    known = route(name)
    return Call(known.method, known.path(*values), doing, parse, **rest)


def page_parser(model: type[Any], what: str) -> Any:
    """A parser for a Spring page of ``model``; a bare list (some Maestro versions) is one whole page."""
    page_model = Page[model]  # type: ignore[valid-type]

    def parse(raw: RawResponse) -> Any:
        data = json_body(raw, what)
        if isinstance(data, list):
            data = {"content": data, "totalPages": 1, "totalElements": len(data), "size": len(data)}
        if not isinstance(data, dict):
            raise ResponseValidationError(what, f"expected a page object, got {type(data).__name__}")
        return page_model.model_validate(data)

    return parse


def paging(page: int, size: int, *, most: int = 1000) -> list[tuple[str, str]]:
    """``page`` and ``size`` checked (pages count from 0) and as query items."""
    if isinstance(page, bool) or not isinstance(page, int) or page < 0:
        raise ValidationError("page", f"must be 0 or more (pages count from 0), got {page!r}")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= most:
        raise ValidationError("size", f"must be from 1 to {most}, got {size!r}")
    return [("page", str(page)), ("size", str(size))]


def days_back(days: int | None, field: str = "days") -> list[tuple[str, str]]:
    """A look-back window in days, checked, as a query item (none when ``days`` is None)."""
    if days is None:
        return []
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValidationError(field, f"must be a positive number of days, got {days!r}")
    return [(field, str(days))]


def task_listing(
    task_id: object, days: int, page: int, size: int, newest_first: str
) -> tuple[tuple[tuple[str, str], ...], str]:
    """The query of a listing of one task's entries or (``task_id`` None) the workspace's, newest
    first by ``newest_first``, and whose they are, for the call's description."""
    query = [*days_back(days), *paging(page, size), ("sort", f"{newest_first},desc")]
    if task_id is None:
        return tuple(query), "the workspace"
    ident = check.task_id(task_id, "task_id")
    return (("taskId", str(ident)), *query), f"task {ident}"


def label(value: object, field: str = "label", what: str = "the label") -> str:
    """A non-empty label, as Maestro names automations, datapools, logs and credential sets."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"is empty; give {what}")
    return value


def ignore_body(raw: RawResponse) -> None:
    """For routes whose success body means nothing (the official SDK ignores it too)."""
    return None
