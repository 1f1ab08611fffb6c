"""MaestroNotifier in real DAG runs against the emulator: the alert on the run's Maestro task, the e-mail
when there is none, templating, the triggerer's asyncio path, and what it says when it cannot deliver."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from airflow.providers.common.compat.version_compat import get_base_airflow_version_tuple

from botcity_provider.client import MaestroClient
from botcity_provider.notifications.maestro import MaestroNotifier, send_maestro_notification
from tests.conftest import FAST_RETRY, connection_json
from tests.dag_runs import DagResult
from tests.dags.test_examples import dags_test

# Proved on Airflow 3.1 and later only. On 2.11 the notifier's templates came out unrendered and its
# errors are swallowed by Airflow's own call; on 3.0 a plain task found no Maestro task of its run, and
# dag.test() logs elsewhere. docs/howto/notifications.md says so.
pytestmark = pytest.mark.skipif(
    get_base_airflow_version_tuple() < (3, 1, 0), reason="MaestroNotifier is proved on Airflow 3.1+ only"
)

# Before 3.3 a plain task's callback found no Maestro task of its run, and dag.test() did not show the
# notifier's warning: proved on 3.3 only.
on_3_3 = pytest.mark.skipif(get_base_airflow_version_tuple() < (3, 3, 0), reason="proved on Airflow 3.3 only")

# ``await notifier`` (what a deadline alert does in the triggerer) came with Airflow 3.1.
awaitable = pytest.mark.skipif(
    get_base_airflow_version_tuple() < (3, 1, 0), reason="a notifier is awaitable from Airflow 3.1"
)


def _context(**values: object) -> dict[str, object]:
    """A callback's context: Airflow 2's notifier renders its templates with the context's DAG."""
    from datetime import datetime

    from airflow.providers.common.compat.sdk import DAG

    return {"dag": DAG("notify_context", schedule=None, start_date=datetime(2026, 1, 1)), **values}


NOTIFIER = "botcity_provider.notifications.maestro.MaestroNotifier"


def _create(handle, label: str = "notify-bot") -> int:
    with MaestroClient(handle.url, handle.login, handle.key, retry=FAST_RETRY) as client:
        return client.tasks.create(label).id


def _only(items: list[dict]) -> dict:
    assert len(items) == 1, items
    return items[0]


# --- sync: task callbacks in real DAG runs --------------------------------------------------------------


def test_failed_bot_gets_an_error_alert_with_the_rendered_title(run_dag, maestro_conn) -> None:
    result: DagResult = run_dag("notify_failed_bot")

    assert result.state == "failed", result.log[-3000:]
    task = _only(maestro_conn.tasks())
    alert = _only(maestro_conn.alerts())
    assert (alert["taskId"], alert["type"]) == (task["id"], "ERROR")
    assert alert["title"] == "notify_failed_bot.run_bot failed"
    assert alert["message"].startswith("Airflow run ") and alert["message"].endswith(", try 1")
    assert "{{" not in alert["message"]
    assert maestro_conn.messages() == [], "a task was found: no e-mail"
    assert f"Maestro ERROR alert 'notify_failed_bot.run_bot failed' posted on task {task['id']}" in result.log


def test_plain_task_success_emails_the_rendered_recipients(run_dag, maestro_conn) -> None:
    conf = {"report": "monthly", "to": "a@example.com, b@example.com"}
    result = run_dag("notify_plain_success", conf)

    assert result.state == "success", result.log[-3000:]
    message = _only(maestro_conn.messages())
    assert message["subject"] == "Report monthly ready"
    assert message["body"] == "report of notify_plain_success succeeded"
    assert (message["emails"], message["logins"]) == (["a@example.com", "b@example.com"], ["analyst"])
    assert maestro_conn.alerts() == [] and maestro_conn.tasks() == []
    assert "XCom not found" not in result.log, "no XCom read for a DAG without a Maestro task"


