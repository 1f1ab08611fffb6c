"""What the emulated bot posts while it runs: the timed error entries and alerts of ``_emulator``.

Like the lifecycle, nothing runs in the background: :func:`due_output` picks the entries whose time has come
whenever a task is refreshed, and the schedule counts how many the current run has posted, so each is posted
once per run and a restart posts them all again. An entry is posted only if it falls strictly inside its run
(from the pick-up to the end, whatever ended it), dated run start + ``after_seconds``, however late the read
that notices it.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import asdict
from typing import Any

from botcity_maestro_emulator.schemas import Overrides

SCREENSHOT_NAME = "screenshot.png"
"""The file name of the screenshot the bot "uploads" with a timed error whose ``screenshot`` is true."""


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


SCREENSHOT_PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\xc0\x30\x30"))
    + _png_chunk(b"IEND", b"")
)
"""A valid PNG of one pixel, so a test that opens the stored screenshot finds an image."""


def plan(overrides: Overrides) -> list[dict[str, Any]]:
    """Return the timed entries of a task in the order they fall due (given order on a tie), as the
    schedule stores them: the :class:`~.schemas.TimedError` or :class:`~.schemas.TimedAlert` fields and
    ``kind`` (``error`` or ``alert``)."""
    entries = [{"kind": "error", **asdict(error)} for error in overrides.timed_errors]
    entries += [{"kind": "alert", **asdict(alert)} for alert in overrides.alerts]
    return sorted(entries, key=lambda entry: float(entry["after_seconds"]))


def due_output(
    planned: list[dict[str, Any]],
    posted: int,
    *,
    picked_up_at: float | None,
    ended_at: float | None,
    at: float,
) -> tuple[list[tuple[float, dict[str, Any]]], int]:
    """Return the entries of ``planned`` the current run posts by ``at``, each with its date, beyond the
    ``posted`` first ones; and the new count of posted entries.

    :param picked_up_at: when the run started (``None`` while it is queued: a queued bot posts nothing).
    :param ended_at: when the run ended, if it has; nothing due from then on is posted.
    """
    if picked_up_at is None:
        return [], posted
    limit = at if ended_at is None else min(at, ended_at)
    due: list[tuple[float, dict[str, Any]]] = []
    while posted < len(planned):
        when = picked_up_at + float(planned[posted]["after_seconds"])
        if when >= limit:
            break
        due.append((when, planned[posted]))
        posted += 1
    return due, posted
