"""Uploads streamed straight to disk, and the folder that holds them.

A 50 MB artifact must not cost 50 MB of memory: the multipart body is fed chunk by chunk to
python-multipart's streaming parser, whose part data goes into a buffer that is flushed to the destination
file (in a worker thread, so the event loop never waits on the disk) every :data:`FLUSH_BYTES`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from botcity_maestro_emulator.errors import bad_request

FLUSH_BYTES = 1 << 20
FILE_FIELD = "file"


@dataclass(frozen=True)
class Upload:
    """What was received: the part's file name, the bytes written, their SHA-256, the part's media type."""

    filename: str | None
    size: int
    sha256: str = ""
    content_type: str | None = None


class FileArea:
    """The folder for uploaded files: ``<state_file>.files/`` beside the state file, else a temporary one."""

    def __init__(self, state_file: Path | None) -> None:
        self._temporary = state_file is None
        if state_file is None:
            self.root = Path(tempfile.mkdtemp(prefix="maestro-emulator-"))
        else:
            self.root = state_file.with_name(state_file.name + ".files")
            self.root.mkdir(parents=True, exist_ok=True)

    def artifact_path(self, artifact_id: int) -> Path:
        return self.root / "artifacts" / str(artifact_id)

    def write_artifact(self, artifact_id: int, pattern: bytes, size: int) -> int:
        """Write an artifact's file as ``pattern`` repeated and cut to ``size`` bytes, a chunk at a time
        (a bot's result file of any size costs no memory); return the bytes written."""
        destination = self.artifact_path(artifact_id)
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".part")
        chunk = pattern * max(1, FLUSH_BYTES // max(1, len(pattern)))
        with partial.open("wb") as out:
            left = size
            while left > 0:
                piece = chunk[:left]
                out.write(piece)
                left -= len(piece)
        os.replace(partial, destination)
        return size

    def error_file_path(self, error_id: str, slot: str) -> Path:
        return self.root / "errors" / error_id / slot

    def bot_path(self, record_id: object) -> Path:
        """A bot build's file, named by its record's id: never by a path segment of a request."""
        return self.root / "bots" / str(record_id)

    def clear(self) -> None:
        """Delete every uploaded file (``POST /_emulator/reset``)."""
        for child in ("artifacts", "errors", "bots"):
            shutil.rmtree(self.root / child, ignore_errors=True)

    def close(self) -> None:
        """Remove the folder if it was a temporary one; a state file's folder is kept."""
        if self._temporary:
            shutil.rmtree(self.root, ignore_errors=True)


class _PartSink:
    """python-multipart callbacks that keep the data of the first file part and drop everything else."""

    def __init__(self) -> None:
        self.pending: list[bytes] = []
        self.pending_bytes = 0
        self.size = 0
        self.filename: str | None = None
        self.content_type: str | None = None
        self.digest = hashlib.sha256()
        self.found = False
        self._done = False
        self._active = False
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""

    def on_part_begin(self) -> None:
        self._headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._field.strip().lower()] = self._value.strip()
        self._field = self._value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        self._active = not self._done and (name == FILE_FIELD or raw_filename is not None)
        if self._active:
            self.found = True
            self.filename = None if raw_filename is None else raw_filename.decode("utf-8", "replace")
            raw_type = self._headers.get(b"content-type")
            self.content_type = None if raw_type is None else raw_type.decode("latin-1")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._active:
            piece = bytes(data[start:end])
            self.digest.update(piece)
            self.pending.append(piece)
            self.pending_bytes += len(piece)
            self.size += len(piece)

    def on_part_end(self) -> None:
        if self._active:
            self._done = True
            self._active = False

    def take(self) -> bytes:
        data = b"".join(self.pending)
        self.pending.clear()
        self.pending_bytes = 0
        return data

    def parser(self, boundary: bytes) -> MultipartParser:
        return MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self.on_part_begin,
                "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value,
                "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished,
                "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end,
            },
        )


async def receive_file(request: Request, destination: Path) -> Upload:
    """Stream the ``file`` part of a multipart request into ``destination``, replacing it atomically.

    :raises ApiError: 400 when the body is not multipart or has no file part.
    """
    media_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise bad_request("Content-Type", "must be multipart/form-data with a boundary")
    sink = _PartSink()
    parser = sink.parser(boundary)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    handle = partial.open("wb")
    try:
        await _pump(request, parser, sink, handle)
    except BaseException as exc:
        handle.close()
        partial.unlink(missing_ok=True)
        if isinstance(exc, MultipartParseError):
            raise bad_request("body", f"malformed multipart body ({exc})") from exc
        raise
    handle.close()
    if not sink.found:
        partial.unlink(missing_ok=True)
        raise bad_request(FILE_FIELD, "the multipart field 'file' is missing")
    os.replace(partial, destination)
    return Upload(sink.filename, sink.size, sink.digest.hexdigest(), sink.content_type)


async def _pump(request: Request, parser: MultipartParser, sink: _PartSink, handle: BinaryIO) -> None:
    async for chunk in request.stream():
        parser.write(chunk)
        if sink.pending_bytes >= FLUSH_BYTES:
            await asyncio.to_thread(handle.write, sink.take())
    parser.finalize()
    rest = sink.take()
    if rest:
        await asyncio.to_thread(handle.write, rest)
