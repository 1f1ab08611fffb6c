"""The base of the operators that wait for a Maestro task (create, restart): the wait (deferred or
polled), the end of the wait, and stopping the task when Airflow gives up on it.

What they share with the sensor (hook, link, hand-off to the trigger) is :mod:`botcity_provider._waiting`.
Light at import time on purpose: DAG files import the operators, so the hook, the trigger and the client
are imported inside methods, when a task runs.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperator

from botcity_provider._defaults import DEFAULT_CONN_ID
from botcity_provider._events import classify, normalize_statuses, task_of_event
from botcity_provider._failures import MaestroTaskTimeoutError, fails_fast, task_failure, wait_error
from botcity_provider._intervals import DEFAULT_POLL_INTERVAL_SECONDS, seconds
from botcity_provider._intervals import poll_interval as checked_interval
from botcity_provider._waiting import MaestroWaitMixin, deadline_at, default_deferrable, wait_for_task
from botcity_provider.links.maestro import MAESTRO_TASK_ID_KEY, MaestroTaskLink

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from botcity_provider.client import Task

__all__ = ["MaestroWaitingOperator"]

TRIGGER_FAIL = "__fail__"


class MaestroWaitingOperator(MaestroWaitMixin, BaseOperator):
    """Base of the operators that wait for a Maestro task to end (create, restart).

    :param maestro_conn_id: the Airflow connection of the Maestro workspace.
    :param wait_for_completion: wait for the task to end (True) or return once it exists.
    :param deferrable: wait in the triggerer, freeing the worker slot; default from
        ``[operators] default_deferrable``.
    :param poll_interval: seconds (or a timedelta) between two looks at the task; at least 1 second.
    :param timeout: give up waiting after this long; the task is stopped if ``cancel_on_kill``.
    :param success_statuses: finish statuses that count as success (default: SUCCESS only).
    :param cancel_on_kill: stop the Maestro task when the Airflow task is killed or times out.
    :param log_bot_output: while the bot runs, show each error entry and alert it reports in this task's
        log (one request more per poll, only while the task is RUNNING).
    """

    operator_extra_links = (MaestroTaskLink(),)
    ui_color = "#1f4e8c"
    ui_fgcolor = "#ffffff"

    def __init__(
        self,
        *,
        maestro_conn_id: str = DEFAULT_CONN_ID,
        wait_for_completion: bool = True,
        deferrable: bool | None = None,
        poll_interval: float | timedelta = DEFAULT_POLL_INTERVAL_SECONDS,
        timeout: float | timedelta | None = None,
        success_statuses: Collection[str] | None = None,
        cancel_on_kill: bool = True,
        log_bot_output: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.log_bot_output = log_bot_output
        self.maestro_conn_id = maestro_conn_id
        self.wait_for_completion = wait_for_completion
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.poll_interval = checked_interval(poll_interval, "poll_interval")
        self.timeout = seconds(timeout, "timeout")
        self.success_statuses = normalize_statuses(success_statuses)
        self.cancel_on_kill = cancel_on_kill
        self._maestro_task_id = None

    def wait(self, context: Context, task: Task) -> Task:
        """Wait for the task to end and return it, or defer (raising TaskDeferred)."""
        if not self.wait_for_completion or task.is_terminal:
            return task
        deadline_at = self._deadline_at(context)
        if self.deferrable:
            self.defer_to_trigger(
                task.id,
                interval=self.poll_interval,
                deadline_at=deadline_at,
                activity_label=task.activity_label,
                cancel_on_kill=self.cancel_on_kill,
            )
        from botcity_provider._bot_news import BotNews

        news = BotNews(task.id, self.hook.portal_url(task.id)) if self.log_bot_output else None
        try:
            return wait_for_task(
                self.hook.client,
                task,
                success_statuses=self.success_statuses,
                poll_interval_seconds=self.poll_interval,
                deadline_at=deadline_at,
                logger=self.log,
                news=news,
            )
        except MaestroTaskTimeoutError:
            self._stop_after_giving_up(task.id, "the timeout passed")
            raise

    def _deadline_at(self, context: Context) -> float | None:
        """The earliest of our ``timeout`` and Airflow's ``execution_timeout``, as epoch seconds."""
        return deadline_at(self.timeout, self.execution_timeout, context)

    @fails_fast
    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> int:
        """Resume after the trigger: check its event, then succeed or fail with what Maestro said."""
        checked = self.resumed(event)
        task_id = checked["maestro_task_id"]
        if checked["status"] == "timeout":
            self._stop_after_giving_up(task_id, "the deadline passed")
            raise MaestroTaskTimeoutError(checked["message"])
        if checked["status"] == "error":
            raise wait_error(checked)
        task = task_of_event(checked["task"]) or self.hook.client.tasks.get(task_id)
        return self.finish(task)

    def finish(self, task: Task) -> int:
        """Return the task id if the task ended well, or if we were not to wait; else raise with Maestro's
        own words."""
        if classify(str(task.state), task.finish_status, self.success_statuses) == "success":
            self.log.info("Maestro task %s finished %s", task.id, task.finish_status)
            return task.id
        if not self.wait_for_completion:
            # Its outcome is not ours to judge, even if a fast bot ended before we learned the task id.
            return task.id
        raise task_failure(self.hook, task)

    def on_kill(self) -> None:
        """Stop the Maestro task when Airflow kills this one (best effort: a failure is only logged)."""
        if self._maestro_task_id is not None:
            self._stop_after_giving_up(self._maestro_task_id, "the Airflow task was killed")

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """Airflow ended the wait itself (its own timeout): stop the Maestro task before failing."""
        if next_method == TRIGGER_FAIL:
            ti = context["ti"]
            task_id = ti.xcom_pull(task_ids=ti.task_id, key=MAESTRO_TASK_ID_KEY, map_indexes=ti.map_index)
            if isinstance(task_id, int):
                self._stop_after_giving_up(task_id, "Airflow ended the wait")
        return super().resume_execution(next_method, next_kwargs, context)

    def _stop_after_giving_up(self, task_id: int, why: str) -> None:
        if not self.cancel_on_kill:
            self.log.warning("Leaving Maestro task %s running (%s; cancel_on_kill is off)", task_id, why)
            return
        self.log.warning("Stopping Maestro task %s: %s", task_id, why)
        try:
            # One call: the client retries what is worth retrying, within its retry budget.
            self.hook.stop_task(task_id, force=True)
        except Exception:  # the task is failing already; a second error must not hide the first
            self.log.warning("Could not stop Maestro task %s", task_id, exc_info=True)
