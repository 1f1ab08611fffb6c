"""``client.request(...)``: any route, with the client's login, retries and errors; bad arguments refused."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import AsyncMaestroClient, MaestroClient, NotFoundError, ValidationError

from ._support import STAY_QUEUED, Twin


async def request(maestro: Twin, *args: Any, **kwargs: Any) -> Any:
    answer = maestro.client.request(*args, **kwargs)
    return await answer if inspect.isawaitable(answer) else answer


def test_both_clients_have_the_same_request() -> None:
    blocking, asyncio = MaestroClient.request, AsyncMaestroClient.request
    assert inspect.iscoroutinefunction(asyncio) and not inspect.iscoroutinefunction(blocking)
    assert inspect.signature(blocking) == inspect.signature(asyncio)
    assert blocking.__doc__ == asyncio.__doc__


async def test_a_get_answers_the_json_the_server_sent(maestro: Twin) -> None:
    task = await maestro.tasks.create("raw", parameters=STAY_QUEUED)
    answer = await request(maestro, "get", f"/api/v2/task/{task.id}")
    assert answer["id"] == task.id and answer["activityLabel"] == "raw"


async def test_params_and_a_json_body_are_sent(maestro: Twin) -> None:
    task = await maestro.tasks.create("raw", parameters=STAY_QUEUED)
    alert = {"taskId": task.id, "title": "t", "message": "m", "type": "WARN"}
    created = await request(maestro, "POST", "/api/v2/alerts", json=alert)
    assert (created["title"], created["type"]) == ("t", "WARN")
    page = await request(maestro, "GET", "/api/v2/task", params={"activityLabel": "raw", "size": 1})
    assert [item["id"] for item in page["content"]] == [task.id]


async def test_a_file_is_streamed_as_the_named_part(maestro: Twin, tmp_path: Path) -> None:
    task = await maestro.tasks.create("raw", parameters=STAY_QUEUED)
    record = await request(
        maestro, "POST", "/api/v2/artifact", json={"taskId": task.id, "name": "a.bin", "filename": "a.bin"}
    )
    payload = tmp_path / "a.bin"
    payload.write_bytes(bytes(range(256)) * 4)
    await request(maestro, "POST", f"/api/v2/artifact/log/{record['id']}", files={"file": payload})
    copy = await maestro.artifacts.download(record["id"], tmp_path / "copy.bin")
    assert copy.read_bytes() == payload.read_bytes()


async def test_an_error_status_is_the_clients_own_error(maestro: Twin) -> None:
    with pytest.raises(NotFoundError) as caught:
        await request(maestro, "GET", "/api/v2/task/987654321")
    assert caught.value.status == 404 and "/api/v2/task/987654321" in str(caught.value)


async def test_a_get_is_retried_on_a_503_and_a_post_is_not(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    task = await maestro.tasks.create("raw", parameters=STAY_QUEUED)
    route = "GET /api/v2/task/{taskId}"
    emulator_state.set_faults(script=[{"match": route, "action": "status", "status": 503, "count": 1}])
    assert (await request(maestro, "GET", f"/api/v2/task/{task.id}"))["id"] == task.id
    assert emulator_state.stats()["requests"][route] == 2
    emulator_state.set_faults(script=[{"match": "POST /api/v2/alerts", "action": "status", "status": 503}])
    body = {"taskId": task.id, "title": "t", "message": "m", "type": "INFO"}
    with pytest.raises(Exception, match="503"):
        await request(maestro, "POST", "/api/v2/alerts", json=body)
    assert emulator_state.stats()["requests"]["POST /api/v2/alerts"] == 1


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("FETCH", "/api/v2/task"), {}, "method: must be one of GET, POST, PUT, PATCH, DELETE, got 'FETCH'"),
        (("GET", "api/v2/task"), {}, "path: must start with /api/ (e.g. /api/v2/task), got 'api/v2/task'"),
        (("POST", "/api/v2/alerts"), {"json": {"when": object()}}, "json: cannot be sent as JSON"),
        (("POST", "/api/v2/alerts"), {"json": {"x": float("nan")}}, "json: cannot be sent as JSON"),
        (("GET", "/api/v2/task"), {"params": ["size", 1]}, "params: must be a mapping"),
        (("POST", "/api/v2/x"), {"files": {"a": __file__, "b": __file__}}, "files: takes one file"),
        (
            ("POST", "/api/v2/x"),
            {"files": {"file": "/nonexistent/x.bin"}},
            "files['file']: '/nonexistent/x.bin'",
        ),
        (("POST", "/api/v2/x"), {"json": {}, "files": {"file": __file__}}, "files: cannot go with json"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    maestro: Twin, emulator_state: EmulatorHandle, args: tuple[str, str], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await request(maestro, *args, **kwargs)
    assert str(caught.value).startswith(message)
    assert emulator_state.stats()["requests_total"] == 0
