"""From an Airflow connection to client settings, and to the portal's task links.

Kept apart from the hook so both the blocking and the asyncio paths (and the link) read a connection
the same way. A connection is first copied into :class:`ConnectionFields`, its password wrapped in a
``SecretStr``: Airflow's ``Connection`` shows the password in its ``repr``, so a frame that holds one
while an error passes through would print the key in a traceback that shows local variables (rich,
Sentry). Everything that can raise reads the fields instead.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from botcity_provider.client import DEFAULT_SERVER, ClientConfig, RetryPolicy, ValidationError
from botcity_provider.client.checks import base_url, has_userinfo

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Connection

__all__ = [
    "CONN_TYPE",
    "OLD_CONN_TYPE",
    "ConnectionFields",
    "client_config",
    "connection_fields",
    "extras",
    "portal_task_url",
    "server_url",
]

# No "_" and no "-": Airflow warns about an "_" in a connection type each time it writes the connection as
# a URI (every lookup through a secrets backend, every Test), and its URI form turns "-" back into "_".
CONN_TYPE = "botcity"
# The type's name before the first release; such connections still work, with one warning per process.
OLD_CONN_TYPE = "botcity_maestro"
EXTRA_PREFIXES = tuple(f"extra__{kind}__" for kind in (CONN_TYPE, OLD_CONN_TYPE))
DEFAULT_PORTS = {"http": 80, "https": 443}
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
log = logging.getLogger(__name__)
_warned_old_type: set[str] = set()  # holds one connection id at most: the warning is once per process


@dataclass(frozen=True)
class ConnectionFields:
    """What the provider reads from an Airflow connection; the key stays wrapped until it is sent."""

    conn_id: str
    conn_type: str
    host: str
    schema: str
    port: int | None
    login: str
    key: SecretStr
    extra: Any


def connection_fields(conn: Connection) -> ConnectionFields:
    """Copy a connection's fields; only reads attributes, so nothing is raised while ``conn`` is a local."""
    fields = ConnectionFields(
        conn_id=conn.conn_id,
        conn_type=conn.conn_type or "",
        host=conn.host or "",
        schema=conn.schema or "",
        port=conn.port,
        login=conn.login or "",
        key=SecretStr(conn.password or ""),
        extra=conn.extra_dejson if conn.extra else {},
    )
    if fields.conn_type == OLD_CONN_TYPE:
        _warn_old_type(fields.conn_id)
    return fields


def _warn_old_type(conn_id: str) -> None:
    """Say once per process that a connection still has the type's old name, and what to change."""
    if _warned_old_type:
        return
    _warned_old_type.add(conn_id)
    log.warning(
        "Airflow connection %r has the connection type %r, the BotCity Maestro type's name before its first "
        "release. It still works, but Airflow logs \"shall not contain '_' according to RFC3986\" on every "
        "use of it, and the UI's form and Test button do not know it: change its type to %r "
        '(BotCity Maestro in the UI, "conn_type": "%s" in JSON, %s:// in a URI).',
        conn_id,
        OLD_CONN_TYPE,
        CONN_TYPE,
        CONN_TYPE,
        CONN_TYPE,
    )


def extras(conn: ConnectionFields) -> dict[str, Any]:
    """The connection's extras as a dict; a prefixed key (``extra__botcity__x``, or the old type's
    ``extra__botcity_maestro__x``) counts as ``x``."""
    raw = conn.extra
    if isinstance(raw, str):  # some secrets backends hand back the JSON text
        raw = json.loads(raw)
    return {_unprefixed(key): value for key, value in raw.items()}


def _unprefixed(key: str) -> str:
    for prefix in EXTRA_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def server_url(conn: ConnectionFields) -> str:
    """The server URL as it is used: the host, which holds the whole URL, with the port field's port
    when the host names none (Airflow's URI form ``botcity://https://login:key@host:8443`` stores it so),
    and without a trailing ``/api/v2``.

    The schema field is never read: the form does not show it, and a scheme the user cannot see must not
    decide where requests go. A host without scheme is refused with the URL to write instead.

    :raises ValidationError: no scheme in the host, or a port field that contradicts the host's port.
    """
    host = conn.host.strip() or DEFAULT_SERVER
    if has_userinfo(host):
        return host  # ClientConfig refuses it without repeating it; no message here may quote it
    if "://" not in host:
        unread = " (the schema field is not read)" if conn.schema.strip() else ""
        raise ValidationError(
            "server", f"{host!r} has no scheme; write it in full, e.g. {_suggested(conn, host)}{unread}"
        )
    return base_url(_with_port(host, conn.port))


def _suggested(conn: ConnectionFields, host: str) -> str:
    """The URL to write in the host instead of a bare one; pasted there, it works with the other fields."""
    schema = conn.schema.strip().lower()
    scheme = schema if schema in DEFAULT_PORTS else "http" if conn.port == 80 else "https"
    return _with_port(f"{scheme}://{host}", conn.port)


def _with_port(url: str, port: int | None) -> str:
    """``url`` with the port field's port: added when the URL has none, checked when it has one."""
    parts = urlsplit(url)
    if not port or parts.scheme not in DEFAULT_PORTS:
        return url  # no port (Airflow 3.3's form may send 0 for none), or a URL ClientConfig refuses
    if not 0 < port < 65536:
        raise ValidationError("port", f"must be from 1 to 65535, got {port}; or leave it empty")
    try:
        written = parts.port
    except ValueError:
        return url  # a malformed port in the URL: left to the request to report
    if written is not None:
        if written != port:
            raise ValidationError(
                "port",
                f"{port} differs from the port of the server URL {url!r}; "
                f"set the port field to {written} or leave it empty",
            )
        return url
    if port == DEFAULT_PORTS[parts.scheme]:
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))


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
