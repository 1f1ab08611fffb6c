"""Hypothesis strategies for what a Maestro server, a proxy in front of it or a broken network can send."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
wrong = json_values  # any JSON value, where a field wants one of its own type

TASK_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "id": st.integers(min_value=1, max_value=10**9),
    "state": st.sampled_from(
        ["START", "RUNNING", "FINISHED", "CANCELED", "TIMEOUT", "PAUSED", "", "running"]
    ),
    "activityLabel": st.text(max_size=20),
    "parameters": st.dictionaries(st.text(max_size=8), json_values, max_size=3),
    "finishStatus": st.sampled_from(["SUCCESS", "FAILED", "PARTIALLY_COMPLETED", "SKIPPED", ""]),
    "finishMessage": st.text(max_size=40),
    "priority": st.integers(min_value=0, max_value=10),
    "test": st.booleans(),
    "interrupted": st.booleans(),
    "killed": st.booleans(),
    "machineId": st.text(max_size=10) | st.integers(),
    "dateCreation": st.sampled_from(["2026-11-20T12:00:00Z", "2026-11-20T12:00:00.123+0000", "yesterday"]),
    "dateLastModified": st.sampled_from(["2026-11-20T12:00:00", 1795307304, -1]),
    "totalItems": st.integers(min_value=0, max_value=10**6),
    "processedItems": st.integers(min_value=0, max_value=10**6),
    "failedItems": st.integers(min_value=0, max_value=10**6),
}


@st.composite
def odd_objects(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """A plausible object: each known field valid, null, of a wrong type or missing, plus unknown ones."""
    found: dict[str, Any] = {}
    for name, valid in fields.items():
        kind = draw(st.sampled_from(["valid", "valid", "valid", "null", "wrong", "missing"]))
        if kind == "valid":
            found[name] = draw(valid)
        elif kind == "null":
            found[name] = None
        elif kind == "wrong":
            found[name] = draw(wrong)
    found.update(draw(st.dictionaries(st.text(max_size=10), json_values, max_size=3)))  # extra fields
    return found


tasks = odd_objects(TASK_FIELDS)
other_objects = odd_objects(
    {
        "id": st.integers(min_value=1) | st.text(max_size=5),
        "name": st.text(max_size=10),
        "taskId": st.integers(min_value=1) | st.just(""),
        "type": st.sampled_from(["INFO", "WARN", "ERROR", "LOUD"]),
        "accessToken": st.text(max_size=20),
        "countPending": st.integers(min_value=0),
        "values": st.dictionaries(st.text(max_size=5), json_values, max_size=2),
    }
)
pages = st.fixed_dictionaries(
    {"content": st.lists(tasks | other_objects | json_values, max_size=4) | st.none() | wrong},
    optional={
        "totalPages": st.integers(min_value=0, max_value=5) | wrong,
        "totalElements": st.integers(min_value=0) | wrong,
        "number": st.integers(min_value=0) | wrong,
        "last": st.booleans() | wrong,
        "size": st.integers(min_value=0) | wrong,
    },
)
documents = tasks | other_objects | pages | st.lists(tasks, max_size=3) | json_values


def _encode(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


bodies = (
    documents.map(_encode)
    | st.binary(max_size=200)  # anything, including bytes that are not UTF-8
    | st.just(b"")
    | st.sampled_from(
        [
            b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            b"\xff\xfe{\x00}\x00",  # UTF-16 with a byte-order mark
            b'{"id": 7, "state": "RUNNING"',  # cut off
            b"null",
            b'"a string"',
        ]
    )
    | st.integers(min_value=1, max_value=6).map(lambda n: b"x" * (10**n))  # up to 1 MB of text
    | st.integers(min_value=1, max_value=20_000).map(lambda n: b"[" * n + b"]" * n)  # deep nesting
)
