"""The bad-input catalogue: every bad input a user can give, and the exact error they see, where they meet it.

``TABLE`` is the catalogue. Inputs a user writes into a DAG are met where they write them: the task of an
operator or sensor in a real DAG run (``dag.test()`` of ``tests/dag_files/chaos_bad_input.py``), and the
error is the one Airflow fails the task with (as its ``on_failure_callback`` receives it, and as the last
line of the task log's traceback shows it). Answers of a server are met by the client. A
file only its owner can read is met by an operator running as another user (uid 65534 in a child
process: root reads any file whatever its mode, so mode 000 alone would prove nothing).

``docs/bad-input.md`` shows the same table; the last test checks that it is the one this module renders,
and ``python -m tests.test_bad_input`` rewrites it. None of the errors is a bare KeyError, AttributeError
or JSONDecodeError, and none shows the key it was given.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.dag_runs import load_dag_bag

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "bad-input.md"
DAG_FILES = ROOT / "tests" / "dag_files"
DAG_ID = "bad_input_catalogue"
WRONG_KEY = f"WRONG-KEY-{uuid.uuid4().hex}"

IN_A_DAG, AS_ANOTHER_USER, CLIENT = "in a DAG run", "as another user", "client"
PARSED = "when the DAG is parsed"
CREATE = "`MaestroCreateTaskOperator` in a DAG run"
UPLOAD = "`MaestroUploadArtifactOperator` in a DAG run"
SENSOR = "`MaestroTaskSensor` in a DAG run"
PUSH = "`MaestroDatapoolPushOperator` in a DAG run"
POOL_SENSOR = "`MaestroDatapoolSensor` in a DAG run"


@dataclass(frozen=True)
class BadInput:
    """One row: the bad input, where a user meets it, and the error they see (class and exact message)."""

    what: str
    where: str
    """Where a user meets it, in words."""
    error: str
    message: str
    """Exact, with placeholders: ``{url}`` the server, ``{tmp}`` the temporary folder, ``{file}`` a file."""
    case: str
    """The task of the catalogue DAG, or the client case, that shows it."""

    @property
    def level(self) -> str:
        """How it is met: in a DAG run, when the DAG is parsed, as another user, or by the client."""
        if self.where.endswith(IN_A_DAG):
            return IN_A_DAG
        if self.where.endswith(PARSED):
            return PARSED
        return AS_ANOTHER_USER if "may not read" in self.where else CLIENT


TABLE: list[BadInput] = [
    BadInput(
        "priority 11",
        CREATE,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: priority: must be from 0 to 10, got 11",
        "priority_11",
    ),
    BadInput(
        "priority -1",
        CREATE,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: priority: must be from 0 to 10, got -1",
        "priority_minus_1",
    ),
    BadInput(
        "empty activity label",
        CREATE,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: activity_label: is empty; give the label of the automation "
        "in Maestro",
        "label_empty",
    ),
    BadInput(
        "blank activity label",
        CREATE,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: activity_label: is empty; give the label of the automation "
        "in Maestro",
        "label_blank",
    ),
    BadInput(
        "parameters holding a datetime",
        CREATE,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: parameters['when']: is a datetime, which JSON cannot encode "
        "(pass it as an ISO-8601 string)",
        "parameters_datetime",
    ),
    BadInput(
        "parameters holding a set",
        CREATE,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: parameters['ids']: is a set, which JSON cannot encode",
        "parameters_set",
    ),
    BadInput(
        "a file that does not exist",
        UPLOAD,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: path: '/nonexistent/botcity-bad-input/orders.csv' does not "
        "exist",
        "file_missing",
    ),
    BadInput(
        "a directory instead of a file",
        UPLOAD,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: path: '{tmp}' is a directory; give a file",
        "file_is_a_directory",
    ),
    BadInput(
        "a file the worker may not read",
        "`MaestroUploadArtifactOperator` run by a user who may not read the file",
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: path: '{file}' cannot be read: Permission denied",
        "file_unreadable",
    ),
    BadInput(
        "a server URL without scheme",
        CREATE,
        "AirflowFailException",
        "Connection 'maestro_no_scheme' is not usable: server: 'maestro.example.com' has no scheme; write it "
        "in full, e.g. https://maestro.example.com",
        "server_without_scheme",
    ),
    BadInput(
        "a wrong key",
        CREATE,
        "AirflowFailException",
        "Logging in to {url} as 'demo' failed: POST /api/v2/workspace/login returned 401: \"invalid login or "
        "key\". Check the login and key of Airflow connection 'maestro_wrong_key' "
        "(Maestro, Dev. Environment page)",
        "wrong_key",
    ),
    BadInput(
        "an unknown Maestro task id",
        SENSOR,
        "AirflowFailException",
        'Getting task 987654 failed: GET /api/v2/task/987654 returned 404: "task 987654 not found". Check '
        "the Maestro task id",
        "unknown_task_id",
    ),
    BadInput(
        "items that are neither a list nor a file",
        PUSH,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: items: give a list of items, or the path of a JSON Lines "
        "or CSV file, not int",
        "items_not_a_list",
    ),
    BadInput(
        "two items with the same key_field value",
        PUSH,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: items: item 1 has the same 'order' as item 0 ('1'): each "
        "item needs a key of its own",
        "items_same_key",
    ),
    BadInput(
        "an item without its key_field",
        PUSH,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: items: item 1 has no usable 'order' (key_field)",
        "items_without_key",
    ),
    BadInput(
        "an item that has the push's own key field",
        PUSH,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: items: item 0 has a field 'airflow_key', where the push "
        "keeps each item's key; rename it, or choose another idempotency_field",
        "items_with_the_push_key",
    ),
    BadInput(
        "an items file whose name tells no format",
        PUSH,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: items: cannot tell the format of "
        "/nonexistent/botcity-bad-input/orders.txt from its name (.jsonl, .ndjson or .csv); say it with "
        "items_format='jsonl' or 'csv'",
        "items_file_of_no_format",
    ),
    BadInput(
        "an items file that does not exist",
        PUSH,
        "AirflowFailException",
        "Invalid argument for BotCity Maestro: items: /nonexistent/botcity-bad-input/orders.jsonl does not "
        "exist",
        "items_file_missing",
    ),
    BadInput(
        "an unknown datapool",
        PUSH,
        "AirflowFailException",
        "Pushing an item to datapool 'no-such-pool' failed: POST /api/v2/datapool/no-such-pool/push "
        "returned 404: \"datapool 'no-such-pool' not found\". Check the datapool label",
        "push_unknown_pool",
    ),
    BadInput(
        "an unknown datapool",
        POOL_SENSOR,
        "AirflowFailException",
        "Reading the summary of datapool 'no-such-pool' failed: GET /api/v2/datapool/no-such-pool/summary "
        "returned 404: \"datapool 'no-such-pool' not found\". Check the datapool label",
        "sensor_unknown_pool",
    ),
    BadInput(
        "a max_error_ratio above 1",
        f"`MaestroDatapoolPushOperator` {PARSED}",
        "ValueError",
        "max_error_ratio: must be a share between 0 and 1, got 1.5",
        "MaestroDatapoolPushOperator(task_id='t', datapool='p', items=[], max_error_ratio=1.5)",
    ),
    BadInput(
        "returns='failed_items' without waiting",
        f"`MaestroDatapoolPushOperator` {PARSED}",
        "ValueError",
        "returns='failed_items' needs wait_for_completion=True: only a wait knows the outcomes",
        "MaestroDatapoolPushOperator(task_id='t', datapool='p', items=[], returns='failed_items')",
    ),
    BadInput(
        "a poll interval of 0",
        f"`MaestroCreateTaskOperator` {PARSED}",
        "ValueError",
        "poll_interval must be at least 1 second, as a number of seconds or a timedelta (a shorter one would "
        "poll Maestro in a busy loop), got 0",
        "MaestroCreateTaskOperator(task_id='t', activity_label='bot', poll_interval=0)",
    ),
    BadInput(
        "a poke interval of half a second",
        f"`MaestroTaskSensor` {PARSED}",
        "ValueError",
        "poke_interval must be at least 1 second, as a number of seconds or a timedelta (a shorter one would "
        "poll Maestro in a busy loop), got 0.5",
        "MaestroTaskSensor(task_id='t', maestro_task_id=7, poke_interval=0.5, deferrable=True)",
    ),
    BadInput(
        "an HTML 502 page from a proxy",
        "`MaestroClient` (`tasks.get`)",
        "ServerError",
        'Getting task 1 failed: GET /api/v2/task/1 returned 502: "an HTML page: 502 Bad Gateway". Maestro '
        "or a proxy in front of it failed; try again later",
        "html_502",
    ),
    BadInput(
        "an empty 200 body",
        "`MaestroClient` (`tasks.get`)",
        "ResponseValidationError",
        "Reading the task: the server sent an empty body (status 200)",
        "empty_200",
    ),
    BadInput(
        "a CA bundle that is not a PEM file",
        "`MaestroClient(verify=...)`, or the connection's `ca_bundle` extra",
        "ValidationError",
        "verify: CA bundle '{file}' is not a PEM file of certificates ('-----BEGIN CERTIFICATE-----')",
        "ca_bundle_not_pem",
    ),
    BadInput(
        "a server certificate signed by an authority this machine does not trust",
        "`MaestroClient` (`tasks.get`) against an HTTPS server",
        "MaestroTLSError",
        "POST {url}/api/v2/workspace/login failed: the server's certificate is signed by an authority this "
        "machine does not trust (unable to get local issuer certificate); set the connection's CA bundle "
        "extra (ca_bundle) to the PEM file of the authority that signed it, or name a bundle that holds "
        "it in $REQUESTS_CA_BUNDLE",
        "unknown_authority",
    ),
    BadInput(
        "an empty automation label",
        "`MaestroClient` (`automations.get`)",
        "ValidationError",
        "label: is empty; give the automation's label",
        "empty_automation_label",
    ),
    BadInput(
        "a page size of 0",
        "`MaestroClient` (`runners.list`, every listing)",
        "ValidationError",
        "size: must be from 1 to 1000, got 0",
        "page_size_zero",
    ),
    BadInput(
        "a Unix cron (5 fields) for a schedule",
        "`MaestroClient` (`schedules.create`, `schedules.update`)",
        "ValidationError",
        "cron: '0 12 * * *' is not a Quartz cron expression: has 5 fields, as a Unix cron; Quartz needs "
        "seconds first and '?' in day-of-month or day-of-week, e.g. '0 0 12 * * ?'",
        "unix_cron",
    ),
    BadInput(
        "a bot build that does not exist",
        "`MaestroClient` (`bots.upload`)",
        "ValidationError",
        "path: '{tmp}/missing.zip' does not exist",
        "missing_bot_build",
    ),
    BadInput(
        "an error screenshot that does not exist",
        "`MaestroClient` (`errors.report`)",
        "ValidationError",
        "screenshot: '{tmp}/shot.png' does not exist",
        "missing_screenshot",
    ),
    BadInput(
        "a credential value that is not text",
        "`MaestroClient` (`credentials.set`)",
        "ValidationError",
        "value: must be a str or a SecretStr, got int",
        "credential_not_text",
    ),
    BadInput(
        "a datapool item that JSON cannot encode (the second of a batch)",
        "`MaestroClient` (`datapools.push_many`; nothing is pushed)",
        "ValidationError",
        "items[1]['at']: is a datetime, which JSON cannot encode (pass it as an ISO-8601 string)",
        "item_not_json",
    ),
    BadInput(
        "an e-mail message without a recipient",
        "`MaestroClient` (`messages.send`)",
        "ValidationError",
        "emails: is empty and so is logins; give at least one recipient",
        "message_without_recipient",
    ),
    BadInput(
        "a look-back of 0 days",
        "`MaestroClient` (`runners.tasks_summary`, `logs.entries`, every `days`)",
        "ValidationError",
        "days: must be a positive number of days, got 0",
        "zero_days",
    ),
    BadInput(
        "a task state the client does not know",
        "`MaestroClient` (`tasks.get`)",
        "none",
        "no error: the task parses, is not terminal, and a wait keeps polling: Maestro task 7 is PAUSED",
        "unknown_state",
    ),
]
BARE = {"KeyError", "AttributeError", "JSONDecodeError", "TypeError", "IndexError", "RecursionError"}


def _rows(level: str) -> list[BadInput]:
    return [row for row in TABLE if row.level == level]


# --- in a DAG run ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue_dag(airflow_db: Path) -> Any:
    return load_dag_bag(DAG_FILES).get_dag(DAG_ID)


def test_in_a_dag_each_bad_input_fails_its_task_with_the_catalogued_error(
    catalogue_dag: Any,
    emulator_state: Any,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from tests.conftest import connection_json

    record = tmp_path / "failures.jsonl"
    monkeypatch.setenv("BOTCITY_BAD_INPUT_RECORD", str(record))
    monkeypatch.setenv("AIRFLOW_CONN_MAESTRO_BAD_INPUT", connection_json(emulator_state))
    monkeypatch.setenv("AIRFLOW_CONN_MAESTRO_WRONG_KEY", connection_json(emulator_state, key=WRONG_KEY))
    no_scheme = {
        "conn_type": "botcity",
        "host": "maestro.example.com",
        "login": "demo",
        "password": "k-test-key-1",
    }
    monkeypatch.setenv("AIRFLOW_CONN_MAESTRO_NO_SCHEME", json.dumps(no_scheme))
    capfd.readouterr()
    dag_run = catalogue_dag.test()
    out, err = capfd.readouterr()
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    failures = [json.loads(line) for line in record.read_text().splitlines()]
    if failures and all(entry["error"] == "NoneType" for entry in failures):
        pytest.skip("this Airflow (3.0) gives on_failure_callback no exception in dag.test()")
    seen = {entry["task_id"]: (entry["error"], entry["message"]) for entry in failures}
    values = {"url": emulator_state.url, "tmp": tempfile.gettempdir()}

    wrong = []
    for row in _rows(IN_A_DAG):
        expected = (row.error, row.message.format(**values))
        if states.get(row.case) != "failed" or seen.get(row.case) != expected:
            wrong.append(
                f"{row.case}: {states.get(row.case)}, raised {seen.get(row.case)}, expected {expected}"
            )
    assert not wrong, "\n".join(wrong)
    assert WRONG_KEY not in out + err + record.read_text(), "the wrong key was shown"
    # Nothing was created or changed: bad arguments are refused before any request that could.
    assert emulator_state.tasks() == []
    sent = set(emulator_state.stats()["requests"])
    # The reads of an unknown task and pool, and the push to a pool that does not exist.
    allowed = {
        "POST /api/v2/workspace/login",
        "GET /api/v2/task/{taskId}",
        "GET /api/v2/datapool/{label}/summary",
        "POST /api/v2/datapool/{label}/push",
    }
    assert sent <= allowed, sent


# --- when the DAG is parsed ---------------------------------------------------------------------------

PARSED_DAG = """
from datetime import datetime
from airflow.providers.common.compat.sdk import DAG
from botcity_provider.operators.datapool import MaestroDatapoolPushOperator
from botcity_provider.operators.maestro import MaestroCreateTaskOperator
from botcity_provider.sensors.maestro import MaestroTaskSensor

