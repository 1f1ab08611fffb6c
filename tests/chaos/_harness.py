"""Run the chaos DAGs many times against a faulty emulator, and collect what a test needs to judge them.

The emulator runs in a subprocess with a state file, so it can be killed (SIGKILL) in the middle of a
wait and come back with every task it had. Its counters live in memory and restart at zero, so they are
read just before the kill and added up.

One run of a plan is kept per process (:func:`run_plan` caches it by profile): the chaos test and the
secret-hygiene test read the same run instead of paying for two.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botcity_maestro_emulator.testing import SubprocessEmulator, serve_in_subprocess
from botcity_provider.client import MaestroClient, MaestroError, RetryPolicy, TokenCache
from tests.chaos._report import TERMINAL, failures, idempotency_groups, report, retry_counts

__all__ = ["TERMINAL", "failures", "idempotency_groups", "report", "retry_counts"]  # re-exported

ROOT = Path(__file__).resolve().parents[2]
DAG_FILES = ROOT / "tests" / "dag_files"
CONN_ID = "maestro_chaos"
CONN_ENV = "AIRFLOW_CONN_MAESTRO_CHAOS"
WORKDIR_ENV = "BOTCITY_CHAOS_WORKDIR"  # where tests/dag_files/chaos_dags.py writes its files
LOGIN = "chaos-workspace"
# Distinctive, and new for every process: a hit in a log cannot be a coincidence or a stale file.
KEY = f"BOTCITY-CHAOS-KEY-{uuid.uuid4().hex}"

FAULTS: dict[str, Any] = {
    "error_rate": 0.20,
    "error_statuses": [500, 502, 503, 504],
    "rate_limit_rate": 0.05,
    "retry_after_seconds": 1,
    "drop_rate": 0.05,
    "lost_create_rate": 0.10,
    "token_lifetime_seconds": 3,
    # Never three random faults in a row on the same request, so a call that sends one request three times
    # gets it through. Without a bound about one create in 90 failed all six of its attempts (once a pause
    # outlasts a token, an attempt is the refused create, a login and the create again) and gave up; a
    # timeout DAG, which has no Airflow retries, then failed without a Maestro task. The bound spares few
    # draws: the runs still fault about 28 % of requests. Measured by bench/create_budget.py.
    "max_faults_in_a_row": 2,
    # Random draws may miss the rarest fault in a short run; one scripted lost create never does.
    "script": [{"match": "POST /api/v2/task", "action": "lost", "count": 1}],
}


@dataclass(frozen=True)
class Expect:
    """What a chaos DAG reaches without faults: run state, task states, and its Maestro tasks."""

    state: str
    tasks: dict[str, str]
    maestro_tasks: int = 1
    maestro_runs: int | None = None
    """How many times its Maestro task ran (2 for the restart DAG: exactly one restart, never two)."""
    creates: tuple[str, ...] = ()
    """The Airflow tasks that create a Maestro task: each must own exactly one."""


EXPECTED: dict[str, Expect] = {
    "chaos_create_and_wait_deferred": Expect(
        "success", {"run_invoice_bot": "success"}, creates=("run_invoice_bot",)
    ),
    "chaos_create_and_wait_polled": Expect(
        "success", {"run_invoice_bot": "success"}, creates=("run_invoice_bot",)
    ),
    "chaos_sensor_deferred": Expect(
        "success",
        {"queue_reconciliation": "success", "wait_for_reconciliation": "success"},
        creates=("queue_reconciliation",),
    ),
    "chaos_sensor_polled": Expect(
        "success",
        {"queue_reconciliation": "success", "wait_for_reconciliation": "success"},
        creates=("queue_reconciliation",),
    ),
    "chaos_timeout_deferred": Expect("failed", {"run_stuck_bot": "failed"}, creates=("run_stuck_bot",)),
    "chaos_timeout_polled": Expect("failed", {"run_stuck_bot": "failed"}, creates=("run_stuck_bot",)),
    "chaos_upload": Expect(
        "success",
        {"export_orders": "success", "queue_order_bot": "success", "upload_orders": "success"}
        | {"wait_order_bot": "success"},
        creates=("queue_order_bot",),
    ),
    "chaos_cancel": Expect(
        "success",
        {"start_scraper_bot": "success", "let_it_start": "success", "stop_scraper_bot": "success"},
        creates=("start_scraper_bot",),
    ),
    "chaos_restart": Expect(
        "success",
        {"queue_crm_bot": "success", "watch_crm_bot": "failed", "restart_crm_bot": "success"},
        maestro_runs=2,
        creates=("queue_crm_bot",),
    ),
}
# Runs during which the emulator is killed and restarted, once a bot of that run is running.
RESTART_DURING = ("chaos_create_and_wait_deferred", "chaos_sensor_polled", "chaos_create_and_wait_polled")


@dataclass(frozen=True)
class Profile:
    name: str
    rounds: int
    restarts: int
    seed: int


PROFILES = {
    # ~2 minutes: every DAG twice (deferred create-and-wait and polled sensor four times), one restart.
    "short": Profile("short", rounds=2, restarts=1, seed=20261122),
    # `make chaos`: every DAG ten times (some twenty), and four restarts spread over the runs.
    "long": Profile("long", rounds=10, restarts=4, seed=1122),
}


def plan(profile: Profile) -> list[str]:
    """The DAG ids to run, in order: every chaos DAG each round, the create-and-wait ones twice."""
    one_round = [*EXPECTED, "chaos_create_and_wait_deferred", "chaos_sensor_polled"]
    return one_round * profile.rounds


@dataclass
class RunRecord:
    dag_id: str
    run_id: str
    state: str
    task_states: dict[str, str]
    tries: dict[str, int]
    maestro: list[dict[str, Any]]
    """The Maestro tasks this run created, as the emulator's admin route saw them when the run ended."""
    seconds: float
    restarted: bool = False
    failures: list[str] = field(default_factory=list)
    """The exceptions that failed one of its tries (rescued by a retry, or expected)."""


