"""One JSON line per API request, for tests that judge traffic from outside the processes that sent it.

The stats say how many requests each route had; this log says when, which request (method and path, no
query string), with which answer and from which client (its ``User-Agent``), so a test of a whole Airflow
deployment can count the requests of each triggerer per poll cycle or the logins of each worker process.
Written with one ``os.write`` per line on an ``O_APPEND`` descriptor, so a reader never sees half a line
and a killed emulator loses nothing it answered.
No header but the user agent is written: tokens and keys never reach the file.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


class RequestLog:
    """Append request lines to ``path``; with ``path=None`` :meth:`write` does nothing."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None

    def write(self, route: str, answer: int | str, agent: str, request: str = "") -> None:
        """Record one request: its route key, the status sent (or the fault, e.g. ``drop``), the client,
        and the request itself (method and path, no query: which task a read was for)."""
        if self.path is None:
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        line = {
            "t": round(time.time(), 4),
            "route": route,
            "answer": answer,
            "agent": agent,
            "request": request,
        }
        os.write(self._fd, json.dumps(line, separators=(",", ":")).encode() + b"\n")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
