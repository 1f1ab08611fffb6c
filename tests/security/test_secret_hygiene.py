"""The key and the tokens never show: not in a task log, XCom, a rendered template, a trigger row, an
exception text or anything a run prints, at DEBUG as at INFO.

The DAG runs searched are the chaos runs of this process (``tests/chaos``: every kind of chaos DAG against
a failing emulator, with the provider's and the HTTP libraries' loggers at DEBUG, their records collected
raw, before any masking), plus one ``airflow dags test`` of a chaos DAG with Airflow's whole logging at
DEBUG (``AIRFLOW__LOGGING__LOGGING_LEVEL=DEBUG`` and ``botcity_provider`` at DEBUG). Both use a key made
for this process (``BOTCITY-CHAOS-KEY-<uuid4>``), so a hit cannot be a coincidence, and every token an
emulator issued (``/_emulator/tokens``, restarts included).

Searched: the captured stdout/stderr of every run, the collected log records, the text of every
MaestroError raised, every file under ``$AIRFLOW_HOME/logs``, and the metadata database: XCom values,
rendered template fields, trigger kwargs (decrypted, and as stored), task instances' ``next_kwargs``
(the event a trigger handed back) and, to leave nowhere out, every column of every table.

One leak is Airflow's, and only in ``dag.test()`` / ``airflow dags test`` at DEBUG: their in-process
supervisor logs every message a task sends it, ``Sending request ... msg=MaskSecret(value='<secret>')``
included, so each ``mask_secret()`` call (Airflow's own on the connection password, and ours on each
token) prints the value it asks to hide. The real supervisor of a worker logs that message with its body
omitted. A provider cannot avoid it without not masking at all, so exactly that line, and nothing else,
is set aside (and counted) wherever it shows (on Airflow 3.0 the chaos runs' ``dag.test()`` output has
it too).

On Airflow 3.0 the console output also holds rich tracebacks that print every local variable of every
frame (the structlog it installs sets them up so): a key or token kept in a plain ``str`` local shows
there. ``tests/security/test_traceback_locals.py`` checks that case directly, on any Airflow.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from botcity_maestro_emulator.testing import serve_in_thread
from tests.chaos import _harness as chaos
from tests.dag_runs import load_dag_bag

Texts = dict[str, list[tuple[str, str]]]
"""Source name -> (where, text) pairs to search."""

DEBUG_DAG = "chaos_restart"  # creates, defers a sensor to a trigger, fails with the bot's errors, restarts


@dataclass
class CliRun:
    output: str
    tokens: list[str]
    returncode: int


@pytest.fixture(scope="module")
def debug_cli_run(airflow_db: Path) -> CliRun:
    """``airflow dags test`` of a chaos DAG with all of Airflow's logging at DEBUG, against a failing
    emulator that knows the chaos key."""
    faults = dict(chaos.FAULTS, seed=7)
    with serve_in_thread(
        login=chaos.LOGIN, key=chaos.KEY, queue_seconds=0.2, run_seconds=1.0, **faults
    ) as emulator:
        env = dict(os.environ)
        env.update(
            AIRFLOW__LOGGING__LOGGING_LEVEL="DEBUG",
            AIRFLOW__LOGGING__NAMESPACE_LEVELS=" ".join(f"{name}=DEBUG" for name in chaos.DEBUG_LOGGERS),
            AIRFLOW__CORE__DAGS_FOLDER=str(chaos.DAG_FILES),
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        )
        env[chaos.CONN_ENV] = chaos.connection_json(emulator.url)
        done = subprocess.run(
            [sys.executable, "-m", "airflow", "dags", "test", DEBUG_DAG],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        return CliRun(done.stdout + done.stderr, emulator.tokens(), done.returncode)


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return value if isinstance(value, str) else json.dumps(value, default=str)


def database_texts() -> Texts:
    """The metadata tables a secret could reach, by name, and every column of every table."""
    from airflow import settings
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session
    from sqlalchemy import inspect, text

    found: Texts = {"xcom": [], "rendered_task_instance_fields": [], "trigger": [], "next_kwargs": []}
    found["every table"] = []
    named = {
        "xcom": "value",
        "rendered_task_instance_fields": "rendered_fields",
        "task_instance": "next_kwargs",
    }
    with settings.engine.connect() as connection:
        for table in inspect(settings.engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')).mappings():
                where = f"{table} " + ",".join(str(row[key]) for key in list(row)[:3])
                for column, value in row.items():
                    if value is None:
                        continue
                    found["every table"].append((f"{where} .{column}", _text(value)))
                    if named.get(table) == column:
                        source = "next_kwargs" if table == "task_instance" else table
                        found[source].append((where, _text(value)))
    with create_session() as session:
        for trigger in session.query(Trigger).all():
            found["trigger"].append((f"trigger {trigger.id} kwargs", json.dumps(trigger.kwargs, default=str)))
            found["trigger"].append((f"trigger {trigger.id} stored", trigger.encrypted_kwargs))
    return found


def log_file_texts() -> Texts:
    home = Path(os.environ["AIRFLOW_HOME"])
    files = [path for path in (home / "logs").rglob("*") if path.is_file()]
    return {"$AIRFLOW_HOME/logs": [(str(path), path.read_text(errors="replace")) for path in files]}


# Airflow's in-process supervisor (dag.test, airflow dags test) logging a mask_secret() request at DEBUG;
# 3.3 names the source line (loc=...), 3.0 does not.
UPSTREAM_DEBUG_LEAK = re.compile(
    r"\[debug\s*\] Sending request\s+(?:loc=supervisor\.py:\d+ )?msg=MaskSecret\(value='[^']*', "
    r"name=None, type='MaskSecret'\)$"
)


def leaks(texts: Texts, secrets: Iterable[str], set_aside: list[str] | None = None) -> Iterator[str]:
    """Where a secret shows, without showing it.

    :param set_aside: if given, lines that are Airflow's own DEBUG leak go here instead.
    """
    wanted = [secret for secret in secrets if secret]
    for source, items in texts.items():
        for where, text in items:
            for secret in wanted:
                if secret not in text:
                    continue
                kind = "the key" if secret == chaos.KEY else f"token {secret[:4]}…"
                lines = [line for line in text.splitlines() if secret in line]
                if set_aside is not None and all(UPSTREAM_DEBUG_LEAK.search(line) for line in lines):
                    set_aside += [f"{source}: {kind}"] * len(lines)
                    continue
                line = next(line for line in lines if not UPSTREAM_DEBUG_LEAK.search(line))
                yield f"{source}: {where[:120]}: {kind}: {line.replace(secret, '<secret>')[:300]}"


def test_the_search_finds_a_planted_secret_and_sets_aside_only_airflows_own_line() -> None:
    upstream = (
        "2026-11-22T00:54:31.652341Z [debug    ] Sending request                loc=supervisor.py:2055 "
        f"msg=MaskSecret(value='{chaos.KEY}', name=None, type='MaskSecret')"
    )
    upstream_3_0 = (
        "2026-11-22 03:48:19 [debug    ] Sending request                "
        f"msg=MaskSecret(value='{chaos.KEY}', name=None, type='MaskSecret')"
    )
    texts = {
        "log": [("line 1", "nothing"), ("line 2", f"oops {chaos.KEY} shown")],
        "cli": [("run", f"{upstream}\nfine"), ("run 2", f"{upstream}\nand {chaos.KEY} again")],
        "cli 3.0": [("run", f"{upstream_3_0}\nfine")],
    }
    set_aside: list[str] = []
    assert list(leaks(texts, [chaos.KEY], set_aside)) == [
        "log: line 2: the key: oops <secret> shown",
        "cli: run 2: the key: and <secret> again",
    ]
    assert set_aside == ["cli: the key", "cli 3.0: the key"]


def test_no_secret_in_any_log_xcom_template_trigger_or_error(
    chaos_dag_bag_for_security: Any,
    capfd: pytest.CaptureFixture[str],
    debug_cli_run: CliRun,
    tmp_path: Path,
) -> None:
    run = chaos.run_plan(chaos.profile_from_env(), chaos_dag_bag_for_security, capfd.readouterr, tmp_path)
    secrets = {chaos.KEY, *run.tokens, *debug_cli_run.tokens}
    assert len(run.tokens) >= 5, "tokens expire every 3 s: a chaos run gets many"

    texts: Texts = {
        "chaos runs' captured output": [(f"run {i}", text) for i, text in enumerate(run.output)],
        "log records at DEBUG": [(f"record {i}", text) for i, text in enumerate(run.records)],
        "exception texts": [(f"error {i}", text) for i, text in enumerate(run.errors)],
        "airflow dags test at DEBUG": [(DEBUG_DAG, debug_cli_run.output)],
    }
    texts |= log_file_texts()
    texts |= database_texts()

    upstream: list[str] = []
    shown = list(leaks(texts, secrets, upstream))
    assert not shown, "secrets shown:\n" + "\n".join(shown)
    with capfd.disabled():
        print(
            f"\nsecret hygiene: {len(secrets)} secrets (the key, {len(secrets) - 1} tokens) searched in "
            + ", ".join(f"{source} ({len(items)})" for source, items in texts.items())
            + f"; 0 hits; set aside {len(upstream)} line(s) of Airflow's in-process supervisor at DEBUG"
        )

    # The search looked where it says it did, at DEBUG: an empty source would prove nothing.
    assert debug_cli_run.returncode == 0 and "state=success" in debug_cli_run.output, debug_cli_run.output[
        -3000:
    ]
    assert re.search(r"(?:GET|POST) http://\S+ -> \d{3} in ", debug_cli_run.output), "no client DEBUG line"
    assert any(" DEBUG [botcity_provider.client] " in record for record in run.records)
    assert run.faults["expired_token"] > 0, "no token expired: the re-login path was not exercised"
    sources = ["xcom", "rendered_task_instance_fields", "next_kwargs", "exception texts"]
    if not __import__("airflow").__version__.startswith("2."):  # Airflow 2's dag.test() stores no trigger
        sources.append("trigger")
    for source in sources:
        assert texts[source], f"nothing to search in {source}"


@pytest.fixture(scope="module")
def chaos_dag_bag_for_security(airflow_db: Path) -> Any:
    return load_dag_bag(chaos.DAG_FILES)
