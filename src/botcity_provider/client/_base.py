"""What the blocking and the asyncio clients share, none of it I/O: settings, the token slot, the
namespaces, ``repr`` and the login count. Each driver adds its transport, its loop and its lock."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import SecretStr

from ._config import DEFAULT_SERVER, DEFAULT_TIMEOUT_SECONDS, ClientConfig, hidden
from ._models import LoginResult
from ._retry import RetryPolicy
from ._token import TokenCache, default_token_cache

__all__ = ["BaseClient"]

log = logging.getLogger("botcity_provider.client")
_unverified_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


class BaseClient:
    """A Maestro workspace, for any kind of code; see :class:`MaestroClient` and its asyncio twin.

    :param server: Maestro URL; the cloud is ``https://developers.botcity.dev``.
    :param login: workspace login.
    :param key: workspace key.
    :param timeout_seconds: limit for each request.
    :param verify: TLS verification: True, False, or a CA bundle path.
    :param retry: how hard each call tries (attempts and seconds in all).
    :param token_cache: where tokens are shared; by default one cache per process.
    :param on_token: called with every token the client obtains (Airflow masks it in logs this way).
    :param config: all of the above at once, as the Airflow hook builds it.
    """

    namespaces: ClassVar[dict[str, type[Any]]] = {}
    """Attribute name → resource class, filled in by each driver (``tasks`` → ``Tasks``)."""

    def __init__(
        self,
        server: str = DEFAULT_SERVER,
        login: str = "",
        key: str | SecretStr = "",
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        token_cache: TokenCache | None = None,
        on_token: Callable[[str], None] | None = None,
        config: ClientConfig | None = None,
    ) -> None:
        key = hidden(key)  # a traceback that prints locals then shows stars
        self.config = config or ClientConfig(
            server, login, key, timeout_seconds=timeout_seconds, verify=verify, retry=retry or RetryPolicy()
        )
        cfg = self.config
        self._slot = (token_cache or default_token_cache()).slot(cfg.server, cfg.login, cfg.key)
        self._on_token = on_token
        if cfg.verify is False:
            _warn_unverified(cfg)
        self._open()
        for name, resource in self.namespaces.items():
            setattr(self, name, resource(self))

    def _open(self) -> None:
        """Make the transport (a session, a connection pool)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(server={self.config.server!r}, login={self.config.login!r})"

    @property
    def logins(self) -> int:
        """Logins made so far for these credentials in this process, by any client."""
        return self._slot.logins

    def _usable_token(self, refused: SecretStr | None) -> SecretStr | None:
        """The process's token for these credentials, if it is fresh and not the one just refused."""
        return self._slot.usable(max_age_seconds=self.config.token_max_age_seconds, refused=refused)

    def _logged_in(self, result: LoginResult) -> SecretStr:
        """Keep the token a login just got, for every client of these credentials."""
        token = result.access_token
        self._slot.store(token)
        if self._on_token is not None:
            self._on_token(token.get_secret_value())
        return token


def _warn_unverified(config: ClientConfig) -> None:
    """Say once per process, for each source and server, that TLS is not checked: every operator and every
    trigger makes a client, and a warning per request (urllib3's) drowns what it warns about."""
    seen = (config.source, config.server)
    with _warned_lock:
        if seen in _unverified_warned:
            return
        _unverified_warned.add(seen)
    log.warning(
        "TLS certificates are not checked for %s (%s): verify is false, so anyone on the path can read and "
        "change its traffic. Give the server's authority as the CA bundle (ca_bundle) instead.",
        config.source,
        config.server,
    )
