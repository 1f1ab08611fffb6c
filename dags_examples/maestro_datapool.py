"""Feed a Maestro datapool from an ETL task, wait for its bots, and deal with the invoices they rejected.

``extract_invoices`` writes the day's invoices as a JSON Lines file; ``push_invoices`` streams it into
the pool, one item per invoice, and waits until the bots have processed them all. An Airflow retry, or a
worker that died mid-push, pushes only the invoices the pool lacks: each item carries an ``airflow_key``
value that names this task instance and its invoice. The task fails if more than a fifth of the invoices
failed; otherwise it returns the failed ones, so that ``open_ticket`` runs once per failed invoice (with
the bot's message) and ``retry_failed`` pushes them again, ahead of everything else in the pool.

Offline, the emulator's bot works the pool (``EmulatorHandle.set_consumer``, see the emulator's page);
against Maestro, the pool's automation does.
"""

from __future__ import annotations

import json
import logging
import tempfile
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from airflow.providers.common.compat.sdk import DAG, Param, task

from botcity_provider.operators.datapool import MaestroDatapoolPushOperator

log = logging.getLogger("airflow.task")

with DAG(
    dag_id="maestro_datapool",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["botcity", "example"],
    doc_md=__doc__,
    params={
        "datapool": Param("invoices", type="string", minLength=1, description="the pool's label"),
        "rows": Param(200, type="integer", minimum=1, description="invoices the ETL produces"),
    },
) as dag:

    @task
    def extract_invoices(rows: int | str) -> str:
        # A folder of its own for each run, so that no two runs ever read one file.
        path = Path(tempfile.mkdtemp(prefix="invoices-")) / "invoices.jsonl"
        with path.open("w") as out:
            for n in range(1, int(rows) + 1):
                row = {"invoice": f"INV-{n:05d}", "customer": f"customer-{n % 37}", "amount": n * 12.5}
                out.write(json.dumps(row) + "\n")
        return str(path)

    @task
    def ensure_pool(label: str) -> str:
        # Imported here, not at the top: the scheduler parses this file often, and needs no client.
        from botcity_provider.client import ConflictError, NotFoundError
        from botcity_provider.hooks.maestro import MaestroHook

        client = MaestroHook().client
        try:
            client.datapools.get(label)
        except NotFoundError:
            with suppress(ConflictError):  # another run created it in the meantime
                client.datapools.create(
                    label,
                    default_automation="invoice-entry-bot",
                    # airflow_key is where the push keeps each item's key: a schema must allow it.
                    fields=[
                        {"label": "invoice", "type": "TEXT", "display_value": True},
                        {"label": "customer", "type": "TEXT"},
                        {"label": "amount", "type": "DOUBLE"},
                        {"label": "airflow_key", "type": "TEXT"},
                    ],
                )
        return label

    pool = ensure_pool("{{ params.datapool }}")
    push = MaestroDatapoolPushOperator(
        task_id="push_invoices",
        datapool=pool,
        # The file's path, from XCom: the file is read as a stream, never whole in memory.
        items=extract_invoices("{{ params.rows }}"),
        key_field="invoice",
        wait_for_completion=True,
        max_error_ratio=0.2,
        returns="failed_items",
        # The emulator's bot takes a second or two for 200 invoices; real bots take minutes, so poll less.
        poll_interval=2,
    )

    @task
    def open_ticket(invoice: dict[str, Any], ti: Any = None) -> None:
        # failed_items holds the items' values; the bot's message is in the XCom "outcomes", by key.
        outcomes = ti.xcom_pull(task_ids="push_invoices", key="outcomes") or []
        said = {outcome["key"]: outcome["message"] for outcome in outcomes}
        # Your help desk's API goes here; the task log stands in for it.
        log.info("Ticket opened for invoice %s: %s", invoice["invoice"], said.get(invoice["invoice"]))

    open_ticket.expand(invoice=push.output)

    # Pushed again under this task's own key, so they are new items; priority 10 puts them first in line.
    MaestroDatapoolPushOperator(
        task_id="retry_failed", datapool=pool, items=push.output, key_field="invoice", priority=10
    )
