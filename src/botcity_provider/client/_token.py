"""A per-process cache of access tokens, shared by every client of the same credentials.

One login serves every client, hook and trigger of a workspace in the process: 1000 triggers waiting in
one event loop log in once, and ten threads of a worker log in once. The cache is keyed by
(server, login, SHA-256 of the key), so the key itself is never kept as a dictionary key.

A slot only does bookkeeping; the drivers take its lock (a ``threading.Lock`` for the blocking client,
an ``asyncio.Lock`` per event loop for the asyncio one) while they log in, and check the slot again
once they hold it, so that callers that queued behind a login reuse its token.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import SecretStr

__all__ = ["TokenCache", "TokenSlot", "default_token_cache"]


@dataclass(eq=False)
class TokenSlot:
    """The current token of one set of credentials, and the locks that serialise logging in."""

    clock: Callable[[], float] = time.monotonic
    token: SecretStr | None = field(default=None, repr=False)
    obtained_at: float = 0.0
    logins: int = 0
    """How many times this slot was filled: what the login-economy tests and benchmarks read."""
    thread_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )

    def usable(self, *, max_age_seconds: float, refused: SecretStr | None = None) -> SecretStr | None:
        """Return the token if it is fresh and is not the one the server just refused.

        A refused token is forgotten: if the login that should replace it fails, a retry must log in
        again, not send the refused token once more.
        """
        token = self.token
        if token is None:
            return None
        if token == refused:
            self.token = None
            return None
        if self.clock() - self.obtained_at >= max_age_seconds:
            return None
        return token

    def store(self, token: SecretStr) -> None:
        """Remember a token that was just issued."""
        self.token = token
        self.obtained_at = self.clock()
        self.logins += 1

    def forget(self) -> None:
        """Drop the token, e.g. after the credentials were refused."""
        self.token = None

    def loop_lock(self) -> asyncio.Lock:
        """The lock for logging in from the running event loop (one per loop, created on demand)."""
        loop = asyncio.get_running_loop()
        with self.thread_lock:
            lock = self._loop_locks.get(loop)
            if lock is None:
                lock = self._loop_locks[loop] = asyncio.Lock()
        return lock


class TokenCache:
    """Token slots by credentials. Use :func:`default_token_cache` to share one per process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._slots: dict[tuple[str, str, str], TokenSlot] = {}
        self._lock = threading.Lock()

    def slot(self, server: str, login: str, key: SecretStr) -> TokenSlot:
        """The slot for these credentials, created on first use."""
        digest = hashlib.sha256(key.get_secret_value().encode("utf-8")).hexdigest()
        ident = (server.rstrip("/"), login, digest)
        with self._lock:
            found = self._slots.get(ident)
            if found is None:
                found = self._slots[ident] = TokenSlot(clock=self._clock)
            return found

    def clear(self) -> None:
        """Forget every token (tests; or after rotating a key)."""
        with self._lock:
            self._slots.clear()


_DEFAULT = TokenCache()


def default_token_cache() -> TokenCache:
    """The process-wide cache that clients use unless given another."""
    return _DEFAULT
