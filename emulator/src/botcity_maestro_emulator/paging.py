"""Spring Data paging for the listing routes: ``page`` (0-based), ``size``, repeatable ``sort``, ``days``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from botcity_maestro_emulator.errors import bad_request
from botcity_maestro_emulator.timefmt import iso

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
"""Spring's ``max-page-size``: larger sizes are clamped rather than refused."""


@dataclass(frozen=True)
class PageRequest:
    """A validated page request; ``sort`` is a list of (field, descending) in priority order."""

    page: int
    size: int
    sort: tuple[tuple[str, bool], ...]


def integer_param(params: QueryParams, name: str, default: int | None) -> int | None:
    """Read an integer query parameter, refusing anything that is not one."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise bad_request(name, f"must be an integer, got {raw!r}") from exc


def page_request(
    params: QueryParams, *, fields: Iterable[str], default_sort: str, tiebreak: str | None = None
) -> PageRequest:
    """Parse ``page``, ``size`` and every ``sort=field[,field...][,asc|desc]`` like Spring does.

    :param tiebreak: a unique field appended (in the direction of the first key) so that objects created
        in the same millisecond still come in a stable, meaningful order.
    """
    page = max(0, integer_param(params, "page", 0) or 0)
    size = integer_param(params, "size", DEFAULT_PAGE_SIZE) or DEFAULT_PAGE_SIZE
    size = min(max(1, size), MAX_PAGE_SIZE)
    known = frozenset(fields)
    sort: list[tuple[str, bool]] = []
    for spec in params.getlist("sort") or [default_sort]:
        parts = [part.strip() for part in spec.split(",") if part.strip()]
        descending = False
        if parts and parts[-1].lower() in ("asc", "desc"):
            descending = parts.pop().lower() == "desc"
        for name in parts:
            if name not in known:
                raise bad_request("sort", f"unknown field {name!r}; known: {', '.join(sorted(known))}")
            sort.append((name, descending))
    if tiebreak is not None and all(name != tiebreak for name, _ in sort):
        sort.append((tiebreak, sort[0][1] if sort else False))
    return PageRequest(page=page, size=size, sort=tuple(sort))


def sort_items(items: list[dict[str, Any]], sort: Iterable[tuple[str, bool]]) -> list[dict[str, Any]]:
    """Sort by several keys (first key most significant), nulls last whatever the direction."""
    ordered = list(items)
    for name, descending in reversed(list(sort)):
        present = [item for item in ordered if item.get(name) is not None]
        missing = [item for item in ordered if item.get(name) is None]
        present.sort(key=lambda item: item[name], reverse=descending)
        ordered = present + missing
    return ordered


def paginate(items: list[dict[str, Any]], request: PageRequest) -> dict[str, Any]:
    """Sort ``items`` and cut one page out of them, wrapped in Spring's ``Page`` envelope."""
    ordered = sort_items(items, request.sort)
    total = len(ordered)
    offset = request.page * request.size
    content = ordered[offset : offset + request.size]
    total_pages = math.ceil(total / request.size) if total else 0
    sort_info = {"sorted": bool(request.sort), "unsorted": not request.sort, "empty": not request.sort}
    return {
        "content": content,
        "totalPages": total_pages,
        "totalElements": total,
        "number": request.page,
        "size": request.size,
        "numberOfElements": len(content),
        "first": request.page == 0,
        "last": request.page >= total_pages - 1,
        "empty": not content,
        "sort": sort_info,
        "pageable": {
            "sort": sort_info,
            "pageNumber": request.page,
            "pageSize": request.size,
            "offset": offset,
            "paged": True,
            "unpaged": False,
        },
    }


def created_since(params: QueryParams, at: float) -> str | None:
    """Turn ``days=N`` into the earliest ``dateCreation`` a listing keeps, or ``None`` for no limit.

    The emulator writes every date in one fixed ISO-8601 format, so dates compare correctly as strings.
    """
    days = integer_param(params, "days", None)
    if days is None:
        return None
    if days < 0:
        raise bad_request("days", f"must not be negative, got {days}")
    return iso(at - days * 86400.0)


def select(
    items: Iterable[dict[str, Any]],
    params: QueryParams,
    at: float,
    exact: Iterable[str] = (),
    dated: str = "dateCreation",
) -> list[dict[str, Any]]:
    """Keep the items created (their ``dated`` field) in the last ``days`` days (when given) whose fields
    named in ``exact`` equal the query parameters of the same name (when given; compared as text, as
    query values are)."""
    since = created_since(params, at)
    wanted = {name: params[name] for name in exact if params.get(name)}
    return [
        item
        for item in items
        if (since is None or item[dated] >= since)
        and all(str(item.get(name)) == value for name, value in wanted.items())
    ]
