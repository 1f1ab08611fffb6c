"""MaestroTaskSensor: wait for a Maestro task created elsewhere (by a schedule, a person, another DAG).

Light at import time, like the operators: the hook, trigger and client are imported when it runs.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from botcity_provider._defaults import DEFAULT_CONN_ID
from botcity_provider._events import classify, normalize_statuses, task_of_event
from botcity_provider._failures import fails_fast, task_failure, wait_error
from botcity_provider._waiting import MaestroWaitMixin, checked_task_id, default_deferrable
from botcity_provider.links.maestro import MaestroTaskLink, forget_link
from botcity_provider.sensors._floored import FlooredSensor

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from botcity_provider._bot_news import BotNews
    from botcity_provider.client import Task

__all__ = ["MaestroTaskSensor"]


class MaestroTaskSensor(MaestroWaitMixin, FlooredSensor):
    """Succeed when a Maestro task finishes with a success status; fail if it ends otherwise.

    Works in ``poke`` and ``reschedule`` mode, and deferrable (the same trigger as the operators,
    freeing the worker slot while the bot runs).

    :param maestro_task_id: the task to watch. Templated.
    :param success_statuses: finish statuses that count as success (default: SUCCESS only).
    :param maestro_conn_id: the Airflow connection of the Maestro workspace.
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    :param log_bot_output: while the bot runs, show each error entry and alert it reports in this task's
        log (one request more per look, only while the task is RUNNING), in poke mode and deferred; not
        in reschedule mode, whose looks remember nothing of each other.

    ``poke_interval`` (Airflow's, 60 seconds by default) is the time between two looks in every mode;
    it must be at least 1 second.
    """

    template_fields: Sequence[str] = ("maestro_task_id",)
    operator_extra_links = (MaestroTaskLink(),)
    ui_color = "#1f4e8c"
    ui_fgcolor = "#ffffff"

    def __init__(
        self,
        *,
        maestro_task_id: int | str,
        success_statuses: Collection[str] | None = None,
        maestro_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool | None = None,
        log_bot_output: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.maestro_task_id = maestro_task_id
        self.success_statuses = normalize_statuses(success_statuses)
        self.maestro_conn_id = maestro_conn_id
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self._maestro_task_id = None
        self._last: Task | None = None
        self.log_bot_output = log_bot_output
        self._news: BotNews | None = None

    def _read(self, context: Context) -> Task:
        from botcity_provider._progress import describe

        task_id = checked_task_id(self.maestro_task_id)
        if self._maestro_task_id != task_id:  # once per process: each reschedule-mode poke publishes again
            self.publish(context, task_id)
        task = self._last = self.hook.client.tasks.get(task_id)
        self.log.info("%s", describe(task))
        return task

    @fails_fast
    def poke(self, context: Context) -> bool:
        """Look at the task once: True if it ended well, False if it still runs; raise if it ended badly.

        A look that fails transiently (network, 5xx, 429) counts as "still runs": the next poke looks again.
        """
        from botcity_provider.client import MaestroError, is_transient

        try:
            task = self._read(context)
        except MaestroError as exc:
            if not is_transient(exc):
                raise
            self.log.warning("Could not read Maestro task %s, trying again: %s", self.maestro_task_id, exc)
            return False
        outcome = classify(str(task.state), task.finish_status, self.success_statuses)
        if outcome is None:
            self._tell_news(task)
        if outcome == "failure":
            raise task_failure(self.hook, task)
        return outcome == "success"

    def _tell_news(self, task: Task) -> None:
        # Reschedule mode builds a new sensor for each look: it would tell the same entries each time.
        # Deferred, the trigger tells them all (its own record of what was told starts empty).
        if not self.log_bot_output or self.mode == "reschedule" or self.deferrable:
            return
        from botcity_provider._bot_news import BotNews, tell

        if self._news is None or self._news.task_id != task.id:
            self._news = BotNews(task.id, self.hook.portal_url(task.id))
        tell(self.hook.client, self._news, task, self.log)

    def execute(self, context: Context) -> Any:
        """Poke (or reschedule) as any sensor does, or defer to the trigger after one look."""
        forget_link(self)
        if not self.deferrable:
            return super().execute(context)
        if self.poke(context):
            return None
        self.defer_to_trigger(
            checked_task_id(self.maestro_task_id),
            interval=self.poke_interval,
            deadline_at=time.time() + self.timeout if self.timeout else None,
            activity_label=self._last.activity_label if self._last else None,
        )

    @fails_fast
    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> None:
        """Resume after the trigger: succeed, or fail with what Maestro said."""
        checked = self.resumed(event)
        if checked["status"] == "success":
            self.log.info("%s", checked["message"])
            return
        if checked["status"] == "failure" and (task := task_of_event(checked["task"])) is not None:
            raise task_failure(self.hook, task)
        from airflow.providers.common.compat.sdk import AirflowSensorTimeout

        if checked["status"] == "timeout":
            raise AirflowSensorTimeout(checked["message"])
        raise wait_error(checked)
