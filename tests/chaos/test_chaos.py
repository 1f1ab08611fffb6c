"""The reliability promises under chaos: the chaos DAGs, run many times against a Maestro that fails.

The emulator answers 20% of API requests with a 5xx, 5% with 429 + ``Retry-After: 1``, drops 5% of
connections, expires every token after 3 s, loses the answer of 10% of task creations (the task exists,
the client never hears of it), and is killed with SIGKILL and restarted from its state file while a bot
runs and a DAG waits for it. Which request a random fault hits depends only on the seed, the request and
how many times it was made, never on timing; and no request meets more than two random faults in a row,
so a call that sends one request three times gets it through. Without that bound about one create in 90
gave up under these faults, and a timeout DAG (no Airflow retries) then failed; with it, none did in
6,000 (``docs/reliability.md``, "What a create can ride out", measured by ``bench/create_budget.py``).

The 5xx statuses are 500, 502, 503 and 504 alike (the emulator's default mix). The client retries 502,
503 and 504 on idempotent calls by itself; it does not retry a 500, which says the server failed while
processing the request and may have acted on it. Where acting twice is harmless the provider must ride a
500 out anyway: a poll that fails is simply made again at the next poll, a key lookup is a read, and
stopping a task reads its state before it acts. Where it is not harmless (creating an artifact,
restarting a task) the chaos DAGs set Airflow ``retries``, as a user would. Creates that do not wait get
them too, since a retry must take over the task an earlier try made (that is the promise under test);
the timeout DAGs' creates get none (a retry after the bot was stopped would rightly start a new one), so
their creates must get through on their own. Waits (sensors, triggers, polling) have no retries: they
must not need them.

Checked for every run: the run and each of its tasks end in the state they reach without faults; the
run's Maestro tasks have all ended when the run ends (no bot left running); exactly one Maestro task per
Airflow task instance that creates one, counted from the ``_idempotency_key`` parameter of every task the
emulator holds; the restart DAG's bot ran exactly twice. The short profile runs in the default
collection; ``make chaos`` runs the long one (``BOTCITY_CHAOS_PROFILE=long``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.chaos import _harness as chaos
from tests.dag_runs import load_dag_bag

PROFILE = chaos.profile_from_env()


@pytest.fixture(scope="module")
def chaos_dag_bag(airflow_db: Path) -> Any:
    return load_dag_bag(chaos.DAG_FILES)


@pytest.mark.timeout(3600 if PROFILE.name == "long" else 600)
def test_every_run_ends_as_without_faults_with_one_task_each_and_no_orphan(
    chaos_dag_bag: Any, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = chaos.run_plan(PROFILE, chaos_dag_bag, capfd.readouterr, tmp_path)
    with capfd.disabled():
        print("\n" + chaos.report(result))

    wrong = []
    for run in result.runs:
        expect = chaos.EXPECTED[run.dag_id]
        if run.state != expect.state or run.task_states != expect.tasks:
            wrong.append(f"{run.dag_id} {run.run_id}: {run.state} {run.task_states} {run.failures}")
    assert not wrong, "runs that ended otherwise than without faults:\n" + "\n".join(wrong)

    for run in result.runs:
        expect = chaos.EXPECTED[run.dag_id]
        states = [task["state"] for task in run.maestro]
        assert len(run.maestro) == expect.maestro_tasks, f"{run.dag_id}: Maestro tasks {run.maestro}"
        assert all(state in chaos.TERMINAL for state in states), f"{run.dag_id}: left running: {states}"
        if expect.maestro_runs is not None:
            assert [task["runs"] for task in run.maestro] == [expect.maestro_runs], run.maestro

    groups = chaos.idempotency_groups(result.tasks)
    duplicated = {prefix: [t["id"] for t in tasks] for prefix, tasks in groups.items() if len(tasks) != 1}
    assert not duplicated, f"task instances with more than one Maestro task: {duplicated}"
    owners = {
        f"airflow|{run.dag_id}|{run.run_id}|{task_id}|-1|"
        for run in result.runs
        for task_id in chaos.EXPECTED[run.dag_id].creates
    }
    assert set(groups) == owners, "every creating task instance owns exactly one Maestro task, no other"

    assert result.restarts == PROFILE.restarts
    assert all(result.faults[kind] > 0 for kind in ("error", "rate_limit", "drop", "lost_create")), (
        result.faults
    )
    assert result.faults["expired_token"] > 0, result.faults
