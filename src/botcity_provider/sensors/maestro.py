"""MaestroTaskSensor: wait for a Maestro task created elsewhere (by a schedule, a person, another DAG).

Light at import time, like the operators: the hook, trigger and client are imported when it runs.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, BaseSensorOperator

from botcity_provider._events import classify, normalize_statuses, validate_event
from botcity_provider._failures import fails_fast, wait_error
from botcity_provider._intervals import poll_interval
from botcity_provider.links.maestro import MaestroTaskLink, forget_link, publish_link, remember_link
from botcity_provider.operators._waiting import default_deferrable

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from botcity_provider.client import Task
    from botcity_provider.hooks.maestro import MaestroHook

__all__ = ["MaestroTaskSensor"]


class MaestroTaskSensor(BaseSensorOperator):
    """Succeed when a Maestro task finishes with a success status; fail if it ends otherwise.

    Works in ``poke`` and ``reschedule`` mode, and deferrable (the same trigger as the operators,
    freeing the worker slot while the bot runs).

    :param maestro_task_id: the task to watch. Templated.
    :param success_statuses: finish statuses that count as success (default: SUCCESS only).
    :param maestro_conn_id: the Airflow connection of the Maestro workspace.
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.

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
        maestro_conn_id: str = "botcity_maestro_default",
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        # Every mode waits poke_interval between looks, the triggerer included: the same floor as the
        # operators' poll_interval keeps each of them from polling in a busy loop. Checked before Airflow's
        # own base sees it, so that every Airflow version refuses a bad one in the same words, and again
        # after: a poke_interval from the DAG's default_args reaches only the base's __init__.
        if "poke_interval" in kwargs:
            kwargs["poke_interval"] = poll_interval(kwargs["poke_interval"], "poke_interval")
        super().__init__(**kwargs)
        self.poke_interval = poll_interval(self.poke_interval, "poke_interval")
        self.maestro_task_id = maestro_task_id
        self.success_statuses = normalize_statuses(success_statuses)
        self.maestro_conn_id = maestro_conn_id
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self._published: int | None = None
        self._last: Task | None = None

    @cached_property
    def hook(self) -> MaestroHook:
        """The hook, made when first needed."""
        from botcity_provider.hooks.maestro import MaestroHook

        return MaestroHook(maestro_conn_id=self.maestro_conn_id)

    def _task_id(self) -> int:
        from botcity_provider.client import ValidationError
        from botcity_provider.hooks.maestro import check_task_id

        try:
            return check_task_id(self.maestro_task_id)
        except ValidationError as exc:
            raise AirflowFailException(f"Invalid argument for BotCity Maestro: {exc}") from exc

    def _read(self, context: Context) -> Task:
        from botcity_provider._progress import describe

        task_id = self._task_id()
        if self._published != task_id:  # once per process: each reschedule-mode poke publishes again
            publish_link(self, context, task_id, self.hook.portal_url(task_id))
            self._published = task_id
        task = self._last = self.hook.client.tasks.get(task_id)
        self.log.info("%s", describe(task))
        return task

    @fails_fast
    def poke(self, context: Context) -> bool:
        """Look at the task once: True if it ended well, False if it still runs; raise if it ended badly.

        A look that fails transiently (network, 5xx, 429) counts as "still runs": the next poke looks again.
        """
        from botcity_provider.client import MaestroError
        from botcity_provider.hooks.maestro import is_transient

        try:
            task = self._read(context)
        except MaestroError as exc:
            if not is_transient(exc):
                raise
            self.log.warning("Could not read Maestro task %s, trying again: %s", self.maestro_task_id, exc)
            return False
        outcome = classify(str(task.state), task.finish_status, self.success_statuses)
        if outcome == "failure":
            raise self.hook.failure(task)
        return outcome == "success"

    def execute(self, context: Context) -> Any:
        """Poke (or reschedule) as any sensor does, or defer to the trigger after one look."""
        forget_link(self)
        if not self.deferrable:
            return super().execute(context)
        if self.poke(context):
            return None
        from botcity_provider.triggers.maestro import MaestroTaskTrigger

        deadline_at = time.time() + self.timeout if self.timeout else None
        trigger = MaestroTaskTrigger(
            maestro_conn_id=self.maestro_conn_id,
            maestro_task_id=self._task_id(),
            poll_interval_seconds=self.poke_interval,
            deadline_at=deadline_at,
            success_statuses=self.success_statuses,
            # Known from the look just taken: the wait joins the task listings from its first poll.
            activity_label=self._last.activity_label if self._last else None,
        )
        limit = None if deadline_at is None else timedelta(seconds=self.timeout + 60)
        self.defer(trigger=trigger, method_name="execute_complete", timeout=limit)
        return None

    @fails_fast
    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> None:
        """Resume after the trigger: succeed, or fail with what Maestro said."""
        try:
            checked = validate_event(event)
        except ValueError as exc:
            raise AirflowException(f"Waiting for the Maestro task ended strangely: {exc}") from exc
        remember_link(self, self.hook.portal_url(checked["maestro_task_id"]))
        if checked["status"] == "success":
            self.log.info("%s", checked["message"])
            return
        if checked["status"] == "failure" and checked["task"]:
            from botcity_provider.hooks.maestro import task_of_event

            task = task_of_event(checked["task"])
            if task is not None:
                raise self.hook.failure(task)
        from airflow.providers.common.compat.sdk import AirflowSensorTimeout

        if checked["status"] == "timeout":
            raise AirflowSensorTimeout(checked["message"])
        raise wait_error(checked)
