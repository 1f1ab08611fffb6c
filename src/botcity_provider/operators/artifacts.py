"""Fetch a Maestro task's result files into a folder or any ``ObjectStoragePath``, one asset event each.

Importing this module (DAG parsing does) imports neither the client nor requests, httpx or OpenLineage:
the hook and the client are imported when the task runs, OpenLineage only when its listener asks for
facets.
"""

from __future__ import annotations

import fnmatch
import math
import os
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow.providers.common.compat.sdk import AirflowFailException, Asset, AssetAlias, BaseOperator

from botcity_provider._defaults import DEFAULT_CONN_ID
from botcity_provider._failures import bad_input, fails_fast
from botcity_provider._waiting import checked_task_id
from botcity_provider.links.maestro import MaestroTaskLink, forget_link, publish_link

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from botcity_provider.client import Artifact, MaestroClient, Task

__all__ = ["ALIAS_PREFIX", "MaestroFetchArtifactsOperator"]

ALIAS_PREFIX = "maestro-artifacts/"
"""Start of the default asset alias name: ``maestro-artifacts/<dag_id>/<task_id>``."""
_COPY_CHUNK = 1 << 20
_UNSAFE = ("/", "\\", "\0")


@dataclass
class _Fetched:
    """What one run learned, kept for the lineage facets (which must not send another request)."""

    server: str = ""
    task: Task | None = None
    inputs: list[Artifact] = field(default_factory=list)
    """The task's files that were there before its bot started: those it was given."""
    written: list[tuple[Artifact, str]] = field(default_factory=list)
    """Each result file written, with the URI of where it was written."""
    error: BaseException | None = None


