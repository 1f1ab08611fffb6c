"""One pure function per Maestro operation: arguments in, a :class:`Call` out, no I/O.

One module per namespace of the client. Paths come from the table of :mod:`.._routes`; field spellings
and statuses are those of the Maestro v2 API as the official SDKs use it. Arguments are checked here, so
bad input is refused before anything is sent.
"""

from __future__ import annotations

from .alerts import create_alert, list_alerts
from .artifacts import (
    artifact_name,
    create_artifact,
    download_artifact,
    get_artifact,
    list_artifacts,
    upload_artifact_file,
)
from .datapools import datapool_summary, push_datapool_entry
from .errors import list_errors
from .tasks import (
    cancel_task,
    create_task,
    finish_task,
    get_task,
    interrupt_task,
    kill_task,
    list_tasks,
    restart_task,
)

__all__ = [
    "artifact_name",
    "cancel_task",
    "create_alert",
    "create_artifact",
    "create_task",
    "datapool_summary",
    "download_artifact",
    "finish_task",
    "get_artifact",
    "get_task",
    "interrupt_task",
    "kill_task",
    "list_alerts",
    "list_artifacts",
    "list_errors",
    "list_tasks",
    "push_datapool_entry",
    "restart_task",
    "upload_artifact_file",
]
