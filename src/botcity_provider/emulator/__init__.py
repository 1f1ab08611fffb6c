"""A local BotCity Maestro (v2 HTTP API) for tests, benchmarks, demos and offline DAG development.

Run it with ``maestro-emulator`` (see ``docs/emulator.md``), or from Python through
:mod:`botcity_provider.emulator.testing`. It shares no code with :mod:`botcity_provider.client`: both are
written from the API reference, so a wrong field name cannot be wrong on both sides.
"""

from __future__ import annotations

from botcity_provider.emulator.app import create_app
from botcity_provider.emulator.config import EmulatorConfig

__all__ = ["EmulatorConfig", "create_app"]
