"""Operators for BotCity Maestro: create a task and wait for its bot, cancel, restart, upload files.

Importing this module (as every DAG file that uses it does at parse time) imports neither the client,
nor requests, httpx or pydantic: they are imported when a task runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    BaseOperator,
    ResumableJobMixin,
)

from botcity_provider._defaults import DEFAULT_CONN_ID
from botcity_provider._events import classify
from botcity_provider._failures import bad_input, fails_fast
from botcity_provider._intervals import seconds
from botcity_provider._waiting import checked_task_id
from botcity_provider.links.maestro import MaestroTaskLink, forget_link, publish_link
from botcity_provider.operators._waiting import MaestroWaitingOperator

if TYPE_CHECKING:
    import os
    from pathlib import Path

    from airflow.providers.common.compat.sdk import Context

    from botcity_provider.client import Task

__all__ = [
    "MaestroCancelTaskOperator",
    "MaestroCreateTaskOperator",
    "MaestroRestartTaskOperator",
    "MaestroUploadArtifactOperator",
]

TASK_STATE_KEY = "maestro_task_id"


class MaestroCreateTaskOperator(ResumableJobMixin, MaestroWaitingOperator):
    """Create a Maestro task for an automation and, by default, wait for its bot to finish.

    Returns the Maestro task id (also pushed as XCom ``maestro_task_id`` as soon as the task exists).
    An Airflow retry, or a try whose worker died after creating the task, takes the task it already
    created over instead of creating another: through Airflow's task state (3.3+) and, on every
    version, through a key stored in the task's parameters.

    :param activity_label: label of the automation in Maestro.
    :param parameters: parameters for the bot (JSON values). Templated.
    :param priority: 0 (lowest) to 10 (highest).
    :param test: create a test task (excluded from Maestro's reports).
    :param min_execution_date: do not start the bot before this moment (UTC if naive).
    :param reattach: on a retry, take over the task an earlier try created (default). Turn off to
        always create a new task, e.g. when clearing a task to run the bot again (this also turns off
        Airflow 3.3's ``durable``).
    :param require_runner_online: before creating the task, check that a runner is online (one request);
        if not, create nothing and fail the try, so that Airflow's retries, not Maestro's queue, do the
        waiting, and the failure shows. Maestro picks the runner itself (a new task names none), so this
        checks ``runner_id`` if given, else that the workspace has at least one runner online. A runner
        Maestro does not know fails at once. Taking over a task an earlier try created checks nothing.
    :param runner_id: the runner ``require_runner_online`` checks (its machine id). Templated.

    The waiting parameters are those of :class:`~botcity_provider.operators._waiting.MaestroWaitingOperator`.
    """

    template_fields: Sequence[str] = (
        "activity_label",
        "parameters",
        "priority",
        "min_execution_date",
        "runner_id",
    )
    template_fields_renderers = {"parameters": "json"}
    external_id_key = TASK_STATE_KEY

    def __init__(
        self,
        *,
        activity_label: str,
        parameters: dict[str, Any] | None = None,
        priority: int | str = 0,
        test: bool = False,
        min_execution_date: datetime | str | None = None,
        reattach: bool = True,
        require_runner_online: bool = False,
        runner_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.activity_label = activity_label
        self.require_runner_online = require_runner_online
        self.runner_id = runner_id
        self.parameters = parameters
        self.priority = priority
        self.test = test
        self.min_execution_date = min_execution_date
        self.reattach = reattach
        if not reattach:
            # Airflow 3.3's task state would reconnect all the same; set here, not passed, because
            # the stand-in below 3.3 warns about an explicit ``durable``.
            self.durable = False
        # The task as last read (created, taken over, or its status checked): no need to ask again.
        self._latest: Task | None = None

    @fails_fast
    def execute(self, context: Context) -> int:
        """Check the rendered arguments, create (or take over) the task, wait for it, and judge it."""
        forget_link(self)
        self._check_arguments()
        result = self.execute_resumable(context)
        if result is None:
            # Taking over a running task, the mixin returns what poll_until_complete does: nothing.
            return self.get_job_result(self._maestro_task_id, context)
        return int(result)

    def _check_arguments(self) -> None:
        from botcity_provider.client import ValidationError, checks

        if isinstance(self.priority, str) and self.priority.strip().lstrip("-").isdigit():
            self.priority = int(self.priority)
        try:
            checks.task_arguments(
                self.activity_label, self.parameters, self.priority, self.min_execution_date
            )
        except ValidationError as exc:
            raise bad_input(exc) from exc

    def submit_job(self, context: Context) -> int:
        """Take over the task an earlier try created, or create one; publish it either way."""
        task = self._earlier_task(context)
        if task is None:
            if self.require_runner_online:
                self._check_runner_online()
            task = self.hook.client.tasks.create(
                self.activity_label,
                parameters=self.parameters,
                priority=int(self.priority),
                test=self.test,
                min_execution_date=self.min_execution_date,
                idempotency_key=self._key(context) + str(context["ti"].try_number),
            )
            self.log.info("Created Maestro task %s for automation %r", task.id, self.activity_label)
        self._latest = task
        self.publish(context, task.id)
        return task.id

    def _check_runner_online(self) -> None:
        """Raise, creating nothing, unless the runner (or, with no ``runner_id``, any runner) is online."""
        from botcity_provider.client import NotFoundError

        client = self.hook.client
        not_created = f"the Maestro task for automation {self.activity_label!r} was not created"
        if self.runner_id is not None:
            try:
                runner = client.runners.get(self.runner_id)
            except NotFoundError as exc:
                raise AirflowFailException(f"{exc}; {not_created}") from exc
            if not runner.is_online:
                raise AirflowException(
                    f"Maestro runner {self.runner_id!r} is offline, so {not_created} "
                    "(require_runner_online is set); a retry creates it once the runner is online"
                )
            self.log.info("Maestro runner %r is online", self.runner_id)
            return
        online = client.runners.list(online=True, size=1)
        if not online.content:
            raise AirflowException(
                f"No Maestro runner of the workspace is online, so {not_created} "
                "(require_runner_online is set); a retry creates it once a runner is online"
            )
        self.log.info("Maestro runner %r is online", online.content[0].machine_id)

    def _earlier_task(self, context: Context) -> Task | None:
        ti = context["ti"]
        if not self.reattach or ti.try_number <= 1:
            return None
        run = context.get("dag_run")
        since = getattr(run, "start_date", None) or getattr(run, "run_after", None)
        since = since or (datetime.now(UTC) - timedelta(days=7))
        task = self.hook.client.tasks.find(self.activity_label, self._key(context), since=since, prefix=True)
        if task is None:
            return None
        if task.is_terminal and not self.is_job_succeeded(_status(task)):
            self.log.info(
                "Maestro task %s of an earlier try ended %s; creating a new one", task.id, task.state
            )
            return None
        self.log.info("Taking over Maestro task %s, created by an earlier try", task.id)
        return task

    def _key(self, context: Context) -> str:
        """The prefix every try of this task instance shares: ``airflow|dag|run|task|map_index|``."""
        ti = context["ti"]
        return f"airflow|{ti.dag_id}|{ti.run_id}|{ti.task_id}|{ti.map_index}|"

    def get_job_status(self, external_id: Any, context: Context) -> str:
        """``STATE:FINISH_STATUS`` of a task, ``GONE`` if Maestro no longer has it."""
        from botcity_provider.client import NotFoundError

        try:
            self._latest = self.hook.client.tasks.get(external_id)
        except NotFoundError:
            return "GONE:"
        return _status(self._latest)

    def is_job_active(self, status: str) -> bool:
        """True while the task may still end well."""
        state, _, _ = status.partition(":")
        return state != "GONE" and classify(state, None, self.success_statuses) is None

    def is_job_succeeded(self, status: str) -> bool:
        """True if the task finished with a success status."""
        state, _, finish = status.partition(":")
        return classify(state, finish or None, self.success_statuses) == "success"

    def poll_until_complete(self, external_id: Any, context: Context) -> None:
        """Wait for the task to end: defer to the triggerer, or poll here."""
        task_id = int(external_id)
        self._publish_once(context, task_id)
        self._latest = self.wait(context, self._fresh(task_id))

    def get_job_result(self, external_id: Any, context: Context) -> int:
        """The task id if the task ended well (or if we were not to wait); else raise with Maestro's words."""
        task_id = int(external_id)
        self._publish_once(context, task_id)
        return self.finish(self._fresh(task_id))

    def _publish_once(self, context: Context, task_id: int) -> None:
        """Publish a task submit_job did not: one an earlier try created, found in Airflow's task state."""
        if self._maestro_task_id != task_id:
            self.publish(context, task_id)

    def _fresh(self, task_id: int) -> Task:
        """The task as submit_job or the status check just read it (no need to ask again), else read now."""
        if self._latest is not None and self._latest.id == task_id:
            return self._latest
        return self.hook.client.tasks.get(task_id)


def _status(task: Task) -> str:
    return f"{task.state}:{task.finish_status or ''}"


class MaestroRestartTaskOperator(MaestroWaitingOperator):
    """Queue a Maestro task again (e.g. one that failed) and, by default, wait for it.

    :param maestro_task_id: the task to restart. Templated.
    """

    template_fields: Sequence[str] = ("maestro_task_id",)

    def __init__(self, *, maestro_task_id: int | str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.maestro_task_id = maestro_task_id

    @fails_fast
    def execute(self, context: Context) -> int:
        """Restart the task, then wait for it as the create operator does."""
        forget_link(self)
        task_id = checked_task_id(self.maestro_task_id)
        task = self.hook.client.tasks.restart(task_id)
        self.log.info("Restarted Maestro task %s", task_id)
        self.publish(context, task_id)
        return self.finish(self.wait(context, task))


class MaestroCancelTaskOperator(BaseOperator):
    """Stop a Maestro task: cancel it if queued, interrupt it if running, and kill it if it does not stop.

    A task that already ended is left as it is (and the operator succeeds).

    :param maestro_task_id: the task to stop. Templated.
    :param force: kill a running task at once instead of asking it to stop first.
    :param grace_period: seconds a running bot gets to stop by itself before it is killed.
    """

    template_fields: Sequence[str] = ("maestro_task_id",)
    operator_extra_links = (MaestroTaskLink(),)

    def __init__(
        self,
        *,
        maestro_task_id: int | str,
        force: bool = False,
        grace_period: float | timedelta = 60.0,
        maestro_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.maestro_task_id = maestro_task_id
        self.force = force
        self.grace_period = seconds(grace_period, "grace_period") or 0.0
        self.maestro_conn_id = maestro_conn_id

    @fails_fast
    def execute(self, context: Context) -> str:
        """Stop the task; return the state it ended in."""
        from botcity_provider.hooks.maestro import MaestroHook

        forget_link(self)
        task_id = checked_task_id(self.maestro_task_id)
        hook = MaestroHook(maestro_conn_id=self.maestro_conn_id)
        publish_link(self, context, task_id, hook.portal_url(task_id))
        # The hook logs what it found and did, and the task's state and finish status after it.
        task = hook.stop_task(task_id, force=self.force, grace_seconds=self.grace_period)
        return str(task.state)


class MaestroUploadArtifactOperator(BaseOperator):
    """Upload local files to a Maestro task as artifacts, streaming each one (any size, constant memory).

    A bot sees the files that are there when it starts. The operator reads the task once the files are
    up: if it is no longer queued, its bot may have started without them, and the operator says so (a
    warning) or, with ``require_queued``, fails.

    :param maestro_task_id: the task the files belong to. Templated.
    :param path: a file path, or a list of them. Templated.
    :param name: the name Maestro shows (one file only); default: the file's name.
    :param require_queued: fail unless the task is still queued once every file is up, so that its bot
        cannot have started without them; the task is also read before the upload, and nothing is sent
        if it already left the queue.
    :return: the artifact ids, in the order of the paths.
    """

    template_fields: Sequence[str] = ("maestro_task_id", "path", "name")
    operator_extra_links = (MaestroTaskLink(),)

    def __init__(
        self,
        *,
        maestro_task_id: int | str,
        path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        name: str | None = None,
        require_queued: bool = False,
        maestro_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.maestro_task_id = maestro_task_id
        self.path = path
        self.name = name
        self.require_queued = require_queued
        self.maestro_conn_id = maestro_conn_id

    @fails_fast
    def execute(self, context: Context) -> list[int]:
        """Check every file first, so a bad path fails before anything is sent, then upload them."""
        from botcity_provider.hooks.maestro import MaestroHook

        forget_link(self)
        task_id, files = self._checked_files()
        hook = MaestroHook(maestro_conn_id=self.maestro_conn_id)
        publish_link(self, context, task_id, hook.portal_url(task_id))
        client = hook.client
        if self.require_queued:
            self._check_queued(client.tasks.get(task_id), "before the upload")
        ids = []
        for file in files:
            artifact = client.artifacts.upload(task_id, file, name=self.name)
            self.log.info("Uploaded %s to Maestro task %s as artifact %s", file, task_id, artifact.id)
            ids.append(artifact.id)
        self._check_queued(client.tasks.get(task_id), "once the files were up")
        return ids

    def _checked_files(self) -> tuple[int, list[Path]]:
        from botcity_provider.client import ValidationError, checks

        paths = (
            [self.path]
            if isinstance(self.path, str) or not isinstance(self.path, Sequence)
            else list(self.path)
        )
        if self.name is not None and len(paths) != 1:
            raise bad_input(ValueError("name: give a name only when uploading one file"))
        try:
            return checked_task_id(self.maestro_task_id), [checks.readable_file(path) for path in paths]
        except ValidationError as exc:
            raise bad_input(exc) from exc

    def _check_queued(self, task: Task, when: str) -> None:
        """Warn, or fail with ``require_queued``, if the task's bot may have started without the files."""
        from botcity_provider._progress import how

        if str(task.state) == "START":
            return
        message = (
            f"Maestro task {task.id} was no longer queued {when} (it {how(task)}): its bot may have "
            "started without these files"
        )
        if self.require_queued:
            # A retry cannot help: the bot has started, or ended, without them.
            raise AirflowFailException(f"{message} (require_queued is set)")
        self.log.warning("%s", message)
