"""The HTML of the portal pages: pure functions from the objects the API serves to escaped markup.

Every value goes through :func:`html.escape`, since parameters, labels and messages are user data. Times are
shown exactly as the API spells them, so a person can compare a page with an API answer character by
character. Nothing here can reach a key or a token: the functions only get tasks, runs, artifacts and
error entries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from botcity_maestro_emulator.timefmt import iso

__all__ = ["INDEX_LIMIT", "Workspace", "index_page", "message_page", "task_page"]

INDEX_LIMIT = 500
"""Tasks listed on the index page, newest first; a benchmark can create many thousands."""
_FACTS = (
    ("Automation", "activityLabel"),
    ("State", "state"),
    ("Finish status", "finishStatus"),
    ("Finish message", "finishMessage"),
    ("Created", "dateCreation"),
    ("Started running", "dateStartRunning"),
)
_MORE_FACTS = (
    ("Runner", "machineId"),
    ("Priority", "priority"),
    ("Test", "test"),
    ("Interrupted", "interrupted"),
    ("Killed", "killed"),
)
_ENDED_LABELS = {"FINISHED": "Finished", "CANCELED": "Canceled"}
_STYLE = (
    "body{font-family:sans-serif;margin:2rem;color:#1a202c}h2{margin-top:2rem;font-size:1.2rem}"
    "th{text-align:left;padding:.3rem 1rem .3rem 0;vertical-align:top}td{padding:.3rem 1rem .3rem 0}"
    "thead th{border-bottom:1px solid #cbd5e0}pre{background:#f7fafc;padding:.8rem;overflow:auto}"
    # Times stay on one line in the lists; only the free-text columns (messages) wrap.
    ".runs,.artifacts,.errors,.tasks,.automations,.runners,.datapools,.alerts,.messages{font-size:.9rem}"
    ".runs td,.artifacts td,.errors td,.tasks td{white-space:nowrap}"
    ".runs td:nth-child(7),.errors td:nth-child(2){white-space:normal;min-width:12rem}"
    "footer{margin-top:2rem;color:#718096;font-size:.9rem}"
)


def shown(value: Any) -> str:
    """Return how a page shows a value: ``-`` for nothing, ``true``/``false`` as JSON spells them."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def items_text(task: dict[str, Any]) -> str:
    """Return the item counts as "processed / failed / total", or ``-`` for a task that reports none."""
    counts = [task.get(key) for key in ("processedItems", "failedItems", "totalItems")]
    if all(count is None for count in counts):
        return "-"
    return " / ".join(shown(count) for count in counts)


