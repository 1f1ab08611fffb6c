"""Whether a wait that Airflow cancelled goes on elsewhere, so that ``on_kill`` must leave its bot alone.

Airflow 3.3 calls ``on_kill`` for every trigger a triggerer stops running, also for those it lost to the
other triggerer when its heartbeat lapsed (a loaded machine, a long pause; apache/airflow#73454). Stopping
the bot there kills a run that the new owner has just begun to watch: the cluster benchmark saw it, 2 waits
in 500. A user's act (mark failed, mark success, clear) takes the task instance out of ``deferred``; a
hand-over leaves it deferred, and a wait the new owner already ended moves it on to its next try or to
``execute_complete``. So the task instance's state, read through the triggerer's own channel to Airflow,
decides.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

ASK_SECONDS = 10.0
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
        state = await asyncio.wait_for(_state_of(ti), ASK_SECONDS)
    except Exception as exc:  # any failure to ask (a timeout too) leaves the user's kill to do its work
        log.warning("Could not read the state of %s (%s); taking the kill as a user's", _name(ti), exc)
        return False
    return state in GOING_ON


async def _state_of(ti: Any) -> str | None:
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance
    from asgiref.sync import sync_to_async

    mapped = ti.map_index is not None and ti.map_index >= 0
    states = await sync_to_async(RuntimeTaskInstance.get_task_states)(
        dag_id=ti.dag_id,
        map_index=ti.map_index if mapped else None,
        task_ids=[ti.task_id],
        run_ids=[ti.run_id],
    )
    # The execution API names a mapped instance "<task_id>_<map_index>".
    key = f"{ti.task_id}_{ti.map_index}" if mapped else ti.task_id
    state = states.get(ti.run_id, {}).get(key)
    return None if state is None else str(getattr(state, "value", state))


def _name(ti: Any) -> str:
    index = "" if ti.map_index is None or ti.map_index < 0 else f"[{ti.map_index}]"
    return f"{ti.dag_id}.{ti.task_id}{index} ({ti.run_id})"
