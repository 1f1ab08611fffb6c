"""The pytest plugin of ``botcity-maestro-emulator``: a ``botcity_maestro_emulator`` fixture.

Installed with the distribution (entry point ``pytest11``), so any project that has the emulator
installed gets the fixture without a conftest::

    def test_my_dag(botcity_maestro_emulator):
        emulator = botcity_maestro_emulator
        client = MyMaestroClient(emulator.url, emulator.login, emulator.key)
        ...
        assert emulator.stats()["logins"] >= 1

One emulator runs per test session, in a thread on a free ``127.0.0.1`` port, and is reset (no tasks,
no faults) before each test that asks for it. Disable the plugin with ``-p no:botcity_maestro_emulator``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_thread

__all__ = ["botcity_maestro_emulator", "botcity_maestro_emulator_session"]


@pytest.fixture(scope="session")
def botcity_maestro_emulator_session() -> Iterator[EmulatorHandle]:
    """The session's emulator, started on first use and stopped at the end of the session."""
    with serve_in_thread() as handle:
        yield handle


@pytest.fixture
def botcity_maestro_emulator(botcity_maestro_emulator_session: EmulatorHandle) -> EmulatorHandle:
    """The session's emulator, reset to a clean state: ``url``, ``login``, ``key``, ``stats()``..."""
    botcity_maestro_emulator_session.reset()
    return botcity_maestro_emulator_session
