"""Bad arguments are refused before any request, with an error that names the argument.

Every test here ends with the emulator's ``requests_total`` still 0: nothing was sent, not even a login.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
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

from ._support import Twin


@pytest.fixture(autouse=True)
def _nothing_was_sent(emulator_state: EmulatorHandle) -> Iterator[None]:
    yield
    assert emulator_state.stats()["requests_total"] == 0


async def refused(call: Awaitable[Any], field: str) -> ValidationError:
    """Await a call that must be refused, naming ``field``; return the error."""
    with pytest.raises(ValidationError) as caught:
        await call
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.field == field or error.field.startswith(f"{field}[")
    assert str(error).startswith(f"{field}")
    return error


# --- task creation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("priority", [11, -1, True, "high", 2.5, None], ids=repr)
async def test_priority_out_of_range_or_not_an_integer(maestro: Twin, priority: object) -> None:
    error = await refused(maestro.tasks.create("invoices", priority=priority), "priority")
    assert "0 to 10" in str(error)


@pytest.mark.parametrize("label", ["", "   ", None, 42], ids=repr)
async def test_activity_label_empty_blank_or_not_text(maestro: Twin, label: object) -> None:
    await refused(maestro.tasks.create(label), "activity_label")


@pytest.mark.parametrize(
    ("parameters", "words"),
    [
        ({"when": datetime(2026, 11, 1, tzinfo=UTC)}, "ISO-8601"),
        ({"day": date(2026, 11, 1)}, "ISO-8601"),
        ({"ids": {1, 2}}, "set"),
        ({"blob": b"\x00\x01"}, "bytes"),
        ({"ratio": math.nan}, "nan"),
        ({"ratio": math.inf}, "inf"),
        ({1: "one"}, "key 1"),
        ({"nested": {"deeper": [1, {2: "x"}]}}, "key 2"),
        (["not", "a", "mapping"], "mapping"),
    ],
    ids=["datetime", "date", "set", "bytes", "nan", "inf", "int-key", "nested-int-key", "list"],
)
async def test_parameters_json_cannot_encode(maestro: Twin, parameters: object, words: str) -> None:
    error = await refused(maestro.tasks.create("invoices", parameters=parameters), "parameters")
    assert words in str(error)


async def test_a_nested_bad_value_is_named_by_its_path(maestro: Twin) -> None:
    error = await refused(
        maestro.tasks.create("invoices", parameters={"rows": [{"at": datetime.now(UTC)}]}), "parameters"
    )
    assert error.field == "parameters['rows'][0]['at']"


@pytest.mark.parametrize("when", ["tomorrow", 1700000000, "2026-13-01"], ids=repr)
async def test_min_execution_date_that_is_no_date(maestro: Twin, when: object) -> None:
    await refused(maestro.tasks.create("invoices", min_execution_date=when), "min_execution_date")


@pytest.mark.parametrize("key", ["", "   "], ids=repr)
async def test_an_empty_idempotency_key(maestro: Twin, key: str) -> None:
    await refused(maestro.tasks.create("invoices", idempotency_key=key), "idempotency_key")


async def test_datapool_values_json_cannot_encode(maestro: Twin) -> None:
    await refused(maestro.datapools.push("orders", {"at": datetime.now(UTC)}), "values")


@pytest.mark.parametrize("label", ["", "  "], ids=repr)
async def test_an_empty_datapool_label(maestro: Twin, label: str) -> None:
    await refused(maestro.datapools.push(label, {"n": 1}), "label")
    await refused(maestro.datapools.summary(label), "label")


# --- ids ---------------------------------------------------------------------------------------------

TASK_CALLS: dict[str, Callable[[Twin, object], Awaitable[Any]]] = {
    "tasks.get": lambda m, i: m.tasks.get(i),
    "tasks.finish": lambda m, i: m.tasks.finish(i, "SUCCESS"),
    "tasks.restart": lambda m, i: m.tasks.restart(i),
    "tasks.interrupt": lambda m, i: m.tasks.interrupt(i),
    "tasks.cancel": lambda m, i: m.tasks.cancel(i),
    "tasks.kill": lambda m, i: m.tasks.kill(i),
    "errors.list": lambda m, i: m.errors.list(i),
    "alerts.create": lambda m, i: m.alerts.create(i, "title", "message"),
}


@pytest.mark.parametrize("operation", list(TASK_CALLS))
@pytest.mark.parametrize("task_id", [0, -1, "0", "-7", "abc", True, 1.5], ids=repr)
async def test_task_ids_must_be_positive_integers(maestro: Twin, operation: str, task_id: object) -> None:
    error = await refused(TASK_CALLS[operation](maestro, task_id), "task_id")
    assert "must be a positive task id" in str(error)


async def test_an_artifact_upload_checks_the_task_id(maestro: Twin, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("x")
    await refused(maestro.artifacts.upload(0, path), "task_id")


@pytest.mark.parametrize("artifact_id", [0, -3, "x"], ids=repr)
async def test_artifact_ids_must_be_positive_integers(
    maestro: Twin, artifact_id: object, tmp_path: Path
) -> None:
    await refused(maestro.artifacts.get(artifact_id), "artifact_id")
    await refused(maestro.artifacts.download(artifact_id, tmp_path / "x"), "artifact_id")


async def test_finish_status_must_be_known(maestro: Twin) -> None:
    error = await refused(maestro.tasks.finish(1, "DONE"), "status")
    assert "SUCCESS" in str(error)


async def test_alert_type_must_be_known(maestro: Twin) -> None:
    await refused(maestro.alerts.create(1, "t", "m", "LOUD"), "alert_type")


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"page": -1}, "page"), ({"size": 0}, "size"), ({"size": 1001}, "size"), ({"days": 0}, "days")],
    ids=["page", "size-0", "size-1001", "days"],
)
async def test_task_listing_bounds(maestro: Twin, arguments: dict[str, int], field: str) -> None:
    await refused(maestro.tasks.list(**arguments), field)


async def test_states_given_as_one_string(maestro: Twin) -> None:
    error = await refused(maestro.tasks.list(states="RUNNING"), "states")
    assert "['RUNNING']" in str(error)


# --- files to upload ---------------------------------------------------------------------------------


async def test_an_upload_path_that_does_not_exist(maestro: Twin, tmp_path: Path) -> None:
    error = await refused(maestro.artifacts.upload(1, tmp_path / "missing.csv"), "path")
    assert "does not exist" in str(error)


async def test_an_upload_path_that_is_a_directory(maestro: Twin, tmp_path: Path) -> None:
    error = await refused(maestro.artifacts.upload(1, tmp_path), "path")
    assert "is a directory" in str(error)


async def test_an_upload_with_an_empty_name(maestro: Twin, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("x")
    await refused(maestro.artifacts.upload(1, path, name="  "), "name")


async def test_a_download_into_a_folder_that_does_not_exist(maestro: Twin, tmp_path: Path) -> None:
    error = await refused(maestro.artifacts.download(1, tmp_path / "missing" / "copy.csv"), "destination")
    assert "does not exist" in str(error)


async def test_a_download_onto_a_directory(maestro: Twin, tmp_path: Path) -> None:
    error = await refused(maestro.artifacts.download(1, tmp_path), "destination")
    assert "is a directory" in str(error)


async def test_a_download_without_a_path(maestro: Twin) -> None:
    await refused(maestro.artifacts.download(1, None), "destination")


UNREADABLE_CHILD = r"""
import json, os, sys
from botcity_provider.client import MaestroClient, TokenCache, ValidationError