@on_3_3
def test_plain_task_alerts_on_the_maestro_task_its_run_started(run_dag, maestro_conn) -> None:
    result = run_dag("notify_from_other_task")

    assert result.task_states == {"run_bot": "success", "check": "failed"}, result.log[-3000:]
    task = _only(maestro_conn.tasks())
    alert = _only(maestro_conn.alerts())
    assert (alert["taskId"], alert["type"], alert["title"]) == (
        task["id"],
        "WARN",
        "check failed after the bot",
    )
    assert "totals do not match" in alert["message"], "the exception, rendered"
    assert "XCom not found" not in result.log, "the failing task publishes nothing: it is not asked"
    assert maestro_conn.messages() == []


def test_a_templated_task_id_names_the_task_to_alert_on(run_dag, maestro_conn) -> None:
    task_id = _create(maestro_conn)
    result = run_dag("notify_named_task", {"maestro_task_id": task_id})

    assert result.state == "success", result.log[-3000:]
    alert = _only(maestro_conn.alerts())
    assert (alert["taskId"], alert["type"], alert["title"]) == (task_id, "INFO", "Named")


@on_3_3
def test_nothing_to_deliver_to_is_a_warning_and_no_request(run_dag, maestro_conn, caplog) -> None:
    result = run_dag("notify_named_task")

    assert result.state == "success", result.log[-3000:]
    # Airflow 2 logs a notifier's lines through a logger that does not write to the output.
    assert "MaestroNotifier sent nothing for 'Named'" in result.log + caplog.text
    assert maestro_conn.stats()["requests_total"] == 0
    assert maestro_conn.alerts() == [] and maestro_conn.messages() == []


def test_an_unknown_connection_is_named_in_the_log_and_the_task_stays_green(run_dag, maestro_conn) -> None:
    result = run_dag("notify_unknown_connection")

    assert result.state == "success", "a callback's error never changes the task's state"
    assert "botcity_nowhere" in result.log and "isn't defined" in result.log, result.log[-3000:]
    assert maestro_conn.messages() == []


def test_a_refused_key_says_so_without_showing_it(run_dag, maestro_conn, monkeypatch) -> None:
    wrong = "wrong-key-for-the-notifier-test"
    monkeypatch.setenv("AIRFLOW_CONN_BOTCITY_MAESTRO_DEFAULT", connection_json(maestro_conn, key=wrong))
    result = run_dag("notify_plain_success")

    assert result.state == "success"
    assert "Maestro refused the login or key of connection 'botcity_maestro_default'" in result.log, (
        result.log[-3000:]
    )
    assert wrong not in result.log
    assert maestro_conn.messages() == []


# --- async: what a deadline alert runs in the triggerer ---------------------------------------------------

DEADLINE_CONTEXT = {"dag_run": {"dag_id": "nightly", "run_id": "r1"}, "deadline": {"id": "d-1"}}


@awaitable
async def test_awaiting_posts_the_alert_with_the_async_client(maestro_conn) -> None:
    task_id = _create(maestro_conn)
    notifier = MaestroNotifier(
        title="{{ dag_run.dag_id }} missed its deadline",
        message="deadline {{ deadline.id }}",
        maestro_task_id=str(task_id),
        context=dict(DEADLINE_CONTEXT),
    )
    await asyncio.wait_for(notifier, 30)

    alert = _only(maestro_conn.alerts())
    assert (alert["taskId"], alert["type"]) == (task_id, "ERROR")
    assert (alert["title"], alert["message"]) == ("nightly missed its deadline", "deadline d-1")


@awaitable
async def test_awaiting_without_a_task_emails(maestro_conn) -> None:
    notifier = send_maestro_notification(
        title="{{ dag_run.dag_id }} is late",
        message="still running",
        logins=["analyst"],
        context=dict(DEADLINE_CONTEXT),
    )
    await asyncio.wait_for(notifier, 30)

    message = _only(maestro_conn.messages())
    assert (message["subject"], message["emails"], message["logins"]) == ("nightly is late", [], ["analyst"])
    assert maestro_conn.alerts() == []


