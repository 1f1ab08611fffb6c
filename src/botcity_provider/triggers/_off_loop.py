"""Import what a wait needs without holding the triggerer's event loop.

A triggerer runs every trigger of every provider on one event loop, and imports a trigger's module on
that loop. The trigger module is light; what a wait needs beyond it is imported here, in a worker thread,
by the first wait of the process.
"""

from __future__ import annotations

import asyncio
import importlib
import weakref

__all__ = ["load_off_loop"]

# What a wait needs beyond the trigger module: the poller, the client under it (requests, httpx, pydantic),
# the hook, and what Airflow and httpcore import on their first use (asgiref for the connection lookup,
# anyio's asyncio backend for the first request). About 0.1 s in all: done in a worker thread, never on
# the event loop that a triggerer shares among every trigger of every provider.
_HEAVY_MODULES = (
    "botcity_provider.triggers._poller",
    "botcity_provider.triggers._runner_poller",
    "botcity_provider.hooks.maestro",
    "airflow.providers.common.compat.connection",
    "asgiref.sync",
    "anyio.lowlevel",
    "anyio.abc",
    "anyio.streams.memory",
    "anyio.streams.tls",
    "anyio._backends._asyncio",
)
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
_loaded = False


async def load_off_loop() -> None:
    """Import the modules a wait needs in a worker thread, once per process; later calls cost nothing.

    Waits that start together queue on a lock: the first imports, and each one, when it is done, wakes
    only the next. Waking them all at once, or starting a thread each, would itself hold the loop up.
    """
    global _loaded  # noqa: PLW0603 - once per process, like the imports themselves
    if _loaded:
        return
    lock = _locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        if not _loaded:
            await asyncio.to_thread(_import_all)
            _loaded = True


def _import_all() -> None:
    for name in _HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # another release of a library may lay its modules out otherwise
            if name.startswith("botcity_provider."):
                raise
