"""What the admin listing says about a task: its schedule, and what actually happened to each run."""

from __future__ import annotations

from typing import Any

from botcity_maestro_emulator.lifecycle import TERMINAL_STATES, Ending, TaskRecord, runs_of


def describe(record: TaskRecord) -> dict[str, Any]:
    """Return one row of ``GET /_emulator/tasks`` (times in epoch seconds).

    Once the current run has ended, ``run_start_at``, ``finish_at`` and ``outcome`` say what happened, as
    the API does (a canceled task has no outcome); before that, what the run is heading for. ``history``
    lists every run, the current one last.
    """
    s = record.schedule
    if record.state in TERMINAL_STATES:
        run_start_at, finish_at, outcome = s.picked_up_at, s.ended_at, record.wire["finishStatus"]
    else:
        planned = s.planned_end()
        run_start_at = s.picked_up_at if s.picked_up_at is not None else s.run_start_at()
        finish_at = None if planned is None else planned[0]
        outcome = s.outcome if planned is None or planned[1] == Ending.BOT else "FAILED"
    return {
        "id": record.id,
        "state": record.state,
        "activityLabel": record.wire["activityLabel"],
        "created_at": s.created_at,
        "run_start_at": run_start_at,
        "finish_at": finish_at,
        "stop_at": s.stop_at,
        "outcome": outcome,
        "runs": s.runs,
        "automatic": s.automatic,
        "history": runs_of(record),
    }
