"""One DAG whose every task meets a failure, with two Airflow retries each: ``tests/test_no_retry.py`` runs
it and counts each task's tries. A failure no retry can mend must fail on the first try; a transient one
(the control task: nothing listens at its server) must use its retries.

The connections exist only while that test runs: ``maestro_nr`` (good), ``maestro_nr_wrong_key``,
``maestro_nr_wrong_path`` (a server URL under which Maestro's routes are not), ``maestro_nr_bad_extras``
(``timeout_seconds: 'fast'``), ``maestro_nr_no_scheme`` and ``maestro_nr_down`` (a closed port).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG

from botcity_provider.operators.maestro import (
    MaestroCancelTaskOperator,
    MaestroCreateTaskOperator,
    MaestroRestartTaskOperator,
)
from botcity_provider.sensors.maestro import MaestroTaskSensor

UNKNOWN_TASK_ID = 876543

with DAG(
    dag_id="no_retry_can_help",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "test"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=0)},
):
    for name, conn in (
        ("wrong_key", "maestro_nr_wrong_key"),
        ("wrong_server_path", "maestro_nr_wrong_path"),
        ("bad_extras", "maestro_nr_bad_extras"),
        ("no_scheme", "maestro_nr_no_scheme"),
        ("server_down", "maestro_nr_down"),
    ):
        MaestroCreateTaskOperator(
            task_id=name, activity_label="any-bot", deferrable=False, maestro_conn_id=conn
        )
    for name, deferrable in (("unknown_id_sensor_poke", False), ("unknown_id_sensor_deferrable", True)):
        MaestroTaskSensor(
            task_id=name,
            maestro_task_id=UNKNOWN_TASK_ID,
            poke_interval=1,
            timeout=60,
            deferrable=deferrable,
            maestro_conn_id="maestro_nr",
        )
    MaestroCancelTaskOperator(
        task_id="unknown_id_cancel", maestro_task_id=UNKNOWN_TASK_ID, maestro_conn_id="maestro_nr"
    )
    MaestroRestartTaskOperator(
        task_id="unknown_id_restart", maestro_task_id=UNKNOWN_TASK_ID, maestro_conn_id="maestro_nr"
    )
