"""The client's response parsing on odd but possible answers: a model, or a typed MaestroError. Nothing else.

``_core.interpret`` is what both clients run on every answer, with the :class:`Call` of an ``_endpoints``
function. It is fed answers a real server, a proxy or a broken network can produce: any status, fields
missing or null, unknown enum values, extra fields, wrong JSON types, non-finite numbers, non-UTF-8
bytes, HTML, huge and deeply nested bodies, and odd ``Retry-After`` headers. Whatever comes in, the
caller gets the model the call promises or a :class:`MaestroError` with a short message and a usable
``retry_after``: never a KeyError, AttributeError, JSONDecodeError, RecursionError or pydantic error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from botcity_provider.client import (
    Alert,
    Artifact,
    ClientConfig,
    DatapoolEntry,
    DatapoolSummary,
    MaestroAPIError,
    MaestroError,
    Page,
    RateLimitError,
    RetryPolicy,
    Task,
    TaskError,
)
from botcity_provider.client import _endpoints as api
from botcity_provider.client._core import Call, RawResponse, interpret, login_call, retry_after_seconds
from botcity_provider.client._models import LoginResult
from botcity_provider.client._retry import decide
from tests.properties._strategies import bodies, tasks

EXAMPLES = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
CFG = ClientConfig("https://maestro.example", "acme", "k3y-of-the-properties")

# Every endpoint whose answer is parsed, with what a success must give.
CALLS: dict[str, tuple[Call[Any], Callable[[Any], bool]]] = {
    "login": (login_call(CFG), lambda r: isinstance(r, LoginResult)),
    "tasks.get": (api.get_task(7), lambda r: isinstance(r, Task)),
    "tasks.create": (api.create_task("bot", {"n": 1}, 5, False, None), lambda r: isinstance(r, Task)),
    "tasks.finish": (api.finish_task(7, "SUCCESS", "ok", (1, 1, 0)), lambda r: isinstance(r, Task)),
    "tasks.kill": (api.kill_task(7), lambda r: isinstance(r, Task)),
    "tasks.list": (api.list_tasks(activity_label="bot"), lambda r: _page_of(r, Task)),
    "artifacts.get": (api.get_artifact(3), lambda r: isinstance(r, Artifact)),
    "artifacts.create": (api.create_artifact(7, "a.csv"), lambda r: isinstance(r, Artifact)),
    "artifacts.list": (api.list_artifacts(), lambda r: _page_of(r, Artifact)),
    "artifacts.upload_file": (api.upload_artifact_file(3, Path("a.csv"), "a.csv"), lambda r: r is None),
    "errors.list": (api.list_errors(7), lambda r: _page_of(r, TaskError)),
    "alerts.create": (api.create_alert(7, "t", "m", "INFO"), lambda r: isinstance(r, Alert)),
    "datapools.push": (api.push_datapool_entry("pool", {"n": 1}, 0), lambda r: isinstance(r, DatapoolEntry)),
    "datapools.summary": (api.datapool_summary("pool"), lambda r: isinstance(r, DatapoolSummary)),
}


def _page_of(result: Any, model: type) -> bool:
    return isinstance(result, Page) and all(isinstance(item, model) for item in result.content)


def _encode(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


statuses = st.sampled_from([200, 201, 204]) | st.integers(min_value=100, max_value=599)
headers = st.fixed_dictionaries(
    {},
    optional={
        "retry-after": st.text(max_size=30)
        | st.sampled_from(["nan", "NaN", "inf", "-1", "1e999", "Wed, 21 Oct 2015 07:28:00 GMT", "0"]),
        "x-request-id": st.text(max_size=30),
        "content-type": st.sampled_from(["application/json", "text/html", "application/octet-stream"]),
    },
)

DEEP = b"[" * 5_000 + b"]" * 5_000  # deeper than Python's recursion limit


def check_answer(name: str, status: int, head: dict[str, str], body: bytes) -> None:
    call, promised = CALLS[name]
    try:
        result = interpret(call, RawResponse(status, head, body), secrets=(CFG.key,))
    except MaestroError as exc:
        text = str(exc)
        assert len(text) < 2000, f"an error message of {len(text)} characters"
        if isinstance(exc, MaestroAPIError):
            assert exc.status == status
            wait = exc.retry_after
            assert wait is None or (math.isfinite(wait) and wait >= 0), f"retry_after={wait!r}"
        return
    assert promised(result), f"{name} gave {type(result).__name__}"


@pytest.mark.parametrize("name", list(CALLS))
@EXAMPLES
@given(status=statuses, head=headers, body=bodies)
@example(status=200, head={}, body=DEEP)
@example(status=502, head={}, body=DEEP)
@example(status=429, head={"retry-after": "nan"}, body=b"")
@example(status=200, head={}, body=b"\xff\xfe\xfd")
def test_any_answer_gives_the_model_or_a_typed_error(
    name: str, status: int, head: dict[str, str], body: bytes
) -> None:
    check_answer(name, status, head, body)


@EXAMPLES
@given(status=st.sampled_from([200, 201]), document=tasks)
def test_a_task_that_parses_is_a_usable_task(status: int, document: dict[str, Any]) -> None:
    """A task the client accepts can be described, classified and dumped as the trigger does."""
    try:
        task = interpret(api.get_task(7), RawResponse(status, {}, _encode(document)))
    except MaestroError:
        return
    assert isinstance(task.is_terminal, bool)
    assert isinstance(task.items_summary, str)
    again = Task.model_validate(json.loads(json.dumps(task.model_dump(mode="json"))))
    assert again == task, "the snapshot an event carries must give the same task back"


@EXAMPLES
@given(value=st.text(max_size=40) | st.sampled_from(["nan", "-nan", "Infinity", "1e999", "-0", "3.5"]))
@example(value="nan")
def test_retry_after_is_none_or_a_finite_number_of_seconds(value: str) -> None:
    seconds = retry_after_seconds(value)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


@given(
    value=st.sampled_from(["nan", "NaN", "inf", "Infinity", "1e999", "-5", "Wed, 21 Oct 2015 07:28:00 GMT"])
)
@settings(max_examples=10, deadline=None)
def test_any_rate_limit_answer_gives_a_wait_the_retry_policy_can_sleep(value: str) -> None:
    """A 429's Retry-After becomes a wait time.sleep() accepts: finite, from 0 to the policy's cap."""
    with pytest.raises(RateLimitError) as caught:
        interpret(api.get_task(7), RawResponse(429, {"retry-after": value}, b""))
    policy = RetryPolicy()
    wait = decide(policy, retries=0, error=caught.value, elapsed=0.0, retryable=True, draw=0.999)
    assert wait is not None, "a 429 within the budget is always waited out"
    assert math.isfinite(wait) and 0 <= wait <= policy.max_retry_after_seconds + policy.max_backoff_seconds
