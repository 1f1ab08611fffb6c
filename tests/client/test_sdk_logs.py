"""Logs cross-checked with the official SDK 0.9.1: each reads back exactly what the other wrote."""

from __future__ import annotations

import pytest
from botcity.maestro import BotMaestroSDK, Column

from botcity_provider.client import MaestroClient, NotFoundError
from botcity_provider.client._models.logs import LogColumn

COLUMNS = [("Customer", "customer", 200), ("Amount", "amount", 80), ("Note é", "note", 300)]
ROWS = [
    {"customer": "ACME, Inc.", "amount": 12, "note": "first çé"},
    {"customer": "Initech", "amount": 3.5, "note": ""},
]


def by_name(row: dict[str, object]) -> dict[str, object]:
    """A row as the SDK's get_log gives it: keyed by column name, not label."""
    names = {label: name for name, label, _ in COLUMNS}
    return {names[label]: value for label, value in row.items()}


def test_what_the_client_writes_the_sdk_reads(client: MaestroClient, sdk: BotMaestroSDK) -> None:
    client.logs.create("billing", [LogColumn(name=n, label=lb, width=w) for n, lb, w in COLUMNS])
    for row in ROWS:
        client.logs.add("billing", row)
    assert sdk.get_log("billing") == [by_name(row) for row in ROWS]
    client.logs.delete("billing")
    with pytest.raises(ValueError, match="404"):
        sdk.get_log("billing")


def test_what_the_sdk_writes_the_client_reads(client: MaestroClient, sdk: BotMaestroSDK) -> None:
    sdk.new_log("billing", [Column(n, lb, w) for n, lb, w in COLUMNS])
    for row in ROWS:
        sdk.new_log_entry("billing", row)
    log = client.logs.get("billing")
    assert [(c.name, c.label, c.width) for c in log.columns] == COLUMNS
    assert log.activity_label == "billing"
    assert [entry.columns for entry in client.logs.entries("billing", days=1)] == ROWS
    sdk.delete_log("billing")
    with pytest.raises(NotFoundError):
        client.logs.get("billing")
