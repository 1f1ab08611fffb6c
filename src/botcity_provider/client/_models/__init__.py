"""Typed models of what Maestro sends and receives (pydantic v2), one module per namespace.

Response models ignore fields they do not know and tolerate ``null`` where the server may send it, so
a server that grows a field or a state does not break a running DAG. Models of unverified routes
(:mod:`.._routes`) keep the fields they do not know, in ``model_extra``.
"""

from __future__ import annotations

from .base import (
    TERMINAL_STATES,
    Alert,
    AlertType,
    Artifact,
    CreateTaskBody,
    DatapoolEntry,
    DatapoolSummary,
    FinishStatus,
    LoginResult,
    Page,
    Task,
    TaskError,
    TaskState,
    utc_if_naive,
)

__all__ = [
    "TERMINAL_STATES",
    "Alert",
    "AlertType",
    "Artifact",
    "CreateTaskBody",
    "DatapoolEntry",
    "DatapoolSummary",
    "FinishStatus",
    "LoginResult",
    "Page",
    "Task",
    "TaskError",
    "TaskState",
    "utc_if_naive",
]
