"""Client settings, validated once, before any request."""

from __future__ import annotations

import os
import re
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pydantic import SecretStr

from ._errors import ValidationError
from ._retry import RetryPolicy

__all__ = ["DEFAULT_SERVER", "DEFAULT_TIMEOUT_SECONDS", "ClientConfig"]

DEFAULT_SERVER = "https://developers.botcity.dev"
DEFAULT_TIMEOUT_SECONDS = 30.0
# Where every route of the API lives, under the server URL.
API_ROOT = "/api/v2"
# Maestro does not say how long a token lives; one hour is what every known client assumes.
DEFAULT_TOKEN_MAX_AGE_SECONDS = 3300.0


@dataclass(frozen=True, init=False)
class ClientConfig:
    """Everything a client needs to talk to one Maestro workspace.

    :param server: base URL of the Maestro server, ``http(s)://host[:port][/prefix]``; a trailing
        ``/api/v2`` is dropped, since every route starts with it.
    :param login: workspace login (the *Dev. Environment* page); also sent as the ``organization``.
    :param key: workspace key, a ``str`` or a :class:`pydantic.SecretStr`; kept as a ``SecretStr`` so that
        it shows neither in ``repr``, logs and errors nor in a traceback that prints local variables.
    :param timeout_seconds: limit for each request (connect and each read).
    :param verify: TLS verification: ``True`` (system CAs), ``False`` (off) or a CA bundle path.
    :param retry: the retry policy.
    :param token_max_age_seconds: log in again once a token is this old, without waiting for a 401.
    :param source: where the login and key come from, named in a refused login's advice (the Airflow
        hook puts its connection id here).
    """

    server: str
    login: str
    key: SecretStr = field(repr=False)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    verify: bool | str = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    token_max_age_seconds: float = DEFAULT_TOKEN_MAX_AGE_SECONDS
    user_agent: str = "airflow-provider-botcity"
    source: str = "the client"

    def __init__(
        self,
        server: str,
        login: str,
        key: str | SecretStr,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        token_max_age_seconds: float = DEFAULT_TOKEN_MAX_AGE_SECONDS,
        user_agent: str = "airflow-provider-botcity",
        source: str = "the client",
    ) -> None:
        # Written out rather than generated so that the key is wrapped before anything can raise: this
        # frame is in the traceback of every refused setting, and some renderers print its locals.
        key = hidden(key)
        settings = {
            "server": server,
            "login": login,
            "key": key,
            "timeout_seconds": timeout_seconds,
            "verify": verify,
            "retry": retry or RetryPolicy(),
            "token_max_age_seconds": token_max_age_seconds,
            "user_agent": user_agent,
            "source": source,
        }
        for name, value in settings.items():
            object.__setattr__(self, name, value)
        self._check()

    def _check(self) -> None:
        object.__setattr__(self, "server", _checked_server(self.server))
        if not isinstance(self.login, str) or not self.login.strip():
            raise ValidationError(
                "login", "is empty; give the workspace login from Maestro's Dev. Environment"
            )
        if not self.key.get_secret_value().strip():
            raise ValidationError("key", "is empty; give the workspace key from Maestro's Dev. Environment")
        if not self.timeout_seconds > 0:
            raise ValidationError("timeout_seconds", f"must be positive, got {self.timeout_seconds!r}")
        if isinstance(self.verify, str):
            _check_ca_bundle(self.verify)


def _check_ca_bundle(path: str) -> None:
    """Load the bundle once here, so a wrong file fails before any request, naming the file."""
    if not os.path.isfile(path):
        raise ValidationError("verify", f"CA bundle {path!r} is not a readable file")
    try:
        ssl.create_default_context(cafile=path)
    except ssl.SSLError:
        raise ValidationError(
            "verify", f"CA bundle {path!r} is not a PEM file of certificates ('-----BEGIN CERTIFICATE-----')"
        ) from None
    except OSError as exc:
        raise ValidationError("verify", f"CA bundle {path!r} cannot be read ({exc.strerror})") from None


def hidden(secret: str | SecretStr | None) -> SecretStr:
    """A secret wrapped so that its ``repr`` is stars: local variables holding it print safely."""
    if isinstance(secret, SecretStr):
        return secret
    if secret is None or not isinstance(secret, str):
        return SecretStr("")
    return SecretStr(secret)


def _checked_server(server: object) -> str:
    if not isinstance(server, str) or not server.strip():
        raise ValidationError("server", "is empty; give the Maestro URL, e.g. https://developers.botcity.dev")
    text = server.strip()
    if _USERINFO.match(text):
        # A URL is printed in logs and errors: credentials belong in login and key. Checked first, so
        # that no message below can repeat a password.
        raise ValidationError("server", "must not contain a user or password; use login and key")
    if "://" not in text:
        raise ValidationError("server", f"{text!r} has no scheme; write it in full, e.g. https://{text}")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("server", f"{text!r} is not an http(s) URL with a host")
    return base_url(text)


def base_url(server: str) -> str:
    """The URL that API paths are appended to: no trailing slash, and no ``/api/v2`` at the end.

    Every route the client sends starts with ``/api/v2``, so a server URL that already ends with it
    (copied from a route in Maestro's API documentation, say) would send ``/api/v2/api/v2/...`` and get
    404s. Only that exact end of the path is dropped; any other path is a prefix of the server's own.
    """
    text = server.rstrip("/")
    if text.endswith(API_ROOT) and urlsplit(text).path.endswith(API_ROOT):
        text = text[: -len(API_ROOT)].rstrip("/")
    return text


def has_userinfo(url: str) -> bool:
    """True if the URL carries ``user[:password]@``: such a URL must never be repeated in a message."""
    return bool(_USERINFO.match(url.strip()))


# "user[:password]@" before the host, with or without a scheme.
_USERINFO = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://)?[^/?#@]*@")
