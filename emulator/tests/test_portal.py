"""The portal pages (``GET /`` and ``GET /tasks/{taskId}``): what they show must be what the API says.

They are read the way a person reads them: the text of each table cell, parsed from the HTML.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import requests

from botcity_maestro_emulator.testing import EmulatorHandle

from .helpers import Api, wait_for

QUICK = {"queue_seconds": 0, "run_seconds": 0.1}


class Page(HTMLParser):
    """The visible text of a page: its heading, its ``<pre>`` blocks, and each table by class."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.heading = ""
        self.pre: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.paragraphs: dict[str, str] = {}
        self.links: list[str] = []
        self._table = ""
        self._tag = ""
        self._text = ""
        self._row: list[str] = []
        self._class = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self._table = found.get("class") or ""
            self.tables[self._table] = []
        elif tag == "tr":
            self._row = []
        elif tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag in ("h1", "pre", "th", "td", "p"):
            self._tag, self._text, self._class = tag, "", found.get("class") or ""

    def handle_data(self, data: str) -> None:
        self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td"):
            self._row.append(self._text)
        elif tag == "tr" and self._table:
            self.tables[self._table].append(self._row)
        elif tag == "table":
            self._table = ""
        elif tag == "h1":
            self.heading = self._text
        elif tag == "pre":
            self.pre.append(self._text)
        elif tag == "p" and self._class:
            self.paragraphs[self._class] = self._text

    def facts(self) -> dict[str, str]:
        return {row[0]: row[1] for row in self.tables["facts"]}

    def grid(self, name: str) -> list[dict[str, str]]:
        header, *rows = self.tables[name]
        return [dict(zip(header, row, strict=True)) for row in rows]


def _get(emulator: EmulatorHandle, path: str) -> requests.Response:
    return requests.get(f"{emulator.url}{path}", timeout=10)


def _page(emulator: EmulatorHandle, task_id: object) -> Page:
    response = _get(emulator, f"/tasks/{task_id}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


def _finished(api: Api, task_id: int) -> dict[str, Any]:
    task: dict[str, Any] = wait_for(lambda: api.task(task_id), lambda t: t["state"] == "FINISHED")
    return task


def _shown(value: Any) -> str:
    return "-" if value is None else str(value)


def test_task_page_shows_what_the_api_says(api: Api, emulator: EmulatorHandle) -> None:
    parameters = {"month": "2026-10", "_emulator": {**QUICK, "items": [40, 39, 1]}}
    task = api.create_task("invoice-bot", parameters=parameters, priority=7)
    seen = _finished(api, task["id"])

    page = _page(emulator, task["id"])

    assert page.heading == f"Task {task['id']}"
    facts = page.facts()
    for label, key in [
        ("Automation", "activityLabel"),
        ("State", "state"),
        ("Finish status", "finishStatus"),
        ("Finish message", "finishMessage"),
        ("Created", "dateCreation"),
        ("Started running", "dateStartRunning"),
        ("Finished", "dateLastModified"),
        ("Runner", "machineId"),
        ("Priority", "priority"),
    ]:
        assert facts[label] == _shown(seen[key]), label
    assert (facts["Test"], facts["Interrupted"], facts["Killed"]) == ("false", "false", "false")
    assert facts["Items processed / failed / total"] == "39 / 1 / 40"
    assert json.loads(page.pre[0]) == seen["parameters"]


def test_a_task_without_items_shows_a_dash(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 60}})
    facts = _page(emulator, task["id"]).facts()
    assert facts["Items processed / failed / total"] == "-"
    assert facts["Finished"] == facts["Started running"] == "-"
    assert "None" not in facts.values()


def test_parameters_are_readable_json_and_escaped(api: Api, emulator: EmulatorHandle) -> None:
    parameters = {"note": "<script>alert(1)</script>", "rows": [1, 2], "città": "São Paulo"}
    task = api.create_task("<b>bold-bot</b>", parameters=parameters)

    response = _get(emulator, f"/tasks/{task['id']}")

    assert "<script>" not in response.text and "<b>" not in response.text
    page = Page(response.text)
    assert page.facts()["Automation"] == "<b>bold-bot</b>"
    assert json.loads(page.pre[0]) == parameters
    assert '\n  "rows": [\n' in page.pre[0], "indented, one key a line"
    assert "São Paulo" in page.pre[0]


