"""Fixtures for the emulator's own tests: one threaded emulator per session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_thread

from .helpers import QUEUE_SECONDS, RUN_SECONDS, RUNNER_TOKEN, Api


@pytest.fixture(scope="session")
def shared_emulator() -> Iterator[EmulatorHandle]:
    with serve_in_thread(
        queue_seconds=QUEUE_SECONDS, run_seconds=RUN_SECONDS, runner_tokens=[RUNNER_TOKEN]
    ) as emulator:
        yield emulator


@pytest.fixture
def emulator(shared_emulator: EmulatorHandle) -> EmulatorHandle:
    """The shared emulator, reset to a clean state with no faults."""
    shared_emulator.reset()
    return shared_emulator


@pytest.fixture
def anon(emulator: EmulatorHandle) -> Api:
    """A raw client without a token."""
    return Api(emulator)


@pytest.fixture
def api(emulator: EmulatorHandle) -> Api:
    """A raw client logged in to a freshly reset emulator."""
    client = Api(emulator)
    client.login()
    return client