def _facts(task: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [(label, shown(task.get(key))) for label, key in _FACTS]
    state = str(task.get("state"))
    ended = task.get("dateLastModified") if state in _ENDED_LABELS else None
    rows.append((_ENDED_LABELS.get(state, "Finished"), shown(ended)))
    rows += [(label, shown(task.get(key))) for label, key in _MORE_FACTS]
    rows.append(("Items processed / failed / total", items_text(task)))
    return rows


def _key_values(rows: Iterable[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in rows)
    return f'<table class="facts">{cells}</table>'


def _grid(name: str, headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    """Render a table with a header row, or a sentence when there is nothing to list."""
    if not rows:
        return f'<p class="{name}">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _text_cells(*values: Any) -> list[str]:
    return [escape(shown(value)) for value in values]


def _runs(runs: Sequence[dict[str, Any]]) -> str:
    headers = ("Run", "Queued", "Picked up", "Ended", "State", "Finish status", "Finish message", "Ended by")
    rows = [
        _text_cells(
            run["run"],
            iso(run["queued_at"]),
            iso(run["picked_up_at"]),
            iso(run["ended_at"]),
            run["state"],
            run["finishStatus"],
            run["finishMessage"],
            run["ended_by"],
        )
        for run in runs
    ]
    return _grid("runs", headers, rows, "No runs.")


def _artifacts(artifacts: Sequence[dict[str, Any]]) -> str:
    rows = []
    for artifact in artifacts:
        size = artifact.get("size")
        size_text = "not uploaded" if size is None else f"{size} bytes"
        rows.append(
            _text_cells(artifact["id"], artifact["name"], artifact["fileName"], size_text)
            + _text_cells(artifact["dateCreation"])
        )
    return _grid("artifacts", ("Id", "Name", "File", "Size", "Created"), rows, "No artifacts.")


def _alerts(alerts: Sequence[dict[str, Any]], *, with_task: bool) -> str:
    """The alerts, newest first; the index names each one's task, a task's page does not need to."""
    rows = []
    for alert in list(reversed(alerts))[:INDEX_LIMIT]:
        task_id = int(alert["taskId"])
        task = [f'<a href="/tasks/{task_id}">{task_id}</a>'] if with_task else []
        facts = (alert.get("type"), alert.get("title"), alert.get("message"), alert.get("date"))
        rows.append(task + _text_cells(*facts))
    headers = (("Task",) if with_task else ()) + ("Type", "Title", "Message", "Date")
    return _grid("alerts", headers, rows, "No alerts.")


def _messages(messages: Sequence[dict[str, Any]]) -> str:
    """The e-mail messages, newest first: to whom (addresses, then logins), subject, body."""
    rows = []
    for message in list(reversed(messages))[:INDEX_LIMIT]:
        to = ", ".join([*message.get("emails", []), *message.get("logins", [])])
        facts = (to, message.get("subject"), message.get("body"), message.get("type"), message.get("date"))
        rows.append(_text_cells(*facts))
    return _grid("messages", ("To", "Subject", "Body", "Type", "Date"), rows, "No e-mail messages.")


def _errors(errors: Sequence[dict[str, Any]]) -> str:
    rows = [
        _text_cells(entry.get("type"), entry.get("message"), entry.get("dateCreation")) for entry in errors
    ]
    return _grid("errors", ("Type", "Message", "Date"), rows, "No error entries.")


def task_page(
    task: dict[str, Any],
    runs: Sequence[dict[str, Any]],
    artifacts: Sequence[dict[str, Any]],
    errors: Sequence[dict[str, Any]],
    alerts: Sequence[dict[str, Any]] = (),
) -> str:
    """Render one task: what the API says of it, its parameters, every run, its artifacts, errors and
    alerts."""
    parameters = json.dumps(task.get("parameters") or {}, indent=2, ensure_ascii=False, sort_keys=True)
    body = (
        _key_values(_facts(task))
        + f'<h2>Parameters</h2><pre class="parameters">{escape(parameters)}</pre>'
        + f"<h2>Runs</h2>{_runs(runs)}"
        + f"<h2>Artifacts</h2>{_artifacts(artifacts)}"
        + f"<h2>Error entries</h2>{_errors(errors)}"
        + f"<h2>Alerts</h2>{_alerts(alerts, with_task=False)}"
        + '<p><a href="/">All tasks</a></p>'
    )
    return _page(f"Task {task['id']}", body)


@dataclass(frozen=True)
class Workspace:
    """What the index lists beside the tasks: automations, runners, and datapools with their counts."""

    automations: Sequence[dict[str, Any]] = ()
    runners: Sequence[dict[str, Any]] = ()
    datapools: Sequence[dict[str, Any]] = ()
    pool_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """Datapool label → entry state → how many entries are in it."""
    consumers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Datapool label → the settings of its emulated bot (pools without one are absent)."""
    alerts: Sequence[dict[str, Any]] = ()
    """Every alert posted, in the order they came."""
    messages: Sequence[dict[str, Any]] = ()
    """Every e-mail message "sent", in the order they came."""


def _automations(automations: Sequence[dict[str, Any]]) -> str:
    rows = [
        _text_cells(
            item.get("label"), item.get("name"), ", ".join(p["label"] for p in item.get("parameters") or [])
        )
        for item in automations
    ]
    return _grid("automations", ("Label", "Name", "Parameters"), rows, "No automations yet.")


def _runners(runners: Sequence[dict[str, Any]]) -> str:
    rows = [
        _text_cells(item.get("id"), item.get("name"), "online" if item.get("isOnline") else "offline")
        + _text_cells(item.get("dateLastConnection"))
        for item in runners
    ]
    return _grid("runners", ("Runner", "Name", "Status", "Last connection"), rows, "No runners.")


_POOL_STATES = ("PENDING", "PROCESSING", "DONE", "ERROR")


def consumer_text(settings: dict[str, Any] | None) -> str:
    """Return how the index shows a pool's bot: ``work, 20 items/s``, ``never (stuck)``, or ``-``."""
    if settings is None:
        return "-"
    if settings["mode"] == "never":
        return "never (stuck)"
    text = f"work, {settings['rate']:g} items/s"
    if settings["error_ratio"]:
        text += f", {100 * settings['error_ratio']:g} % fail"
    return text


def _datapools(
    pools: Sequence[dict[str, Any]], counts: dict[str, dict[str, int]], consumers: dict[str, dict[str, Any]]
) -> str:
    rows = []
    for pool in pools:
        label = str(pool["label"])
        of_pool = counts.get(label, {})
        states = [of_pool.get(state, 0) for state in _POOL_STATES]
        bot = consumer_text(consumers.get(label))
        rows.append(_text_cells(label, pool.get("defaultActivity"), pool.get("active"), *states, bot))
    headers = (
        "Datapool",
        "Default automation",
        "Active",
        "Pending",
        "Processing",
        "Done",
        "Error",
        "Consumer",
    )
    return _grid("datapools", headers, rows, "No datapools.")


def index_page(
    workspace: str,
    tasks: Sequence[dict[str, Any]],
    runs: dict[int, int],
    rest: Workspace | None = None,
) -> str:
    """Render the task list, newest first, each task linking to its page, then the rest of the workspace."""
    newest = sorted(tasks, key=lambda task: int(task["id"]), reverse=True)[:INDEX_LIMIT]
    rows = [_index_row(task, runs.get(int(task["id"]), 1)) for task in newest]
    count = f"{len(tasks)} task{'' if len(tasks) == 1 else 's'}"
    if len(tasks) > len(newest):
        count += f", the newest {len(newest)} shown"
    headers = (
        "Task",
        "Automation",
        "State",
        "Finish status",
        "Items (processed / failed / total)",
        "Created",
        "Runs",
    )
    grid = _grid("tasks", headers, rows, "No tasks yet.")
    rest = rest or Workspace()
    sections = (
        f"<h2>Automations</h2>{_automations(rest.automations)}"
        f"<h2>Runners</h2>{_runners(rest.runners)}"
        f"<h2>Datapools</h2>{_datapools(rest.datapools, rest.pool_counts, rest.consumers)}"
        f"<h2>Alerts</h2>{_alerts(rest.alerts, with_task=True)}"
        f"<h2>E-mail messages</h2>{_messages(rest.messages)}"
    )
    summary = f'<p class="summary">Workspace {escape(workspace)}: {count}.</p>'
    return _page("Maestro emulator", f"{summary}<h2>Tasks</h2>{grid}{sections}")


def _index_row(task: dict[str, Any], runs: int) -> list[str]:
    task_id = int(task["id"])
    facts = (task["activityLabel"], task["state"], task["finishStatus"], items_text(task))
    return [f'<a href="/tasks/{task_id}">{task_id}</a>', *_text_cells(*facts, task["dateCreation"], runs)]


def message_page(title: str, message: str) -> str:
    """Render a page that only says something, such as a 404."""
    return _page(title, f"<p>{escape(message)}</p>")


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} - Maestro '
        f"emulator</title><style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}"
        "<footer>BotCity Maestro emulator: a stand-in for the Maestro portal.</footer>"
        "</body></html>"
    )
