"""The client's namespaces, one module each: ``client.tasks``, ``client.datapools``, ``client.logs``…

Every method is a one-line hand-off: build the call (or flow) in ``_endpoints`` / ``_flows``, give it to
the client. The asyncio twins carry an ``Async`` prefix and the same names and signatures, which
``tests/client/test_twins.py`` checks. ``NAMESPACES`` is the one list both clients build theirs from.
"""

from __future__ import annotations

from .alerts import Alerts, AsyncAlerts
from .artifacts import Artifacts, AsyncArtifacts
from .automations import AsyncAutomations, Automations
from .bots import AsyncBots, Bots
from .credentials import AsyncCredentials, Credentials
from .datapools import AsyncDatapools, Datapools
from .errors import AsyncErrors, Errors
from .logs import AsyncLogs, Logs
from .messages import AsyncMessages, Messages
from .runners import AsyncRunners, Runners
from .schedules import AsyncSchedules, Schedules
from .tasks import AsyncTasks, Tasks
from .workspace import AsyncWorkspace, Workspace

__all__ = [
    "Alerts",
    "Artifacts",
    "AsyncAlerts",
    "AsyncArtifacts",
    "AsyncAutomations",
    "AsyncBots",
    "AsyncCredentials",
    "AsyncDatapools",
    "AsyncErrors",
    "AsyncLogs",
    "AsyncMessages",
    "AsyncRunners",
    "AsyncSchedules",
    "AsyncTasks",
    "AsyncWorkspace",
    "Automations",
    "Bots",
    "Credentials",
    "Datapools",
    "Errors",
    "Logs",
    "Messages",
    "Runners",
    "Schedules",
    "Tasks",
    "Workspace",
]

NAMESPACES: dict[str, tuple[type, type]] = {
    "tasks": (Tasks, AsyncTasks),
    "artifacts": (Artifacts, AsyncArtifacts),
    "errors": (Errors, AsyncErrors),
    "alerts": (Alerts, AsyncAlerts),
    "messages": (Messages, AsyncMessages),
    "datapools": (Datapools, AsyncDatapools),
    "logs": (Logs, AsyncLogs),
    "credentials": (Credentials, AsyncCredentials),
    "automations": (Automations, AsyncAutomations),
    "bots": (Bots, AsyncBots),
    "runners": (Runners, AsyncRunners),
    "schedules": (Schedules, AsyncSchedules),
    "workspace": (Workspace, AsyncWorkspace),
}
"""Attribute name on the client: (blocking class, asyncio class)."""
