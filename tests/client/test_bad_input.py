"""Bad arguments are refused before any request, with an error that names the argument.

Every test here ends with the emulator's ``requests_total`` still 0: nothing was sent, not even a login.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import (
    AsyncMaestroClient,
    ClientConfig,
    MaestroClient,
    TokenCache,
    ValidationError,
)

from ._support import Twin, raised_on_unreadable, refused


@pytest.fixture(autouse=True)
def _nothing_was_sent(emulator_state: EmulatorHandle) -> Iterator[None]:
    yield
    assert emulator_state.stats()["requests_total"] == 0


# --- task creation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("priority", [11, -1, True, "high", 2.5, None], ids=repr)
async def test_priority_out_of_range_or_not_an_integer(
    maestro: Twin, emulator_state: EmulatorHandle, priority: object
) -> None:
    error = await refused(emulator_state, maestro.tasks.create("invoices", priority=priority), "priority")
    assert "0 to 10" in str(error)


@pytest.mark.parametrize("label", ["", "   ", None, 42], ids=repr)
async def test_activity_label_empty_blank_or_not_text(
    maestro: Twin, emulator_state: EmulatorHandle, label: object
) -> None:
    await refused(emulator_state, maestro.tasks.create(label), "activity_label")


@pytest.mark.parametrize(
    ("parameters", "field", "words"),
    [
        ({"when": datetime(2026, 11, 1, tzinfo=UTC)}, "parameters['when']", "ISO-8601"),
        ({"day": date(2026, 11, 1)}, "parameters['day']", "ISO-8601"),
        ({"ids": {1, 2}}, "parameters['ids']", "set"),
        ({"blob": b"\x00\x01"}, "parameters['blob']", "bytes"),
        ({"ratio": math.nan}, "parameters['ratio']", "nan"),
        ({"ratio": math.inf}, "parameters['ratio']", "inf"),
        ({1: "one"}, "parameters", "key 1"),
        ({"nested": {"deeper": [1, {2: "x"}]}}, "parameters['nested']['deeper'][1]", "key 2"),
        (["not", "a", "mapping"], "parameters", "mapping"),
    ],
    ids=["datetime", "date", "set", "bytes", "nan", "inf", "int-key", "nested-int-key", "list"],
)
async def test_parameters_json_cannot_encode(
    maestro: Twin, emulator_state: EmulatorHandle, parameters: object, field: str, words: str
) -> None:
    message = await refused(emulator_state, maestro.tasks.create("invoices", parameters=parameters), field)
    assert words in message


async def test_a_nested_bad_value_is_named_by_its_path(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    parameters = {"rows": [{"at": datetime.now(UTC)}]}
    call = maestro.tasks.create("invoices", parameters=parameters)
    await refused(emulator_state, call, "parameters['rows'][0]['at']")


@pytest.mark.parametrize("when", ["tomorrow", 1700000000, "2026-13-01"], ids=repr)
async def test_min_execution_date_that_is_no_date(
    maestro: Twin, emulator_state: EmulatorHandle, when: object
) -> None:
    await refused(
        emulator_state, maestro.tasks.create("invoices", min_execution_date=when), "min_execution_date"
    )


@pytest.mark.parametrize("key", ["", "   "], ids=repr)
async def test_an_empty_idempotency_key(maestro: Twin, emulator_state: EmulatorHandle, key: str) -> None:
    await refused(emulator_state, maestro.tasks.create("invoices", idempotency_key=key), "idempotency_key")


async def test_datapool_values_json_cannot_encode(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    await refused(emulator_state, maestro.datapools.push("orders", {"at": datetime.now(UTC)}), "values['at']")


@pytest.mark.parametrize("label", ["", "  "], ids=repr)
async def test_an_empty_datapool_label(maestro: Twin, emulator_state: EmulatorHandle, label: str) -> None:
    await refused(emulator_state, maestro.datapools.push(label, {"n": 1}), "label")
    await refused(emulator_state, maestro.datapools.summary(label), "label")


# --- ids ---------------------------------------------------------------------------------------------

TASK_CALLS: dict[str, Callable[[Twin, object], Awaitable[Any]]] = {
    "tasks.get": lambda m, i: m.tasks.get(i),
    "tasks.finish": lambda m, i: m.tasks.finish(i, "SUCCESS"),
    "tasks.restart": lambda m, i: m.tasks.restart(i),
    "tasks.interrupt": lambda m, i: m.tasks.interrupt(i),
    "tasks.cancel": lambda m, i: m.tasks.cancel(i),
    "tasks.kill": lambda m, i: m.tasks.kill(i),
    "errors.list": lambda m, i: m.errors.list(i),
    "alerts.list": lambda m, i: m.alerts.list(i),
    "alerts.create": lambda m, i: m.alerts.create(i, "title", "message"),
}


@pytest.mark.parametrize("operation", list(TASK_CALLS))
@pytest.mark.parametrize("task_id", [0, -1, "0", "-7", "abc", True, 1.5], ids=repr)
async def test_task_ids_must_be_positive_integers(
    maestro: Twin, emulator_state: EmulatorHandle, operation: str, task_id: object
) -> None:
    error = await refused(emulator_state, TASK_CALLS[operation](maestro, task_id), "task_id")
    assert "must be a positive task id" in str(error)


async def test_an_artifact_upload_checks_the_task_id(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    path = tmp_path / "a.txt"
    path.write_text("x")
    await refused(emulator_state, maestro.artifacts.upload(0, path), "task_id")


@pytest.mark.parametrize("artifact_id", [0, -3, "x"], ids=repr)
async def test_artifact_ids_must_be_positive_integers(
    maestro: Twin, emulator_state: EmulatorHandle, artifact_id: object, tmp_path: Path
) -> None:
    await refused(emulator_state, maestro.artifacts.get(artifact_id), "artifact_id")
    await refused(emulator_state, maestro.artifacts.download(artifact_id, tmp_path / "x"), "artifact_id")


async def test_finish_status_must_be_known(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    error = await refused(emulator_state, maestro.tasks.finish(1, "DONE"), "status")
    assert "SUCCESS" in str(error)


async def test_alert_type_must_be_known(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    await refused(emulator_state, maestro.alerts.create(1, "t", "m", "LOUD"), "alert_type")


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"page": -1}, "page"), ({"size": 0}, "size"), ({"size": 1001}, "size"), ({"days": 0}, "days")],
    ids=["page", "size-0", "size-1001", "days"],
)
async def test_task_listing_bounds(
    maestro: Twin, emulator_state: EmulatorHandle, arguments: dict[str, int], field: str
) -> None:
    await refused(emulator_state, maestro.tasks.list(**arguments), field)


async def test_states_given_as_one_string(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    error = await refused(emulator_state, maestro.tasks.list(states="RUNNING"), "states")
    assert "['RUNNING']" in str(error)


# --- files to upload ---------------------------------------------------------------------------------


async def test_an_upload_path_that_does_not_exist(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    error = await refused(emulator_state, maestro.artifacts.upload(1, tmp_path / "missing.csv"), "path")
    assert "does not exist" in str(error)


async def test_an_upload_path_that_is_a_directory(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    error = await refused(emulator_state, maestro.artifacts.upload(1, tmp_path), "path")
    assert "is a directory" in str(error)


async def test_an_upload_with_an_empty_name(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    path = tmp_path / "a.txt"
    path.write_text("x")
    await refused(emulator_state, maestro.artifacts.upload(1, path, name="  "), "name")


async def test_a_download_into_a_folder_that_does_not_exist(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    error = await refused(
        emulator_state, maestro.artifacts.download(1, tmp_path / "missing" / "copy.csv"), "destination"
    )
    assert "does not exist" in str(error)


async def test_a_download_onto_a_directory(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    error = await refused(emulator_state, maestro.artifacts.download(1, tmp_path), "destination")
    assert "is a directory" in str(error)


async def test_a_download_without_a_path(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    await refused(emulator_state, maestro.artifacts.download(1, None), "destination")


def test_an_upload_path_that_cannot_be_read(emulator_state: EmulatorHandle) -> None:
    raised = raised_on_unreadable(emulator_state, "client.artifacts.upload(1, path)", "secret.csv", b"a,b\n")
    assert (raised.error, raised.field) == ("ValidationError", "path")
    assert "cannot be read" in raised.message


# --- settings ----------------------------------------------------------------------------------------

CLIENT_CLASSES = [MaestroClient, AsyncMaestroClient]


def settings_refused(server: str, login: str, key: str, field: str) -> list[str]:
    """Check that ClientConfig and both clients refuse the settings; return the messages."""
    messages = []
    for build in (ClientConfig, *CLIENT_CLASSES):
        with pytest.raises(ValidationError) as caught:
            build(server, login, key, token_cache=TokenCache()) if build is not ClientConfig else build(
                server, login, key
            )
        assert caught.value.field == field
        assert str(caught.value).startswith(f"{field}: ")
        messages.append(str(caught.value))
    return messages


def test_a_server_without_scheme() -> None:
    for message in settings_refused("developers.botcity.dev", "demo", "demo-key", "server"):
        assert "https://developers.botcity.dev" in message


@pytest.mark.parametrize("server", ["ftp://x", "file:///etc/passwd", "https://", "   ", ""], ids=repr)
def test_a_server_that_is_not_an_http_url(server: str) -> None:
    settings_refused(server, "demo", "demo-key", "server")


@pytest.mark.parametrize(
    "server",
    [
        "https://acme:hunter2-pw@developers.botcity.dev",
        "https://hunter2-pw@developers.botcity.dev",
        "acme:hunter2-pw@developers.botcity.dev",
        "ftp://acme:hunter2-pw@x",
    ],
)
def test_a_server_with_credentials_is_refused_without_repeating_them(server: str) -> None:
    for message in settings_refused(server, "demo", "demo-key", "server"):
        assert "hunter2-pw" not in message
        assert "login and key" in message


@pytest.mark.parametrize("login", ["", "   "], ids=repr)
def test_an_empty_login(login: str) -> None:
    settings_refused("https://developers.botcity.dev", login, "demo-key", "login")


@pytest.mark.parametrize("key", ["", "   "], ids=repr)
def test_an_empty_key(key: str) -> None:
    settings_refused("https://developers.botcity.dev", "demo", key, "key")


@pytest.mark.parametrize("timeout", [0, -1.0, math.nan], ids=repr)
def test_a_timeout_that_is_not_positive(timeout: float) -> None:
    with pytest.raises(ValidationError) as caught:
        ClientConfig("https://developers.botcity.dev", "demo", "demo-key", timeout_seconds=timeout)
    assert caught.value.field == "timeout_seconds"
