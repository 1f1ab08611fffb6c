"""MaestroFetchArtifactsOperator: a task's result files fetched by name into a folder or object storage,
each one an asset event, hook lineage and OpenLineage output; memory stays flat whatever a file's size."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_0_PLUS, get_base_airflow_version_tuple

from botcity_provider.client import MaestroClient
from botcity_provider.operators.artifacts import ALIAS_PREFIX, MaestroFetchArtifactsOperator
from tests.dag_files.artifacts_fetch import ALIAS

THREE = [
    {"name": "orders.csv", "content": "order,total\nORD-1,10\n"},
    {"name": "refunds.csv", "content": "order,refund\nORD-2,3\n"},
    {"name": "run.log", "content": "bot log\n"},
]


class _TaskInstance:
    def __init__(self) -> None:
        self.xcoms: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value


class _Events:
    """``context["outlet_events"]`` as the operator uses it: ``[alias].add(asset, extra=...)``."""

    def __init__(self) -> None:
        self.added: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)

    def __getitem__(self, alias: Any) -> Any:
        added = self.added[alias.name]

        class _Accessor:
            def add(self, asset: Any, extra: dict[str, Any] | None = None) -> None:
                added.append((asset.uri, extra or {}))

        return _Accessor()


def _context() -> dict[str, Any]:
    return {"ti": _TaskInstance(), "outlet_events": _Events()}


def _finished_task(handle: Any, files: list[dict[str, Any]], *, inputs: Path | None = None) -> int:
    """A task whose emulated bot posts ``files`` as it finishes; ``inputs`` is uploaded while it is queued."""
    emulated: dict[str, Any] = {"artifacts": files}
    if inputs is not None:
        emulated["queue_seconds"] = 1.5
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        task_id = client.tasks.create("report-bot", parameters={"_emulator": emulated}).id
        if inputs is not None:
            client.artifacts.upload(task_id, inputs)
        deadline = time.monotonic() + 30
        while client.tasks.get(task_id).state != "FINISHED":
            assert time.monotonic() < deadline, "the emulated bot did not finish"
            time.sleep(0.05)
    return task_id


def _fetch(task_id: int, destination: Any, **kwargs: Any) -> tuple[list[str], dict[str, Any]]:
    context = _context()
    operator = MaestroFetchArtifactsOperator(
        task_id="fetch", maestro_task_id=task_id, destination=destination, **kwargs
    )
    return operator.execute(context), context


def _asset_events(uri_prefix: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(source task, asset URI, extra) of every asset event Airflow recorded under ``uri_prefix``."""
    from airflow.utils.session import create_session

    try:
        from airflow.models.asset import AssetEvent, AssetModel
    except ImportError:  # Airflow 2
        from airflow.models.dataset import DatasetEvent as AssetEvent
        from airflow.models.dataset import DatasetModel as AssetModel
    with create_session() as session:
        key = AssetEvent.asset_id if hasattr(AssetEvent, "asset_id") else AssetEvent.dataset_id
        rows = session.query(AssetEvent, AssetModel).join(AssetModel, key == AssetModel.id)
        found = [(event.source_task_id, model.uri, dict(event.extra or {})) for event, model in rows]
    return sorted(row for row in found if row[1].startswith(uri_prefix))


