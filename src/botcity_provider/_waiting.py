"""What every Airflow task that waits for a Maestro task shares (the create and restart operators, and the
sensor): the hook, the link, bad input, the hand-off to the trigger with Airflow's backstop timeout, the
check of the trigger's event, and the wait in the worker.

Light at import time on purpose: DAG files import the operators and the sensor, so the hook, the
trigger and the client are imported inside functions, when a task runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.providers.common.compat.sdk import AirflowException, BaseOperator, conf

from botcity_provider._events import TaskEvent, classify, validate_event
from botcity_provider._failures import MaestroTaskTimeoutError, bad_input
from botcity_provider._intervals import clamped_interval
from botcity_provider.links.maestro import publish_link, remember_link

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from botcity_provider._bot_news import BotNews
    from botcity_provider._progress import ProgressLog
    from botcity_provider.client import MaestroClient, Task
    from botcity_provider.hooks.maestro import MaestroHook

    _Base = BaseOperator
else:
    _Base = object

__all__ = [
    "MaestroWaitMixin",
    "backstop",
    "checked_task_id",
    "deadline_at",
    "default_deferrable",
    "wait_for_task",
]

# Airflow's own limit on a deferral comes this long after our deadline: ours fires first, and the task is
# stopped on the way out; Airflow's is only a backstop (a triggerer that died, say).
BACKSTOP_SECONDS = 60.0
# Our own deadline must fire before Airflow's execution_timeout: then the task is stopped on the way out.
DEADLINE_MARGIN_SECONDS = 30.0

log = logging.getLogger(__name__)


def default_deferrable() -> bool:
    """``[operators] default_deferrable``, as every deferrable operator of Airflow reads it."""
    return bool(conf.getboolean("operators", "default_deferrable", fallback=False))


def backstop(deadline_at: float | None) -> timedelta | None:
    """Airflow's timeout for a deferral that ends at ``deadline_at`` (epoch seconds): a while after it."""
    if deadline_at is None:
        return None
    return timedelta(seconds=deadline_at - time.time() + BACKSTOP_SECONDS)


def deadline_at(timeout: float | None, execution_timeout: timedelta | None, context: Context) -> float | None:
    """The earliest of a wait's ``timeout`` (seconds from now) and, a margin before it, Airflow's
    ``execution_timeout`` of the running try, as epoch seconds; None if neither is set."""
    candidates = []
    if timeout is not None:
        candidates.append(time.time() + timeout)
    started = getattr(context.get("ti"), "start_date", None)
    if execution_timeout is not None and started is not None:
        limit = execution_timeout.total_seconds()
        candidates.append(started.timestamp() + limit - min(DEADLINE_MARGIN_SECONDS, limit / 10))
    return min(candidates) if candidates else None


def checked_task_id(value: object) -> int:
    """A Maestro task id from an int or its text (as templates render it); a bad one fails at once."""
    from botcity_provider.client import ValidationError, checks

    try:
        return checks.task_id(value)
    except ValidationError as exc:
        raise bad_input(exc) from exc


class MaestroWaitMixin(_Base):
    """The parts of waiting for a Maestro task that the operators and the sensor share.

    Mixed in before Airflow's base class (``BaseOperator`` or ``BaseSensorOperator``); the class sets
    ``maestro_conn_id`` and ``success_statuses``.
    """

    maestro_conn_id: str
    success_statuses: list[str]
    # The Maestro task of this try, once known: published, and stopped if Airflow gives up on it.
    _maestro_task_id: int | None = None

    @cached_property
    def hook(self) -> MaestroHook:
        """The hook, made when first needed (never at DAG parse time)."""
        from botcity_provider.hooks.maestro import MaestroHook

        return MaestroHook(maestro_conn_id=self.maestro_conn_id)

    def publish(self, context: Context, task_id: int) -> None:
        """Share the task id and its portal link as soon as the task is known, before any wait."""
        self._maestro_task_id = task_id
        url = self.hook.portal_url(task_id)
        publish_link(self, context, task_id, url)
        self.log.info("Maestro task %s: %s", task_id, url)

    def defer_to_trigger(
        self,
        task_id: int,
        *,
        interval: float,
        deadline_at: float | None,
        activity_label: str | None,
        cancel_on_kill: bool = False,
    ) -> NoReturn:
        """Hand the wait to the triggerer (raises TaskDeferred); it resumes in ``execute_complete``."""
        from botcity_provider.triggers.maestro import MaestroTaskTrigger

        trigger = MaestroTaskTrigger(
            maestro_conn_id=self.maestro_conn_id,
            maestro_task_id=task_id,
            poll_interval_seconds=interval,
            deadline_at=deadline_at,
            success_statuses=self.success_statuses,
            # Known from the look just taken; kept in the kwargs, which the UI and the logs show.
            activity_label=activity_label,
            cancel_on_kill=cancel_on_kill,
            bot_output=getattr(self, "log_bot_output", True),
        )
        self.log.info("Waiting for Maestro task %s in the triggerer", task_id)
        self.defer(trigger=trigger, method_name="execute_complete", timeout=backstop(deadline_at))

    def resumed(self, event: object) -> TaskEvent:
        """The trigger's event, checked before it is trusted; the link of its task is this try's again."""
        try:
            checked = validate_event(event)
        except ValueError as exc:
            raise AirflowException(f"Waiting for the Maestro task ended strangely: {exc}") from exc
        self._maestro_task_id = checked["maestro_task_id"]
        remember_link(self, self.hook.portal_url(checked["maestro_task_id"]))
        return checked


def wait_for_task(
    client: MaestroClient,
    task: Task | int,
    *,
    success_statuses: Collection[str],
    poll_interval_seconds: float,
    deadline_at: float | None,
    progress: ProgressLog | None = None,
    logger: Any = log,
    news: BotNews | None = None,
) -> Task:
    """Poll in this process until the task ends and return it; transient errors only delay the next poll.

    Given a :class:`Task` just read (the answer to a create or restart), that is the first look: no
    request is made for it. Logs each change of the task, not each poll, and with ``news`` what the bot
    reports while it runs (one request more per poll, only while it is RUNNING).

    :raises MaestroTaskTimeoutError: the deadline (epoch seconds) passed first.
    """
    from botcity_provider._bot_news import tell
    from botcity_provider._progress import ProgressLog, describe
    from botcity_provider.client import MaestroError, Task, is_transient

    def look(task_id: int) -> Task | None:
        try:
            return client.tasks.get(task_id)
        except MaestroError as exc:
            if not is_transient(exc):
                raise
            logger.warning("Could not read Maestro task %s, trying again: %s", task_id, exc)
            return None

    poll_interval_seconds = clamped_interval(poll_interval_seconds)
    progress = progress or ProgressLog()
    task_id = task.id if isinstance(task, Task) else task
    seen = task if isinstance(task, Task) else look(task_id)
    last = seen
    while True:
        if seen is not None:
            last = seen
            if (line := progress.change(seen)) is not None:
                logger.info("%s", line)
            if classify(str(seen.state), seen.finish_status, success_statuses) is not None:
                return seen
            if news is not None:
                tell(client, news, seen, logger)
        if deadline_at is not None and time.time() + poll_interval_seconds > deadline_at:
            raise MaestroTaskTimeoutError(
                f"Maestro task {task_id} did not finish before the deadline; last seen: "
                + (describe(last) if last is not None else "unknown")
            )
        time.sleep(poll_interval_seconds)
        seen = look(task_id)
