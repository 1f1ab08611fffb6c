"""In-memory state of the emulator, mirrored to the journal so it survives restarts.

Every mutation goes through :meth:`Store.save_task`, :meth:`Store.put` or :meth:`Store.delete`, which write
the journal line before returning; route handlers therefore answer only after the change is durable. The
event loop is single-threaded and no method awaits, so no lock is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botcity_maestro_emulator.journal import Journal, Record
from botcity_maestro_emulator.lifecycle import TaskRecord

KINDS = (
    "token",
    "alert",
    "message",
    "log",
    "log_entry",
    "artifact",
    "error",
    "credential",
    "datapool",
    "entry",
    "automation",
    "bot",
    "runner",
    "runner_log",
    "schedule",
    "consumer",
)
"""Every kind of object besides tasks; each is a mapping id → JSON object.

Kinds added later are simply absent from an older journal, so an old state file still loads."""
_ACTIVE_STATES = ("START", "RUNNING")


class Store:
    """Hold tasks and the other objects; persist every change through a :class:`Journal`."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.tasks: dict[int, TaskRecord] = {}
        self.active: set[int] = set()
        """Ids of tasks that may still move by themselves; the only ones a refresh has to look at."""
        self.objects: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        self._next_task_id = 1
        self._next_artifact_id = 1

    def load(self) -> None:
        """Replay the journal, then compact it to one line per live object."""
        for record in self.journal.replay():
            self._apply(record)
        self.journal.rewrite(self._records())

    def reset(self) -> None:
        """Forget everything, on disk too."""
        self.tasks.clear()
        self.active.clear()
        for objects in self.objects.values():
            objects.clear()
        self._next_task_id = 1
        self._next_artifact_id = 1
        self.journal.rewrite([])

    # --- tasks ------------------------------------------------------------------------------------------

    def new_task_id(self) -> int:
        """Reserve the next task id; ids only grow, also across restarts."""
        task_id = self._next_task_id
        self._next_task_id += 1
        return task_id

    def save_task(self, record: TaskRecord) -> None:
        """Store a new or changed task and journal it."""
        self._index_task(record)
        self.journal.append({"t": "task", "v": record.to_json()})

    def _index_task(self, record: TaskRecord) -> None:
        self.tasks[record.id] = record
        self._next_task_id = max(self._next_task_id, record.id + 1)
        if record.schedule.automatic and record.state in _ACTIVE_STATES:
            self.active.add(record.id)
        else:
            self.active.discard(record.id)

    # --- other objects ----------------------------------------------------------------------------------

    def new_artifact_id(self) -> int:
        """Reserve the next artifact id (artifact ids are integers, like task ids)."""
        artifact_id = self._next_artifact_id
        self._next_artifact_id += 1
        return artifact_id

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        """Return the object of ``kind`` with id ``key``, or ``None``."""
        return self.objects[kind].get(key)

    def values(self, kind: str) -> list[dict[str, Any]]:
        """Return every object of ``kind`` in creation order."""
        return list(self.objects[kind].values())

    def put(self, kind: str, key: str, value: dict[str, Any]) -> dict[str, Any]:
        """Store a new or changed object, journal it and return it."""
        self._put(kind, key, value)
        self.journal.append({"t": kind, "id": key, "v": value})
        return value

    def delete(self, kind: str, key: str) -> dict[str, Any] | None:
        """Remove an object and journal the removal; return what was removed."""
        removed = self.objects[kind].pop(key, None)
        if removed is not None:
            self.journal.append({"t": "del", "kind": kind, "id": key})
        return removed

    def _put(self, kind: str, key: str, value: dict[str, Any]) -> None:
        self.objects[kind][key] = value
        if kind == "artifact":
            self._next_artifact_id = max(self._next_artifact_id, int(value["id"]) + 1)

    # --- journal ----------------------------------------------------------------------------------------

    def _apply(self, record: Record) -> None:
        kind = record.get("t")
        if kind == "task":
            self._index_task(TaskRecord.from_json(record["v"]))
        elif kind == "del" and record.get("kind") in self.objects:
            self.objects[record["kind"]].pop(str(record["id"]), None)
        elif kind in self.objects:
            self._put(str(kind), str(record["id"]), record["v"])

    def _records(self) -> Iterator[Record]:
        for task in self.tasks.values():
            yield {"t": "task", "v": task.to_json()}
        for kind, objects in self.objects.items():
            for key, value in objects.items():
                yield {"t": kind, "id": key, "v": value}
