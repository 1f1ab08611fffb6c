"""The provider as a person meets it in Airflow's UI: the connection form and its Test button, a DAG run
that defers, and the "BotCity Maestro task" link.

Runs against ``make airflow``'s setup (a real api-server, scheduler, dag-processor and triggerer, and the
Maestro emulator), driven by Debian's chromium. Screenshots go to ``docs/img/`` for the user guide.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import quote, unquote

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle

from ._support import SCREENSHOTS, AirflowApi

CONN_TYPE = "botcity"
LABELS = {
    "host": "Server URL",
    "port": "Server port",
    "login": "Workspace login",
    "password": "Workspace key",
}
EXTRA_LABELS = {
    "timeout_seconds": "Request timeout (seconds)",
    "verify": "Verify TLS certificate",
    "ca_bundle": "CA bundle path",
    "max_retries": "Retries per request",
    "portal_url": "Portal URL",
}
# Airflow 3.3.1-3.3.2 send port 0 for a connection without a port and refuse the test (apache/airflow#73298).
PORT_ZERO_BUG = "host or port to test differs from the stored connection"
MADE_BY_MAKE_AIRFLOW = "botcity_maestro_default"
DAG_ID = "maestro_tour"
LINKED_TASK = "run_payroll_bot"
RUN_TIMEOUT_SECONDS = 150
FORM_VIEWPORT = {"width": 1280, "height": 1000}
PORTAL_VIEWPORT = {"width": 800, "height": 440}


def shot(page: Any, name: str, target: Any = None) -> None:
    (target or page).screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_connection_form_shows_our_fields(api: AirflowApi) -> None:
    """The form Airflow will draw, checked cheaply through the API before any browser is involved."""
    forms = {form["connection_type"]: form for form in api.get("/ui/connections/hook_meta")}
    form = forms[CONN_TYPE]

    assert form["hook_name"] == "BotCity Maestro"
    standard = form["standard_fields"]
    for field, label in LABELS.items():
        assert standard[field]["hidden"] is False and standard[field]["title"] == label
    # The port is read, so it is shown; the schema is never read, so it is hidden.
    assert standard["port"]["placeholder"] == "Optional: the port of the Server URL"
    assert standard["url_schema"]["hidden"] is True
    extras = {name: spec["schema"]["title"] for name, spec in form["extra_fields"].items()}
    assert extras == EXTRA_LABELS


def test_add_a_connection_through_the_form(page: Any, airflow: Any, api: AirflowApi) -> None:
    page.set_viewport_size(FORM_VIEWPORT)
    page.goto(f"{airflow.url}/")
    page.get_by_role("button", name="Admin").click()
    page.get_by_role("menuitem", name="Connections").click()
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Connection ID").fill("maestro_from_the_form")
    dialog.get_by_role("combobox").fill("BotCity")
    page.get_by_role("option", name="BotCity Maestro").click()
    for label in LABELS.values():
        assert dialog.get_by_label(label, exact=True).is_visible(), label
    assert not dialog.get_by_label("Schema", exact=True).count()
    dialog.get_by_label("Server URL").fill(airflow.emulator_url)
    # The port too: without one, Airflow 3.3.1-3.3.2's Test button is refused before our code runs.
    dialog.get_by_label("Server port").fill(str(emulator_port(airflow)))
    dialog.get_by_label("Workspace login").fill(airflow.emulator_login)
    dialog.get_by_label("Workspace key").fill(airflow.emulator_key)
    shot(page, "connection-form", dialog)
    dialog.get_by_role("button", name="Extra Fields", exact=True).click()
    for label in EXTRA_LABELS.values():
        assert dialog.get_by_text(label, exact=True).is_visible(), label
    dialog.get_by_label("Request timeout (seconds)").fill("10")
    shot(page, "connection-form-extras", dialog)
    dialog.get_by_role("button", name="Save").click()
    dialog.wait_for(state="hidden")

    saved = api.get("/api/v2/connections/maestro_from_the_form")
    assert (saved["conn_type"], saved["host"], saved["port"], saved["login"]) == (
        CONN_TYPE,
        airflow.emulator_url,
        emulator_port(airflow),
        airflow.emulator_login,
    )
    # The Add form stores every extra field, so the edit form will draw them all again.
    assert set(json.loads(saved["extra"])) == set(EXTRA_LABELS)
    ok, message = press_test(page, "maestro_from_the_form")
    assert ok and PORT_ZERO_BUG not in message, message
    assert message == f"Logged in to {airflow.emulator_url} as '{airflow.emulator_login}' and listed tasks."


def test_the_edit_form_shows_the_url_in_use_and_every_extra_field(page: Any, airflow: Any) -> None:
    """make airflow's connection, opened for editing: nothing that decides where requests go is hidden."""
    page.set_viewport_size(FORM_VIEWPORT)
    page.goto(f"{airflow.url}/connections")
    row = page.get_by_role("row").filter(has=page.get_by_text(MADE_BY_MAKE_AIRFLOW, exact=True))
    row.get_by_role("button", name="Edit Connection").click()
    dialog = page.get_by_role("dialog")
    assert dialog.get_by_label("Server URL").input_value() == airflow.emulator_url
    assert dialog.get_by_label("Server port").input_value() == str(emulator_port(airflow))
    assert not dialog.get_by_label("Schema", exact=True).count()
    dialog.get_by_role("button", name="Extra Fields", exact=True).click()
    for label in EXTRA_LABELS.values():
        assert dialog.get_by_text(label, exact=True).is_visible(), label
    assert dialog.get_by_label("Request timeout (seconds)").input_value() == "10"


