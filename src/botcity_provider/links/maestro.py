"""MaestroTaskLink: the "BotCity Maestro task" button on an Airflow task.

The operator pushes the portal URL to XCom as soon as the Maestro task exists, under the key Airflow 3
reads links from, so the button works while the task waits and after it fails, and each try shows
its own Maestro task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperatorLink, XCom

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import BaseOperator, TaskInstanceKey

__all__ = ["LINK_XCOM_KEY", "MAESTRO_TASK_ID_KEY", "MaestroTaskLink"]

MAESTRO_TASK_ID_KEY = "maestro_task_id"
# The key Airflow 3 reads a link from (``_link_<class name>``); Airflow 2 has no such property, so it is
# spelled out here and used on both.
LINK_XCOM_KEY = "_link_MaestroTaskLink"


class MaestroTaskLink(BaseOperatorLink):
    """Open this try's Maestro task in the Maestro portal."""

    name = "BotCity Maestro task"

    @property
    def xcom_key(self) -> str:
        """Where the operators put this try's URL."""
        return LINK_XCOM_KEY

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        """The URL the operator stored for this task instance, or an empty string before it exists."""
        url: Any = XCom.get_value(key=self.xcom_key, ti_key=ti_key)
        return url if isinstance(url, str) else ""