with DAG(dag_id="parsed", start_date=datetime(2026, 1, 1), schedule=None):
    {case}
"""


@pytest.mark.parametrize("row", _rows(PARSED), ids=lambda row: row.what)
def test_a_dag_with_the_bad_input_fails_to_import_with_the_catalogued_error(
    row: BadInput, tmp_path: Path
) -> None:
    from tests.dag_runs import dag_bag_class

    (tmp_path / "parsed.py").write_text(PARSED_DAG.format(case=row.case))
    (error,) = dag_bag_class()(str(tmp_path)).import_errors.values()
    assert f"{row.error}: {row.message}" in error


# --- as a user who may not read the file -------------------------------------------------------------

UNREADABLE_CHILD = r"""
import json, os, sys
from airflow.providers.common.compat.sdk import AirflowException
from botcity_provider.operators.maestro import MaestroUploadArtifactOperator
import importlib
# Everything execute() imports late is imported now, as root: after dropping root, /root is unreadable.
for name in ("botcity_provider.client", "botcity_provider.hooks.maestro", "airflow.decorators"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass

path = sys.argv[1]
operator = MaestroUploadArtifactOperator(task_id="upload", maestro_task_id=7, path=path)
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
try:
    open(path, "rb").close()
    readable = True
except PermissionError:
    readable = False
try:
    operator.execute(context={})
    outcome = {"error": None}
except AirflowException as exc:
    outcome = {"error": type(exc).__name__, "message": str(exc)}
print(json.dumps({"readable": readable, **outcome}))
"""


def test_a_file_the_worker_may_not_read() -> None:
    (row,) = [row for row in TABLE if row.case == "file_unreadable"]
    folder = Path(tempfile.mkdtemp(prefix="unreadable-"))
    try:
        folder.chmod(0o755)  # anyone may enter; only the file is closed
        path = folder / "orders.csv"
        path.write_text("order,total\n")
        path.chmod(0o000)
        done = subprocess.run(
            [sys.executable, "-c", UNREADABLE_CHILD, str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=dict(os.environ),
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["readable"] is False, "the child could read the file: the test would prove nothing"
    assert (outcome["error"], outcome["message"]) == (row.error, row.message.format(file=path))


# --- answers the client reads ------------------------------------------------------------------------


class _Stub(http.server.BaseHTTPRequestHandler):
    """A server whose task is in a state no Maestro version this client knows has."""

    def do_POST(self) -> None:
        self._answer({"accessToken": "stub-token", "organizationLabel": "demo"})

    def do_GET(self) -> None:
        self._answer({"id": 7, "state": "PAUSED", "activityLabel": "any-bot"})

    def _answer(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def stub_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _client(url: str, login: str, key: str, **settings: Any) -> Any:
    from botcity_provider.client import MaestroClient, TokenCache
    from tests.conftest import FAST_RETRY

    return MaestroClient(url, login, key, retry=FAST_RETRY, token_cache=TokenCache(), **settings)


def _html_502(emulator: Any, stub: str) -> Any:
    fault = {"match": "GET /api/v2/task/{taskId}", "action": "html", "status": 502, "count": 10}
    emulator.set_faults(script=[fault])
    with _client(emulator.url, emulator.login, emulator.key) as client:
        return client.tasks.get(1)


def _empty_200(emulator: Any, stub: str) -> Any:
    emulator.set_faults(script=[{"match": "GET /api/v2/task/{taskId}", "action": "empty"}])
    with _client(emulator.url, emulator.login, emulator.key) as client:
        return client.tasks.get(1)


def _unknown_state(emulator: Any, stub: str) -> Any:
    from botcity_provider._progress import describe

    with _client(stub, "demo", "stub-key") as client:
        task = client.tasks.get(7)
    assert not task.is_terminal
    return f"no error: the task parses, is not terminal, and a wait keeps polling: {describe(task)}"


def _ca_bundle_not_pem(emulator: Any, stub: str) -> Any:
    from botcity_provider.client import ValidationError

    with tempfile.TemporaryDirectory() as folder:
        bundle = Path(folder) / "bundle.pem"
        bundle.write_text("not a certificate\n")
        try:
            _client(emulator.url, emulator.login, emulator.key, verify=str(bundle))
        except ValidationError as exc:
            return Caught(type(exc).__name__, str(exc).replace(str(bundle), "{file}"))
    return "no error"


def _unknown_authority(emulator: Any, stub: str) -> Any:
    from botcity_maestro_emulator.testing import serve_in_thread
    from botcity_provider.client import MaestroTLSError

    with serve_in_thread(tls=True) as secured:
        try:
            _client(secured.url, secured.login, secured.key).tasks.get(1)
        except MaestroTLSError as exc:
            return Caught(type(exc).__name__, str(exc).replace(secured.url, "{url}"))
    return "no error"


@dataclass(frozen=True)
class Caught:
    """An error a case caught itself, to put the placeholders (``{url}``, ``{file}``) in its message."""

    error: str
    message: str


def _refused_before_any_request(emulator: Any, act: Callable[[Any, str], Any]) -> Caught:
    """Run ``act(client, folder)``; it must fail on its arguments with no request sent, not even a login."""
    from botcity_provider.client import MaestroError

    folder = tempfile.mkdtemp(prefix="bad-input-")
    try:
        with _client(emulator.url, emulator.login, emulator.key) as client:
            act(client, folder)
    except MaestroError as exc:
        stats = emulator.stats()
        assert (stats["requests_total"], stats["logins"]) == (0, 0), "a request was sent"
        return Caught(type(exc).__name__, str(exc).replace(folder, "{tmp}"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    raise AssertionError("the bad argument was accepted")


def _refusing(act: Callable[[Any, str], Any]) -> Callable[[Any, str], Caught]:
    return lambda emulator, stub: _refused_before_any_request(emulator, act)


ARGUMENT_CASES: dict[str, Callable[[Any, str], Any]] = {
    "empty_automation_label": lambda client, tmp: client.automations.get(""),
    "page_size_zero": lambda client, tmp: client.runners.list(size=0),
    "unix_cron": lambda client, tmp: client.schedules.create("invoice-bot", "0 12 * * *"),
    "missing_bot_build": lambda client, tmp: client.bots.upload("invoice-bot", "1.0", f"{tmp}/missing.zip"),
    "missing_screenshot": lambda client, tmp: client.errors.report(1, "boom", screenshot=f"{tmp}/shot.png"),
    "credential_not_text": lambda client, tmp: client.credentials.set("erp", "password", 1234),
    "item_not_json": lambda client, tmp: client.datapools.push_many(
        "invoices", [{"n": 1}, {"at": datetime(2026, 12, 1)}]
    ),
    "message_without_recipient": lambda client, tmp: client.messages.send("Report", "Done", emails=[]),
    "zero_days": lambda client, tmp: client.runners.tasks_summary("vm-1", days=0),
}


CLIENT_CASES: dict[str, Callable[[Any, str], Any]] = {
    "html_502": _html_502,
    "empty_200": _empty_200,
    "ca_bundle_not_pem": _ca_bundle_not_pem,
    "unknown_authority": _unknown_authority,
    "unknown_state": _unknown_state,
    **{name: _refusing(act) for name, act in ARGUMENT_CASES.items()},
}


@pytest.mark.parametrize("row", _rows(CLIENT), ids=lambda row: row.case)
def test_the_client_turns_each_bad_answer_into_the_catalogued_error(
    row: BadInput, emulator_state: Any, stub_server: str
) -> None:
    from botcity_provider.client import MaestroError

    try:
        result = CLIENT_CASES[row.case](emulator_state, stub_server)
    except MaestroError as exc:
        assert (type(exc).__name__, str(exc)) == (row.error, row.message)
        return
    if isinstance(result, Caught):
        assert (result.error, result.message) == (row.error, row.message)
        return
    assert (row.error, result) == ("none", row.message)


# --- the table itself --------------------------------------------------------------------------------


def test_every_case_is_checked_and_none_is_a_bare_python_error() -> None:
    checked = {row.case for row in _rows(IN_A_DAG) + _rows(PARSED)} | set(CLIENT_CASES) | {"file_unreadable"}
    assert {row.case for row in TABLE} == checked
    assert not {row.error for row in TABLE} & BARE


START, END = "<!-- bad-input table: start -->", "<!-- bad-input table: end -->"


def render_table() -> str:
    """The catalogue as the Markdown table ``docs/bad-input.md`` shows."""

    def cell(text: str) -> str:
        # "[1]['at']" would be read as a reference link: brackets and bars are escaped.
        return text.replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")

    lines = ["| Bad input | Where you meet it | Error | Message |", "|---|---|---|---|"]
    for row in TABLE:
        error = "no error" if row.error == "none" else f"`{row.error}`"
        lines.append(f"| {cell(row.what)} | {row.where} | {error} | {cell(row.message)} |")
    return "\n".join(lines)


def write_docs() -> None:
    """Put the rendered table between the markers of ``docs/bad-input.md``."""
    text = DOCS.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOCS.write_text(f"{head}{START}\n{render_table()}\n{END}{tail}")


def test_the_docs_show_this_table() -> None:
    text = DOCS.read_text()
    assert START in text and END in text, f"{DOCS} lost its table markers"
    shown = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert shown == render_table(), f"{DOCS} is out of date: run `python -m tests.test_bad_input`"


if __name__ == "__main__":
    write_docs()
    print(f"wrote the table into {DOCS}")
