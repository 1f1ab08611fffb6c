"""MaestroNotifier: an Airflow callback that raises a Maestro alert, or sends an e-mail through Maestro.

A notifier is what ``on_failure_callback``, ``on_success_callback``, Airflow 2's ``sla_miss_callback`` and
Airflow 3.1+'s deadline alerts call. An alert belongs to a Maestro task, so this one posts an alert on the
Maestro task the DAG run started (or the one named) and, when there is none, e-mails the people named.

Light at import time on purpose: DAG files import it, so the hook and the client (with requests and httpx)
are imported when a notification is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from airflow.providers.common.compat.notifier import BaseNotifier
from airflow.providers.common.compat.sdk import AirflowException

from botcity_provider._defaults import DEFAULT_CONN_ID
from botcity_provider.links.maestro import MAESTRO_TASK_ID_KEY, MaestroTaskLink

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from botcity_provider.client import AsyncMaestroClient, MaestroClient

__all__ = ["ALERT_TYPES", "MaestroNotifier", "send_maestro_notification"]

AlertKind = Literal["INFO", "WARN", "ERROR"]
ALERT_TYPES: tuple[AlertKind, ...] = ("INFO", "WARN", "ERROR")
# What a template renders for "no value": an unset variable, or an XCom that was never pushed.
_NO_VALUE = frozenset({"", "None"})


class MaestroNotifier(BaseNotifier):
    """Post a Maestro alert on the DAG run's Maestro task, or e-mail the given people when there is none.

    Where it goes:

    1. ``maestro_task_id``, when given (it may be a template, such as an XCom of another DAG);
    2. otherwise the Maestro task of the failing (or succeeding) Airflow task itself, when it is one of
       ours: the XCom ``maestro_task_id`` our operators and sensor push as soon as they know their task;
    3. otherwise the first Maestro task the run's other tasks published, in the order the DAG defines
       them. Only tasks that carry the Maestro link are asked, one XCom read each, so a DAG of a
       hundred Python tasks and one Maestro task costs one read, not a hundred, and a DAG without
       any costs none;
    4. with no Maestro task at all, an e-mail to ``emails`` and ``logins`` (``title`` is its subject,
       ``message`` its body);
    5. with no task and no recipient either, a warning in the log, and nothing is sent.

    In the triggerer (a deadline alert, ``await``-ed) there is no task instance to read XCom from: only
    ``maestro_task_id`` can name a task there, else the e-mail goes out.

    A notification Maestro refuses (a wrong key, an unknown task, an unknown connection) raises an
    ``AirflowException`` that names the connection; Airflow logs it and goes on, since a callback's error
    never changes the state of a task or a run.

    :param title: the alert's title, or the e-mail's subject. Templated.
    :param message: the alert's text, or the e-mail's body. Templated.
    :param alert_type: ``INFO``, ``WARN`` or ``ERROR`` (the default: notifiers are mostly failure
        callbacks; pass ``INFO`` for a success callback). E-mails have no type.
    :param maestro_task_id: the Maestro task to alert on, instead of the one the run published. Templated;
        a value that renders empty (or ``None``) counts as not given.
    :param emails: who gets the e-mail when there is no Maestro task: a list of addresses, or one text of
        comma-separated addresses (as a template renders). Templated.
    :param logins: Maestro users (by login) who get that e-mail too. Templated.
    :param maestro_conn_id: the Airflow connection to Maestro.
    :param context: Airflow's context, given only by a deadline alert in the triggerer.
    """

    template_fields: Sequence[str] = ("title", "message", "maestro_task_id", "emails", "logins")

    def __init__(
        self,
        *,
        title: str,
        message: str,
        alert_type: AlertKind = "ERROR",
        maestro_task_id: int | str | None = None,
        emails: str | Sequence[str] = (),
        logins: str | Sequence[str] = (),
        maestro_conn_id: str = DEFAULT_CONN_ID,
        context: Context | None = None,
    ) -> None:
        if alert_type not in ALERT_TYPES:
            raise ValueError(f"alert_type must be INFO, WARN or ERROR, got {alert_type!r}")
        self.title = title
        self.message = message
        self.alert_type = alert_type
        self.maestro_task_id = maestro_task_id
        self.emails = emails
        self.logins = logins
        self.maestro_conn_id = maestro_conn_id
        # Airflow 2's BaseNotifier takes no context; Airflow 3's keeps it for ``await notifier``.
        super().__init__()
        if context is not None:
            self.context = context
        self._templates = {name: getattr(self, name) for name in self.template_fields}

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        """Render the templates as given, not what an earlier call rendered them to.

        Airflow renders a notifier in place. One instance is often shared (``default_args``, or every run
        of ``dag.test()`` in one process), and its second use would otherwise repeat the first task's
        title and Maestro task.
        """
        for name, template in self._templates.items():
            setattr(self, name, template)
        super().render_template_fields(context, jinja_env)

    def notify(self, context: Context) -> None:
        """Send the alert or the e-mail (in the task's process, or the DAG processor's)."""
        task_id = self._given_task_id()
        if task_id is None:
            task_id = self._published_task_id(context)
        if not self._deliverable(task_id):
            return
        from botcity_provider.hooks.maestro import MaestroHook

        hook = MaestroHook(maestro_conn_id=self.maestro_conn_id)
        with self._refusals():
            client: MaestroClient = hook.client
            with client:
                if task_id is not None:
                    client.alerts.create(task_id, self.title, self.message, self.alert_type)
                else:
                    client.messages.send(
                        self.title, self.message, emails=self._emails(), logins=self._logins()
                    )
        self._sent(task_id)

    async def async_notify(self, context: Context) -> None:
        """Send the alert or the e-mail from an event loop (a deadline alert, in the triggerer)."""
        task_id = self._given_task_id()
        if not self._deliverable(task_id):
            return
        from botcity_provider.hooks.maestro import MaestroHook

        with self._refusals():
            client: AsyncMaestroClient = await MaestroHook(
                maestro_conn_id=self.maestro_conn_id
            ).get_async_client()
            async with client:
                if task_id is not None:
                    await client.alerts.create(task_id, self.title, self.message, self.alert_type)
                else:
                    await client.messages.send(
                        self.title, self.message, emails=self._emails(), logins=self._logins()
                    )
        self._sent(task_id)

    def _given_task_id(self) -> int | None:
        """The rendered ``maestro_task_id``, checked; None when not given or rendered empty."""
        value = self.maestro_task_id
        if value is None or (isinstance(value, str) and value.strip() in _NO_VALUE):
            return None
        from botcity_provider.client import ValidationError, checks

        try:
            return checks.task_id(value)
        except ValidationError as exc:
            raise AirflowException(
                f"MaestroNotifier: maestro_task_id {value!r} is not a task id: {exc}"
            ) from exc

    def _published_task_id(self, context: Context) -> int | None:
        """The Maestro task this Airflow task, or else another task of the run, pushed to XCom."""
        ti: Any = context.get("ti")
        if ti is None:
            # Airflow 2's SLA callback, or a context without a task instance: nothing to read XCom from.
            return None
        own: Any = getattr(ti, "task", None)
        dag: Any = context.get("dag") or getattr(own, "dag", None)
        try:
            # Only tasks that publish one are asked: a read of an XCom never pushed logs an error in the
            # task's log ("XCom not found"), which would read as the cause of the failure.
            if own is not None and _publishes(own):
                if ti.map_index is not None and ti.map_index >= 0:
                    found = _first_id(
                        [ti.xcom_pull(task_ids=ti.task_id, key=MAESTRO_TASK_ID_KEY, map_indexes=ti.map_index)]
                    )
                else:
                    found = _first_id(ti.xcom_pull(task_ids=[ti.task_id], key=MAESTRO_TASK_ID_KEY))
                if found is not None:
                    return found
            for other in _maestro_tasks(dag, skip=ti.task_id):
                # A list, which Airflow reads without a per-index lookup: every map index of the task.
                found = _first_id(ti.xcom_pull(task_ids=[other], key=MAESTRO_TASK_ID_KEY))
                if found is not None:
                    return found
        except Exception as exc:  # a callback must still say something: fall back to the e-mail
            self.log.warning("MaestroNotifier could not read the run's Maestro task from XCom: %s", exc)
        return None

    def _deliverable(self, task_id: int | None) -> bool:
        if task_id is not None or self._emails() or self._logins():
            return True
        self.log.warning(
            "MaestroNotifier sent nothing for %r: no Maestro task in this run and no maestro_task_id to "
            "alert on, and no emails or logins to e-mail instead",
            self.title,
        )
        return False

    def _sent(self, task_id: int | None) -> None:
        if task_id is not None:
            self.log.info("Maestro %s alert %r posted on task %s", self.alert_type, self.title, task_id)
        else:
            count = len(self._emails()) + len(self._logins())
            self.log.info("Maestro e-mail %r sent to %s recipient(s)", self.title, count)

    def _emails(self) -> list[str]:
        return _recipients(self.emails)

    def _logins(self) -> list[str]:
        return _recipients(self.logins)

    def _refusals(self) -> _NamingConnection:
        return _NamingConnection(self.maestro_conn_id)


class _NamingConnection:
    """Re-raise what Maestro (or the connection) refused with the connection's name and what to check.

    A plain ``with`` block, used by the sync and the async sender alike (neither ``await``s in here).
    """

    def __init__(self, conn_id: str) -> None:
        self.conn_id = conn_id

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        from botcity_provider.client import AuthenticationError, MaestroError

        if isinstance(exc, AuthenticationError):
            raise AirflowException(
                f"MaestroNotifier: Maestro refused the login or key of connection {self.conn_id!r}: "
                f"{exc.server_message or exc}; check its login and key"
            ) from exc
        if isinstance(exc, MaestroError):
            raise AirflowException(
                f"MaestroNotifier: sending through connection {self.conn_id!r} failed: {exc}"
            ) from exc


def _publishes(task: Any) -> bool:
    """Whether a task publishes a Maestro task id: every one of ours that does carries the link."""
    links = getattr(task, "operator_extra_links", None) or ()
    return any(isinstance(link, MaestroTaskLink) for link in links)


def _maestro_tasks(dag: Any, *, skip: str) -> list[str]:
    """The ids of the DAG's tasks that publish a Maestro task, in the DAG's order, but ``skip``."""
    return [
        task.task_id
        for task in getattr(dag, "tasks", None) or ()
        if task.task_id != skip and _publishes(task)
    ]


def _first_id(values: Iterable[object] | None) -> int | None:
    """The first task id among XCom values (None where a map index pushed none)."""
    for value in values or ():
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _recipients(value: str | Iterable[str] | None) -> list[str]:
    """Recipients from a list, or from one text of comma-separated ones (what a template renders)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else [str(item) for item in value]
    return [item.strip() for item in items if item.strip() and item.strip() not in _NO_VALUE]


send_maestro_notification = MaestroNotifier
"""The same class under the name Airflow's own notifiers use (``send_slack_notification``...)."""
