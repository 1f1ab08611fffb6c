"""Datapools: queues of items that bots take one at a time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, model_parser
from botcity_provider.client._models import DatapoolEntry, DatapoolSummary

from ._common import call, label

POOL_HINT = "check the datapool label"


def push_datapool_entry(pool: str, values: Mapping[str, Any], priority: int) -> Call[DatapoolEntry]:
    """``POST /api/v2/datapool/{label}/push``: add an item for bots to take."""
    name = label(pool, "label", "the datapool's label")
    body = {"priority": check.priority(priority), "values": check.json_parameters(values, "values")}
    parse = model_parser(DatapoolEntry, "Pushing the datapool item")
    doing = f"Pushing an item to datapool {name!r}"
    return call("datapools.push", (name,), doing, parse, json=body, idempotent=False, hint=POOL_HINT)


def datapool_summary(pool: str) -> Call[DatapoolSummary]:
    """``GET /api/v2/datapool/{label}/summary``: counts of items by state."""
    name = label(pool, "label", "the datapool's label")
    parse = model_parser(DatapoolSummary, "Reading the datapool summary")
    doing = f"Reading the summary of datapool {name!r}"
    return call("datapools.summary", (name,), doing, parse, hint=POOL_HINT)