class MaestroFetchArtifactsOperator(BaseOperator):
    """Download a Maestro task's result files, streaming each one (any size, constant memory).

    A task's artifacts that were there before its bot started are its inputs (uploaded for it, e.g. by
    :class:`~botcity_provider.operators.maestro.MaestroUploadArtifactOperator`); the others are its
    result files, and only those are fetched. Each file is written under a temporary name beside its
    target and renamed once whole, so a half-written file never carries the final name. Two result files
    of the same name: the newest wins (a warning names the others).

    Every file written is an asset event of the operator's :class:`AssetAlias` (``asset_alias``), so a
    DAG scheduled on that alias runs on them; it is also hook lineage (output; the task's inputs are
    inputs) and, with the OpenLineage provider, in the OpenLineage facets.

    :param maestro_task_id: the task whose result files to fetch (it should have ended). Templated.
    :param destination: the folder to write them into: a local path (created if missing) or an
        ``ObjectStoragePath`` or its URI (``s3://...``, ``file://...``), where a file is first downloaded
        to a local temporary file, then copied. Templated.
    :param names: ``fnmatch`` patterns of the artifact names to fetch (one, or a list); default: all.
        Templated.
    :param overwrite: replace a file of the same name in ``destination`` (the default, so that a retry
        fetches again what an earlier try wrote); False fails before anything is downloaded if one
        exists.
    :param allow_empty: succeed with an empty list when no result file matches; by default that fails
        (a bot that wrote no report is usually a broken one), with the names of the files there were.
    :param asset_alias: name of the asset alias each file is an event of; default
        ``maestro-artifacts/<dag_id>/<task_id>``.
    :return: the paths (URIs for object storage) written, in the order of the listing (newest first).
    """

    template_fields: Sequence[str] = ("maestro_task_id", "destination", "names")
    operator_extra_links = (MaestroTaskLink(),)

    def __init__(
        self,
        *,
        maestro_task_id: int | str,
        destination: str | os.PathLike[str] | Any,
        names: str | Sequence[str] | None = None,
        overwrite: bool = True,
        allow_empty: bool = False,
        asset_alias: str | None = None,
        maestro_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.maestro_task_id = maestro_task_id
        self.destination = destination
        self.names = names
        self.overwrite = overwrite
        self.allow_empty = allow_empty
        dag_id = self.dag_id if self.has_dag() else "no-dag"
        self.asset_alias = asset_alias or f"{ALIAS_PREFIX}{dag_id}/{self.task_id}"
        self.maestro_conn_id = maestro_conn_id
        # Outlets are read at parse time; the files behind the alias are only known when the task runs.
        self.outlets = [*(self.outlets or []), AssetAlias(name=self.asset_alias)]
        self._fetched = _Fetched()

    @fails_fast
    def execute(self, context: Context) -> list[str]:
        """Read the task and list its files, check every target, then download the matching ones."""
        self._fetched = _Fetched()
        try:
            return self._fetch(context)
        except BaseException as exc:
            self._fetched.error = exc
            raise

    def _fetch(self, context: Context) -> list[str]:
        from botcity_provider.hooks.maestro import MaestroHook

        forget_link(self)
        task_id = checked_task_id(self.maestro_task_id)
        patterns = _patterns(self.names)
        folder = _folder(self.destination)
        hook = MaestroHook(maestro_conn_id=self.maestro_conn_id)
        publish_link(self, context, task_id, hook.portal_url(task_id))
        fetched = self._fetched
        fetched.server = str(hook.config.server)
        client = hook.client
        fetched.task = task = client.tasks.get(task_id)
        fetched.inputs, results = _split(task, list(client.artifacts.iter(task_id=task_id, days=_days(task))))
        # Every name and target is checked before the first download: a bad one fails with nothing written.
        targets = [(a, folder / _safe_name(a)) for a in self._choose(task_id, results, patterns)]
        if not self.overwrite:
            taken = [str(target) for _, target in targets if target.exists()]
            if taken:
                raise AirflowFailException(f"destination already has {', '.join(taken)} (overwrite is off)")
        _mkdir(folder)
        collector = _lineage_collector()
        for artifact in fetched.inputs:
            collector.add_input_asset(context=hook, uri=_maestro_uri(fetched.server, artifact))
        events = context["outlet_events"][AssetAlias(name=self.asset_alias)]
        for artifact, target in targets:
            uri = _write(client, artifact, target)
            fetched.written.append((artifact, uri))
            self.log.info("Fetched artifact %s of Maestro task %s into %s", artifact.id, task_id, target)
            collector.add_output_asset(context=hook, uri=uri)
            extra: dict[str, Any] = {"maestro_task_id": task_id, "artifact_id": artifact.id}
            events.add(Asset(uri=uri), extra={**extra, "name": _name_of(artifact)})
        return [str(target) for _, target in targets]

    def _choose(self, task_id: int, results: list[Artifact], patterns: list[str]) -> list[Artifact]:
        """The newest result file of each matching name; fail (unless ``allow_empty``) if there is none."""
        chosen: dict[str, Artifact] = {}
        for artifact in results:
            name = _name_of(artifact)
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                continue
            if name in chosen:
                newer = chosen[name].id
                self.log.warning("Skipping artifact %s: %s, newer, has its name %r", artifact.id, newer, name)
                continue
            chosen[name] = artifact
        if not chosen and not self.allow_empty:
            there = ", ".join(repr(_name_of(a)) for a in results) or "none"
            raise AirflowFailException(
                f"Maestro task {task_id} has no result file matching {patterns} (its result files: {there});"
                " set allow_empty=True if that may happen"
            )
        return list(chosen.values())

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The task's inputs, the files written and the Maestro run facet, from what ``execute`` kept."""
        return self._operator_lineage(error=None)

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> Any:
        """As on complete, with what was written before the failure and the error facet."""
        return self._operator_lineage(error=self._fetched.error)

    def _operator_lineage(self, error: BaseException | None) -> Any:
        import traceback

        from airflow.providers.openlineage.extractors import OperatorLineage
        from openlineage.client.event_v2 import Dataset  # type: ignore[import-not-found,unused-ignore]
        from openlineage.client.facet_v2 import error_message_run  # type: ignore[import-not-found,unused-ignore]

        fetched = self._fetched
        inputs = [Dataset(*_ol_name(_maestro_uri(fetched.server, a))) for a in fetched.inputs]
        outputs = [Dataset(*_ol_name(uri)) for _, uri in fetched.written]
        run_facets: dict[str, Any] = {"maestro_task": _run_facet(fetched)}
        if error is not None:
            trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
            run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=str(error), programmingLanguage="python", stackTrace=trace
            )
        return OperatorLineage(inputs=inputs, outputs=outputs, run_facets=run_facets)


def _run_facet(fetched: _Fetched) -> Any:
    """A run facet with the Maestro task id, its runner and item counts (OpenLineage imported by caller)."""
    import attr
    from openlineage.client.facet_v2 import RunFacet  # type: ignore[import-not-found,unused-ignore]

    @attr.define
    class MaestroTaskRunFacet(RunFacet):  # type: ignore[misc]
        taskId: int | None = None  # OpenLineage facets are camelCase
        state: str | None = None
        finishStatus: str | None = None
        machineId: str | None = None
        totalItems: int | None = None
        processedItems: int | None = None
        failedItems: int | None = None
        resultFiles: int = 0

    task = fetched.task
    if task is None:
        return MaestroTaskRunFacet(resultFiles=len(fetched.written))
    return MaestroTaskRunFacet(
        taskId=task.id,
        state=str(task.state),
        finishStatus=None if task.finish_status is None else str(task.finish_status),
        machineId=None if task.machine_id is None else str(task.machine_id),
        totalItems=task.total_items,
        processedItems=task.processed_items,
        failedItems=task.failed_items,
        resultFiles=len(fetched.written),
    )


