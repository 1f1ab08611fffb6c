"""Runners ("machines"): the paged listing, one runner, its log and a count of its tasks (§4.10).

Every route is unverified (BotCity's dashboard sample, a third-party client), so the answers keep every
field the server sends.
"""

from __future__ import annotations

from botcity_provider.client._core import Call, model_parser
from botcity_provider.client._errors import ValidationError
from botcity_provider.client._models import Page
from botcity_provider.client._models.runners import Runner, RunnerLogLine, RunnerTasksSummary

from ._common import call, days_back, page_parser, paging
from .logs import list_parser

__all__ = ["get_runner", "list_runners", "runner_id", "runner_log", "runner_tasks_summary"]

RUNNER_HINT = "check the runner's machine id in Maestro (Runners page)"


def runner_id(value: object, field: str = "runner_id") -> str:
    """A runner's machine id: non-empty text (a number is taken as its text), with no ``/``."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValidationError(field, f"must be the runner's machine id (text), got {value!r}")
    if not value.strip():
        raise ValidationError(field, "is empty; give the runner's machine id")
    if "/" in value:
        raise ValidationError(field, f"{value!r} contains '/', which Maestro cannot tell from the path")
    return value


def list_runners(
    *, page: int = 0, size: int = 100, online: bool | None = None, type: str | None = None
) -> Call[Page[Runner]]:
    """``GET /api/v2/machine/pagination`` (unverified): one page of runners in id order; ``online``
    keeps the connected (True) or disconnected (False) ones, ``type`` one kind of runner."""
    query = [*paging(page, size), ("sort", "machineId,asc")]
    if online is not None:
        if not isinstance(online, bool):
            raise ValidationError("online", f"must be True, False or None, got {online!r}")
        query.append(("isOnline", "true" if online else "false"))
    if type is not None:
        if not isinstance(type, str) or not type.strip():
            raise ValidationError("type", f"must be a runner type, or None for any, got {type!r}")
        query.append(("type", type))
    doing = "Listing runners"
    return call("runners.list", (), doing, page_parser(Runner, doing), query=tuple(query))


def get_runner(runner: object) -> Call[Runner]:
    """``GET /api/v2/machine/{id}`` (unverified): one runner."""
    ident = runner_id(runner)
    parse = model_parser(Runner, "Reading the runner")
    return call("runners.get", (ident,), f"Getting runner {ident!r}", parse, hint=RUNNER_HINT)


def runner_log(runner: object) -> Call[list[RunnerLogLine]]:
    """``GET /api/v2/machine/log/{id}`` (unverified): the runner's log lines."""
    ident = runner_id(runner)
    doing = f"Reading the log of runner {ident!r}"
    return call("runners.log", (ident,), doing, list_parser(RunnerLogLine, doing), hint=RUNNER_HINT)


def runner_tasks_summary(runner: object, days: int) -> Call[RunnerTasksSummary]:
    """``GET /api/v2/machine/{id}/tasks-summary?days=N`` (unverified): counts of the runner's tasks."""
    ident = runner_id(runner)
    window = days_back(days)
    if not window:  # None: the count needs a window
        raise ValidationError("days", "must be a positive number of days, got None")
    parse = model_parser(RunnerTasksSummary, "Reading the runner's tasks summary")
    doing = f"Summarizing the tasks of runner {ident!r}"
    return call("runners.tasks_summary", (ident,), doing, parse, query=tuple(window), hint=RUNNER_HINT)
