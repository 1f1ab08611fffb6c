"""Errors that bots report for their tasks."""

from __future__ import annotations

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call
from botcity_provider.client._models import Page, TaskError

from ._common import call, days_back, page_parser, paging


def list_errors(task_id: object, *, days: int = 30, page: int = 0, size: int = 50) -> Call[Page[TaskError]]:
    """``GET /api/v2/error``: the errors bots reported for one task, newest first. Unverified route."""
    ident = check.task_id(task_id, "task_id")
    query = [("taskId", str(ident)), *days_back(days), *paging(page, size), ("sort", "dateCreation,desc")]
    parse = page_parser(TaskError, "Listing task errors")
    return call("errors.list", (), f"Listing the errors of task {ident}", parse, query=tuple(query))
