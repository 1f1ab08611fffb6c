"""Whether a wait that Airflow cancelled goes on elsewhere, so that ``on_kill`` must leave its bot alone.

Airflow 3.3 calls ``on_kill`` for every trigger a triggerer stops running, also for those it lost to the
other triggerer when its heartbeat lapsed (a loaded machine, a long pause; apache/airflow#73454). Stopping
the bot there kills a run that the new owner has just begun to watch: the cluster benchmark saw it, 2 waits
in 500. A user's act (mark failed, mark success, clear) takes the task instance out of ``deferred``; a
hand-over leaves it deferred, and a wait the new owner already ended moves it on to its next try or to
``execute_complete``. So the task instance's state, read through the triggerer's own channel to Airflow,
decides.

A triggerer that lost its waits cancels all of them at once: a hundred questions, one after another
through that one channel, outlast the bound on each, and a wait whose answer came too late had its bot
stopped (a retry in the cluster test). The questions of one moment are asked together instead: one
request per task, for all its map indexes and runs.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

log = logging.getLogger(__name__)

ASK_SECONDS = 10.0
# Airflow cancels a triggerer's lost waits one loop step apart: their on_kill calls meet within this.
GATHER_SECONDS = 0.2
# States in which Airflow still carries the wait on (another triggerer, or a worker resuming it). A
# cleared task may already be scheduled again when asked: its next try then takes the bot over.
GOING_ON = frozenset({"deferred", "scheduled", "queued", "running", "up_for_retry"})


async def wait_goes_on(ti: Any) -> bool:
    """True when the waiting task instance is still deferred or resuming: the trigger was handed over.

    Without a task instance (a trigger run outside a triggerer) or an answer, False: ``on_kill`` then
    does what a user's kill asks.
    """
    if ti is None:
        return False
    try:
        # Inside Airflow's own budget for on_kill (30 s), with time left to stop the bot.
        # asyncio.timeout, not wait_for: on Python 3.11 that one can swallow a cancellation.
        async with asyncio.timeout(ASK_SECONDS):
            state = await _state_of(ti)
    except Exception as exc:  # any failure to ask (a timeout too) leaves the user's kill to do its work
        log.warning("Could not read the state of %s (%s); taking the kill as a user's", _name(ti), exc)
        return False
    return state in GOING_ON


async def _state_of(ti: Any) -> str | None:
    mapped = ti.map_index is not None and ti.map_index >= 0
    states = await asyncio.shield(_Question.joined_by(ti).answer)
    # The execution API names a mapped instance "<task_id>_<map_index>"; one task per question keeps
    # that name from meeting another task's.
    key = f"{ti.task_id}_{ti.map_index}" if mapped else ti.task_id
    state = states.get(ti.run_id, {}).get(key)
    return None if state is None else str(getattr(state, "value", state))


class _Question:
    """The states of one task's instances, asked once for every wait cancelled within ``GATHER_SECONDS``.

    A question is sent after everyone who joined it was cancelled, so its answer is never older than
    anyone's cancellation; who comes after it is sent joins the next one.
    """

    _open: ClassVar[dict[tuple[int, str, str], _Question]] = {}
    _sending: ClassVar[set[asyncio.Task[None]]] = set()

    def __init__(self, key: tuple[int, str, str]) -> None:
        self.key = key
        self.run_ids: set[str] = set()
        self.answer: asyncio.Future[dict[str, dict[str, Any]]] = asyncio.get_running_loop().create_future()
        # Read the outcome even when every waiter has given up, so asyncio does not warn of it.
        self.answer.add_done_callback(lambda answer: answer.cancelled() or answer.exception())
        sending = asyncio.get_running_loop().create_task(self._send())
        self._sending.add(sending)
        sending.add_done_callback(self._sending.discard)

    @classmethod
    def joined_by(cls, ti: Any) -> _Question:
        key = (id(asyncio.get_running_loop()), ti.dag_id, ti.task_id)
        question = cls._open.get(key)
        if question is None:
            question = cls._open[key] = cls(key)
        question.run_ids.add(ti.run_id)
        return question

    async def _send(self) -> None:
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance
        from asgiref.sync import sync_to_async

        await asyncio.sleep(GATHER_SECONDS)
        del self._open[self.key]
        _, dag_id, task_id = self.key
        try:
            states = await sync_to_async(RuntimeTaskInstance.get_task_states)(
                dag_id=dag_id, map_index=None, task_ids=[task_id], run_ids=sorted(self.run_ids)
            )
        except Exception as exc:  # each waiter logs it as its own failure to ask
            self.answer.set_exception(exc)
        else:
            self.answer.set_result(states)


def _name(ti: Any) -> str:
    index = "" if ti.map_index is None or ti.map_index < 0 else f"[{ti.map_index}]"
    return f"{ti.dag_id}.{ti.task_id}{index} ({ti.run_id})"