@dataclass
class ChaosResult:
    profile: Profile
    key: str
    runs: list[RunRecord] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    faults: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    restarts: int = 0
    tasks: list[dict[str, Any]] = field(default_factory=list)
    """Every Maestro task at the end, read through the API (with its parameters)."""
    records: list[str] = field(default_factory=list)
    """Every record of the provider's and the HTTP libraries' loggers, at DEBUG."""
    errors: list[str] = field(default_factory=list)
    """The text of every MaestroError raised in this process during the runs."""
    seconds: float = 0.0
    log_file: Path | None = None

    @property
    def log(self) -> str:
        """Everything logged: the captured output of each run and the collected records."""
        return "\n".join([*self.output, "===== log records =====", *self.records])


_CACHE: dict[str, ChaosResult] = {}


def profile_from_env() -> Profile:
    """``BOTCITY_CHAOS_PROFILE`` (short or long); ``BOTCITY_CHAOS_ROUNDS`` and ``_SEED`` override it."""
    profile = PROFILES[os.environ.get("BOTCITY_CHAOS_PROFILE", "short")]
    rounds = int(os.environ.get("BOTCITY_CHAOS_ROUNDS", profile.rounds))
    seed = int(os.environ.get("BOTCITY_CHAOS_SEED", profile.seed))
    return Profile(profile.name, rounds, profile.restarts, seed)


# A call's retries are one budget for all its requests (a create's lookups and resend included): at the
# chaos rates, where about a quarter of all requests fail, a create may meet seven failures before its
# task exists. The default of 4 retries is for a Maestro that fails now and then, not for an outage.
CHAOS_MAX_RETRIES = 8


def connection_json(url: str) -> str:
    extra = {"max_retries": CHAOS_MAX_RETRIES}
    return json.dumps({"conn_type": "botcity", "host": url, "login": LOGIN, "password": KEY, "extra": extra})


def start_emulator(folder: Path, seed: int) -> SubprocessEmulator:
    return serve_in_subprocess(
        login=LOGIN,
        key=KEY,
        state_file=folder / "maestro-state.jsonl",
        queue_seconds=0.2,
        run_seconds=1.0,
        seed=seed,
        **FAULTS,
    )


# Loggers that see requests: ours, and the HTTP libraries under both clients. All at DEBUG during the runs.
DEBUG_LOGGERS = ("botcity_provider", "urllib3", "requests", "httpx", "httpcore")


class _Collect(logging.Handler):
    """Keeps every record of the loggers it is attached to, formatted with its traceback if any."""

    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(self.format(record))


