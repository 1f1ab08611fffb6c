"""MaestroHook: an Airflow connection turned into a Maestro client, plus the waiting and stopping
that every operator shares."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Collection, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, BaseHook, mask_secret

from botcity_provider._events import classify, stop_action
from botcity_provider._intervals import clamped_interval
from botcity_provider._progress import ProgressLog, describe, stop_report
from botcity_provider.client import (
    AsyncMaestroClient,
    AuthenticationError,
    ClientConfig,
    MaestroClient,
    MaestroError,
    MaestroTransportError,
    RateLimitError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    Task,
    TaskError,
)
from botcity_provider.client import _validate as check
from botcity_provider.hooks._connection import (
    ConnectionFields,
    client_config,
    connection_fields,
    portal_task_url,
)

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Connection

__all__ = [
    "MaestroHook",
    "MaestroTaskFailedError",
    "MaestroTaskTimeoutError",
    "check_readable_file",
    "check_task_arguments",
    "check_task_id",
    "is_transient",
    "task_of_event",
]

TRANSIENT = (MaestroTransportError, ServerError, RateLimitError, ResponseValidationError)


def check_task_arguments(
    activity_label: object, parameters: object, priority: object, min_execution_date: object
) -> None:
    """Refuse bad task arguments before any request (raises the client's ValidationError)."""
    check.activity_label(activity_label)
    check.json_parameters(parameters)
    check.priority(priority)
    check.min_execution_date(min_execution_date)


def check_task_id(value: object) -> int:
    """A Maestro task id from an int or its text (as templates render it)."""
    return check.task_id(value)


def check_readable_file(value: object) -> Path:
    """A path to a regular file this process can read."""
    return check.readable_file(value)


def is_transient(exc: BaseException) -> bool:
    """Errors a wait rides out by polling again later: the network, 5xx, 429, a proxy's page."""
    return isinstance(exc, TRANSIENT)


def task_of_event(snapshot: Mapping[str, Any] | None) -> Task | None:
    """The task a wait's event carries, checked like a server's answer; None if it carries none.

    :raises AirflowException: the snapshot is not a Maestro task (an event from another version, say).
    """
    if not snapshot:
        return None
    try:
        return Task.model_validate(snapshot)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "task"
        raise AirflowException(
            f"Waiting for the Maestro task ended strangely: the event's task is not a Maestro task "
            f"({where}: {first['msg']})"
        ) from exc


class MaestroTaskFailedError(AirflowException):
    """The Maestro task ended in a way the Airflow task does not count as success.

    :param task: the final Maestro task.
    :param errors: the errors the bot reported for it, newest first.
    """

    def __init__(self, message: str, task: Task | None = None, errors: Collection[TaskError] = ()) -> None:
        super().__init__(message)
        self.task = task
        self.errors = list(errors)


class MaestroTaskTimeoutError(AirflowException):
    """The Maestro task did not end before the deadline the Airflow task set."""


class MaestroHook(BaseHook):
    """Talk to the BotCity Maestro workspace of an Airflow connection.

    The connection (type ``botcity``) has the server URL in its host, scheme included (empty means
    ``https://developers.botcity.dev``); its port field is optional and may only repeat or complete the
    URL's port. Its login is the workspace login and its password the workspace key. Extras:
    ``timeout_seconds``, ``verify`` (``false`` or a CA bundle path), ``ca_bundle``, ``max_retries`` and
    ``portal_url`` (where links point). A connection of the type's old name, ``botcity_maestro``, still
    works; it is read by id, and a warning once per process says to change its type.

    :param maestro_conn_id: the Airflow connection id.
    """

    conn_name_attr = "maestro_conn_id"
    default_conn_name = "botcity_maestro_default"
    conn_type = "botcity"
    hook_name = "BotCity Maestro"

    def __init__(self, maestro_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.maestro_conn_id = maestro_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """The connection form for Airflow 2.11 to 3.1 (3.2+ reads ``conn-fields`` from provider info)."""
        from botcity_provider.hooks._form import ui_field_behaviour

        return ui_field_behaviour()

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra fields of the connection form for Airflow 2.11 to 3.1."""
        from botcity_provider.hooks._form import connection_form_widgets

        return connection_form_widgets()

    @cached_property
    def _fields(self) -> ConnectionFields:
        """The Airflow connection, fetched once, its key masked in every log from then on.

        Kept as fields with the key wrapped, not as Airflow's ``Connection``: that one shows the password
        in its ``repr``, and the hook's ``__dict__`` is a local in tracebacks that print locals.
        """
        return _masked(self.get_connection(self.maestro_conn_id))

    @cached_property
    def config(self) -> ClientConfig:
        """The client settings of the connection, checked (a bad URL fails here, naming the connection)."""
        return self._config_of(self._fields)

    def _config_of(self, fields: ConnectionFields) -> ClientConfig:
        try:
            return client_config(fields)
        except MaestroError as exc:
            # A wrong connection stays wrong on a retry: fail the task at once.
            raise AirflowFailException(f"Connection {self.maestro_conn_id!r} is not usable: {exc}") from exc

    def get_conn(self) -> MaestroClient:
        """A blocking client for the connection (one per hook; tokens are shared per process)."""
        return self.client

    @cached_property
    def client(self) -> MaestroClient:
        """The hook's blocking client."""
        return MaestroClient(config=self.config, on_token=mask_secret)

    get_client = get_conn

    async def get_async_client(self) -> AsyncMaestroClient:
        """An asyncio client; the connection is looked up without blocking the event loop.

        The caller closes it (``await client.aclose()``). Tokens are shared with every other client of
        the same credentials in the process.
        """
        from airflow.providers.common.compat.connection import get_async_connection

        fields = _masked(await get_async_connection(self.maestro_conn_id, hook=self))
        config = self._config_of(fields)
        # Building the HTTP client reads the system's certificate store: tens of milliseconds that must not
        # be spent on the event loop, which a triggerer shares among every trigger of every provider.
        return await asyncio.to_thread(AsyncMaestroClient, config=config, on_token=mask_secret)

    def portal_url(self, task_id: int) -> str:
        """Where the task can be seen in the Maestro portal."""
        return portal_task_url(self._fields, task_id)

    def test_connection(self) -> tuple[bool, str]:
        """Log in and make one authenticated read, so a wrong key cannot pass as a success."""
        try:
            # One attempt: a person waits on the button, and it should say what happens now. A refused
            # connection retried with backoff took ten seconds to say "Connection refused".
            config = dataclasses.replace(self.config, retry=RetryPolicy(max_attempts=1))
            client = MaestroClient(config=config, on_token=mask_secret)
            with client:
                client.tasks.list(size=1)
        except AuthenticationError as exc:
            return False, f"Maestro refused the login or key: {exc.server_message or exc}"
        except (MaestroError, AirflowException) as exc:
            return False, str(exc)
        return True, f"Logged in to {self.config.server} as {self.config.login!r} and listed tasks."

    def wait_for_task(
        self,
        task: Task | int,
        *,
        success_statuses: Collection[str],
        poll_interval_seconds: float,
        deadline_at: float | None,
        progress: ProgressLog | None = None,
    ) -> Task:
        """Poll until the task ends and return it; transient errors only delay the next poll.

        Given a :class:`Task` just read (the answer to a create or restart), that is the first look:
        no request is made for it.

        :raises MaestroTaskTimeoutError: the deadline (epoch seconds) passed first.
        """
        poll_interval_seconds = clamped_interval(poll_interval_seconds)
        progress = progress or ProgressLog()
        task_id = task.id if isinstance(task, Task) else task
        seen = task if isinstance(task, Task) else self._poll(task_id)
        last = seen
        while True:
            if seen is not None:
                last = seen
                if (line := progress.change(seen)) is not None:
                    self.log.info("%s", line)
                if classify(str(seen.state), seen.finish_status, success_statuses) is not None:
                    return seen
            if deadline_at is not None and time.time() + poll_interval_seconds > deadline_at:
                raise MaestroTaskTimeoutError(
                    f"Maestro task {task_id} did not finish before the deadline; last seen: "
                    + (describe(last) if last is not None else "unknown")
                )
            time.sleep(poll_interval_seconds)
            seen = self._poll(task_id)

    def _poll(self, task_id: int) -> Task | None:
        try:
            return self.client.tasks.get(task_id)
        except MaestroError as exc:
            if not is_transient(exc):
                raise
            self.log.warning("Could not read Maestro task %s, trying again: %s", task_id, exc)
            return None

    def stop_task(self, task_id: int, *, force: bool = False, grace_seconds: float = 0.0) -> Task:
        """Stop a task the kindest way its state allows; a task that already ended is left alone.

        A queued task is cancelled. A running one is asked to stop (interrupt) and, if it has not
        stopped after ``grace_seconds`` or ``force`` is set, killed. Logs what it found and did.
        """
        tasks = self.client.tasks
        before = task = tasks.get(task_id)
        action = stop_action(str(task.state), force=force)
        done: list[str] = []
        if action == "cancel":
            task, done = tasks.cancel(task_id), ["cancelled"]
        elif action == "kill":
            task, done = tasks.kill(task_id), ["killed"]
        elif action == "interrupt":
            task, done = self._interrupt(task_id, grace_seconds)
        self.log.info("%s", stop_report(before, done, task))
        return task

    def _interrupt(self, task_id: int, grace_seconds: float) -> tuple[Task, list[str]]:
        """Ask a running task to stop; kill it if it still runs after the grace period."""
        tasks = self.client.tasks
        task = tasks.interrupt(task_id)
        deadline = time.monotonic() + grace_seconds
        while not task.is_terminal and time.monotonic() < deadline:
            time.sleep(min(1.0, max(deadline - time.monotonic(), 0.0)))
            task = tasks.get(task_id)
        if task.is_terminal:
            return task, ["asked to stop"]
        return tasks.kill(task_id), ["asked to stop", f"killed after {grace_seconds:.0f} s"]

    def failure(self, task: Task) -> MaestroTaskFailedError:
        """The error that fails an Airflow task for this Maestro task, with the bot's own errors."""
        errors = self._errors_of(task.id)
        lines = [f"{describe(task)}.", f"See {self.portal_url(task.id)}"]
        for entry in errors[:5]:
            lines.append(f"  bot error {entry.type or 'Error'}: {entry.message or ''}".rstrip())
        return MaestroTaskFailedError("\n".join(lines), task, errors)

    def _errors_of(self, task_id: int) -> list[TaskError]:
        try:
            return list(self.client.errors.list(task_id).content)
        except MaestroError as exc:
            self.log.warning("Could not read the errors of Maestro task %s: %s", task_id, exc)
            return []


def _masked(conn: Connection) -> ConnectionFields:
    """Mask the key in Airflow's logs, and keep the connection only as fields (no Connection local)."""
    if conn.password:
        mask_secret(conn.password)
    return connection_fields(conn)