def _patterns(names: object) -> list[str]:
    if names is None:
        return ["*"]
    found = [names] if isinstance(names, str) else list(names) if isinstance(names, Sequence) else None
    if not found or not all(isinstance(n, str) and n for n in found):
        raise bad_input(ValueError(f"names: give a pattern or a list of non-empty patterns, got {names!r}"))
    return found


def _is_storage_path(value: object) -> bool:
    # An ObjectStoragePath (any Airflow version) without importing it: what a path of any store has.
    return callable(getattr(value, "open", None)) and hasattr(value, "protocol")


def _folder(destination: object) -> Any:
    """A local :class:`Path`, or an ``ObjectStoragePath`` for a URI (``file://`` included)."""
    if _is_storage_path(destination):
        return destination
    if not isinstance(destination, str | os.PathLike) or not os.fspath(destination):
        raise bad_input(ValueError(f"destination: give a folder path or URI, got {destination!r}"))
    text = os.fspath(destination)
    if "://" not in text:
        return Path(text).expanduser().absolute()
    try:
        from airflow.sdk import ObjectStoragePath
    except ImportError:  # Airflow 2
        from airflow.io.path import ObjectStoragePath  # type: ignore[no-redef]
    return ObjectStoragePath(text)


def _mkdir(folder: Any) -> None:
    # Object stores have no folders (and a mkdir could try to create a bucket); a local store has.
    if not _is_storage_path(folder) or folder.protocol in ("file", "local"):
        folder.mkdir(parents=True, exist_ok=True)


def _name_of(artifact: Artifact) -> str:
    return artifact.file_name or artifact.name or f"artifact-{artifact.id}"


def _safe_name(artifact: Artifact) -> str:
    """The artifact's name, refused if it would name anything but a file directly in the destination."""
    name = _name_of(artifact)
    if any(bad in name for bad in _UNSAFE) or name in (".", "..") or name.strip() != name:
        raise AirflowFailException(
            f"artifact {artifact.id} is named {name!r}, which is not a plain file name: refusing to write it "
            "outside the destination folder (narrow names to leave it out)"
        )
    return name


def _split(task: Task, artifacts: list[Artifact]) -> tuple[list[Artifact], list[Artifact]]:
    """(inputs, results): files there before the bot started were given to it, the rest it produced."""
    started = task.date_start_running
    if started is None:
        # Never started (or the server does not say when): nothing can be told apart; all are results.
        return [], artifacts
    inputs = [a for a in artifacts if a.date_creation is not None and a.date_creation < started]
    return inputs, [a for a in artifacts if a not in inputs]


def _days(task: Task) -> int:
    """How far back the listing must reach for this task's files (it only lists the last N days)."""
    created = task.date_creation
    if created is None:
        return 365
    return max(1, math.ceil((datetime.now(UTC) - created).total_seconds() / 86400) + 1)


def _write(client: MaestroClient, artifact: Artifact, target: Any) -> str:
    """Download into ``target`` (whole or not at all); return its URI."""
    if not _is_storage_path(target):  # (Airflow 2's ObjectStoragePath is a Path too)
        # The client writes a temporary file beside the target and renames it once whole.
        client.artifacts.download(artifact.id, target)
        return str(target.as_uri())  # a Path here
    with tempfile.TemporaryDirectory(prefix="maestro-artifact-") as scratch:
        local = client.artifacts.download(artifact.id, Path(scratch) / "file")
        partial = target.parent / f".{target.name}.{uuid.uuid4().hex}.partial"
        try:
            with local.open("rb") as source, partial.open("wb") as sink:
                shutil.copyfileobj(source, sink, _COPY_CHUNK)
            partial.rename(target)
        except BaseException:
            if partial.exists():
                partial.unlink()
            raise
    return _storage_uri(target)


def _storage_uri(path: Any) -> str:
    """The URI of an ``ObjectStoragePath``, without the connection id its text may carry."""
    protocol = path.protocol if isinstance(path.protocol, str) else path.protocol[0]
    as_uri = getattr(path, "as_uri", None)
    uri = str(as_uri()) if callable(as_uri) else ""
    if not uri.startswith(f"{protocol}://"):
        # Airflow 2's as_uri is pathlib's (memory:/x); its text is right but for the connection id.
        scheme, _, rest = str(path).partition("://")
        authority, slash, tail = rest.partition("/")
        uri = f"{scheme}://{authority.rpartition('@')[2]}{slash}{tail}"
    return uri


def _maestro_uri(server: str, artifact: Artifact) -> str:
    host = urlsplit(server).netloc or "maestro"
    return f"botcity-maestro://{host}/artifact/{artifact.id}"


def _ol_name(uri: str) -> tuple[str, str]:
    """OpenLineage's (namespace, name) of a URI: ``scheme://authority`` and the path."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}", parts.path or "/"


def _lineage_collector() -> Any:
    from airflow.providers.common.compat.lineage.hook import get_hook_lineage_collector

    return get_hook_lineage_collector()