@contextmanager
def chaos_environment(url: str, records: list[str], workdir: Path) -> Iterator[None]:
    """The chaos connection, the folder the DAGs write their files in, and DEBUG logging collected from
    the provider and HTTP loggers.

    Airflow prints its task logs to the process's stdout (read by the caller); our stdlib loggers'
    records are collected here as well, since Airflow's root handler may write them elsewhere.
    """
    old_env = os.environ.get(CONN_ENV)
    os.environ[CONN_ENV] = connection_json(url)
    os.environ[WORKDIR_ENV] = str(workdir)
    handler = _Collect(records)
    loggers = [logging.getLogger(name) for name in DEBUG_LOGGERS]
    old_levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger, level in zip(loggers, old_levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
        os.environ.pop(WORKDIR_ENV, None)
        if old_env is None:
            os.environ.pop(CONN_ENV, None)
        else:
            os.environ[CONN_ENV] = old_env


@contextmanager
def recording_errors(into: list[str]) -> Iterator[None]:
    """Keep the text of every MaestroError made while inside (the exception texts a user may see)."""
    original = MaestroError.__init__

    def recording_init(self: MaestroError, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        into.append(f"{type(self).__name__}: {self}")

    MaestroError.__init__ = recording_init  # type: ignore[method-assign]
    try:
        yield
    finally:
        MaestroError.__init__ = original  # type: ignore[method-assign]


class Restarter(threading.Thread):
    """Kills and restarts the emulator once a bot created after ``after_id`` is running."""

    def __init__(self, emulator: SubprocessEmulator, after_id: int, result: ChaosResult) -> None:
        super().__init__(name="chaos-restarter", daemon=True)
        self.emulator = emulator
        self.after_id = after_id
        self.result = result
        self.done = False
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                tasks = self.emulator.tasks()
                if any(t["id"] > self.after_id and t["state"] == "RUNNING" for t in tasks):
                    time.sleep(0.3)  # well inside the wait: the bot runs for a second
                    account(self.emulator, self.result)
                    self.emulator.restart(kill=True)
                    self.result.restarts += 1
                    self.done = True
                    return
                time.sleep(0.05)
        except BaseException as exc:  # reported by the test
            self.error = exc


def account(emulator: SubprocessEmulator, result: ChaosResult) -> None:
    """Add the emulator's counters and tokens to the result (before a restart zeroes the counters)."""
    stats = emulator.stats()
    result.faults.update({kind: count for kind, count in stats["faults"].items() if count})
    result.requests += stats["requests_total"]
    result.tokens.update(emulator.tokens())


def run_plan(
    profile: Profile, dag_bag: Any, read_output: Callable[[], tuple[str, str]], workdir: Path
) -> ChaosResult:
    """Run the profile's plan once per process; later calls get the same result."""
    if profile.name in _CACHE:
        return _CACHE[profile.name]
    result = ChaosResult(profile=profile, key=KEY)
    started = time.monotonic()
    emulator = start_emulator(workdir, profile.seed)
    result.log_file = workdir / "chaos.log"
    try:
        with chaos_environment(emulator.url, result.records, workdir), recording_errors(result.errors):
            ids = plan(profile)
            restart_slots = _restart_slots(ids, profile.restarts)
            for index, dag_id in enumerate(ids):
                record = _run_one(
                    dag_id,
                    dag_bag=dag_bag,
                    emulator=emulator,
                    result=result,
                    read_output=read_output,
                    restart=index in restart_slots,
                )
                result.runs.append(record)
        account(emulator, result)
        emulator.clear_faults()
        result.tasks = all_tasks(emulator.url)
        result.tokens.update(emulator.tokens())
    finally:
        emulator.stop()
        result.log_file.write_text(result.log)  # also when a run went wrong: it is what explains it
    result.seconds = time.monotonic() - started
    _CACHE[profile.name] = result
    return result


def _restart_slots(ids: list[str], restarts: int) -> set[int]:
    """Runs to restart the emulator in: the k-th restart in a run of the k-th DAG of ``RESTART_DURING``
    (a deferred wait first), spread over the plan so that none comes at its very start."""
    slots = set()
    for k in range(restarts):
        kind = RESTART_DURING[k % len(RESTART_DURING)]
        where = [index for index, dag_id in enumerate(ids) if dag_id == kind]
        if where:
            slots.add(where[min(len(where) - 1, len(where) * (2 * k + 1) // (2 * restarts))])
    return slots


def _run_one(
    dag_id: str,
    *,
    dag_bag: Any,
    emulator: SubprocessEmulator,
    result: ChaosResult,
    read_output: Callable[[], tuple[str, str]],
    restart: bool,
) -> RunRecord:
    """Run one DAG to its end (restarting the emulator during it if asked) and record what happened."""
    before = max((t["id"] for t in emulator.tasks()), default=0)
    restarter = Restarter(emulator, before, result) if restart else None
    dag = dag_bag.get_dag(dag_id)
    read_output()
    began = time.monotonic()
    if restarter is not None:
        restarter.start()
    dag_run = dag.test()
    took = time.monotonic() - began
    if restarter is not None:
        restarter.join(70)
        if restarter.error is not None or not restarter.done:
            raise AssertionError(f"the emulator was not restarted during {dag_id}: {restarter.error}")
    out, err = read_output()
    text = f"===== {dag_id} =====\n{out}{err}"
    result.output.append(text)
    tis = dag_run.get_task_instances()
    created = [t for t in emulator.tasks() if t["id"] > before]
    return RunRecord(
        dag_id=dag_id,
        run_id=dag_run.run_id,
        state=str(dag_run.state),
        task_states={ti.task_id: str(ti.state) for ti in tis},
        tries={ti.task_id: int(ti.try_number) for ti in tis},
        maestro=created,
        seconds=took,
        restarted=restarter is not None,
        failures=failures(text),
    )


def all_tasks(url: str) -> list[dict[str, Any]]:
    """Every task of the workspace with its parameters, read through the API once faults are off."""
    retry = RetryPolicy(max_attempts=3, initial_backoff_seconds=0.1, max_backoff_seconds=0.5)
    found: list[dict[str, Any]] = []
    with MaestroClient(url, LOGIN, KEY, retry=retry, token_cache=TokenCache()) as client:
        for number in range(100):
            page = client.tasks.list(page=number, size=1000, days=30)
            found += [task.model_dump(mode="json") for task in page.content]
            if page.last or not page.content:
                break
    return found
