"""The ``pytest11`` plugin: its fixture is a reset emulator on a free loopback port."""

from __future__ import annotations

import json
import urllib.request

from botcity_maestro_emulator.testing import EmulatorHandle


def _login(handle: EmulatorHandle) -> None:
    body = json.dumps({"login": handle.login, "key": handle.key}).encode()
    request = urllib.request.Request(f"{handle.url}/api/v2/workspace/login", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_the_fixture_is_a_running_loopback_emulator(botcity_maestro_emulator: EmulatorHandle) -> None:
    assert botcity_maestro_emulator.url.startswith("http://127.0.0.1:")
    assert not botcity_maestro_emulator.url.endswith(":0")
    _login(botcity_maestro_emulator)
    assert botcity_maestro_emulator.stats()["logins"] == 1


def test_the_fixture_is_reset_between_tests(botcity_maestro_emulator: EmulatorHandle) -> None:
    # The previous test logged in once; this one starts from zero again.
    assert botcity_maestro_emulator.stats()["logins"] == 0
    assert botcity_maestro_emulator.tokens() == []
