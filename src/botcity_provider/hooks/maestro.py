"""MaestroHook: an Airflow connection turned into a Maestro client (blocking or asyncio).

Only the bridge from connection to client lives here; waiting is :mod:`botcity_provider._waiting`, the
errors a Maestro task fails an Airflow task with are :mod:`botcity_provider._failures` (re-exported here,
where users import them from).
"""

from __future__ import annotations

import asyncio
import dataclasses
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, BaseHook, mask_secret

from botcity_provider._defaults import DEFAULT_CONN_ID
from botcity_provider._failures import MaestroTaskFailedError, MaestroTaskTimeoutError
from botcity_provider._progress import stop_report
from botcity_provider.client import (
    AsyncMaestroClient,
    AuthenticationError,
    ClientConfig,
    MaestroClient,
    MaestroError,
    RetryPolicy,
    Task,
)
from botcity_provider.hooks._connection import (
    ConnectionFields,
    client_config,
    connection_fields,
    portal_task_url,
)

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Connection

__all__ = ["MaestroHook", "MaestroTaskFailedError", "MaestroTaskTimeoutError"]


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
    default_conn_name = DEFAULT_CONN_ID
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
        """The hook's blocking client, built on first use and kept for the hook's life (``get_conn()``
        returns the same one): ``hook.client.tasks.get(42)``, ``hook.client.logs.add(...)``.

        Every token it obtains is registered with Airflow's secrets masker as it arrives, and tokens are
        shared per process with other clients of the same login. Close it with ``hook.client.close()``
        when done, or leave it to the process.
        """
        return MaestroClient(config=self.config, on_token=mask_secret)

    def get_credential(self, label: str, key: str) -> str:
        """The plain value of ``key`` in the Maestro credential set ``label``, for a DAG to use.

        The client keeps it a ``SecretStr``; here it must become text, so it is first registered with
        Airflow's secrets masker: any task log line that contains it shows ``***`` instead. (Airflow
        does not mask values shorter than ``[logging] min_length_masked_secret``, 5 by default.)

        :param label: the credential set's label in Maestro.
        :param key: the key in the set.
        """
        value = self.client.credentials.get(label, key).get_secret_value()
        mask_secret(value)
        return value

    async def get_async_client(self) -> AsyncMaestroClient:
        """An asyncio client; the connection is looked up without blocking the event loop.

        The caller closes it (``await client.aclose()``). Tokens are shared with every other client of
        the same credentials in the process.
        """
        from airflow.providers.common.compat.connection import get_async_connection

        fields = _masked(await get_async_connection(self.maestro_conn_id, hook=self))
        # Kept: portal_url() after this needs no blocking lookup (a trigger links the bot's errors).
        self.__dict__["_fields"] = fields
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

    def stop_task(self, task_id: int, *, force: bool = False, grace_seconds: float = 0.0) -> Task:
        """Stop a task the kindest way its state allows (see the client's ``tasks.stop``); log what it
        found and did, and return the task as it is now."""
        stopped = self.client.tasks.stop(task_id, force=force, grace_seconds=grace_seconds)
        self.log.info("%s", stop_report(stopped.before, stopped.actions, stopped.after))
        return stopped.after


def _masked(conn: Connection) -> ConnectionFields:
    """Mask the key in Airflow's logs, and keep the connection only as fields (no Connection local)."""
    if conn.password:
        mask_secret(conn.password)
    return connection_fields(conn)
