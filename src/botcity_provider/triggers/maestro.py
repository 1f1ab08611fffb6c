"""MaestroTaskTrigger: waits, in the triggerer, for a Maestro task to end.

It waits and does not create or change a task, with one exception, on a user's act: when a user kills
the waiting Airflow task (mark failed or success, clear; Airflow 3.3+ tells triggers so) and
``cancel_on_kill`` is set, :meth:`MaestroTaskTrigger.on_kill` stops the bot (cancels a queued task,
kills a running one). It holds no client, token or key (its kwargs are plain JSON: the connection id,
the task id, the poll interval and an absolute deadline). Every trigger of the same connection in one
event loop shares one poller, so a thousand waits cost a few task listings per poll, not a thousand
requests (see :mod:`._poller`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from botcity_provider._events import TASK_SUMMARY_FIELDS, TaskEvent, classify, make_event, normalize_statuses
from botcity_provider._intervals import DEFAULT_POLL_INTERVAL_SECONDS, clamped_interval
from botcity_provider.triggers._off_loop import load_off_loop

__all__ = ["MaestroTaskTrigger"]


class MaestroTaskTrigger(BaseTrigger):
    """Yield one event when the Maestro task ends, the deadline passes, or waiting becomes impossible.

    :param maestro_conn_id: the Airflow connection of the workspace.
    :param maestro_task_id: the Maestro task to wait for.
    :param poll_interval_seconds: seconds between two looks at the task; one below the floor of 1 second
        (from an older DAG, or a trigger made by hand) is raised to it.
    :param deadline_at: epoch seconds after which the wait ends with a ``timeout`` event; None waits on.
    :param success_statuses: finish statuses that count as success.
    :param activity_label: the task's automation, when known. Kept in the kwargs for what reads them
        (and for triggers stored by earlier versions); the poller no longer needs it, since it lists the
        workspace's active tasks whatever their automation.
    :param cancel_on_kill: stop the Maestro task when a user kills the waiting Airflow task (mark
        failed or success, clear). Airflow 3.3+ tells triggers so; earlier versions do not.
    :param bot_output: log each error entry and alert the bot reports while it runs (the poller reads
        them for every running wait of the connection at once: one request per poll).
    """

    def __init__(
        self,
        *,
        maestro_conn_id: str,
        maestro_task_id: int,
        poll_interval_seconds: float = DEFAULT_POLL_INTERVAL_SECONDS,
        deadline_at: float | None = None,
        success_statuses: list[str] | None = None,
        activity_label: str | None = None,
        cancel_on_kill: bool = False,
        bot_output: bool = False,
    ) -> None:
        super().__init__()
        self.maestro_conn_id = str(maestro_conn_id)
        self.maestro_task_id = int(maestro_task_id)
        self.poll_interval_seconds = clamped_interval(poll_interval_seconds)
        self.deadline_at = None if deadline_at is None else float(deadline_at)
        self.success_statuses = normalize_statuses(success_statuses)
        self.activity_label = activity_label
        self.cancel_on_kill = bool(cancel_on_kill)
        self.bot_output = bool(bot_output)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and JSON-only kwargs: what the triggerer stores and rebuilds the trigger from."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "maestro_conn_id": self.maestro_conn_id,
                "maestro_task_id": self.maestro_task_id,
                "poll_interval_seconds": self.poll_interval_seconds,
                "deadline_at": self.deadline_at,
                "success_statuses": list(self.success_statuses),
                "activity_label": self.activity_label,
                "cancel_on_kill": self.cancel_on_kill,
                "bot_output": self.bot_output,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Wait through the shared poller and yield exactly one event."""
        yield TriggerEvent(dict(await self._wait()))

    async def on_kill(self) -> None:
        """A user killed the waiting task (Airflow 3.3+): stop the bot, as the operator would.

        The one thing this trigger ever changes, and only on a user's explicit act: a triggerer restart,
        a timeout or the end of the wait never get here. Airflow 3.3 also calls it for a wait handed to
        another triggerer; then the task instance is still deferred, and the bot goes on (``_handover``).
        """
        if not self.cancel_on_kill:
            return
        await load_off_loop()
        from botcity_provider.triggers._handover import wait_goes_on

        if await wait_goes_on(getattr(self, "task_instance", None)):
            self.log.info(
                "Maestro task %s goes on: its Airflow task is still waiting, now in another triggerer",
                self.maestro_task_id,
            )
            return
        from botcity_provider._progress import stop_report
        from botcity_provider.hooks.maestro import MaestroHook

        client = await MaestroHook(maestro_conn_id=self.maestro_conn_id).get_async_client()
        try:
            stopped = await client.tasks.stop(self.maestro_task_id, force=True)
        finally:
            await client.aclose()
        self.log.warning(
            "The Airflow task was killed. %s", stop_report(stopped.before, stopped.actions, stopped.after)
        )

    async def _wait(self) -> TaskEvent:
        await load_off_loop()
        from botcity_provider._progress import describe
        from botcity_provider.triggers._poller import TaskPoller, WaitError

        task_id = self.maestro_task_id
        last: dict[str, Any] | None = None
        poller = TaskPoller.for_connection(self.maestro_conn_id)
        try:
            async with poller.watch(task_id, self.poll_interval_seconds, news=self.bot_output) as updates:
                async for task in updates.until(self.deadline_at):
                    for line in updates.news():
                        self.log.info("%s", line)
                    if not updates.changed:
                        continue
                    last = task.model_dump(mode="json", include=set(TASK_SUMMARY_FIELDS))
                    self.log.info("%s", describe(task))
                    outcome = classify(str(task.state), task.finish_status, self.success_statuses)
                    if outcome is not None:
                        return make_event(outcome, task_id, describe(task), last)
        except WaitError as exc:
            self.log.error("Stopped waiting for Maestro task %s: %s", task_id, exc)
            return make_event("error", task_id, str(exc), last, retryable=exc.retryable)
        waited = "" if self.deadline_at is None else f" (deadline {time.ctime(self.deadline_at)})"
        return make_event("timeout", task_id, f"Maestro task {task_id} did not end in time{waited}", last)