url, login, path = sys.argv[1:]
client = MaestroClient(url, login, os.environ["MAESTRO_TEST_KEY"], token_cache=TokenCache())
if os.geteuid() == 0:
    # root reads anything whatever its mode; become "nobody", for whom mode 000 means what it says.
    os.setgid(65534)
    os.setuid(65534)
try:
    open(path, "rb").close()
    readable = True
except PermissionError:
    readable = False
try:
    client.artifacts.upload(1, path)
    outcome = {"raised": None}
except ValidationError as exc:
    outcome = {"raised": "ValidationError", "field": exc.field, "message": str(exc)}
print(json.dumps({"readable": readable, **outcome}))
"""


def test_an_upload_path_that_cannot_be_read(emulator_state: EmulatorHandle) -> None:
    # A folder anyone may enter (pytest's tmp_path is private to root), holding a file no one may read.
    folder = Path(tempfile.mkdtemp(prefix="unreadable-"))
    try:
        folder.chmod(0o755)
        path = folder / "secret.csv"
        path.write_text("a,b\n")
        path.chmod(0o000)
        args = [emulator_state.url, emulator_state.login, str(path)]
        env = {**os.environ, "MAESTRO_TEST_KEY": emulator_state.key}
        done = subprocess.run(
            [sys.executable, "-c", UNREADABLE_CHILD, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout)
    assert outcome["readable"] is False  # the child really could not read it: the check is honest
    assert outcome["raised"] == "ValidationError"
    assert outcome["field"] == "path"
    assert "cannot be read" in outcome["message"]


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
