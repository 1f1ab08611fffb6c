"""Entry point of ``python -m botcity_maestro_emulator`` and of the ``maestro-emulator`` script."""

from __future__ import annotations

import sys

from botcity_maestro_emulator.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
