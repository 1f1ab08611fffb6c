"""``client.messages`` against the emulator, over loopback HTTP, with each client in turn."""

from __future__ import annotations

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import MaestroAPIError
from botcity_provider.client._endpoints.messages import send_message

from ._support import Twin, refused, requests_to

ROUTE = "POST /api/v2/message"


async def test_send_to_addresses_and_users(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    sent = await maestro.messages.send(
        "Invoices done", "<b>42</b> sent", emails=["ops@example.com"], logins=["ana"], type="HTML"
    )
    assert sent is None
    assert requests_to(emulator_state, ROUTE) == 1
    # The emulator answers 200 with the stored message: it was accepted (its type checked there too).
    assert emulator_state.stats()["responses"] == {"200": 2}  # the login and the message


def test_the_body_is_the_official_sdks() -> None:
    call = send_message("subj", "body", ["a@b.c"], ["user1"], "HTML")
    # The recorded traffic of the official SDK 0.9.1 (maestro-sdk-traffic.jsonl), key for key.
    assert call.json == {
        "emails": ["a@b.c"],
        "logins": ["user1"],
        "subject": "subj",
        "body": "body",
        "type": "HTML",
        "group": "",
    }
    assert (call.method, call.path, call.expected, call.idempotent) == (
        "POST",
        "/api/v2/message",
        frozenset({200}),
        False,
    )


async def test_only_a_200_is_success_and_nothing_is_resent(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    emulator_state.set_faults(script=[{"match": ROUTE, "action": "status", "status": 202}])
    with pytest.raises(MaestroAPIError) as caught:
        await maestro.messages.send("s", "b", logins=["ana"])
    assert caught.value.status == 202
    emulator_state.set_faults(script=[{"match": ROUTE, "action": "status", "status": 503}])
    with pytest.raises(MaestroAPIError) as caught:
        await maestro.messages.send("s", "b", logins=["ana"])
    assert caught.value.status == 503
    assert requests_to(emulator_state, ROUTE) == 2  # a 503 may have mailed everyone: not resent


async def test_a_tuple_or_a_generator_of_recipients_is_fine(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    await maestro.messages.send("s", "b", emails=("a@example.com",), logins=(name for name in ["ana", "bo"]))
    assert requests_to(emulator_state, ROUTE) == 1


# --- bad input: refused before any request -----------------------------------------------------------


async def test_bad_input_no_recipient(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.messages.send("s", "b"), "emails")
    assert message == "emails: is empty and so is logins; give at least one recipient"


async def test_bad_input_a_bad_message_type(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    call = maestro.messages.send("s", "b", logins=["ana"], type="MARKDOWN")
    assert await refused(emulator_state, call, "type") == "type: must be TEXT or HTML, got 'MARKDOWN'"
    await refused(emulator_state, maestro.messages.send("s", "b", logins=["ana"], type="html"), "type")


@pytest.mark.parametrize("address", ["ops", "ops@", "@example.com", "ops@example", "o ps@example.com", 7])
async def test_bad_input_an_address_that_is_no_email(
    maestro: Twin, emulator_state: EmulatorHandle, address: object
) -> None:
    call = maestro.messages.send("s", "b", emails=["ok@example.com", address])
    message = await refused(emulator_state, call, "emails[1]")
    assert message == f"emails[1]: {address!r} is not an e-mail address (name@domain.tld)"


async def test_bad_input_one_string_for_a_list(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(
        emulator_state, maestro.messages.send("s", "b", emails="ops@example.com"), "emails"
    )
    assert message == "emails: must be a list, e.g. ['ops@example.com'], not one string"
    await refused(emulator_state, maestro.messages.send("s", "b", logins=[" "]), "logins[0]")
    await refused(emulator_state, maestro.messages.send(None, "b", logins=["ana"]), "subject")
