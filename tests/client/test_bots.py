"""``client.bots`` against the emulator, over loopback HTTP, with each client in turn."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import ConflictError, NotFoundError
from botcity_provider.client._endpoints.bots import content_type_of
from botcity_provider.client._models.bots import BotVersion

from ._support import Twin, collect, raised_on_unreadable, refused

PACKAGE = b"PK\x03\x04" + bytes(range(256)) * 64
MIB = 1 << 20


@pytest.fixture
def package(tmp_path: Path) -> Path:
    path = tmp_path / "invoices.zip"
    path.write_bytes(PACKAGE)
    return path


async def test_deploy_upload_release_get_delete(
    maestro: Twin, emulator_state: EmulatorHandle, package: Path
) -> None:
    assert await maestro.bots.deploy("invoices", "1.0") is None
    (deployed,) = await maestro.bots.versions("invoices")
    assert isinstance(deployed, BotVersion)
    assert (deployed.bot_id, deployed.version, deployed.technology) == ("invoices", "1.0", "PYTHON")
    assert (deployed.released, deployed.file_name, deployed.command) == (False, None, None)
    assert deployed.organization_label == emulator_state.login

    assert await maestro.bots.upload("invoices", "1.0", package) is None
    assert await maestro.bots.release("invoices", "1.0") is None
    fetched = await maestro.bots.get("invoices", "1.0")
    assert (fetched.released, fetched.file_name, fetched.size) == (True, "invoices.zip", len(PACKAGE))
    assert fetched.date_release is not None and fetched.date_release.tzinfo is not None
    # Fields no source names stay readable in model_extra (unverified model).
    extra = fetched.model_extra or {}
    assert extra["sha256"] == hashlib.sha256(PACKAGE).hexdigest()
    assert extra["contentType"] == "application/zip"  # guessed from the name, as the deploy action does
    assert emulator_state.stats()["bytes_uploaded"] == len(PACKAGE)

    assert await maestro.bots.delete("invoices", "1.0") is None
    with pytest.raises(NotFoundError, match=r"bots\.deploy"):
        await maestro.bots.get("invoices", "1.0")
    assert await maestro.bots.versions("invoices") == []


async def test_deploy_sends_the_technology_upper_cased_and_the_command(maestro: Twin) -> None:
    await maestro.bots.deploy("reports", "2.1", technology="java", command="java -jar bot.jar")
    fetched = await maestro.bots.get("reports", "2.1")
    assert (fetched.technology, fetched.command) == ("JAVA", "java -jar bot.jar")


async def test_a_given_content_type_is_the_one_sent(maestro: Twin, package: Path) -> None:
    await maestro.bots.deploy("invoices", "1.0")
    await maestro.bots.upload("invoices", "1.0", str(package), content_type="application/x-botcity")
    fetched = await maestro.bots.get("invoices", "1.0")
    assert (fetched.model_extra or {})["contentType"] == "application/x-botcity"


def test_the_content_type_is_guessed_from_the_name() -> None:
    assert content_type_of(Path("bot.zip"), None) == "application/zip"
    assert content_type_of(Path("bot.tar.gz"), None) == "application/gzip"
    assert content_type_of(Path("bot.jar"), None) == "application/java-archive"
    assert content_type_of(Path("bot"), None) == "application/octet-stream"


async def test_a_second_deploy_of_a_version_is_a_conflict_and_not_resent(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    await maestro.bots.deploy("invoices", "1.0")
    with pytest.raises(ConflictError):
        await maestro.bots.deploy("invoices", "1.0")
    assert emulator_state.stats()["requests"]["POST /api/v2/bot"] == 2


async def test_unknown_versions_are_not_found(maestro: Twin, package: Path) -> None:
    with pytest.raises(NotFoundError, match=r"bots\.deploy"):
        await maestro.bots.upload("invoices", "9.9", package)
    with pytest.raises(NotFoundError):
        await maestro.bots.release("invoices", "9.9")
    with pytest.raises(NotFoundError):
        await maestro.bots.delete("invoices", "9.9")


async def test_list_pages_and_filters(maestro: Twin) -> None:
    for bot, version in [("invoices", "1.0"), ("invoices", "1.1"), ("payroll", "1.0")]:
        await maestro.bots.deploy(bot, version)
    first = await maestro.bots.list(size=2)
    second = await maestro.bots.list(size=2, page=1)
    assert (first.total_elements, first.total_pages, first.last, second.last) == (3, 2, False, True)
    seen = {(bot.bot_id, bot.version) for bot in first.content + second.content}
    assert seen == {("invoices", "1.0"), ("invoices", "1.1"), ("payroll", "1.0")}
    only = await maestro.bots.list(bot_id="payroll")
    assert [(bot.bot_id, bot.version) for bot in only.content] == [("payroll", "1.0")]


async def test_iter_walks_every_page(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    for version in ("1.0", "1.1", "1.2"):
        await maestro.bots.deploy("invoices", version)
    versions = [bot.version for bot in await collect(await maestro.bots.iter(bot_id="invoices", size=1))]
    assert sorted(versions) == ["1.0", "1.1", "1.2"]
    assert emulator_state.stats()["requests"]["GET /api/v2/bot/pagination"] == 3


async def test_upload_memory_does_not_grow_with_the_file(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    big = tmp_path / "big.zip"
    digest = hashlib.sha256()
    with big.open("wb") as out:  # 32 MiB, each MiB different, written a MiB at a time
        block = os.urandom(MIB)
        for index in range(32):
            chunk = index.to_bytes(8, "big") + block[8:]
            out.write(chunk)
            digest.update(chunk)
    size = big.stat().st_size
    await maestro.bots.deploy("big", "1.0")
    tracemalloc.start()
    try:
        await maestro.bots.upload("big", "1.0", big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    fetched = await maestro.bots.get("big", "1.0")
    assert (fetched.size, (fetched.model_extra or {})["sha256"]) == (size, digest.hexdigest())
    # Client and emulator (which runs in this process too) together: about 3 MB whatever the size (the
    # emulator flushes to disk every MiB), far under one copy of the file.
    assert peak < size // 4, peak


# --- bad input: refused before any request -----------------------------------------------------------


@pytest.mark.parametrize("bot_id", ["", "   "], ids=repr)
async def test_an_empty_bot_id(maestro: Twin, emulator_state: EmulatorHandle, bot_id: str) -> None:
    message = await refused(emulator_state, maestro.bots.deploy(bot_id, "1.0"), "bot_id")
    assert message == "bot_id: is empty; give the bot's id"
    await refused(emulator_state, maestro.bots.versions(bot_id), "bot_id")
    await refused(emulator_state, maestro.bots.list(bot_id=bot_id), "bot_id")


async def test_a_bot_id_that_is_not_text(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.bots.versions(42), "bot_id")
    assert message == "bot_id: must be a string, got int"


async def test_a_bot_id_with_a_slash(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.bots.get("a/b", "1.0"), "bot_id")
    assert "contains '/'" in message


async def test_an_empty_version(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.bots.release("invoices", ""), "version")
    assert message == "version: is empty; give the version, e.g. '1.0'"


async def test_an_empty_technology(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(
        emulator_state, maestro.bots.deploy("invoices", "1.0", technology=""), "technology"
    )
    assert message == "technology: is empty; give the bot's technology, e.g. 'PYTHON'"


async def test_a_missing_file(maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path) -> None:
    missing = tmp_path / "nothing.zip"
    message = await refused(emulator_state, maestro.bots.upload("invoices", "1.0", missing), "path")
    assert message == f"path: {str(missing)!r} does not exist"


async def test_a_bad_content_type(maestro: Twin, emulator_state: EmulatorHandle, package: Path) -> None:
    call = maestro.bots.upload("invoices", "1.0", package, content_type="zip\r\nX-Evil: 1")
    message = await refused(emulator_state, call, "content_type")
    assert message.startswith("content_type: must be a media type like 'application/zip'")


def test_an_unreadable_file(emulator_state: EmulatorHandle) -> None:
    statement = "client.bots.upload('invoices', '1.0', path)"
    raised = raised_on_unreadable(emulator_state, statement, "bot.zip", PACKAGE)
    assert (raised.error, raised.field) == ("ValidationError", "path")
    assert raised.message.startswith(f"path: {str(raised.path)!r} cannot be read")
    assert emulator_state.stats()["requests_total"] == 0
