"""Where the items of a datapool push come from: a list, or a JSON Lines or CSV file anywhere Airflow's
``ObjectStoragePath`` reaches (local, S3, GCS...), read as a stream.

Each item comes with its key: the value of ``key_field`` when one is named, else its position in the
source. The key is what finds an item already in the pool on a retry, so it must name one item only;
:meth:`ItemSource.check` reads the whole source once before anything is sent, so that a bad line (not
JSON, not an object, no key, a key seen twice) fails the task before its first push, not halfway.
Keys are kept (a set of text), items never are: memory stays flat whatever the file's size.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Literal

__all__ = ["Item", "ItemSource", "ItemsError"]

Format = Literal["jsonl", "csv"]
_SUFFIXES: dict[str, Format] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}


class ItemsError(ValueError):
    """The items cannot be pushed as given; the message says which one and why."""


@dataclass(frozen=True)
class Item:
    """One item to push: its position in the source, its key and its values."""

    index: int
    key: str
    values: dict[str, Any]


class ItemSource:
    """The items of one push, readable as many times as needed (a file is opened again each time).

    :param items: a list of mappings, or a path (text, ``os.PathLike`` or ``ObjectStoragePath``) of a
        ``.jsonl``/``.ndjson`` or ``.csv`` file, optionally gzipped (``.jsonl.gz``).
    :param key_field: the field of each item that names it; None keys items by position.
    :param items_format: ``jsonl`` or ``csv`` for a file whose name does not say.
    :param reserved_field: a field no item may have (where the push keeps each item's key).
    """

    def __init__(
        self,
        items: object,
        *,
        key_field: str | None,
        items_format: str | None = None,
        reserved_field: str | None = None,
    ) -> None:
        self.key_field = key_field
        self.reserved_field = reserved_field
        self._rows: Sequence[object] | None = None
        self._path: Any = None
        self._format: Format | None = None
        if isinstance(items, str | os.PathLike) or _is_storage_path(items):
            self._path = _storage_path(items)
            self._format = _format_of(self._path, items_format)
        elif isinstance(items, Sequence) and not isinstance(items, bytes | bytearray):
            self._rows = items
        else:
            raise ItemsError(
                "items: give a list of items, or the path of a JSON Lines or CSV file, "
                f"not {type(items).__name__}"
            )

    def describe(self) -> str:
        """What the items are, for the log."""
        if self._rows is not None:
            return f"{len(self._rows)} item(s) from a list"
        return f"the items of {self._path}"

    def check(self) -> int:
        """Read every item once and return how many there are; raise :class:`ItemsError` on the first
        bad one, before anything is pushed."""
        seen: dict[str, int] = {}
        count = 0
        for item in self:
            if (first := seen.setdefault(item.key, item.index)) != item.index:
                raise ItemsError(
                    f"items: {self._where(item.index)} has the same {self.key_field!r} as "
                    f"{self._where(first)} ({item.key!r}): each item needs a key of its own"
                )
            count += 1
        return count

    def __iter__(self) -> Iterator[Item]:
        for index, row in enumerate(self._raw()):
            values = self._values(index, row)
            yield Item(index, self._key(index, values), values)

    def _raw(self) -> Iterator[object]:
        if self._rows is not None:
            yield from self._rows
            return
        with _opened(self._path) as stream:
            if self._format == "csv":
                yield from csv.DictReader(stream)
                return
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    raise ItemsError(f"items: line {number} of {self._path} is not JSON: {exc}") from exc

    def _values(self, index: int, row: object) -> dict[str, Any]:
        if not isinstance(row, Mapping):
            raise ItemsError(f"items: {self._where(index)} is {type(row).__name__}, not an object of values")
        values = dict(row)
        if self.reserved_field is not None and self.reserved_field in values:
            raise ItemsError(
                f"items: {self._where(index)} has a field {self.reserved_field!r}, where the push keeps "
                "each item's key; rename it, or choose another idempotency_field"
            )
        if self._rows is not None:
            try:
                json.dumps(values)
            except (TypeError, ValueError) as exc:
                raise ItemsError(f"items: {self._where(index)} cannot be sent as JSON: {exc}") from exc
        return values

    def _key(self, index: int, values: Mapping[str, Any]) -> str:
        if self.key_field is None:
            return str(index)
        value = values.get(self.key_field)
        if value is None or isinstance(value, bool | dict | list) or str(value) == "":
            raise ItemsError(f"items: {self._where(index)} has no usable {self.key_field!r} (key_field)")
        return str(value)

    def _where(self, index: int) -> str:
        return f"item {index}" if self._rows is not None else f"item {index} of {self._path}"


def _is_storage_path(value: object) -> bool:
    # An ObjectStoragePath (any Airflow version) without importing it: what a path of any store has.
    return callable(getattr(value, "open", None)) and hasattr(value, "suffix") and hasattr(value, "protocol")


def _storage_path(value: object) -> Any:
    if _is_storage_path(value):
        return value
    text = os.fspath(value)  # type: ignore[call-overload]
    if "://" not in text:
        from pathlib import Path

        return Path(text)
    try:
        from airflow.sdk import ObjectStoragePath
    except ImportError:  # Airflow 2
        from airflow.io.path import ObjectStoragePath  # type: ignore[no-redef]
    return ObjectStoragePath(text)


def _format_of(path: Any, given: str | None) -> Format:
    if given is not None:
        if given not in ("jsonl", "csv"):
            raise ItemsError(f"items_format: must be 'jsonl' or 'csv', got {given!r}")
        return given  # type: ignore[return-value]
    suffixes = [suffix.lower() for suffix in getattr(path, "suffixes", [])]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    if suffixes and suffixes[-1] in _SUFFIXES:
        return _SUFFIXES[suffixes[-1]]
    raise ItemsError(
        f"items: cannot tell the format of {path} from its name (.jsonl, .ndjson or .csv); "
        "say it with items_format='jsonl' or 'csv'"
    )


@contextmanager
def _opened(path: Any) -> Iterator[IO[str]]:
    try:
        raw = path.open("rb")
    except FileNotFoundError as exc:
        raise ItemsError(f"items: {path} does not exist") from exc
    except OSError as exc:
        raise ItemsError(f"items: {path} cannot be read: {exc.strerror or exc}") from exc
    with raw:
        binary = gzip.GzipFile(fileobj=raw) if str(path).lower().endswith(".gz") else raw
        # newline="": the csv module reads quoted line breaks itself.
        with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:
            yield text
