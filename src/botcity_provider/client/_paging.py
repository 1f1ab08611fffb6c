"""Listings as lazy iterators: the next page is fetched when the loop has taken every item of this one.

:func:`next_page` is the decision, with no I/O; :func:`pages` and :func:`async_pages` are the two loops
that the blocking and asyncio clients drive with their own ``_run``. The first page's call is built at
once, so bad arguments are refused when ``iter(...)`` is called, not at the first ``next()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel

from ._core import Call
from ._models import Page

__all__ = ["MAX_PAGES", "async_kept", "async_pages", "kept", "next_page", "pages"]

T = TypeVar("T", bound=BaseModel)
MAX_PAGES = 100_000
"""A bound on one listing, for a server that says ``last: false`` for ever."""

MakePage = Callable[..., Call[Page[T]]]


def next_page(index: int, page: Page[Any]) -> int | None:
    """The index of the page after ``page`` (which was asked for as ``index``), or None after the last.

    ``totalPages`` decides when the server sent it; else ``last``. An empty page ends the listing
    whatever they say, so a server that ignores ``page`` and repeats itself cannot loop for ever.
    """
    if not page.content or index + 1 >= MAX_PAGES:
        return None
    if page.total_pages:
        return index + 1 if index + 1 < page.total_pages else None
    return None if page.last else index + 1


def pages(run: Callable[[Call[Page[T]]], Page[T]], make: MakePage[T]) -> Iterator[T]:
    """Every item of a listing, a page at a time, for the blocking client."""
    first = make(page=0)

    def items() -> Iterator[T]:
        call: Call[Page[T]] | None = first
        index = 0
        while call is not None:
            page = run(call)
            yield from page.content
            following = next_page(index, page)
            call = None if following is None else make(page=following)
            index = following or 0

    return items()


def async_pages(run: Callable[[Call[Page[T]]], Awaitable[Page[T]]], make: MakePage[T]) -> AsyncIterator[T]:
    """Every item of a listing, a page at a time, for the asyncio client."""
    first = make(page=0)

    async def items() -> AsyncIterator[T]:
        call: Call[Page[T]] | None = first
        index = 0
        while call is not None:
            page = await run(call)
            for item in page.content:
                yield item
            following = next_page(index, page)
            call = None if following is None else make(page=following)
            index = following or 0

    return items()


def kept(items: Iterator[T], keep: Callable[[T], bool]) -> Iterator[T]:
    """The items ``keep`` accepts, lazily: a listing filtered item by item, never page by page (a page
    left empty by the filter would end the listing)."""
    return (item for item in items if keep(item))


def async_kept(items: AsyncIterator[T], keep: Callable[[T], bool]) -> AsyncIterator[T]:
    """:func:`kept` for the asyncio client."""
    return (item async for item in items if keep(item))
