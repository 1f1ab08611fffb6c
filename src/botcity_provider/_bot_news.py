"""What a bot says while it runs: its error entries and alerts, as lines for the Airflow task log.

Shared by every wait (the operators and the sensor polling in the worker, the shared poller in the
triggerer). A look at the bot's news is one request: the errors listing or the alerts listing, in
turn (:class:`NewsTurns`), so a wait that shows the bot's output costs at most one request per poll
more, and only while its task is RUNNING. Each entry is told once, and only the current run's: an
entry dated before the run started (a previous run, before a restart) is not news.

Standard library only at import time: the operators import it at DAG parse time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from botcity_provider.client import Task

__all__ = ["NEWS_PAGE_SIZE", "BotNews", "NewsKind", "NewsTurns", "read_news", "tell"]

NewsKind = Literal["errors", "alerts"]
KINDS: tuple[NewsKind, ...] = ("errors", "alerts")
# One page, newest first: more than a bot reports in one poll interval, and never a second request.
NEWS_PAGE_SIZE = 100
_MAX_TOLD = 2000


class NewsTurns:
    """Which listing the next look at a bot's news reads: errors and alerts in turn, and only the
    errors once Maestro refused the alerts listing (its route is a guess: a 404 stays a 404)."""

    def __init__(self) -> None:
        self._looks = 0
        self._refused: set[NewsKind] = set()

    def next(self) -> NewsKind | None:
        """The kind to read now, or None when Maestro refused both."""
        kinds = [kind for kind in KINDS if kind not in self._refused]
        if not kinds:
            return None
        self._looks += 1
        return kinds[self._looks % len(kinds)]

    def refused(self, kind: NewsKind) -> None:
        """Maestro answered this listing with a refusal no retry can change: do not ask again."""
        self._refused.add(kind)

    def failed(self, kind: NewsKind, exc: Exception) -> None:
        """Reading this listing failed: a refusal no retry can change is not asked again."""
        from botcity_provider.client import is_transient

        if not is_transient(exc):
            self.refused(kind)


class BotNews:
    """The error entries and alerts of one Maestro task already told, for one wait.

    :param task_id: the task.
    :param link: where a person sees the task (and its errors' screenshots) in the portal.
    """

    def __init__(self, task_id: int, link: str | None = None) -> None:
        self.task_id = task_id
        self.link = link
        self._since: datetime | None = None
        self._told: dict[str, None] = {}
        self.turns = NewsTurns()

    def wants(self, task: Task) -> bool:
        """Whether the task's bot is running, so that a look at its news can find any."""
        if str(task.state) != "RUNNING":
            return False
        self._since = task.date_start_running or self._since
        return True

    def lines(self, kind: NewsKind, entries: Iterable[Any]) -> list[str]:
        """The log lines of the entries not told yet (of this task and its current run), oldest first."""
        fresh = []
        for entry in entries:
            key = f"{kind}:{entry.id}"
            if entry.task_id != self.task_id or key in self._told or not self._current(kind, entry):
                continue
            self._told[key] = None
            fresh.append(entry)
        while len(self._told) > _MAX_TOLD:  # a bot that reports without end must not grow the wait
            del self._told[next(iter(self._told))]
        fresh.sort(key=lambda entry: _date(kind, entry) or datetime.min.replace(tzinfo=UTC))
        return [_redacted(self._line(kind, entry)) for entry in fresh]

    def _current(self, kind: NewsKind, entry: Any) -> bool:
        dated = _date(kind, entry)
        return self._since is None or dated is None or dated >= self._since

    def _line(self, kind: NewsKind, entry: Any) -> str:
        if kind == "alerts":
            return (
                f"The bot raised a {entry.type or 'INFO'} alert on Maestro task {self.task_id}: "
                f"{entry.title or ''}: {entry.message or ''}"
            )
        where = ""
        extra = entry.model_extra or {}
        if extra.get("screenshot"):
            where = f" (screenshot: {self.link})" if self.link else " (with a screenshot)"
        return (
            f"The bot reported an error on Maestro task {self.task_id}: "
            f"{entry.type or 'Error'}: {entry.message or ''}{where}"
        )


def tell(client: Any, news: BotNews, task: Task, logger: Any) -> None:
    """In a worker: if the task's bot runs, read its news once (one request) and log what is new.

    The bot's news never fails a wait: a listing that fails is skipped (and one Maestro refuses is not
    asked again).
    """
    if not news.wants(task) or (kind := news.turns.next()) is None:
        return
    from botcity_provider.client import MaestroError

    try:
        page = _listing(client, kind, news.task_id)
    except MaestroError as exc:
        news.turns.failed(kind, exc)
        logger.debug("Could not read the bot's %s of Maestro task %s: %s", kind, news.task_id, exc)
        return
    for line in news.lines(kind, page.content):
        logger.info("%s", line)


async def read_news(client: Any, kind: NewsKind, task_id: int | None = None) -> list[Any]:
    """One page of the newest errors or alerts of one task or (None) of the whole workspace, async:
    the shared poller's one look for every running task due."""
    page = await _listing(client, kind, task_id)
    return list(page.content)


def _listing(client: Any, kind: NewsKind, task_id: int | None) -> Any:
    # One call for both clients: the sync one answers the page, the async one a coroutine of it.
    resource = client.errors if kind == "errors" else client.alerts
    return resource.list(task_id, days=1, size=NEWS_PAGE_SIZE)


def _date(kind: NewsKind, entry: Any) -> datetime | None:
    dated: datetime | None = entry.date if kind == "alerts" else entry.date_creation
    return dated


def _redacted(line: str) -> str:
    # The bot's words can hold what Airflow knows as a secret (a connection's password, a masked
    # variable): redact it here, whatever log handler writes the line.
    from airflow.providers.common.compat.sdk import redact

    return str(redact(line))
