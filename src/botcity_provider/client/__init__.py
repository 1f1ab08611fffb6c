"""A client for the BotCity Maestro v2 API, usable with or without Airflow.

>>> from botcity_provider.client import MaestroClient
>>> with MaestroClient("https://developers.botcity.dev", "my-login", "my-key") as maestro:
...     task = maestro.tasks.create("invoice-bot", parameters={"month": "2026-11"})
...     maestro.tasks.get(task.id).state

:class:`AsyncMaestroClient` is the asyncio twin, with the same namespaces and method names.
"""

from __future__ import annotations

from . import checks
from ._async import AsyncMaestroClient
from ._config import DEFAULT_SERVER, DEFAULT_TIMEOUT_SECONDS, ClientConfig
from ._errors import (
    AuthenticationError,
    ConflictError,
    MaestroAPIError,
    MaestroConnectError,
    MaestroConnectionLostError,
    MaestroError,
    MaestroTimeout,
    MaestroTLSError,
    MaestroTransportError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    ValidationError,
)
from ._flows import IDEMPOTENCY_PARAMETER, Stopped, stop_action
from ._models import (
    TERMINAL_STATES,
    Alert,
    AlertType,
    Artifact,
    DatapoolEntry,
    DatapoolSummary,
    FinishStatus,
    Page,
    Task,
    TaskError,
    TaskState,
)
from ._retry import RetryPolicy, is_transient
from ._sync import MaestroClient
from ._token import TokenCache, default_token_cache

__all__ = [
    "DEFAULT_SERVER",
    "DEFAULT_TIMEOUT_SECONDS",
    "IDEMPOTENCY_PARAMETER",
    "TERMINAL_STATES",
    "Alert",
    "AlertType",
    "Artifact",
    "AsyncMaestroClient",
    "AuthenticationError",
    "ClientConfig",
    "ConflictError",
    "DatapoolEntry",
    "DatapoolSummary",
    "FinishStatus",
    "MaestroAPIError",
    "MaestroClient",
    "MaestroConnectError",
    "MaestroConnectionLostError",
    "MaestroError",
    "MaestroTLSError",
    "MaestroTimeout",
    "MaestroTransportError",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "RetryPolicy",
    "ServerError",
    "Stopped",
    "Task",
    "TaskError",
    "TaskState",
    "TokenCache",
    "ValidationError",
    "checks",
    "default_token_cache",
    "is_transient",
    "stop_action",
]
