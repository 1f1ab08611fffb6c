"""Fixtures of the client tests: both clients behind one interface, and a secret check on every test.

``_secret_hygiene`` runs around every test of this folder: it turns DEBUG logging on for
``botcity_provider``, records every :class:`MaestroError` created during the test, and at the end
fails the test if a log record or an error message (or any error it was chained from) contains the
emulator's key or any token the emulator issued, or if a traceback renderer that shows local variables
(rich, Sentry) would print one from the error's frames. So every error the suite provokes is also a
secret hygiene check.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import AsyncMaestroClient, MaestroClient, MaestroError, TokenCache
from tests.traceback_locals import locals_showing

from ._support import RETRY, Twin, logged_in_sdk

if TYPE_CHECKING:
    from botcity.maestro import BotMaestroSDK


@pytest.fixture(params=["sync", "async"])
async def maestro(
    request: pytest.FixtureRequest, emulator_state: EmulatorHandle, token_cache: TokenCache
) -> AsyncIterator[Twin]:
    """Each client in turn, called the same way: ``await maestro.tasks.get(1)``."""
    args = (emulator_state.url, emulator_state.login, emulator_state.key)
    if request.param == "sync":
        with MaestroClient(*args, retry=RETRY, token_cache=token_cache) as client:
            yield Twin(client)
    else:
        async with AsyncMaestroClient(*args, retry=RETRY, token_cache=token_cache) as aclient:
            yield Twin(aclient)


@pytest.fixture
def sdk(emulator_state: EmulatorHandle) -> BotMaestroSDK:
    """The official SDK, logged in to this test's emulator, for the tests that cross-check with it."""
    return logged_in_sdk(emulator_state)


def _texts(error: BaseException) -> Iterator[str]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        current = current.__cause__ or current.__context__


@pytest.fixture(autouse=True)
def _secret_hygiene(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[list[MaestroError]]:
    caplog.set_level(logging.DEBUG, logger="botcity_provider")
    raised: list[MaestroError] = []

    def recording_init(self: MaestroError, *args: object, **kwargs: object) -> None:
        raised.append(self)
        super(MaestroError, self).__init__(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MaestroError, "__init__", recording_init)
        yield raised
    if "emulator" not in request.fixturenames:
        return
    emulator: EmulatorHandle = request.getfixturevalue("emulator")
    secrets = [emulator.key, *emulator.tokens()]
    for error in raised:
        for text in _texts(error):
            leaked = [secret for secret in secrets if secret in text]
            assert not leaked, f"{type(error).__name__} shows a secret: {text}"
        shown = locals_showing(error, secrets)
        assert not shown, "a traceback showing locals prints a secret: " + "; ".join(shown)
    for record in caplog.get_records("setup") + caplog.get_records("call"):
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"log record from {record.name} shows a secret: {text}"