def test_a_restarted_task_shows_the_failure_before_the_restart(api: Api, emulator: EmulatorHandle) -> None:
    script = {**QUICK, "outcome": ["FAILED", "SUCCESS"], "message": "portal down"}
    task = api.create_task("crm-bot", parameters={"_emulator": script})
    failed = _finished(api, task["id"])
    restarted = api.update(task["id"], {"state": "START"})
    succeeded = wait_for(lambda: api.task(task["id"]), lambda t: t["finishStatus"] == "SUCCESS")

    first, second = _page(emulator, task["id"]).grid("runs")

    assert first == {
        "Run": "1",
        "Queued": failed["dateCreation"],
        "Picked up": failed["dateStartRunning"],
        "Ended": failed["dateLastModified"],
        "State": "FINISHED",
        "Finish status": "FAILED",
        "Finish message": "portal down",
        "Ended by": "bot",
    }
    assert second == {
        "Run": "2",
        "Queued": restarted["dateLastModified"],
        "Picked up": succeeded["dateStartRunning"],
        "Ended": succeeded["dateLastModified"],
        "State": "FINISHED",
        "Finish status": "SUCCESS",
        "Finish message": succeeded["finishMessage"],
        "Ended by": "bot",
    }


def test_a_killed_task_shows_how_it_ended(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 0, "run_seconds": 60}})
    wait_for(lambda: api.task(task["id"]), lambda t: t["state"] == "RUNNING")
    killed = api.update(task["id"], {"interrupted": True, "killed": True})

    page = _page(emulator, task["id"])

    facts = page.facts()
    assert (facts["State"], facts["Finish status"], facts["Killed"]) == ("FINISHED", "FAILED", "true")
    assert facts["Finished"] == killed["dateLastModified"]
    (run,) = page.grid("runs")
    assert (run["Ended"], run["Ended by"]) == (killed["dateLastModified"], "kill")


def test_a_canceled_task_shows_when(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 60}})
    canceled = api.update(task["id"], {"state": "CANCELED"})
    facts = _page(emulator, task["id"]).facts()
    assert (facts["State"], facts["Canceled"], facts["Finish status"]) == (
        "CANCELED",
        canceled["dateLastModified"],
        "-",
    )


def test_artifacts_and_error_entries_match_the_api(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 60}})
    other = api.create_task("demo")
    created = [
        api.post("/api/v2/artifact", json={"taskId": owner["id"], "name": name, "filename": f"{name}.csv"})
        for owner, name in ((task, "report"), (task, "pending"), (other, "elsewhere"))
    ]
    report = created[0].json()["id"]
    uploaded = api.post(f"/api/v2/artifact/log/{report}", files={"file": ("report.csv", b"a,b\n1,2\n")})
    assert uploaded.status_code == 200, uploaded.text
    body = {"taskId": task["id"], "type": "ValueError", "message": "bad <row> 7", "language": "PYTHON"}
    assert api.post("/api/v2/error", json=body).status_code == 201
    artifacts = api.get("/api/v2/artifact", params={"taskId": task["id"], "sort": "id,asc"}).json()["content"]
    (error,) = api.get("/api/v2/error", params={"taskId": task["id"]}).json()["content"]

    page = _page(emulator, task["id"])

    assert page.grid("artifacts") == [
        {
            "Id": str(a["id"]),
            "Name": a["name"],
            "File": a["fileName"],
            "Size": "not uploaded" if a["size"] is None else f"{a['size']} bytes",
            "Created": a["dateCreation"],
        }
        for a in artifacts
    ]
    assert [row["Size"] for row in page.grid("artifacts")] == ["8 bytes", "not uploaded"]
    assert page.grid("errors") == [
        {"Type": "ValueError", "Message": "bad <row> 7", "Date": error["dateCreation"]}
    ]


