"""Typed models of what Maestro sends and receives (pydantic v2), one module per namespace.

Response models ignore fields they do not know and tolerate ``null`` where the server may send it, so
a server that grows a field or a state does not break a running DAG. Models of unverified routes
(:mod:`.._routes`) keep the fields they do not know, in ``model_extra``.
"""

from __future__ import annotations

from .automations import (
    Automation,
    AutomationParameter,
)
from .base import (
    TERMINAL_STATES,
    Alert,
    AlertType,
    Artifact,
    DatapoolEntry,
    DatapoolSummary,
    EntryState,
    FinishStatus,
    IdText,
    LoginResult,
    Moment,
    OpenEnum,
    Page,
    Response,
    Task,
    TaskError,
    TaskState,
    UnverifiedResponse,
    utc_if_naive,
)
from .bots import (
    BotVersion,
)
from .credentials import (
    Credential,
    CredentialListing,
    CredentialSecret,
)
from .datapools import (
    ConsumptionPolicy,
    Datapool,
    DatapoolChanges,
    DatapoolEntryListing,
    DatapoolField,
    DatapoolListing,
    DatapoolOptions,
    DatapoolSettings,
    DatapoolTrigger,
    FieldType,
)
from .errors import (
    ReportedError,
)
from .logs import (
    Log,
    LogColumn,
    LogEntry,
)
from .runners import (
    Runner,
    RunnerLogLine,
    RunnerTasksSummary,
)
from .schedules import (
    Schedule,
    ScheduleBody,
)
from .workspace import (
    ServerVersion,
    WorkspaceInfo,
)

__all__ = [
    "TERMINAL_STATES",
    "Alert",
    "AlertType",
    "Artifact",
    "Automation",
    "AutomationParameter",
    "BotVersion",
    "ConsumptionPolicy",
    "Credential",
    "CredentialListing",
    "CredentialSecret",
    "Datapool",
    "DatapoolChanges",
    "DatapoolEntry",
    "DatapoolEntryListing",
    "DatapoolField",
    "DatapoolListing",
    "DatapoolOptions",
    "DatapoolSettings",
    "DatapoolSummary",
    "DatapoolTrigger",
    "EntryState",
    "FieldType",
    "FinishStatus",
    "IdText",
    "Log",
    "LogColumn",
    "LogEntry",
    "LoginResult",
    "Moment",
    "OpenEnum",
    "Page",
    "ReportedError",
    "Response",
    "Runner",
    "RunnerLogLine",
    "RunnerTasksSummary",
    "Schedule",
    "ScheduleBody",
    "ServerVersion",
    "Task",
    "TaskError",
    "TaskState",
    "UnverifiedResponse",
    "WorkspaceInfo",
    "utc_if_naive",
]
