"""MaestroDatapoolSensor: wait until a Maestro datapool, or some of its items, has nothing left to do.

Light at import time, like the operators: the hook, trigger and client are imported when it runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from botcity_provider._defaults import DEFAULT_CONN_ID
from botcity_provider._failures import bad_input, fails_fast
from botcity_provider._pool_events import validate_pool_event
from botcity_provider._waiting import backstop, default_deferrable
from botcity_provider.sensors._floored import FlooredSensor

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from botcity_provider.hooks.datapools import Selection
    from botcity_provider.hooks.maestro import MaestroHook

__all__ = ["MaestroDatapoolSensor"]


class MaestroDatapoolSensor(FlooredSensor):
    """Succeed when nothing in a datapool, or nothing among the given items, is pending or processing.

    Works in ``poke`` and ``reschedule`` mode, and deferrable: deferred waits of one connection share one
    summary request per pool per poll cycle, however many wait. Each look is one summary request; the
    pool is listed only when the summary shows that items finished since the last look (to tell which).

    :param datapool: the pool's label. Templated.
    :param entry_ids: wait only for these items (e.g. the push operator's output). Templated.
    :param maestro_conn_id: the Airflow connection of the Maestro workspace.
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.

    ``poke_interval`` (Airflow's, 60 seconds by default) is the time between two looks in every mode;
    it must be at least 1 second.
    """

    template_fields: Sequence[str] = ("datapool", "entry_ids")
    ui_color = "#1f4e8c"
    ui_fgcolor = "#ffffff"

    def __init__(
        self,
        *,
        datapool: str,
        entry_ids: Sequence[str | int] | None = None,
        maestro_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.datapool = datapool
        self.entry_ids = entry_ids
        self.maestro_conn_id = maestro_conn_id
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self._finished: int | None = None

    @cached_property
    def hook(self) -> MaestroHook:
        """The hook, made when first needed (never at DAG parse time)."""
        from botcity_provider.hooks.maestro import MaestroHook

        return MaestroHook(maestro_conn_id=self.maestro_conn_id)

    def _selection(self) -> Selection:
        from botcity_provider.hooks.datapools import Selection

        if not isinstance(self.datapool, str) or not self.datapool.strip():
            raise bad_input(ValueError(f"datapool: must be a pool's label, got {self.datapool!r}"))
        ids = self.entry_ids
        if ids is None:
            return Selection()
        if isinstance(ids, str | int):
            ids = [ids]
        if not isinstance(ids, Sequence) or not all(isinstance(i, str | int) for i in ids):
            raise bad_input(ValueError(f"entry_ids: must be a list of item ids, got {ids!r}"))
        return Selection(entry_ids=frozenset(str(i) for i in ids))

    @fails_fast
    def poke(self, context: Context) -> bool:
        """Look at the pool once: True when nothing selected is pending or processing.

        A look that fails transiently (network, 5xx, 429) counts as "not yet": the next poke looks again.
        """
        from botcity_provider.client import MaestroError, is_transient
        from botcity_provider.hooks.datapools import look_at_pool, run_with_client, summary_line

        selection = self._selection()
        try:
            look = asyncio.run(
                run_with_client(
                    self.hook.config, lambda c: look_at_pool(c, self.datapool, selection, self._finished)
                )
            )
        except MaestroError as exc:
            if not is_transient(exc):
                raise
            self.log.warning("Could not read datapool %r, trying again: %s", self.datapool, exc)
            return False
        if look.in_hand is not None:
            self._finished = look.finished
        self.log.info("%s", summary_line(self.datapool, look.summary))
        return look.done

    def execute(self, context: Context) -> Any:
        """Poke (or reschedule) as any sensor does, or defer to the trigger after one look."""
        if not self.deferrable:
            return super().execute(context)
        if self.poke(context):
            return None
        from botcity_provider.triggers.datapool import MaestroDatapoolTrigger

        selection = self._selection()
        deadline = time.time() + self.timeout if self.timeout else None
        trigger = MaestroDatapoolTrigger(
            maestro_conn_id=self.maestro_conn_id,
            datapool=self.datapool,
            entry_ids=None if selection.entry_ids is None else sorted(selection.entry_ids),
            poll_interval_seconds=self.poke_interval,
            deadline_at=deadline,
        )
        self.defer(trigger=trigger, method_name="execute_complete", timeout=backstop(deadline))

    @fails_fast
    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> None:
        """Resume after the trigger: succeed, or fail with what went wrong."""
        try:
            checked = validate_pool_event(event)
        except ValueError as exc:
            raise AirflowException(f"Waiting for the datapool ended strangely: {exc}") from exc
        if checked["status"] == "success":
            self.log.info("%s", checked["message"])
            return
        if checked["status"] == "timeout":
            from airflow.providers.common.compat.sdk import AirflowSensorTimeout

            raise AirflowSensorTimeout(checked["message"])
        raise (AirflowException if checked["retryable"] else AirflowFailException)(checked["message"])
