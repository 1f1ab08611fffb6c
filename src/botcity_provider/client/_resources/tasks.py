"""``client.tasks``: runs of an automation by a bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from botcity_provider.client import _endpoints as api
from botcity_provider.client._endpoints.tasks import DEFAULT_TASK_SORT
from botcity_provider.client._flows import tasks as flows
from botcity_provider.client._models import FinishStatus, Page, Task, TaskState

from ._base import AsyncResource, Items, Resource


class Tasks(Resource):
    """Maestro tasks: runs of an automation by a bot."""

    def create(
        self,
        activity_label: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        priority: int = 0,
        test: bool = False,
        min_execution_date: datetime | str | None = None,
        idempotency_key: str | None = None,
    ) -> Task:
        """Create a task. With ``idempotency_key``, a lost answer never leads to a second task."""
        return self._client._run(
            flows.create_task(
                api.create_task(
                    activity_label,
                    flows.with_key(parameters, idempotency_key),
                    priority,
                    test,
                    min_execution_date,
                ),
                activity_label,
                idempotency_key,
                datetime.now(UTC),
            )
        )

    def get(self, task_id: int | str) -> Task:
        """The task as Maestro has it now."""
        return self._client._run(api.get_task(task_id))

    def list(
        self,
        *,
        activity_label: str | None = None,
        states: Iterable[TaskState | str] | None = None,
        days: int | None = None,
        machine_id: str | None = None,
        page: int = 0,
        size: int = 100,
        sort: Sequence[str] = DEFAULT_TASK_SORT,
    ) -> Page[Task]:
        """One page of tasks, newest first unless ``sort`` says otherwise (Spring's ``field,desc``),
        optionally filtered."""
        return self._client._run(
            api.list_tasks(
                activity_label=activity_label,
                states=states,
                days=days,
                machine_id=machine_id,
                page=page,
                size=size,
                sort=sort,
            )
        )

    def iter(
        self,
        *,
        activity_label: str | None = None,
        states: Iterable[TaskState | str] | None = None,
        days: int | None = None,
        machine_id: str | None = None,
        size: int = 100,
    ) -> Iterator[Task]:
        """Every task that matches, newest first, a page of ``size`` fetched when the loop reaches it.
        Tasks created while it runs shift the pages: one may come twice."""
        return self._client._iterate(
            partial(
                api.list_tasks,
                activity_label=activity_label,
                states=states,
                days=days,
                machine_id=machine_id,
                size=size,
            )
        )

    def find(
        self, activity_label: str, idempotency_key: str, *, since: datetime, prefix: bool = False
    ) -> Task | None:
        """The newest task created with this idempotency key (or a key starting with it) since ``since``."""
        return self._client._run(flows.find_task(activity_label, idempotency_key, since=since, prefix=prefix))

    def finish(
        self,
        task_id: int | str,
        status: FinishStatus | str,
        message: str = "",
        *,
        items: Items = (None, None, None),
    ) -> Task:
        """Report the end of a task, as a bot does. ``items`` is (total, processed, failed)."""
        return self._client._run(api.finish_task(task_id, status, message, items))

    def restart(self, task_id: int | str) -> Task:
        """Queue a task again (Maestro allows this for test tasks and finished ones)."""
        return self._client._run(api.restart_task(task_id))

    def interrupt(self, task_id: int | str) -> Task:
        """Ask the bot to stop at its next check."""
        return self._client._run(api.interrupt_task(task_id))

    def cancel(self, task_id: int | str) -> Task:
        """Cancel a queued task."""
        return self._client._run(api.cancel_task(task_id))

    def kill(self, task_id: int | str) -> Task:
        """Ask the runner to end the bot's process."""
        return self._client._run(api.kill_task(task_id))

    def stop(self, task_id: int | str, *, force: bool = False, grace_seconds: float = 0.0) -> flows.Stopped:
        """Stop a task the kindest way its state allows: cancel a queued one; ask a running one to stop
        and kill it if it still runs after ``grace_seconds`` (at once with ``force``); leave an ended
        one alone. Safe to repeat: it reads the task before it acts."""
        return self._client._run(flows.stop_task(task_id, force=force, grace_seconds=grace_seconds))


class AsyncTasks(AsyncResource):
    """Maestro tasks: runs of an automation by a bot."""

    async def create(
        self,
        activity_label: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        priority: int = 0,
        test: bool = False,
        min_execution_date: datetime | str | None = None,
        idempotency_key: str | None = None,
    ) -> Task:
        """Create a task. With ``idempotency_key``, a lost answer never leads to a second task."""
        return await self._client._run(
            flows.create_task(
                api.create_task(
                    activity_label,
                    flows.with_key(parameters, idempotency_key),
                    priority,
                    test,
                    min_execution_date,
                ),
                activity_label,
                idempotency_key,
                datetime.now(UTC),
            )
        )

    async def get(self, task_id: int | str) -> Task:
        """The task as Maestro has it now."""
        return await self._client._run(api.get_task(task_id))

    async def list(
        self,
        *,
        activity_label: str | None = None,
        states: Iterable[TaskState | str] | None = None,
        days: int | None = None,
        machine_id: str | None = None,
        page: int = 0,
        size: int = 100,
        sort: Sequence[str] = DEFAULT_TASK_SORT,
    ) -> Page[Task]:
        """One page of tasks, newest first unless ``sort`` says otherwise (Spring's ``field,desc``),
        optionally filtered."""
        return await self._client._run(
            api.list_tasks(
                activity_label=activity_label,
                states=states,
                days=days,
                machine_id=machine_id,
                page=page,
                size=size,
                sort=sort,
            )
        )

    def iter(
        self,
        *,
        activity_label: str | None = None,
        states: Iterable[TaskState | str] | None = None,
        days: int | None = None,
        machine_id: str | None = None,
        size: int = 100,
    ) -> AsyncIterator[Task]:
        """Every task that matches, newest first, a page of ``size`` fetched when the loop reaches it.
        Tasks created while it runs shift the pages: one may come twice."""
        return self._client._iterate(
            partial(
                api.list_tasks,
                activity_label=activity_label,
                states=states,
                days=days,
                machine_id=machine_id,
                size=size,
            )
        )

    async def find(
        self, activity_label: str, idempotency_key: str, *, since: datetime, prefix: bool = False
    ) -> Task | None:
        """The newest task created with this idempotency key (or a key starting with it) since ``since``."""
        return await self._client._run(
            flows.find_task(activity_label, idempotency_key, since=since, prefix=prefix)
        )

    async def finish(
        self,
        task_id: int | str,
        status: FinishStatus | str,
        message: str = "",
        *,
        items: Items = (None, None, None),
    ) -> Task:
        """Report the end of a task, as a bot does. ``items`` is (total, processed, failed)."""
        return await self._client._run(api.finish_task(task_id, status, message, items))

    async def restart(self, task_id: int | str) -> Task:
        """Queue a task again (Maestro allows this for test tasks and finished ones)."""
        return await self._client._run(api.restart_task(task_id))

    async def interrupt(self, task_id: int | str) -> Task:
        """Ask the bot to stop at its next check."""
        return await self._client._run(api.interrupt_task(task_id))

    async def cancel(self, task_id: int | str) -> Task:
        """Cancel a queued task."""
        return await self._client._run(api.cancel_task(task_id))

    async def kill(self, task_id: int | str) -> Task:
        """Ask the runner to end the bot's process."""
        return await self._client._run(api.kill_task(task_id))

    async def stop(
        self, task_id: int | str, *, force: bool = False, grace_seconds: float = 0.0
    ) -> flows.Stopped:
        """Stop a task the kindest way its state allows: cancel a queued one; ask a running one to stop
        and kill it if it still runs after ``grace_seconds`` (at once with ``force``); leave an ended
        one alone. Safe to repeat: it reads the task before it acts."""
        return await self._client._run(flows.stop_task(task_id, force=force, grace_seconds=grace_seconds))