async def test_the_triggerers_callback_trigger_runs_it_from_its_kwargs(maestro_conn) -> None:
    callback = pytest.importorskip("airflow.triggers.callback", reason="deadline alerts: Airflow 3.1+")
    from airflow.sdk.definitions.callback import AsyncCallback

    kwargs = {"title": "{{ dag_run.dag_id }} is late", "message": "m", "emails": ["ops@example.com"]}
    declared = AsyncCallback(MaestroNotifier, kwargs=kwargs)  # what a DAG's DeadlineAlert holds
    assert declared.path == NOTIFIER
    json.dumps(declared.serialize())  # it is stored as JSON

    trigger = callback.CallbackTrigger(declared.path, {**kwargs, "context": dict(DEADLINE_CONTEXT)})

    async def collect() -> list[dict]:
        return [event.payload async for event in trigger.run()]

    events = await asyncio.wait_for(collect(), 30)
    assert [str(event["state"]) for event in events][-1].lower().endswith("success"), events
    assert _only(maestro_conn.messages())["subject"] == "nightly is late"


@awaitable
async def test_an_unknown_connection_fails_the_await_with_its_name(maestro_conn) -> None:
    notifier = MaestroNotifier(
        title="t", message="m", emails=["ops@example.com"], maestro_conn_id="botcity_nowhere", context={}
    )
    with pytest.raises(Exception, match="botcity_nowhere"):
        await asyncio.wait_for(notifier, 30)
    assert maestro_conn.messages() == []


# --- arguments and import cost ----------------------------------------------------------------------------


def test_a_bad_alert_type_fails_when_the_dag_is_parsed() -> None:
    with pytest.raises(ValueError, match="INFO, WARN or ERROR, got 'CRITICAL'"):
        MaestroNotifier(title="t", message="m", alert_type="CRITICAL")  # type: ignore[arg-type]


def test_one_notifier_used_twice_renders_its_templates_afresh(maestro_conn) -> None:
    first, second = _create(maestro_conn), _create(maestro_conn)
    shared = MaestroNotifier(title="for {{ params.t }}", message="m", maestro_task_id="{{ params.t }}")

    shared(_context(params={"t": first}))
    shared(_context(params={"t": second}))

    assert [(a["taskId"], a["title"]) for a in maestro_conn.alerts()] == [
        (first, f"for {first}"),
        (second, f"for {second}"),
    ]


def test_a_task_id_that_renders_to_garbage_fails_before_any_request(maestro_conn) -> None:
    notifier = MaestroNotifier(title="t", message="m", maestro_task_id="{{ params.which }}")
    from airflow.providers.common.compat.sdk import AirflowException

    with pytest.raises(AirflowException, match="maestro_task_id 'latest' is not a task id"):
        notifier(_context(params={"which": "latest"}))
    assert maestro_conn.stats()["requests_total"] == 0


def test_parse_time_import_adds_no_client_hook_or_http_library() -> None:
    base = "from airflow.providers.common.compat.notifier import BaseNotifier"
    heavy = ("botcity_provider.client", "botcity_provider.hooks", "requests", "httpx")
    added = _modules_after(f"{base}; import botcity_provider.notifications.maestro") - _modules_after(base)
    assert sorted(name for name in added if name.startswith(heavy)) == []
    assert "botcity_provider.notifications.maestro" in added


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], env=os.environ, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


# --- the example DAG, as a user runs it -----------------------------------------------------------------


def test_example_dag_posts_its_alerts(emulator_state, airflow_db, tmp_path: Path) -> None:
    dags_test(emulator_state, "maestro_notify", "polled", tmp_path)

    task = _only(emulator_state.tasks())
    alert = _only(emulator_state.alerts(task["id"]))
    assert (alert["type"], alert["title"]) == ("INFO", "Invoices processed: maestro_notify")
    assert alert["message"].startswith("Airflow run ") and "{{" not in alert["message"]
    assert emulator_state.messages() == [], "the run had a Maestro task: no e-mail"