def test_a_task_with_nothing_attached_says_so(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task("demo", parameters={"_emulator": {"queue_seconds": 60}})
    page = _page(emulator, task["id"])
    assert page.paragraphs["artifacts"] == "No artifacts."
    assert page.paragraphs["errors"] == "No error entries."


def test_index_lists_every_task_as_the_api_does(api: Api, emulator: EmulatorHandle) -> None:
    finished = api.create_task("payroll-bot", parameters={"_emulator": {**QUICK, "items": [3, 2, 1]}})
    _finished(api, finished["id"])
    queued = api.create_task("report-bot", parameters={"_emulator": {"queue_seconds": 60}})
    listed = api.get("/api/v2/task", params={"sort": "id,desc"}).json()["content"]

    response = _get(emulator, "/")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = Page(response.text)
    assert page.paragraphs["summary"] == "Workspace demo: 2 tasks."
    assert page.grid("tasks") == [
        {
            "Task": str(task["id"]),
            "Automation": task["activityLabel"],
            "State": task["state"],
            "Finish status": _shown(task["finishStatus"]),
            "Items (processed / failed / total)": "2 / 1 / 3" if task["id"] == finished["id"] else "-",
            "Created": task["dateCreation"],
            "Runs": "1",
        }
        for task in listed
    ]
    assert [link for link in page.links if link.startswith("/tasks/")] == [
        f"/tasks/{queued['id']}",
        f"/tasks/{finished['id']}",
    ]
    for link in page.links:
        assert _get(emulator, link).status_code == 200, link


def test_index_of_an_empty_workspace(emulator: EmulatorHandle) -> None:
    page = Page(_get(emulator, "/").text)
    assert page.heading == "Maestro emulator"
    assert page.paragraphs["tasks"] == "No tasks yet."


def test_pages_show_no_key_nor_token(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task("demo", parameters={"_emulator": QUICK})
    _finished(api, task["id"])
    texts = [_get(emulator, "/").text, _get(emulator, f"/tasks/{task['id']}").text]
    for secret in [emulator.key, *emulator.tokens()]:
        assert all(secret not in text for text in texts)


def test_unknown_task_is_a_404_page(emulator: EmulatorHandle) -> None:
    page = _get(emulator, "/tasks/999999")

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "task 999999 not found" in page.text


def test_needs_no_token_and_is_never_counted(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task()
    before = emulator.stats()

    for path in ("/", f"/tasks/{task['id']}", "/", f"/tasks/{task['id']}"):
        assert _get(emulator, path).status_code == 200
    assert _get(emulator, "/tasks/424242").status_code == 404

    after = emulator.stats()
    for key in ("requests", "requests_total", "responses", "faults", "logins"):
        assert after[key] == before[key], key


def test_is_never_faulted_nor_delayed(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task()
    script = [
        {"match": "*", "action": "delay", "seconds": 60, "count": 5},
        {"match": "*", "action": "status", "status": 503, "count": 5},
    ]
    # A latency far beyond the request timeout: a page that went through the fault layer would time out.
    emulator.set_faults(error_rate=1.0, latency_seconds=60.0, script=script)
    try:
        pages = [_get(emulator, path) for path in ("/", f"/tasks/{task['id']}")]
        remaining = emulator.set_faults()["script"]
    finally:
        emulator.clear_faults()

    assert [page.status_code for page in pages] == [200, 200]
    # The portal requests consumed no scripted fault.
    assert [(entry["action"], entry["count"]) for entry in remaining] == [("delay", 5), ("status", 5)]


def test_api_routes_are_still_faulted(api: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(script=[{"match": "GET /api/v2/task/{taskId}", "action": "status", "status": 503}])
    try:
        task = api.create_task()
        faulted = api.get(f"/api/v2/task/{task['id']}")
    finally:
        emulator.clear_faults()

    assert faulted.status_code == 503
    assert emulator.stats()["requests"]["GET /api/v2/task/{taskId}"] == 1


def test_index_lists_automations_runners_and_datapools_as_the_api_does(
    api: Api, emulator: EmulatorHandle
) -> None:
    emulator.add_automation("invoice-bot", name="Invoices", parameters=[{"label": "month", "type": "TEXT"}])
    api.create_task("report-bot", parameters={"region": "north", "_emulator": {"queue_seconds": 60}})
    emulator.add_runner("vm-7", name="Finance VM", online=False)
    api.post("/api/v2/datapool", json={"label": "invoices", "defaultAutomation": "invoice-bot"})
    for amount in (1, 2, 3):
        api.post("/api/v2/datapool/invoices/push", json={"values": {"amount": amount}})
    taken = api.get("/api/v2/datapool/invoices/pull").json()
    api.post(f"/api/v2/datapool/invoices/entry/{taken['id']}", json={"state": "DONE"})

    page = Page(_get(emulator, "/").text)

    automations = api.get("/api/v2/activity").json()
    assert page.grid("automations") == [
        {
            "Label": item["label"],
            "Name": item["name"],
            "Parameters": ", ".join(p["label"] for p in item["parameters"]),
        }
        for item in automations
    ]
    assert {row["Label"]: row["Parameters"] for row in page.grid("automations")} == {
        "invoice-bot": "month",
        "report-bot": "region",
    }
    runners = api.get("/api/v2/machine/pagination", params={"size": 100}).json()["content"]
    shown = {row["Runner"]: (row["Name"], row["Status"]) for row in page.grid("runners")}
    assert shown == {
        item["id"]: (item["name"], "online" if item["isOnline"] else "offline") for item in runners
    }
    assert shown["vm-7"] == ("Finance VM", "offline")
    summary = api.get("/api/v2/datapool/invoices/summary").json()
    assert page.grid("datapools") == [
        {
            "Datapool": "invoices",
            "Default automation": "invoice-bot",
            "Active": "true",
            "Pending": str(summary["countPending"]),
            "Processing": str(summary["countProcessing"]),
            "Done": str(summary["countDone"]),
            "Error": str(summary["countError"]),
            "Consumer": "-",
        }
    ]
    assert (summary["countPending"], summary["countDone"]) == (2, 1)


def test_an_empty_workspace_says_so_for_each_section(emulator: EmulatorHandle) -> None:
    page = Page(_get(emulator, "/").text)
    assert page.paragraphs["automations"] == "No automations yet."
    assert page.paragraphs["datapools"] == "No datapools."