def test_the_edit_form_draws_the_extra_fields_the_stored_json_names(
    page: Any, airflow: Any, api: AirflowApi
) -> None:
    """What docs/connection.md says Airflow 3.3 does: a connection made with one extra shows one extra
    field, and adding the others' keys in Extra Fields JSON brings their fields back. If the first check
    fails, Airflow now draws every declared field: update that paragraph of the docs."""
    conn_id = "maestro_with_one_extra"
    api.post(
        "/api/v2/connections",
        {
            "connection_id": conn_id,
            "conn_type": CONN_TYPE,
            "host": airflow.emulator_url,
            "port": emulator_port(airflow),
            "login": airflow.emulator_login,
            "password": airflow.emulator_key,
            "extra": json.dumps({"timeout_seconds": 10}),
        },
    )
    page.set_viewport_size(FORM_VIEWPORT)
    page.goto(f"{airflow.url}/connections")
    row = page.get_by_role("row").filter(has=page.get_by_text(conn_id, exact=True))
    row.get_by_role("button", name="Edit Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Extra Fields", exact=True).click()
    assert dialog.get_by_text("Request timeout (seconds)", exact=True).is_visible()
    assert not dialog.get_by_text("Retries per request", exact=True).count()

    dialog.get_by_role("button", name="Extra Fields JSON", exact=True).click()
    dialog.locator(".monaco-editor").click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.insert_text(json.dumps({**dict.fromkeys(EXTRA_LABELS), "timeout_seconds": 10}))
    # The editor closed the first brace and quote by itself, after the cursor: remove what it added.
    page.keyboard.press("ControlOrMeta+Shift+End")
    page.keyboard.press("Delete")
    # Opening the fields again takes the focus from the editor, which is when Airflow reads the JSON.
    dialog.get_by_role("button", name="Extra Fields", exact=True).click()
    for label in EXTRA_LABELS.values():
        dialog.get_by_text(label, exact=True).wait_for()
    api.delete(f"/api/v2/connections/{conn_id}")  # out of the next screenshots of the list


def emulator_port(airflow: Any) -> int:
    return int(airflow.emulator_url.rsplit(":", 1)[1])


def test_the_test_button_tells_a_right_key_from_a_wrong_one(page: Any, airflow: Any, api: AirflowApi) -> None:
    page.set_viewport_size(FORM_VIEWPORT)
    page.goto(f"{airflow.url}/connections")
    # make airflow's connection (the URL in the host, and its port): Test logs in and reads with the key.
    ok, message = press_test(page, MADE_BY_MAKE_AIRFLOW)
    assert ok, message
    assert message == f"Logged in to {airflow.emulator_url} as '{airflow.emulator_login}' and listed tasks."
    shot(page, "connection-test-success")

    wrong = {
        "connection_id": "maestro_wrong_key",
        "conn_type": CONN_TYPE,
        "host": airflow.emulator_url,
        "port": emulator_port(airflow),
        "login": airflow.emulator_login,
        "password": "not-the-key",
    }
    api.post("/api/v2/connections", wrong)
    ok, message = press_test(page, "maestro_wrong_key")
    assert not ok
    assert "Maestro refused the login or key" in message
    assert "not-the-key" not in page.content()
    shot(page, "connection-test-failure")


def press_test(page: Any, conn_id: str) -> tuple[bool, str]:
    """Press a row's Test button on a fresh page; return what the API answered, once the page shows it."""
    page.reload()
    row = page.get_by_role("row").filter(has=page.get_by_text(conn_id, exact=True))
    button = row.get_by_role("button", name="Test Connection")
    with page.expect_response(re.compile(r"/api/v2/connections/test$")) as answer:
        button.click()
    response = answer.value
    body = response.json()
    ok = response.status == 200 and bool(body["status"])
    message = str(body.get("message") or body.get("detail"))
    title = "Test Connection Successful" if ok else "Test Connection Failed"
    toast = page.locator("[data-scope=toast][data-part=root]").filter(has_text=title).last
    toast.wait_for()
    if response.status == 200:
        assert message in toast.inner_text().replace("\n", " ")
    page.wait_for_timeout(800)  # let the toast finish sliding in before a screenshot
    return ok, message


