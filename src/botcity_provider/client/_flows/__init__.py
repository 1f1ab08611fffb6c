"""Flows: what a client method does when one call is not enough, one module per namespace.

A flow is an :data:`~botcity_provider.client._engine.Operation`: a generator that yields the calls it
needs (built in ``_endpoints``), receives each answer (or has its error thrown in), and returns the
method's result. It does no I/O of its own, because the blocking and the asyncio client both drive the
same generator (through :func:`~botcity_provider.client._engine.run`): so a multi-step operation (create
at most once, read then write, a report and its files) is written once, retried under one budget for
all its requests, and tested by hand without a server.

The resources in ``_resources`` hand a flow to their client in one line, as they hand it a call.
"""

from __future__ import annotations

from .artifacts import upload_artifact
from .tasks import IDEMPOTENCY_PARAMETER, StopAction, Stopped, create_task, find_task, stop_action, stop_task

__all__ = [
    "IDEMPOTENCY_PARAMETER",
    "StopAction",
    "Stopped",
    "create_task",
    "find_task",
    "stop_action",
    "stop_task",
    "upload_artifact",
]
