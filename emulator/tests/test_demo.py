"""`make demo` (scripts/demo.py): what it keeps, what it cleans up, and how it explains a scripted failure.

The whole demo is a real `airflow dags test` of about half a minute; tests/dags/test_examples.py runs that
DAG. Here its parts are checked against the emulator they read.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle

from .helpers import Api, wait_for

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


@pytest.fixture(scope="module")
def demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("botcity_demo_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_successful_run_keeps_the_logs_it_named_and_nothing_else(demo: ModuleType, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = demo.airflow_env(home, "http://127.0.0.1:1", "demo", "k")
    for name in ("dags-test.log", "migrate.log", "airflow.db", "airflow.cfg"):
        (home / name).write_text(name)
    (home / "logs" / "dag_id=x").mkdir(parents=True)
    (Path(env["TMPDIR"]) / "invoices-abc").mkdir()

    demo.tidy(home, keep_all=False)

    assert sorted(path.name for path in home.iterdir()) == ["dags-test.log", "migrate.log"]
    assert (home / "dags-test.log").read_text() == "dags-test.log"


def test_a_failed_run_keeps_the_whole_home(
    demo: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "airflow.db").write_text("db")
    demo.tidy(tmp_path, keep_all=True)
    assert (tmp_path / "airflow.db").exists()
    assert str(tmp_path) in capsys.readouterr().out


def test_the_dags_temporary_files_land_in_the_airflow_home(demo: ModuleType, tmp_path: Path) -> None:
    env = demo.airflow_env(tmp_path, "http://127.0.0.1:1", "demo", "k")
    # What maestro_tour's write_invoices does, in a process with Airflow's environment.
    code = "import tempfile; print(tempfile.mkdtemp(prefix='invoices-'))"
    made = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert Path(made.stdout.strip()).parent == tmp_path / "tmp"


def _scripted_failure_then_restart(api: Api) -> int:
    script = {"outcome": ["FAILED", "SUCCESS"], "queue_seconds": 0, "run_seconds": 0.1}
    task = api.create_task("crm-bot", parameters={"_emulator": script})
    wait_for(lambda: api.task(task["id"]), lambda t: t["finishStatus"] == "FAILED")
    api.update(task["id"], {"state": "START"})
    wait_for(lambda: api.task(task["id"]), lambda t: t["finishStatus"] == "SUCCESS")
    return int(task["id"])


def _log(task_id: int) -> str:
    return "\n".join(
        [
            "2026-01-01T00:00:00Z [info     ] [DAG TEST] starting task_id=run_crm_bot map_index=-1 [x]",
            f"2026-01-01T00:00:01Z [info     ] Created Maestro task {task_id} for automation 'crm-bot' [y]",
            "2026-01-01T00:00:02Z [info     ] [DAG TEST] starting task_id=restart_crm_bot map_index=-1 [x]",
            f"2026-01-01T00:00:03Z [info     ] Restarted Maestro task {task_id}       [y] loc=b:2",
        ]
    )


def test_the_table_explains_a_scripted_failure_that_was_restarted(
    demo: ModuleType, api: Api, emulator: EmulatorHandle
) -> None:
    task_id = _scripted_failure_then_restart(api)
    states = {"run_crm_bot": "failed", "restart_crm_bot": "success"}

    notes = demo.task_notes(_log(task_id), emulator.tasks(), states)

    assert notes == {
        "run_crm_bot": f"on purpose: run 1 of Maestro task {task_id} was scripted to fail; "
        "restart_crm_bot restarted it",
        "restart_crm_bot": f"restarted Maestro task {task_id}: run 2 SUCCESS",
    }


def test_a_failure_that_was_not_scripted_gets_no_excuse(
    demo: ModuleType, api: Api, emulator: EmulatorHandle
) -> None:
    task = api.create_task("crm-bot", parameters={"_emulator": {"queue_seconds": 0, "outcome": "NEVER"}})
    wait_for(lambda: api.task(task["id"]), lambda t: t["state"] == "RUNNING")
    api.update(task["id"], {"interrupted": True, "killed": True})

    notes = demo.task_notes(_log(task["id"]), emulator.tasks(), {"run_crm_bot": "failed"})

    assert "run_crm_bot" not in notes


def test_the_maestro_table_lists_the_runs_of_a_restarted_task(
    demo: ModuleType, api: Api, emulator: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    task_id = _scripted_failure_then_restart(api)

    demo.print_maestro_tasks(emulator.tasks())

    out = capsys.readouterr().out
    assert (
        f'task {task_id} (crm-bot): run 1 FAILED as scripted "Failed (emulated bot)"; '
        'restarted, run 2 SUCCESS "Finished successfully (emulated bot)"'
    ) in out