@pytest.mark.timeout(300)
def test_dag_run_defers_succeeds_and_links_the_maestro_task(page: Any, airflow: Any, api: AirflowApi) -> None:
    page.goto(f"{airflow.url}/dags/{DAG_ID}")
    page.get_by_role("button", name="Trigger Dag").click()
    page.get_by_role("dialog").get_by_role("button", name="Trigger", exact=True).click()
    page.wait_for_url(re.compile(rf"/dags/{DAG_ID}/runs/[^/]+$"))
    run_id = unquote(page.url.rsplit("/runs/", 1)[1])
    run_path = f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}"

    deferred, state = watch_run(page, api, run_path)

    assert LINKED_TASK in deferred, f"never saw {LINKED_TASK} deferred; deferred tasks: {sorted(deferred)}"
    assert state == "success", why_the_run_failed(airflow, api, run_path, state)
    shot(page, "dag-run-success")

    task_id = api.get(f"{run_path}/taskInstances/{LINKED_TASK}/xcomEntries/maestro_task_id")["value"]
    expected = f"{airflow.emulator_url}/tasks/{int(task_id)}"
    assert api.get(f"{run_path}/taskInstances/{LINKED_TASK}/links")["extra_links"] == {
        "BotCity Maestro task": expected
    }
    page.goto(f"{airflow.url}/dags/{DAG_ID}/runs/{quote(run_id, safe='')}/tasks/{LINKED_TASK}/details")
    link = page.get_by_role("link", name="BotCity Maestro task")
    assert link.get_attribute("href") == expected
    shot(page, "task-extra-link")
    with page.context.expect_page() as opened:
        link.click()
    portal = opened.value
    portal.wait_for_load_state()
    assert portal.url == expected
    text = portal.locator("body").inner_text()
    for word in (f"Task {task_id}", "payroll-bot", "FINISHED", "SUCCESS", "118 / 2 / 120"):
        assert word in text, word
    portal.set_viewport_size(PORTAL_VIEWPORT)
    # The whole page: the task's runs, parameters, files and errors come below the first screen.
    portal.screenshot(path=str(SCREENSHOTS / "portal-task-page.png"), full_page=True)
    portal.close()
    # One Maestro task for the Airflow task: nothing was created twice.
    emulated = EmulatorHandle(airflow.emulator_url, "", "").tasks()
    assert [task["id"] for task in emulated if task["activityLabel"] == "payroll-bot"] == [int(task_id)]


def why_the_run_failed(airflow: Any, api: AirflowApi, run_path: str, state: str) -> str:
    """The task states, and whether Airflow's fast-trigger race (not ours) is to blame."""
    instances = api.get(f"{run_path}/taskInstances")["task_instances"]
    states = ", ".join(f"{ti['task_id']}={ti['state']}" for ti in instances)
    scheduler_log = (airflow.logs / "scheduler.log").read_text(errors="replace")
    race = "state mismatch" in scheduler_log or "but the task instance's state attribute is" in scheduler_log
    hint = " Airflow's 'state mismatch' race hit (apache/airflow#66374)." if race else ""
    return f"the DAG run ended {state}: {states}.{hint} Logs in {airflow.home}"


def watch_run(page: Any, api: AirflowApi, run_path: str) -> tuple[set[str], str]:
    """Follow the run through the API until it ends; screenshot the page once it shows a deferral.

    Returns the tasks seen deferred and the run's final state.
    """
    deferred: set[str] = set()
    shown = False
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    state = "queued"
    while time.monotonic() < deadline:
        instances = api.get(f"{run_path}/taskInstances")["task_instances"]
        now_deferred = {ti["task_id"] for ti in instances if ti["state"] == "deferred"}
        deferred |= now_deferred
        if now_deferred and not shown:
            badge = page.get_by_text("Deferred", exact=True).first
            try:
                badge.wait_for(timeout=4000)
                shot(page, "dag-run-deferred")
                shown = True
            except Exception:  # the grid refreshed after the deferral ended: look again later
                pass
        state = api.get(run_path)["state"]
        if state in ("success", "failed"):
            break
        time.sleep(0.5)
    assert shown, f"the page never showed a deferred task (seen deferred in the API: {sorted(deferred)})"
    return deferred, state
