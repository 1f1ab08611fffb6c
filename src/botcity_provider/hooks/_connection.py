"""From an Airflow connection to client settings, and to the portal's task links.

Kept apart from the hook so both the blocking and the asyncio paths (and the link) read a connection
the same way. A connection is first copied into :class:`ConnectionFields`, its password wrapped in a
``SecretStr``: Airflow's ``Connection`` shows the password in its ``repr``, so a frame that holds one
while an error passes through would print the key in a traceback that shows local variables (rich,
Sentry). Everything that can raise reads the fields instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from botcity_provider.client import DEFAULT_SERVER, ClientConfig, RetryPolicy, ValidationError

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Connection

__all__ = [
    "ConnectionFields",
    "client_config",
    "connection_fields",
    "extras",
    "portal_task_url",
    "server_url",
]

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class ConnectionFields:
    """What the provider reads from an Airflow connection; the key stays wrapped until it is sent."""

    conn_id: str
    host: str
    schema: str
    port: int | None
    login: str
    key: SecretStr
    extra: Any


def connection_fields(conn: Connection) -> ConnectionFields:
    """Copy a connection's fields; only reads attributes, so nothing is raised while ``conn`` is a local."""
    return ConnectionFields(
        conn_id=conn.conn_id,
        host=conn.host or "",
        schema=conn.schema or "",
        port=conn.port,
        login=conn.login or "",
        key=SecretStr(conn.password or ""),
        extra=conn.extra_dejson if conn.extra else {},
    )


def extras(conn: ConnectionFields) -> dict[str, Any]:
    """The connection's extras as a dict; a prefixed key (``extra__botcity_maestro__x``) counts as ``x``."""
    raw = conn.extra
    if isinstance(raw, str):  # some secrets backends hand back the JSON text
        raw = json.loads(raw)
    prefix = "extra__botcity_maestro__"
    return {(key[len(prefix) :] if key.startswith(prefix) else key): value for key, value in raw.items()}


def server_url(conn: ConnectionFields) -> str:
    """The server URL: the host as written, or built from schema + host + port for a URI connection."""
    host = conn.host.strip()
    if not host:
        return DEFAULT_SERVER
    if "://" in host or conn.schema not in ("http", "https"):
        return host
    port = f":{conn.port}" if conn.port else ""
    return f"{conn.schema}://{host}{port}"


def client_config(conn: ConnectionFields) -> ClientConfig:
    """Client settings from a connection; raises ValidationError naming the bad field."""
    extra = extras(conn)
    retry = RetryPolicy()
    if (retries := extra.get("max_retries")) not in (None, ""):
        retry = RetryPolicy(max_attempts=_integer(retries, "max_retries") + 1)
    return ClientConfig(
        server=server_url(conn),
        login=conn.login,
        key=conn.key,
        timeout_seconds=_number(extra.get("timeout_seconds"), "timeout_seconds", 30.0),
        verify=_verify(extra.get("verify"), extra.get("ca_bundle")),
        retry=retry,
        source=f"Airflow connection {conn.conn_id!r}",
    )


def portal_task_url(conn: ConnectionFields, task_id: int) -> str:
    """The portal page of a task: ``portal_url`` from the extras, else the server URL, + ``/tasks/<id>``."""
    base = str(extras(conn).get("portal_url") or server_url(conn)).rstrip("/")
    return f"{base}/tasks/{task_id}"


def _verify(value: Any, ca_bundle: Any) -> bool | str:
    if ca_bundle:
        return str(ca_bundle)
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lower() in TRUE_WORDS:
        return True
    if text.lower() in FALSE_WORDS:
        return False
    return text  # a CA bundle path


def _number(value: Any, field: str, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"must be a number of seconds, got {value!r}") from None
    if number <= 0:
        raise ValidationError(field, f"must be positive, got {value!r}")
    return number


def _integer(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"must be a whole number, got {value!r}") from None
    if number < 0:
        raise ValidationError(field, f"must be 0 or more, got {value!r}")
    return number