@pytest.mark.versions
def test_a_dag_fetches_the_matching_result_files_each_one_an_asset_event(
    run_dag: Any, dag_bag: Any, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    conf = {"files": THREE, "destination": str(out), "names": "*.csv"}
    if not AIRFLOW_V_3_0_PLUS:
        # Airflow 2 records an alias's events only once the scheduler has stored the alias, on parsing
        # the DAG file (docs/howto/fetch-artifacts.md); dag.test() stores nothing, so the test does.
        dag_bag.get_dag("artifacts_fetch").sync_to_db()
    result = run_dag("artifacts_fetch", conf=conf, xcom_keys=("return_value",))

    assert result.state == "success", result.log[-3000:]
    assert sorted(os.listdir(out)) == ["orders.csv", "refunds.csv"]  # no temporary file left behind
    assert (out / "orders.csv").read_bytes() == b"order,total\nORD-1,10\n"
    assert (out / "refunds.csv").read_bytes() == b"order,refund\nORD-2,3\n"
    written = result.xcoms[("fetch", "return_value")]
    assert sorted(written) == [str(out / "orders.csv"), str(out / "refunds.csv")]
    events = _asset_events(out.as_uri())
    assert [(task, uri) for task, uri, _ in events] == [
        ("fetch", (out / "orders.csv").as_uri()),
        ("fetch", (out / "refunds.csv").as_uri()),
    ]
    assert {extra["name"] for _, _, extra in events} == {"orders.csv", "refunds.csv"}
    task_id = result.xcoms[("bot", "return_value")]
    assert all(extra["maestro_task_id"] == task_id for *_, extra in events)


@pytest.mark.versions
def test_a_name_that_would_leave_the_destination_fails_the_task_with_nothing_written(
    run_dag: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    files = [{"name": "fine.csv"}, {"name": "../escaped.csv"}]
    result = run_dag("artifacts_fetch", conf={"files": files, "destination": str(out), "names": "*"})

    assert result.task_states["fetch"] == "failed"
    # Airflow 3.0's dag.test() shows a failed task's exception neither on the output nor in logging.
    if get_base_airflow_version_tuple()[:2] != (3, 0):
        assert "'../escaped.csv', which is not a plain file name" in result.log + caplog.text
    assert not (tmp_path / "escaped.csv").exists()
    assert not out.exists() or os.listdir(out) == []


@pytest.mark.parametrize("name", ["a/b.csv", "..", "c\\d.csv", " padded.csv"])
def test_every_unsafe_name_is_refused(maestro_conn: Any, tmp_path: Path, name: str) -> None:
    task_id = _finished_task(maestro_conn, [{"name": name}])
    with pytest.raises(AirflowFailException, match="not a plain file name"):
        _fetch(task_id, tmp_path / "out")
    assert not any(tmp_path.rglob("*.csv"))


def test_the_alias_is_an_outlet_at_parse_time_and_receives_each_file(
    maestro_conn: Any, tmp_path: Path
) -> None:
    from airflow.providers.common.compat.sdk import AssetAlias

    operator = MaestroFetchArtifactsOperator(task_id="fetch", maestro_task_id=1, destination=tmp_path)
    assert operator.asset_alias.startswith(ALIAS_PREFIX)
    assert AssetAlias(name=operator.asset_alias) in operator.outlets

    task_id = _finished_task(maestro_conn, THREE)
    written, context = _fetch(task_id, tmp_path, names=["orders.*", "run.log"], asset_alias="mine")
    assert sorted(Path(p).name for p in written) == ["orders.csv", "run.log"]
    assert sorted(uri for uri, _ in context["outlet_events"].added["mine"]) == [
        (tmp_path / "orders.csv").as_uri(),
        (tmp_path / "run.log").as_uri(),
    ]
    assert context["ti"].xcoms  # the Maestro task link


def test_no_match_fails_naming_the_files_there_were_unless_allowed(maestro_conn: Any, tmp_path: Path) -> None:
    task_id = _finished_task(maestro_conn, THREE)
    with pytest.raises(AirflowFailException, match=r"no result file matching \['\*\.pdf'\].*'run\.log'"):
        _fetch(task_id, tmp_path, names="*.pdf")
    written, context = _fetch(task_id, tmp_path, names="*.pdf", allow_empty=True)
    assert written == []
    assert not any(context["outlet_events"].added.values())


def test_without_overwrite_an_existing_file_fails_before_any_download(
    maestro_conn: Any, tmp_path: Path
) -> None:
    task_id = _finished_task(maestro_conn, THREE)
    (tmp_path / "refunds.csv").write_text("mine")
    with pytest.raises(AirflowFailException, match=r"refunds\.csv.*overwrite is off"):
        _fetch(task_id, tmp_path, names="*.csv", overwrite=False)
    assert sorted(os.listdir(tmp_path)) == ["refunds.csv"]
    assert (tmp_path / "refunds.csv").read_text() == "mine"

    _fetch(task_id, tmp_path, names="*.csv")  # the default replaces it, as a retry needs
    assert (tmp_path / "refunds.csv").read_bytes() == b"order,refund\nORD-2,3\n"


def test_a_bad_pattern_fails_before_any_request(maestro_conn: Any, tmp_path: Path) -> None:
    with pytest.raises(AirflowFailException, match="names: give a pattern"):
        _fetch(1, tmp_path, names=["*.csv", ""])
    assert maestro_conn.stats()["requests_total"] == 0


@pytest.mark.parametrize("kind", ["file", "memory"])
def test_an_object_storage_destination_gets_whole_files_and_their_uris(
    maestro_conn: Any, tmp_path: Path, kind: str
) -> None:
    try:
        from airflow.sdk import ObjectStoragePath
    except ImportError:  # Airflow 2
        from airflow.io.path import ObjectStoragePath
    if kind == "memory":
        # Airflow's object storage knows the schemes of its providers; memory is attached by hand.
        from fsspec.implementations.memory import MemoryFileSystem

        try:
            from airflow.sdk.io import attach
        except ImportError:  # Airflow 2
            from airflow.io.store import attach
        attach("memory", fs=MemoryFileSystem())
    uri = (tmp_path / "store").as_uri() if kind == "file" else f"memory://results/{tmp_path.name}"
    task_id = _finished_task(maestro_conn, THREE)

    written, context = _fetch(task_id, ObjectStoragePath(uri), names="*.csv")

    folder = ObjectStoragePath(uri)
    assert sorted(child.name for child in folder.iterdir()) == ["orders.csv", "refunds.csv"]
    assert (folder / "orders.csv").read_bytes() == b"order,total\nORD-1,10\n"
    expected = [f"{uri}/orders.csv", f"{uri}/refunds.csv"]

    def plain(given: str) -> str:
        # Airflow 2 writes a memory path as memory:///results/... (and its Dataset as memory:/results/...),
        # Airflow 3 as memory://results/...
        return re.sub(r"^memory:/+", "memory://", given)

    assert sorted(plain(w) for w in written) == expected
    (events,) = context["outlet_events"].added.values()
    assert sorted(plain(u) for u, _ in events) == expected


def test_a_50_mib_result_file_is_fetched_in_constant_memory(maestro_conn: Any, tmp_path: Path) -> None:
    size = 50 * 1024 * 1024
    pattern = b"0123456789abcdef"
    task_id = _finished_task(maestro_conn, [{"name": "big.bin", "content": pattern.decode(), "size": size}])

    tracemalloc.start()
    try:
        (written,), _ = _fetch(task_id, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < size // 5, f"peak {peak} bytes for a {size}-byte file"
    assert os.path.getsize(written) == size
    digest = hashlib.sha256()
    with open(written, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    assert digest.hexdigest() == hashlib.sha256(pattern * (size // len(pattern))).hexdigest()


def test_hook_lineage_has_the_task_inputs_and_each_file_written(
    maestro_conn: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.providers.common.compat import sdk

    try:
        from airflow.sdk.lineage import HookLineageCollector
    except ImportError:  # Airflow 2
        from airflow.lineage.hook import HookLineageCollector
    collector = HookLineageCollector()
    monkeypatch.setattr(sdk, "get_hook_lineage_collector", lambda: collector, raising=False)
    given = tmp_path / "orders-in.csv"
    given.write_text("order\nORD-1\n")
    task_id = _finished_task(maestro_conn, THREE[:2], inputs=given)
    out = tmp_path / "out"

    written, _ = _fetch(task_id, out)

    # The file uploaded while the task was queued is its input, not one of its results.
    assert sorted(Path(p).name for p in written) == ["orders.csv", "refunds.csv"]
    lineage = collector.collected_assets
    (source,) = lineage.inputs
    assert source.asset.uri.startswith("botcity-maestro://") and "/artifact/" in source.asset.uri
    assert sorted(item.asset.uri for item in lineage.outputs) == [
        (out / "orders.csv").as_uri(),
        (out / "refunds.csv").as_uri(),
    ]


def test_openlineage_facets_come_from_what_was_fetched(maestro_conn: Any, tmp_path: Path) -> None:
    pytest.importorskip("airflow.providers.openlineage")
    given = tmp_path / "orders-in.csv"
    given.write_text("order\nORD-1\n")
    task_id = _finished_task(maestro_conn, THREE, inputs=given)
    operator = MaestroFetchArtifactsOperator(
        task_id="fetch", maestro_task_id=task_id, destination=tmp_path / "out", names="*.csv"
    )
    operator.execute(_context())  # type: ignore[arg-type]
    served = maestro_conn.stats()["requests_total"]

    lineage = operator.get_openlineage_facets_on_complete(None)

    assert [d.namespace for d in lineage.inputs] == [f"botcity-maestro://{maestro_conn.url.split('//')[1]}"]
    assert sorted(d.name for d in lineage.outputs) == [
        str(tmp_path / "out" / "orders.csv"),
        str(tmp_path / "out" / "refunds.csv"),
    ]
    facet = lineage.run_facets["maestro_task"]
    assert (facet.taskId, facet.finishStatus, facet.resultFiles) == (task_id, "SUCCESS", 2)
    assert facet.machineId == "emulator-runner" and facet.totalItems == 1
    assert maestro_conn.stats()["requests_total"] == served  # no request for the facets

    with pytest.raises(AirflowFailException):
        operator.names = "*.pdf"
        operator.execute(_context())  # type: ignore[arg-type]
    failed = operator.get_openlineage_facets_on_failure(None)
    assert "no result file matching" in failed.run_facets["errorMessage"].message
    assert failed.outputs == []


_WITHOUT_OPENLINEAGE = """
import json, sys
import airflow.providers.common.compat.sdk as sdk
# What Airflow's own base classes already import (httpx, for one, on Airflow 3); we may not add to it.
sdk.BaseOperator, sdk.BaseOperatorLink, sdk.XCom, sdk.AirflowFailException, sdk.Asset, sdk.AssetAlias
before = set(sys.modules)
import botcity_provider.operators.artifacts as module
imported = sorted(m for m in set(sys.modules) - before if m.startswith(HEAVY))
from pathlib import Path
operator = module.MaestroFetchArtifactsOperator(
    task_id="fetch", maestro_task_id=int(sys.argv[1]), destination=sys.argv[2]
)
class Events:
    def __getitem__(self, alias):
        class Add:
            def add(self, asset, extra=None):
                pass
        return Add()
class TI:
    def xcom_push(self, key, value):
        pass
written = operator.execute({"ti": TI(), "outlet_events": Events()})
print(json.dumps({"at_import": imported, "written": written,
                  "openlineage": sorted(m for m in sys.modules if "openlineage" in m)}))
"""


def test_importing_and_running_it_never_imports_openlineage_nor_the_client_at_parse_time(
    maestro_conn: Any, tmp_path: Path
) -> None:
    if importlib.util.find_spec("openlineage") is not None:
        pytest.skip("OpenLineage is installed here (Airflow's own plugins then load it)")
    task_id = _finished_task(maestro_conn, THREE[:1])
    heavy = ("botcity_provider.client", "botcity_provider.hooks", "requests", "httpx", "openlineage")
    code = f"HEAVY = {heavy!r}\n{_WITHOUT_OPENLINEAGE}"
    done = subprocess.run(
        [sys.executable, "-c", code, str(task_id), str(tmp_path)],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["at_import"] == []
    assert [Path(p).name for p in seen["written"]] == ["orders.csv"]
    assert seen["openlineage"] == []


def test_the_test_dag_declares_its_alias(dag_bag: Any) -> None:
    from airflow.providers.common.compat.sdk import AssetAlias

    assert AssetAlias(name=ALIAS) in dag_bag.get_dag("artifacts_fetch").get_task("fetch").outlets
