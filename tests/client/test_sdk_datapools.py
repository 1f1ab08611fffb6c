"""Datapools cross-checked with the official SDK 0.9.1: create, push, next, report done and failed, summary.

Each side reads back exactly what the other wrote, and a pool and an item written by each side are stored
the same way (compared as the server keeps them, every key, not through either side's model).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from botcity.maestro import BotMaestroSDK, DataPool, DataPoolEntry
from botcity.maestro.datapool.datapool import SchemaField
from botcity.maestro.datapool.enums import ErrorType
from botcity.maestro.datapool.enums import FieldType as SdkFieldType

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import MaestroClient
from botcity_provider.client._models.datapools import Datapool, DatapoolEntry, DatapoolField, FieldType

from ._support import raw_token

SETTINGS: dict[str, Any] = {
    "name": "Orders of November",
    "default_automation": "billing",
    "consumption_policy": "LIFO",
    "trigger": "ALWAYS",
    "auto_retry": False,
    "max_auto_retry": 2,
    "abort_on_error": False,
    "max_errors_before_inactive": 5,
    "enable_processing_time": False,
    "item_max_processing_time": 30,
}
FIELDS: list[tuple[str, FieldType, bool, bool]] = [
    ("order", "INTEGER", True, False),
    ("sku", "TEXT", False, True),
]
SERVER_MADE = {"id", "label", "dateCreation", "dateRegister", "dateProcessing", "dateFinished"}


def sdk_pool(label: str) -> DataPool:
    schema = [SchemaField(lb, SdkFieldType(kind), unique, shown) for lb, kind, unique, shown in FIELDS]
    return DataPool(label, schema=schema, **SETTINGS)


def client_pool(client: MaestroClient, label: str) -> Datapool:
    fields = [DatapoolField(label=lb, type=kind, unique_id=u, display_value=s) for lb, kind, u, s in FIELDS]
    return client.datapools.create(label, fields=fields, **SETTINGS)


def as_sdk_sees(pool: DataPool) -> dict[str, Any]:
    settings = {key: getattr(pool, key) for key in SETTINGS}
    schema = [(f.label, f.type, f.unique_id, f.display_value) for f in pool.schema]
    return {**settings, "fields": schema}


def as_client_sees(pool: Datapool) -> dict[str, Any]:
    settings = {key: getattr(pool, key) for key in SETTINGS}
    return {**settings, "fields": [(f.label, f.type, f.unique_id, f.display_value) for f in pool.fields]}


def stored(emulator: EmulatorHandle, path: str) -> dict[str, Any]:
    """An object as the server keeps it, every key, read with plain requests (no model in between)."""
    headers = {"token": raw_token(emulator), "organization": emulator.login}
    answer = requests.get(f"{emulator.url}{path}", headers=headers, timeout=10)
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return {key: value for key, value in body.items() if key not in SERVER_MADE}


def same_entry(client_side: DatapoolEntry, sdk_side: DataPoolEntry) -> None:
    assert (client_side.id, client_side.datapool_label, client_side.state) == (
        sdk_side.entry_id,
        sdk_side.datapool_label,
        sdk_side.state,
    )
    assert (client_side.values, client_side.priority, client_side.message) == (
        sdk_side.values,
        sdk_side.priority,
        sdk_side.message,
    )
    assert (client_side.error_type, client_side.task_id) == (sdk_side.error_type, sdk_side.task_id)


def test_what_the_client_writes_the_sdk_reads(client: MaestroClient, sdk: BotMaestroSDK) -> None:
    client_pool(client, "orders")
    pool = sdk.get_datapool("orders")
    assert as_sdk_sees(pool) == {**SETTINGS, "fields": FIELDS}
    client.datapools.deactivate("orders")
    assert pool.is_active() is False
    client.datapools.activate("orders")
    assert pool.is_active() is True

    pushed = client.datapools.push_many(
        "orders", [{"order": 1, "sku": "A"}, {"order": 2, "sku": "B"}], priority=3
    )
    urgent = client.datapools.push("orders", {"order": 3, "sku": "C"}, priority=9)
    assert pool.summary()["countPending"] == 3
    taken = pool.next(task_id="7")
    assert taken is not None and (taken.entry_id, taken.values, taken.priority) == (
        urgent.id,
        urgent.values,
        9,
    )
    assert urgent.id is not None
    client.datapools.done("orders", urgent.id, "shipped", task_id=7)
    same_entry(client.datapools.get_entry("orders", urgent.id), pool.get_entry(urgent.id))
    assert (pool.get_entry(urgent.id).state, pool.get_entry(urgent.id).task_id) == ("DONE", "7")

    mine = client.datapools.next("orders")
    assert mine is not None and mine.id is not None and mine.id == pushed[1].id  # LIFO among equals
    client.datapools.failed("orders", mine.id, "out of stock", error_type="BUSINESS")
    failed = pool.get_entry(mine.id)
    assert (failed.state, failed.error_type, failed.message) == ("ERROR", "BUSINESS", "out of stock")

    summary = client.datapools.summary("orders")
    counts = pool.summary()
    assert (summary.count_pending, summary.count_processing) == (
        counts["countPending"],
        counts["countProcessing"],
    )
    assert (summary.count_done, summary.count_error, summary.active) == (1, 1, counts["active"])
    assert (counts["countDone"], counts["countError"]) == (1, 1)


def test_what_the_sdk_writes_the_client_reads(client: MaestroClient, sdk: BotMaestroSDK) -> None:
    sdk.create_datapool(sdk_pool("orders"))
    assert as_client_sees(client.datapools.get("orders")) == {**SETTINGS, "fields": FIELDS}
    pool = sdk.get_datapool("orders")
    pool.deactivate()
    assert client.datapools.get("orders").active is False
    pool.activate()
    assert client.datapools.get("orders").active is True

    plain = pool.create_entry(DataPoolEntry(priority=2, values={"order": 1, "sku": "A"}))
    urgent = pool.create_entry(DataPoolEntry(priority=8, values={"order": 2, "sku": "B"}))
    doomed = pool.create_entry(DataPoolEntry(values={"order": 3, "sku": "C"}))
    same_entry(client.datapools.get_entry("orders", plain.entry_id), plain)
    assert client.datapools.summary("orders").count_pending == 3

    taken = client.datapools.next("orders")
    assert taken is not None and (taken.id, taken.values, taken.priority) == (
        urgent.entry_id,
        urgent.values,
        8,
    )
    pool.cancel_entry(doomed.entry_id, "not needed")
    canceled = client.datapools.get_entry("orders", doomed.entry_id)
    assert (canceled.state, canceled.message) == ("CANCELED", "not needed")

    item = pool.next(task_id="7")
    assert item is not None and item.entry_id == plain.entry_id
    item.report_done("shipped")
    done = client.datapools.get_entry("orders", plain.entry_id)
    same_entry(done, item)
    assert (done.state, done.message, done.task_id) == ("DONE", "shipped", "7")

    sdk_copy = pool.get_entry(urgent.entry_id)
    sdk_copy.report_error(ErrorType.BUSINESS, "out of stock")
    failed = client.datapools.get_entry("orders", urgent.entry_id)
    assert (failed.state, failed.error_type, failed.message) == ("ERROR", "BUSINESS", "out of stock")

    summary, counts = client.datapools.summary("orders"), pool.summary()
    assert (summary.count_pending, summary.count_done, summary.count_error, summary.count_canceled) == (
        counts["countPending"],
        counts["countDone"],
        counts["countError"],
        counts["countCanceled"],
    )
    assert (summary.count_done, summary.count_error, summary.count_canceled) == (1, 1, 1)


def sdk_bodies(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, Any]]:
    """Record (method, path, JSON body) of every POST and PUT the SDK sends (it calls requests.post/put)."""
    sent: list[tuple[str, str, Any]] = []
    for verb in ("post", "put"):
        original = getattr(requests, verb)

        def record(url: str, *args: Any, _send: Any = original, _verb: str = verb, **kwargs: Any) -> Any:
            body = kwargs.get("data") or kwargs.get("json")
            sent.append(
                (_verb.upper(), urlsplit(url).path, json.loads(body) if isinstance(body, str) else body)
            )
            return _send(url, *args, **kwargs)

        monkeypatch.setattr(requests, verb, record)
    return sent


def client_bodies(client: MaestroClient) -> list[tuple[str, str, Any]]:
    """Record (method, path, JSON body) of every datapool request with a body the client sends."""
    sent: list[tuple[str, str, Any]] = []
    original = client._send

    def send(spec: Any) -> Any:
        if spec.content and "/datapool" in spec.url:
            sent.append((spec.method, urlsplit(spec.url).path, json.loads(spec.content)))
        return original(spec)

    client._send = send  # type: ignore[method-assign]
    return sent


def test_the_client_sends_the_bodies_the_sdk_sends(
    client: MaestroClient, sdk: BotMaestroSDK, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pool create, deactivate, activate; push, report done, push, report failed, push, cancel."""
    theirs, ours = sdk_bodies(monkeypatch), client_bodies(client)
    pool = sdk.create_datapool(sdk_pool("by-sdk"))
    pool.deactivate()
    pool.activate()
    client_pool(client, "by-client")
    client.datapools.deactivate("by-client")
    client.datapools.activate("by-client")
    for how in ("done", "failed", "cancel"):
        sdk_item = pool.create_entry(DataPoolEntry(priority=3, values={"order": 1, "sku": "A"}))
        our_item = client.datapools.push("by-client", {"order": 1, "sku": "A"}, priority=3)
        assert our_item.id is not None
        if how == "cancel":
            pool.cancel_entry(sdk_item.entry_id, "not needed")
            client.datapools.cancel("by-client", our_item.id, "not needed")
            continue
        taken = pool.next(task_id="7")
        assert taken is not None and client.datapools.next("by-client") is not None
        if how == "done":
            taken.report_done("shipped")
            client.datapools.done("by-client", our_item.id, "shipped", task_id=7)
        else:
            taken.report_error(ErrorType.BUSINESS, "out of stock")
            client.datapools.failed(
                "by-client", our_item.id, "out of stock", error_type="BUSINESS", task_id=7
            )
    theirs = [item for item in theirs if "/datapool" in item[1]]  # not the SDK's login
    assert len(theirs) == len(ours) == 9
    assert [as_by_client(*item) for item in theirs] == [as_by_client(*item) for item in ours]


def as_by_client(method: str, path: str, body: Any) -> tuple[str, str, Any]:
    """A request with the SDK's pool label made the client's and item ids blanked, to compare bodies."""
    parts = ["<id>" if len(part) == 32 else part for part in path.replace("by-sdk", "by-client").split("/")]
    if isinstance(body, dict):
        body = {key: "by-client" if value == "by-sdk" else value for key, value in body.items()}
    return method, "/".join(parts), body
