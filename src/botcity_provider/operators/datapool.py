"""MaestroDatapoolPushOperator: feed a Maestro datapool from a DAG, each item once, and wait for the bots.

Importing this module (as every DAG file that uses it does at parse time) imports neither the client,
nor requests, httpx or pydantic: they are imported when a task runs. How an item is kept from being
pushed twice is :mod:`botcity_provider.hooks.datapools`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, BaseOperator

from botcity_provider._defaults import DEFAULT_CONN_ID
from botcity_provider._failures import bad_input, fails_fast
from botcity_provider._intervals import DEFAULT_POLL_INTERVAL_SECONDS, seconds
from botcity_provider._intervals import poll_interval as checked_interval
from botcity_provider._pool_events import PoolEvent, validate_pool_event
from botcity_provider._waiting import backstop, deadline_at, default_deferrable
from botcity_provider.links.maestro import MaestroTaskLink, forget_link, publish_link

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from botcity_provider.client import AsyncMaestroClient, Task
    from botcity_provider.hooks.datapools import ItemSource, Marker, Outcome, PushReport, Selection
    from botcity_provider.hooks.maestro import MaestroHook

__all__ = ["MaestroDatapoolPushOperator"]

T = TypeVar("T")
TRIGGER_FAIL = "__fail__"
ENTRY_IDS_KEY = "entry_ids"
# The failed items a failure message names; the XCom ``outcomes`` has them all.
QUOTED_FAILURES = 10


class MaestroDatapoolPushOperator(BaseOperator):
    """Push items into a Maestro datapool, each item once per task instance, and optionally wait until
    the bots have processed them.

    An Airflow retry, a try whose worker died mid-push, or a push whose answer was lost finds the items
    already in the pool by a key each carries in its values (``idempotency_field``) and does not push
    them again. Returns the entry ids, in the order of the items. When it waits, it also pushes the XComs
    ``outcomes`` (each item's entry id, key, state and the bot's message) and ``failed_items`` (the
    values of the items that failed, ready for a next task's ``.expand()`` or another push).

    :param datapool: the pool's label. Templated.
    :param items: a list of items (mappings, e.g. an upstream task's output), or the path of a JSON Lines
        or CSV file: local, or any ``ObjectStoragePath`` (``s3://``, ``gs://``...), read as a stream.
        Templated.
    :param priority: 0 (lowest) to 10 (highest): higher items are given to bots first. Templated.
    :param key_field: the field that names each item; by default an item is known by its position.
        Templated.
    :param items_format: ``jsonl`` or ``csv`` when the file's name does not say.
    :param idempotency_field: the field of the values where each item's key is kept (add it to the
        pool's schema as a TEXT field where the schema is enforced).
    :param max_concurrency: pushes in flight at once (Maestro has no batch push).
    :param wait_for_completion: wait until none of the items is pending or processing.
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    :param poll_interval: seconds (or a timedelta) between two looks at the pool; at least 1 second.
    :param timeout: give up waiting after this long (the pending items are canceled).
    :param max_error_ratio: fail when more than this share of the items failed (0 to 1).
    :param start_consumer: create a task of the pool's default automation when items are pending and
        no task of it is queued or running.
    :param cancel_on_kill: cancel the items still pending when the task is killed or times out.
    :param returns: what the task returns, its ``return_value`` XCom (the one ``.expand()`` can map
        over): ``entry_ids`` (default), or, when it waits, ``outcomes`` or ``failed_items``. The other
        two are pushed under their own keys all the same.
    :param maestro_conn_id: the Airflow connection of the Maestro workspace.
    """

    template_fields: Sequence[str] = ("datapool", "items", "priority", "key_field")
    operator_extra_links = (MaestroTaskLink(),)
    ui_color = "#1f4e8c"
    ui_fgcolor = "#ffffff"

    def __init__(
        self,
        *,
        datapool: str,
        items: Any,
        priority: int | str = 0,
        key_field: str | None = None,
        items_format: str | None = None,
        idempotency_field: str = "airflow_key",
        max_concurrency: int = 4,
        wait_for_completion: bool = False,
        deferrable: bool | None = None,
        poll_interval: float | timedelta = DEFAULT_POLL_INTERVAL_SECONDS,
        timeout: float | timedelta | None = None,
        max_error_ratio: float = 0.0,
        start_consumer: bool = False,
        cancel_on_kill: bool = True,
        returns: str = "entry_ids",
        maestro_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.datapool = datapool
        self.items = items
        self.priority = priority
        self.key_field = key_field
        self.items_format = items_format
        self.idempotency_field = idempotency_field
        self.max_concurrency = _at_least_one(max_concurrency)
        self.wait_for_completion = wait_for_completion
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.poll_interval = checked_interval(poll_interval, "poll_interval")
        self.timeout = seconds(timeout, "timeout")
        self.max_error_ratio = _ratio(max_error_ratio)
        self.start_consumer = start_consumer
        self.cancel_on_kill = cancel_on_kill
        self.returns = _returns(returns, wait_for_completion)
        self.maestro_conn_id = maestro_conn_id
        self._waiting_on: Selection | None = None

    @cached_property
    def hook(self) -> MaestroHook:
        """The hook, made when first needed (never at DAG parse time)."""
        from botcity_provider.hooks.maestro import MaestroHook

        return MaestroHook(maestro_conn_id=self.maestro_conn_id)

    @fails_fast
    def execute(self, context: Context) -> list[Any]:
        """Check every item, push those the pool lacks, start a consumer, and wait if asked."""
        forget_link(self)
        source, count = self._checked_source()
        marker = self._marker(context)
        ti = context["ti"]
        self.log.info("Pushing %s to datapool %r", source.describe(), self.datapool)
        report, consumer = self._run(lambda c: self._push(c, source, count, marker, ti.try_number))
        self.log.info(
            "Datapool %r has all %d item(s): %d pushed now in %d request(s), %d already there",
            self.datapool,
            count,
            report.pushed,
            report.push_requests,
            report.found,
        )
        if consumer is not None:
            publish_link(self, context, consumer.id, self.hook.portal_url(consumer.id))
        if not self.wait_for_completion:
            return report.ids
        return self._wait(context, report.ids, marker)

    def _checked_source(self) -> tuple[ItemSource, int]:
        from botcity_provider.client import ValidationError, checks
        from botcity_provider.hooks.datapools import ItemsError, ItemSource

        try:
            if not isinstance(self.datapool, str) or not self.datapool.strip() or "/" in self.datapool:
                raise ValidationError(
                    "datapool", f"must be a pool's label (text, no '/'), got {self.datapool!r}"
                )
            if isinstance(self.priority, str) and self.priority.strip().isdigit():
                self.priority = int(self.priority)
            self.priority = checks.priority(self.priority)
            if not isinstance(self.idempotency_field, str) or not self.idempotency_field:
                raise ValidationError("idempotency_field", "must be a field name")
            source = ItemSource(
                self.items,
                key_field=self.key_field or None,
                items_format=self.items_format,
                reserved_field=self.idempotency_field,
            )
            return source, source.check()
        except (ValidationError, ItemsError) as exc:
            raise bad_input(exc) from exc

    def _marker(self, context: Context) -> Marker:
        from botcity_provider.hooks.datapools import Marker

        ti = context["ti"]
        return Marker.of_task_instance(
            self.idempotency_field, ti.dag_id, ti.run_id, ti.task_id, getattr(ti, "map_index", -1)
        )

    async def _push(
        self, client: AsyncMaestroClient, source: ItemSource, count: int, marker: Marker, try_number: int
    ) -> tuple[PushReport, Task | None]:
        from botcity_provider.hooks.datapools import push_once

        automation = await self._consumer_automation(client) if self.start_consumer else None
        report = await push_once(
            client,
            self.datapool,
            source,
            marker,
            count=count,
            priority=int(self.priority),
            concurrency=self.max_concurrency,
            # The first try cannot have pushed anything before; every later one may have.
            look_first=try_number > 1,
            logger=self.log,
        )
        consumer = None
        if automation is not None:
            consumer = await self._consume(client, automation, f"{marker.prefix}consumer|{try_number}")
        return report, consumer

    async def _consumer_automation(self, client: AsyncMaestroClient) -> str:
        pool = await client.datapools.get(self.datapool)
        if not pool.default_automation:
            raise AirflowFailException(
                f"start_consumer: datapool {self.datapool!r} has no default automation to start; "
                "set one in Maestro, or start the bot yourself"
            )
        return pool.default_automation

    async def _consume(self, client: AsyncMaestroClient, automation: str, key: str) -> Task | None:
        """Create a task of the pool's automation if items are pending and none is queued or running."""
        summary = await client.datapools.summary(self.datapool)
        if summary.count_pending == 0:
            self.log.info("Datapool %r has nothing pending: no consumer task needed", self.datapool)
            return None
        active = await client.tasks.list(activity_label=automation, states=("START", "RUNNING"), size=1)
        if active.content:
            self.log.info(
                "Maestro task %s of %r is %s: it takes the items",
                active.content[0].id,
                automation,
                active.content[0].state,
            )
            return None
        task = await client.tasks.create(automation, idempotency_key=key)
        self.log.info("Created Maestro task %s of %r to process the items", task.id, automation)
        return task

    def _wait(self, context: Context, ids: list[str], marker: Marker) -> list[Any]:
        from botcity_provider.hooks.datapools import PoolWaitTimeoutError, Selection, look_at_pool
        from botcity_provider.hooks.datapools import wait_for_items as wait_here

        selection = Selection(marker=marker)
        deadline = deadline_at(self.timeout, self.execution_timeout, context)
        # The return value of a deferred task is execute_complete's: the ids wait for it here.
        context["ti"].xcom_push(key=ENTRY_IDS_KEY, value=ids)
        if self.deferrable:
            look = self._run(lambda c: look_at_pool(c, self.datapool, selection, None))
            if not look.done:
                self._defer(context, ids, marker, deadline)
            return self._judge(context, ids, look.found)
        self._waiting_on = selection
        try:
            look = self._run(
                lambda c: wait_here(
                    c,
                    self.datapool,
                    selection,
                    interval_seconds=self.poll_interval,
                    deadline_at=deadline,
                    logger=self.log,
                )
            )
        except PoolWaitTimeoutError as exc:
            self._take_out(selection, "the timeout passed")
            raise AirflowException(str(exc)) from exc
        finally:
            self._waiting_on = None
        return self._judge(context, ids, look.found)

    def _defer(self, context: Context, ids: list[str], marker: Marker, deadline: float | None) -> None:
        from botcity_provider.triggers.datapool import MaestroDatapoolTrigger

        trigger = MaestroDatapoolTrigger(
            maestro_conn_id=self.maestro_conn_id,
            datapool=self.datapool,
            marker=marker.to_json(),
            poll_interval_seconds=self.poll_interval,
            deadline_at=deadline,
            cancel_on_kill=self.cancel_on_kill,
        )
        self.log.info("Waiting for the bots in the triggerer")
        self.defer(trigger=trigger, method_name="execute_complete", timeout=backstop(deadline))

    @fails_fast
    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> list[Any]:
        """Resume after the trigger: judge the items, or give up (canceling what is still pending)."""
        checked = self._resumed(event)
        ti = context["ti"]
        ids = ti.xcom_pull(task_ids=ti.task_id, key=ENTRY_IDS_KEY, map_indexes=ti.map_index) or []
        if checked["status"] == "timeout":
            self._take_out(self._selection(context), "the timeout passed")
            raise AirflowException(checked["message"])
        if checked["status"] == "error":
            error = AirflowException if checked["retryable"] else AirflowFailException
            raise error(checked["message"])
        return self._judge(context, list(ids), None)

    def _resumed(self, event: object) -> PoolEvent:
        try:
            return validate_pool_event(event)
        except ValueError as exc:
            raise AirflowException(f"Waiting for the datapool ended strangely: {exc}") from exc

    def _selection(self, context: Context) -> Selection:
        from botcity_provider.hooks.datapools import Selection

        return Selection(marker=self._marker(context))

    def _judge(self, context: Context, ids: list[str], found: list[Outcome] | None) -> list[Any]:
        """Publish each item's outcome; fail if more than ``max_error_ratio`` of the items failed."""
        from botcity_provider.hooks.datapools import counts_of, outcomes

        selection = self._selection(context)
        if found is None:
            found = self._run(lambda c: outcomes(c, self.datapool, selection))
        ti = context["ti"]
        failed = [outcome for outcome in found if outcome.failed]
        field = self.idempotency_field
        published: dict[str, list[Any]] = {
            "entry_ids": ids,
            "outcomes": [outcome.to_json() for outcome in found],
            "failed_items": [{k: v for k, v in o.values.items() if k != field} for o in failed],
        }
        for key in ("outcomes", "failed_items"):
            ti.xcom_push(key=key, value=published[key])
        total = max(len(ids), len(found))
        missing = total - len(found)
        self.log.info("Datapool %r: %s of %d item(s)", self.datapool, _counts_text(counts_of(found)), total)
        if total and (len(failed) + missing) / total > self.max_error_ratio:
            raise AirflowFailException(
                _failure_text(self.datapool, failed, missing, total, self.max_error_ratio)
            )
        return published[self.returns]

    def on_kill(self) -> None:
        """Cancel the items still pending when Airflow kills the task mid-wait (best effort)."""
        if self._waiting_on is not None:
            self._take_out(self._waiting_on, "the Airflow task was killed")

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """Airflow ended the wait itself (its own timeout): cancel the pending items before failing."""
        if next_method == TRIGGER_FAIL:
            self._take_out(self._selection(context), "Airflow ended the wait")
        return super().resume_execution(next_method, next_kwargs, context)

    def _take_out(self, selection: Selection, why: str) -> None:
        from botcity_provider.hooks.datapools import take_out_pending

        if not self.cancel_on_kill:
            self.log.warning(
                "Leaving the pending items in datapool %r (%s; cancel_on_kill is off)", self.datapool, why
            )
            return
        message = f"canceled by Airflow: {why}"
        try:
            # In a thread of its own: on_kill may come while this thread's event loop is running.
            canceled, processing = _in_a_thread(
                lambda: self._run(lambda c: take_out_pending(c, self.datapool, selection, message))
            )
        except Exception:  # the task is failing already; a second error must not hide the first
            self.log.warning(
                "Could not cancel the pending items of datapool %r", self.datapool, exc_info=True
            )
            return
        self.log.warning(
            "Canceled %d pending item(s) of datapool %r (%s); %d a bot holds go on",
            canceled,
            self.datapool,
            why,
            processing,
        )

    def _run(self, work: Callable[[AsyncMaestroClient], Coroutine[Any, Any, T]]) -> T:
        """Run ``work`` with an asyncio client of the connection, in an event loop of its own."""
        from botcity_provider.hooks.datapools import run_with_client

        return asyncio.run(run_with_client(self.hook.config, work))


def _in_a_thread(work: Callable[[], T]) -> T:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="maestro-datapool") as pool:
        return pool.submit(work).result()


def _at_least_one(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_concurrency: must be a whole number of at least 1, got {value!r}")
    return value


def _returns(value: str, waits: bool) -> str:
    if value not in ("entry_ids", "outcomes", "failed_items"):
        raise ValueError(f"returns: must be 'entry_ids', 'outcomes' or 'failed_items', got {value!r}")
    if value != "entry_ids" and not waits:
        raise ValueError(f"returns={value!r} needs wait_for_completion=True: only a wait knows the outcomes")
    return value


def _ratio(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"max_error_ratio: must be a share between 0 and 1, got {value!r}")
    return float(value)


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {state.lower()}" for state, count in sorted(counts.items())) or "none found"


def _failure_text(label: str, failed: list[Outcome], missing: int, total: int, ratio: float) -> str:
    lines = [
        f"{len(failed) + missing} of {total} item(s) of datapool {label!r} were not processed "
        f"(more than max_error_ratio={ratio:g}):"
    ]
    for outcome in failed[:QUOTED_FAILURES]:
        said = f": {outcome.message}" if outcome.message else ""
        lines.append(f"  item {outcome.key} (entry {outcome.entry_id}) {outcome.state}{said}")
    if len(failed) > QUOTED_FAILURES:
        lines.append(f"  ... and {len(failed) - QUOTED_FAILURES} more (see the XCom 'outcomes')")
    if missing:
        lines.append(f"  {missing} item(s) are no longer in the pool")
    return "\n".join(lines)
