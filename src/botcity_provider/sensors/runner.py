"""MaestroRunnerSensor: wait until a Maestro runner ("machine") is online, e.g. before queuing work for it.

Light at import time, like the operators: the hook, trigger and client are imported when it runs.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from botcity_provider._defaults import DEFAULT_CONN_ID
from botcity_provider._failures import fails_fast
from botcity_provider._waiting import backstop, default_deferrable
from botcity_provider.sensors._floored import FlooredSensor

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from botcity_provider.hooks.maestro import MaestroHook

__all__ = ["MaestroRunnerSensor"]


class MaestroRunnerSensor(FlooredSensor):
    """Succeed when the runner is online; fail at once if Maestro does not know it or refuses the key.

    Works in ``poke`` and ``reschedule`` mode, and deferrable: deferred waits of one connection share one
    listing of the online runners per poll cycle, however many wait. A look that fails transiently
    (network, 5xx, 429) counts as "not yet".

    :param runner_id: the runner's machine id, as Maestro's Runners page shows it. Templated.
    :param maestro_conn_id: the Airflow connection of the Maestro workspace.
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.

    ``poke_interval`` (Airflow's, 60 seconds by default) is the time between two looks in every mode;
    it must be at least 1 second. ``timeout`` ends the wait in every mode.
    """

    template_fields: Sequence[str] = ("runner_id",)
    ui_color = "#1f4e8c"
    ui_fgcolor = "#ffffff"

    def __init__(
        self,
        *,
        runner_id: str,
        maestro_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.runner_id = runner_id
        self.maestro_conn_id = maestro_conn_id
        self.deferrable = default_deferrable() if deferrable is None else deferrable

    @cached_property
    def hook(self) -> MaestroHook:
        """The hook, made when first needed (never at DAG parse time)."""
        from botcity_provider.hooks.maestro import MaestroHook

        return MaestroHook(maestro_conn_id=self.maestro_conn_id)

    @fails_fast
    def poke(self, context: Context) -> bool:
        """Look at the runner once: True if it is online.

        An unknown runner or a refused key raises (the task fails at once, with Maestro's message).
        """
        from botcity_provider.client import MaestroError, is_transient

        try:
            runner = self.hook.client.runners.get(self.runner_id)
        except MaestroError as exc:
            if not is_transient(exc):
                raise
            self.log.warning("Could not read Maestro runner %r, trying again: %s", self.runner_id, exc)
            return False
        self.log.info("Maestro runner %r is %s", self.runner_id, "online" if runner.is_online else "offline")
        return runner.is_online

    def execute(self, context: Context) -> Any:
        """Poke (or reschedule) as any sensor does, or defer to the trigger after one look."""
        if not self.deferrable:
            return super().execute(context)
        if self.poke(context):
            return None
        from botcity_provider.triggers.runner import MaestroRunnerTrigger

        deadline = time.time() + self.timeout if self.timeout else None
        trigger = MaestroRunnerTrigger(
            maestro_conn_id=self.maestro_conn_id,
            runner_id=str(self.runner_id),
            poll_interval_seconds=self.poke_interval,
            deadline_at=deadline,
        )
        self.log.info("Waiting for Maestro runner %r in the triggerer", self.runner_id)
        self.defer(trigger=trigger, method_name="execute_complete", timeout=backstop(deadline))

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> None:
        """Resume after the trigger: succeed, or fail with what went wrong."""
        from botcity_provider.triggers.runner import validate_runner_event

        try:
            checked = validate_runner_event(event, str(self.runner_id))
        except ValueError as exc:
            raise AirflowException(f"Waiting for the Maestro runner ended strangely: {exc}") from exc
        if checked["status"] == "success":
            self.log.info("%s", checked["message"])
            return
        if checked["status"] == "timeout":
            from airflow.providers.common.compat.sdk import AirflowSensorTimeout

            raise AirflowSensorTimeout(checked["message"])
        raise (AirflowException if checked["retryable"] else AirflowFailException)(checked["message"])
