"""The emulator for benchmarks: ``python -m botcity_maestro_emulator`` that also stops by itself.

A benchmark killed half-way (Ctrl-C twice, a SIGKILL, a CI timeout) must not leave a server behind: a
watchdog thread ends this process when its parent goes away or when ``--max-seconds`` have passed.
Every other argument goes to the emulator's own command line.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time

CHECK_SECONDS = 0.5
GRACE_SECONDS = 10.0


def watchdog(parent: int, max_seconds: float) -> None:
    """SIGTERM ourselves when the parent is gone or the time is up; exit hard if that did not work."""
    deadline = time.monotonic() + max_seconds
    while os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(CHECK_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_SECONDS)
    os._exit(3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-seconds", type=float, required=True)
    ours, rest = parser.parse_known_args()
    parent = os.getppid()
    threading.Thread(target=watchdog, args=(parent, ours.max_seconds), daemon=True).start()
    from botcity_maestro_emulator.cli import main as emulator_main

    return emulator_main(rest)


if __name__ == "__main__":
    sys.exit(main())
