"""The sans-I/O core driven by hand, as h11's tests do: no emulator, no socket, no sleep.

A test plays the driver: it answers :class:`NeedToken` with a token and :class:`RequestSpec` with a
:class:`RawResponse`, and reads what the engine does next. Retries are turned off here (one attempt):
they are tested in ``test_retry.py`` and ``test_engine.py``.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from botcity_provider.client import (
    AuthenticationError,
    ClientConfig,
    ConflictError,
    MaestroAPIError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    Task,
)
from botcity_provider.client import _endpoints as api
from botcity_provider.client._core import (
    Call,
    RawResponse,
    RequestSpec,
    build_request,
    interpret,
    login_call,
    scrub,
    server_message,
)
from botcity_provider.client._engine import NeedToken, Steps, run

KEY = "s3cret-workspace-key"
CFG = ClientConfig("https://maestro.example/", "acme", KEY)
TASK_42 = {"id": 42, "state": "RUNNING", "activityLabel": "invoices", "parameters": {"month": "11"}}
NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def ok(data: Any, status: int = 200) -> RawResponse:
    return RawResponse(status, {"content-type": "application/json"}, json.dumps(data).encode())


def answer(status: int, body: bytes = b"", **headers: str) -> RawResponse:
    return RawResponse(status, {name.replace("_", "-"): value for name, value in headers.items()}, body)


def exchange(call: Call[Any], cfg: ClientConfig) -> Steps[Any]:
    """One call through the engine with retries off: token, send, and the one re-login after a 401."""
    return run(call, dataclasses.replace(cfg, retry=RetryPolicy(max_attempts=1)))


def finish(flow: Any, reply: Any) -> Any:
    """Send the last reply into a flow and return what it returned."""
    with pytest.raises(StopIteration) as stop:
        flow.send(reply)
    return stop.value.value


# --- one call: token, send, one re-login -------------------------------------------------------------


def test_exchange_asks_for_a_token_then_sends_with_the_auth_headers() -> None:
    flow = exchange(api.get_task(42), CFG)
    assert next(flow) == NeedToken(refused=None)
    spec = flow.send(SecretStr("tok-first"))
    assert isinstance(spec, RequestSpec)
    assert (spec.method, spec.url) == ("GET", "https://maestro.example/api/v2/task/42")
    assert spec.headers["token"] == "tok-first"
    assert spec.headers["organization"] == "acme"
    assert "Content-Type" not in spec.headers
    assert spec.content is None
    task = finish(flow, ok(TASK_42))
    assert isinstance(task, Task)
    assert (task.id, task.activity_label) == (42, "invoices")


def test_exchange_sends_json_with_its_content_type_only_when_there_is_a_body() -> None:
    flow = exchange(api.create_task("invoices", {"month": "11"}, 3, False, None), CFG)
    next(flow)
    spec = flow.send(SecretStr("tok-first"))
    assert spec.headers["Content-Type"] == "application/json"
    assert json.loads(spec.content) == {
        "activityLabel": "invoices",
        "parameters": {"month": "11"},
        "priority": 3,
        "test": False,
    }


def test_a_401_asks_for_a_new_token_naming_the_refused_one_and_sends_again() -> None:
    flow = exchange(api.get_task(42), CFG)
    next(flow)
    flow.send(SecretStr("tok-old"))
    step = flow.send(answer(401, b'{"message":"access token expired: log in again"}'))
    assert step == NeedToken(refused=SecretStr("tok-old"))
    again = flow.send(SecretStr("tok-new"))
    assert isinstance(again, RequestSpec)
    assert again.headers["token"] == "tok-new"
    assert (again.method, again.url) == ("GET", "https://maestro.example/api/v2/task/42")
    assert finish(flow, ok(TASK_42)).id == 42


def test_a_second_401_is_an_authentication_error() -> None:
    flow = exchange(api.get_task(42), CFG)
    next(flow)
    flow.send(SecretStr("tok-old"))
    flow.send(answer(401, b'{"message":"invalid access token"}'))
    flow.send(SecretStr("tok-new"))
    with pytest.raises(AuthenticationError) as caught:
        flow.send(answer(401, b'{"message":"invalid access token"}'))
    assert caught.value.status == 401
    assert caught.value.server_message == "invalid access token"


def test_login_sends_no_token_and_a_refused_login_is_not_retried() -> None:
    flow = exchange(login_call(CFG), CFG)
    spec = next(flow)
    assert isinstance(spec, RequestSpec)
    assert "token" not in spec.headers
    assert "organization" not in spec.headers
    assert json.loads(spec.content) == {"login": "acme", "key": KEY}
    with pytest.raises(AuthenticationError) as caught:
        flow.send(answer(401, b'{"message":"invalid login or key"}'))
    assert "Check the login and key" in str(caught.value)


def test_the_login_answer_is_read_into_a_token() -> None:
    flow = exchange(login_call(CFG), CFG)
    next(flow)
    result = finish(flow, ok({"accessToken": "tok-1", "organizationLabel": "acme"}))
    assert result.access_token.get_secret_value() == "tok-1"


def test_build_request_strips_the_trailing_slash_and_keeps_the_query_apart() -> None:
    spec = build_request(CFG, api.list_tasks(activity_label="invoices", page=2, size=5), SecretStr("tok"))
    assert spec.url == "https://maestro.example/api/v2/task"
    assert ("page", "2") in spec.query
    assert ("size", "5") in spec.query
    assert ("activityLabel", "invoices") in spec.query
    assert spec.timeout_seconds == CFG.timeout_seconds


# --- interpret: statuses to error classes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (400, MaestroAPIError),
        (418, MaestroAPIError),
        (422, MaestroAPIError),
    ],
)
def test_interpret_maps_each_status_to_its_error_class(status: int, cls: type[MaestroAPIError]) -> None:
    body = json.dumps({"status": status, "error": "x", "message": f"the server says {status}"}).encode()
    with pytest.raises(MaestroAPIError) as caught:
        interpret(api.get_task(42), answer(status, body, x_request_id="r-77"))
    error = caught.value
    assert type(error) is cls
    assert (error.method, error.path, error.status) == ("GET", "/api/v2/task/42", status)
    assert error.server_message == f"the server says {status}"
    assert error.request_id == "r-77"
    text = str(error)
    for part in ("Getting task 42", "GET /api/v2/task/42", str(status), f"the server says {status}", "r-77"):
        assert part in text


def test_a_404_carries_the_advice_of_the_call() -> None:
    with pytest.raises(NotFoundError, match="Check the Maestro task id"):
        interpret(api.get_task(42), answer(404, b'{"message":"task 42 not found"}'))


def test_retry_after_in_seconds() -> None:
    with pytest.raises(RateLimitError) as caught:
        interpret(api.get_task(1), answer(429, b"{}", retry_after="7"))
    assert caught.value.retry_after == 7.0


def test_retry_after_as_an_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    with pytest.raises(ServerError) as caught:
        interpret(api.get_task(1), answer(503, b"{}", retry_after=when))
    assert caught.value.retry_after is not None
    assert 25 <= caught.value.retry_after <= 30


def test_retry_after_in_the_past_or_unreadable() -> None:
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    with pytest.raises(RateLimitError) as caught:
        interpret(api.get_task(1), answer(429, b"{}", retry_after=past))
    assert caught.value.retry_after == 0.0
    with pytest.raises(RateLimitError) as caught:
        interpret(api.get_task(1), answer(429, b"{}", retry_after="soon"))
    assert caught.value.retry_after is None


def test_an_html_error_page_is_summed_up_by_its_title() -> None:
    with pytest.raises(ServerError) as caught:
        interpret(api.get_task(1), answer(502, NGINX_502, content_type="text/html"))
    assert caught.value.server_message == "an HTML page: 502 Bad Gateway"
    assert "<" not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "words"),
    [(b"", "empty body"), (b"   \n", "empty body"), (NGINX_502, "HTML page"), (b"OK", "not JSON")],
    ids=["empty", "blank", "html", "text"],
)
def test_a_200_that_is_not_json_is_a_response_validation_error(body: bytes, words: str) -> None:
    with pytest.raises(ResponseValidationError, match=words) as caught:
        interpret(api.get_task(1), answer(200, body))
    assert not isinstance(caught.value, json.JSONDecodeError)
    assert "Reading the task" in str(caught.value)


def test_a_200_of_the_wrong_shape_is_a_response_validation_error() -> None:
    with pytest.raises(ResponseValidationError, match="expected a JSON object"):
        interpret(api.get_task(1), ok([TASK_42]))
    with pytest.raises(ResponseValidationError, match="id") as caught:
        interpret(api.get_task(1), ok({"id": "forty-two", "state": "START"}))
    assert caught.value.__cause__ is not None


def test_an_exact_status_is_required_where_the_api_pins_one() -> None:
    call = api.get_task(1)
    pinned = type(call)(**{**call.__dict__, "expected": frozenset({201})})
    with pytest.raises(MaestroAPIError) as caught:
        interpret(pinned, ok(TASK_42, status=200))
    assert caught.value.status == 200


@given(body=st.binary(max_size=300))
def test_any_200_body_gives_a_task_or_a_response_validation_error(body: bytes) -> None:
    try:
        result = interpret(api.get_task(1), answer(200, body))
    except ResponseValidationError:
        return
    assert isinstance(result, Task)


@given(status=st.integers(min_value=400, max_value=599), body=st.binary(max_size=300))
def test_any_error_status_gives_a_maestro_api_error_with_a_short_message(status: int, body: bytes) -> None:
    with pytest.raises(MaestroAPIError) as caught:
        interpret(api.get_task(1), answer(status, body))
    assert caught.value.status == status
    assert len(caught.value.server_message) <= 300


# --- secrets -----------------------------------------------------------------------------------------


def test_scrub_replaces_every_secret() -> None:
    text = f"key {KEY} and token tok-123456 refused; key again: {KEY}"
    cleaned = scrub(text, (SecretStr(KEY), SecretStr("tok-123456")))
    assert KEY not in cleaned
    assert "tok-123456" not in cleaned
    assert cleaned.count("***") == 3


def test_an_error_never_repeats_a_key_or_token_the_server_echoed() -> None:
    flow = exchange(api.get_task(42), CFG)
    next(flow)
    flow.send(SecretStr("tok-echoed-back"))
    echo = json.dumps({"message": f"token tok-echoed-back for key {KEY} is not allowed here"}).encode()
    with pytest.raises(PermissionDeniedError) as caught:
        flow.send(answer(403, echo))
    for text in (str(caught.value), caught.value.server_message, repr(caught.value)):
        assert KEY not in text
        assert "tok-echoed-back" not in text
    assert "is not allowed here" in str(caught.value)


def test_server_message_prefers_the_json_message_and_clips_long_text() -> None:
    assert server_message(answer(500, b'{"error":"Bad","message":"disk full"}')) == "disk full"
    assert server_message(answer(500, b'{"detail":"nope"}')) == "nope"
    assert server_message(answer(500, b"")) == ""
    long = server_message(answer(500, b"x" * 5000))
    assert len(long) == 300
    assert long.endswith("…")
