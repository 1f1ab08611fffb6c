"""``client.credentials`` against the emulator, over loopback HTTP, with each client in turn.

Every value used here is in ``VALUES``; after each test no log record of the client (DEBUG included)
and no error raised shows one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import MaestroError, NotFoundError, ValidationError
from botcity_provider.client._models.credentials import Credential, CredentialListing

from ._support import Twin, refused

VALUES = ("p4ssw0rd-alpha", "s3cret-bravo", "t0ken-charlie")
PASSWORD, OTHER, THIRD = VALUES


@pytest.fixture(autouse=True)
def _values_never_shown(
    caplog: pytest.LogCaptureFixture, _secret_hygiene: list[MaestroError]
) -> Iterator[None]:
    yield
    texts = [record.getMessage() for record in caplog.get_records("call")]
    texts += [text for error in _secret_hygiene for text in (str(error), repr(error))]
    for text in texts:
        assert not any(value in text for value in VALUES), text


def stored(emulator: EmulatorHandle, label: str) -> dict[str, Any]:
    """The set as the emulator keeps it (read with the SDK-style route, outside our client)."""
    import requests

    login = requests.post(
        f"{emulator.url}/api/v2/workspace/login", json={"login": emulator.login, "key": emulator.key}
    ).json()
    headers = {"token": login["accessToken"], "organization": emulator.login}
    answer = requests.get(f"{emulator.url}/api/v2/credential/{label}", headers=headers)
    return answer.json() if answer.ok else {}


async def test_set_creates_the_set_then_get_reads_the_value(
    maestro: Twin, emulator_state: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    assert await maestro.credentials.set("erp", "password", PASSWORD) is None
    value = await maestro.credentials.get("erp", "password")
    assert isinstance(value, SecretStr)
    assert value.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(value) and PASSWORD not in str(value)
    assert stored(emulator_state, "erp")["secrets"] == [{"key": "password", "value": PASSWORD, "valid": True}]
    debug = [
        r for r in caplog.get_records("call") if r.levelno == logging.DEBUG and "credential" in r.getMessage()
    ]
    assert len(debug) >= 3  # the read, the create, the value: their lines are checked by _values_never_shown


async def test_set_adds_a_key_to_an_existing_set_and_changes_a_value(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    await maestro.credentials.set("erp", "password", PASSWORD)
    await maestro.credentials.set("erp", "token", SecretStr(OTHER))
    await maestro.credentials.set("erp", "password", THIRD)
    assert sorted(await maestro.credentials.keys("erp")) == ["password", "token"]
    assert (await maestro.credentials.get("erp", "password")).get_secret_value() == THIRD
    assert (await maestro.credentials.get("erp", "token")).get_secret_value() == OTHER


async def test_a_value_is_kept_exactly_with_spaces_and_unicode(maestro: Twin) -> None:
    value = f"  {PASSWORD} çé/?&#  "
    await maestro.credentials.set("odd label é", "k e y", value)
    assert (await maestro.credentials.get("odd label é", "k e y")).get_secret_value() == value


async def test_delete_removes_only_that_key(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    await maestro.credentials.set("erp", "password", PASSWORD)
    await maestro.credentials.set("erp", "token", OTHER)
    assert await maestro.credentials.delete("erp", "password") is None
    assert await maestro.credentials.keys("erp") == ["token"]
    with pytest.raises(NotFoundError) as caught:
        await maestro.credentials.get("erp", "password")
    assert "check the credential label and key" in str(caught.value).lower()
    await maestro.credentials.delete("erp", "token")
    assert await maestro.credentials.keys("erp") == []
    assert stored(emulator_state, "erp")["secrets"] == []


async def test_delete_of_an_unknown_key_writes_nothing(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    await maestro.credentials.set("erp", "password", PASSWORD)
    before = emulator_state.stats()["requests_total"]
    with pytest.raises(ValidationError) as caught:
        await maestro.credentials.delete("erp", "passwd")
    assert str(caught.value) == "key: 'passwd' is not a key of credential 'erp' (its keys: 'password')"
    assert emulator_state.stats()["requests_total"] == before + 1  # the read, no write
    assert await maestro.credentials.keys("erp") == ["password"]


async def test_unknown_set_is_not_found(maestro: Twin) -> None:
    with pytest.raises(NotFoundError):
        await maestro.credentials.keys("nothing")
    with pytest.raises(NotFoundError):
        await maestro.credentials.delete("nothing", "key")
    with pytest.raises(NotFoundError):
        await maestro.credentials.get("nothing", "key")


async def test_list_shows_sets_with_values_hidden(maestro: Twin) -> None:
    await maestro.credentials.set("erp", "password", PASSWORD)
    await maestro.credentials.set("crm", "token", OTHER)
    sets = await maestro.credentials.list()
    assert all(isinstance(one, CredentialListing) for one in sets)
    assert sorted(one.label for one in sets) == ["crm", "erp"]
    erp = next(one for one in sets if one.label == "erp")
    assert erp.keys == ["password"]
    assert erp.value("password") == SecretStr(PASSWORD)
    for shown in (repr(sets), str(sets), erp.model_dump_json(), str(erp.model_dump())):
        assert PASSWORD not in shown and OTHER not in shown


def test_a_set_model_never_shows_its_values() -> None:
    model = Credential.model_validate(
        {"label": "erp", "secrets": [{"key": "password", "value": PASSWORD}, {"key": "pin", "value": 1234}]}
    )
    assert model.value("pin") == SecretStr("1234")
    for shown in (repr(model), str(model), model.model_dump_json(), str(model.model_dump())):
        assert PASSWORD not in shown and "1234" not in shown


# --- bad input: refused before any request -----------------------------------------------------------


@pytest.mark.parametrize("value", [1234, None, b"bytes", ["p"]], ids=repr)
async def test_bad_input_a_value_that_is_not_a_str(
    maestro: Twin, emulator_state: EmulatorHandle, value: object
) -> None:
    message = await refused(emulator_state, maestro.credentials.set("erp", "pin", value), "value")
    assert message == f"value: must be a str or a SecretStr, got {type(value).__name__}"


@pytest.mark.parametrize("label", ["", "   ", None], ids=repr)
async def test_bad_input_an_empty_label(maestro: Twin, emulator_state: EmulatorHandle, label: object) -> None:
    message = await refused(emulator_state, maestro.credentials.get(label, "key"), "label")
    assert message == "label: is empty; give the credential's label"
    await refused(emulator_state, maestro.credentials.set(label, "key", PASSWORD), "label")
    await refused(emulator_state, maestro.credentials.keys(label), "label")


@pytest.mark.parametrize("operation", ["get", "set", "delete"])
async def test_bad_input_an_empty_key(maestro: Twin, emulator_state: EmulatorHandle, operation: str) -> None:
    arguments = ("erp", "", PASSWORD) if operation == "set" else ("erp", "")
    message = await refused(emulator_state, getattr(maestro.credentials, operation)(*arguments), "key")
    assert message == "key: is empty; give the key in the credential set"


async def test_bad_input_a_slash_in_a_label(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.credentials.set("erp/prod", "k", PASSWORD), "label")
    assert message == "label: 'erp/prod' contains '/', which Maestro cannot tell from the path"
