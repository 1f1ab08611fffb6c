"""Start-up settings of one emulator instance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_LOGIN = "demo"
DEFAULT_KEY = "demo-key"
DEFAULT_QUEUE_SECONDS = 1.0
DEFAULT_RUN_SECONDS = 2.0
SERVER_VERSION = "3.9.0"
"""Reported by ``GET /api/v2/maestro/version``; the SDK refuses datapools below 3.0.2."""


@dataclass(frozen=True)
class EmulatorConfig:
    """What the CLI flags (or :mod:`botcity_maestro_emulator.testing`) decide before the server starts.

    ``key``, ``runner_tokens`` and ``admin_token`` are secrets, kept out of ``repr`` so they never reach a
    log line.
    """

    login: str = DEFAULT_LOGIN
    key: str = field(default=DEFAULT_KEY, repr=False)
    queue_seconds: float = DEFAULT_QUEUE_SECONDS
    """Default seconds a task waits in START before the emulated runner picks it up."""
    run_seconds: float = DEFAULT_RUN_SECONDS
    """Default seconds the emulated bot runs before it finishes the task."""
    state_file: Path | None = None
    """Journal that keeps the state across restarts; uploads go to ``<state_file>.files/`` beside it."""
    runner_tokens: tuple[str, ...] = field(default=(), repr=False)
    """Tokens accepted without a login, as the BotCity Runner hands one to each bot (``from_sys_args``)."""
    activities: frozenset[str] | None = None
    """Known automation labels; ``None`` accepts any label."""
    faults: Mapping[str, Any] = field(default_factory=dict)
    """Initial fault profile (keys of :class:`~botcity_maestro_emulator.faults.FaultProfile`)."""
    access_log: bool = False
    request_log: Path | None = None
    """JSON-lines file with one line per API request (route, answer, user agent); ``None``: none."""
    admin_token: str | None = field(default=None, repr=False)
    """Bearer token every ``/_emulator/`` route requires; ``None`` leaves them open (loopback only)."""
