"""A local BotCity Maestro (v2 HTTP API) for tests, benchmarks, demos and offline DAG development.

Run it with ``maestro-emulator`` (see ``docs/emulator.md``), or from Python through
:mod:`botcity_maestro_emulator.testing`. It shares no code with the Airflow provider's client: both
are written from the API reference, so a wrong field name cannot be wrong on both sides.
"""

from __future__ import annotations

from botcity_maestro_emulator.app import create_app
from botcity_maestro_emulator.config import EmulatorConfig

# The one place the version is written; its major is the Maestro API emulated (2.x: Maestro's v2 HTTP API).
__version__ = "2.0.0"

__all__ = ["EmulatorConfig", "__version__", "create_app"]
