"""MaestroTaskLink: the "BotCity Maestro task" button on an Airflow task.

The operator pushes the portal URL to XCom as soon as the Maestro task exists, under the key Airflow 3
reads links from, so the button works while the task waits and after it fails, and each try shows
its own Maestro task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperatorLink, XCom

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import BaseOperator, Context, TaskInstanceKey

__all__ = [
    "LINK_XCOM_KEY",
    "MAESTRO_TASK_ID_KEY",
    "MaestroTaskLink",
    "forget_link",
    "publish_link",
    "remember_link",
]

MAESTRO_TASK_ID_KEY = "maestro_task_id"
# The key Airflow 3 reads a link from (``_link_<class name>``); Airflow 2 has no such property, so it is
# spelled out here and used on both.
LINK_XCOM_KEY = "_link_MaestroTaskLink"
# Set on an operator while it runs: the URL of its Maestro task, or None while it has none.
_RUN_URL = "_maestro_task_url"
_UNKNOWN = object()


def forget_link(operator: Any) -> None:
    """Say that this try has no Maestro task (yet): its link is empty, without looking XCom up."""
    setattr(operator, _RUN_URL, None)


def remember_link(operator: Any, url: str) -> None:
    """Say that this try's Maestro task is at ``url`` (already in XCom: a resumed try)."""
    setattr(operator, _RUN_URL, url)


def publish_link(operator: Any, context: Context, task_id: int, url: str) -> None:
    """Share a try's Maestro task id and link as soon as it is known, before any wait or upload."""
    remember_link(operator, url)
    ti = context["ti"]
    ti.xcom_push(key=MAESTRO_TASK_ID_KEY, value=task_id)
    ti.xcom_push(key=LINK_XCOM_KEY, value=url)


class MaestroTaskLink(BaseOperatorLink):
    """Open this try's Maestro task in the Maestro portal."""

    name = "BotCity Maestro task"

    @property
    def xcom_key(self) -> str:
        """Where the operators put this try's URL."""
        return LINK_XCOM_KEY

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        """The URL the operator stored for this task instance, or an empty string before it exists.

        Airflow 3 asks the operator that has just run, in its own process, before it stores the link:
        that one knows its URL, or that it has none, so no lookup is made. A lookup of a link never
        stored logs an error ("XCom not found") in the task log, after the task's real error.
        """
        known = getattr(operator, _RUN_URL, _UNKNOWN)
        if known is not _UNKNOWN:
            return known if isinstance(known, str) else ""
        url: Any = XCom.get_value(key=self.xcom_key, ti_key=ti_key)
        return url if isinstance(url, str) else ""
