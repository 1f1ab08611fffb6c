"""Append-only JSON-lines journal that makes the emulator's state survive a restart, even a SIGKILL.

Every mutation is written as one line with a single ``os.write`` on an ``O_APPEND`` descriptor before the
response leaves, so once a client has seen a reply the change is in the kernel's page cache and a killed
process cannot lose it. Start-up replays the lines (last record per key wins) and rewrites the file compacted,
so the journal stays proportional to the live state rather than to the history.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

Record = dict[str, Any]


class Journal:
    """Persist records to ``path``; with ``path=None`` every method is a cheap no-op (memory-only mode).

    The file holds tokens and credential values, so it is created readable by its owner only.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None

    def replay(self) -> Iterator[Record]:
        """Yield the records in the order they were written.

        A torn last line (the process died mid-write) is skipped: its response was never sent, so nothing a
        client saw is lost.
        """
        if self.path is None or not self.path.exists():
            return
        with self.path.open("rb") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    yield record

    def append(self, record: Record) -> None:
        """Write one record durably enough to survive the death of this process."""
        if self.path is None:
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        line = json.dumps(record, separators=(",", ":"), default=str).encode() + b"\n"
        os.write(self._fd, line)

    def rewrite(self, records: Iterable[Record]) -> None:
        """Replace the journal with ``records`` atomically (compaction at start-up, truncation on reset)."""
        if self.path is None:
            return
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            for record in records:
                handle.write(json.dumps(record, separators=(",", ":"), default=str).encode() + b"\n")
        os.replace(temporary, self.path)

    def close(self) -> None:
        """Close the append descriptor; the next :meth:`append` reopens it."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
