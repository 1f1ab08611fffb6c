"""The end of a wait on odd but possible answers: every event gives a result or a typed Airflow failure.

The trigger turns what Maestro answers into one event (``make_event`` with ``classify`` and the task
snapshot); the event crosses the triggerer as JSON; the operator or sensor checks it with
``validate_event`` and resumes in ``execute_complete``. These properties drive that whole path with
server answers that parse, and ``execute_complete`` with events that do not come from our trigger at
all. The outcome is a task id, ``None`` (a sensor's success) or an ``AirflowException`` (the task failed,
timed out, or the event was unusable): never a KeyError, TypeError or pydantic error.

The hooks are real, with their connection and client replaced by stand-ins that never reach a network.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from botcity_provider._events import (
    EVENT_STATUSES,
    FINISH_STATUSES,
    classify,
    make_event,
    validate_event,
)
from botcity_provider._progress import ProgressLog, describe
from botcity_provider.client import TERMINAL_STATES, MaestroError, ServerError, Task
from botcity_provider.client import _endpoints as api
from botcity_provider.client._core import RawResponse, interpret
from tests.properties._strategies import json_values, tasks

EXAMPLES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STATUS_SETS = st.lists(st.sampled_from(sorted(FINISH_STATUSES)), min_size=1, unique=True)


class _Errors:
    def list(self, task_id: int) -> Any:
        raise ServerError(method="GET", path="/api/v2/error", status=503, server_message="down")


class _Tasks:
    def get(self, task_id: int) -> Task:
        return Task(id=task_id, state="RUNNING")  # type: ignore[arg-type]


class _Client:
    errors = _Errors()
    tasks = _Tasks()


def _hook() -> Any:
    from airflow.models.connection import Connection

    from botcity_provider.hooks.maestro import MaestroHook

    hook = MaestroHook()
    conn = Connection(conn_id="botcity_maestro_default", conn_type="botcity", host="https://m.example")
    hook.__dict__.update(connection=conn, client=_Client())
    hook.stop_task = lambda *args, **kwargs: None  # type: ignore[method-assign]
    return hook


def _operator(statuses: list[str]) -> Any:
    from botcity_provider.operators.maestro import MaestroCreateTaskOperator

    op = MaestroCreateTaskOperator(task_id="run_bot", activity_label="bot", success_statuses=statuses)
    op.__dict__["hook"] = _hook()
    return op


def _sensor(statuses: list[str]) -> Any:
    from botcity_provider.sensors.maestro import MaestroTaskSensor

    sensor = MaestroTaskSensor(task_id="wait", maestro_task_id=7, success_statuses=statuses)
    sensor.__dict__["hook"] = _hook()
    return sensor


def _resume(waiter: Any, event: Any, *, ours: bool = False) -> Any:
    """Call execute_complete; return its result, or the AirflowException it raised.

    :param ours: the event is one our trigger makes, so a failure must say why.
    """
    from airflow.providers.common.compat.sdk import AirflowException

    try:
        return waiter.execute_complete(context={}, event=event)
    except AirflowException as exc:
        assert str(exc) or not ours, "an Airflow failure must say why"
        return exc


def _through_the_triggerer(event: dict[str, Any]) -> Any:
    return json.loads(json.dumps(event))


def _trigger_event(task: Task, statuses: list[str]) -> dict[str, Any]:
    """The event MaestroTaskTrigger yields for a task it saw end (or the timeout one, if it did not)."""
    outcome = classify(str(task.state), task.finish_status, statuses)
    snapshot = task.model_dump(mode="json")
    if outcome is None:
        return dict(make_event("timeout", task.id, "did not end in time", snapshot))
    return dict(make_event(outcome, task.id, describe(task), snapshot))


@EXAMPLES
@given(document=tasks, statuses=STATUS_SETS)
def test_whatever_a_parsed_task_looks_like_the_operator_and_sensor_resume_cleanly(
    document: dict[str, Any], statuses: list[str]
) -> None:
    from airflow.providers.common.compat.sdk import AirflowException

    try:
        task = interpret(api.get_task(7), RawResponse(200, {}, json.dumps(document).encode()))
    except MaestroError:
        return
    assert ProgressLog().change(task) == describe(task)
    event = _through_the_triggerer(_trigger_event(task, statuses))
    for waiter in (_operator(statuses), _sensor(statuses)):
        outcome = _resume(waiter, event, ours=True)
        success = event["status"] == "success"
        if success:
            assert outcome in (task.id, None)
        else:
            assert isinstance(outcome, AirflowException)


# Events that our trigger never sends, but a resume must survive: other shapes, other versions.
snapshots = tasks | st.dictionaries(st.text(max_size=8), json_values, max_size=4) | st.none()
events = st.one_of(
    st.fixed_dictionaries(
        {"status": st.sampled_from(EVENT_STATUSES)},
        optional={
            "maestro_task_id": st.integers(min_value=-5, max_value=10**12) | json_values,
            "message": st.text(max_size=30) | json_values,
            "task": snapshots,
        },
    ),
    st.dictionaries(st.text(max_size=10), json_values, max_size=4),
    json_values,
)


@EXAMPLES
@given(event=events, statuses=STATUS_SETS)
@example(
    event={"status": "success", "maestro_task_id": 7, "message": "", "task": {"id": 7}}, statuses=["SUCCESS"]
)
@example(
    event={"status": "failure", "maestro_task_id": 7, "task": {"state": "FINISHED"}}, statuses=["SUCCESS"]
)
@example(event=None, statuses=["SUCCESS"])
def test_any_event_resumes_to_a_result_or_an_airflow_failure(event: Any, statuses: list[str]) -> None:
    for waiter in (_operator(statuses), _sensor(statuses)):
        _resume(waiter, _through_the_triggerer(event) if event is not None else None)


@EXAMPLES
@given(event=events)
def test_validate_event_gives_a_task_event_or_a_value_error(event: Any) -> None:
    try:
        checked = validate_event(event)
    except ValueError as exc:
        assert str(exc)
        return
    assert checked["status"] in EVENT_STATUSES
    assert isinstance(checked["maestro_task_id"], int) and not isinstance(checked["maestro_task_id"], bool)
    assert isinstance(checked["message"], str)
    assert checked["task"] is None or isinstance(checked["task"], dict)


@EXAMPLES
@given(
    state=st.text(max_size=12) | st.sampled_from(sorted(TERMINAL_STATES | {"START", "RUNNING", "TIMEOUT"})),
    finish=st.none() | st.text(max_size=12) | st.sampled_from(sorted(FINISH_STATUSES)),
    statuses=STATUS_SETS,
)
def test_classify_declares_an_end_only_for_a_state_maestro_calls_final(
    state: str, finish: str | None, statuses: list[str]
) -> None:
    outcome = classify(state, finish, statuses)
    if state not in TERMINAL_STATES:
        assert outcome is None, "an unknown or running state must keep the wait going"
    elif state == "FINISHED" and finish in statuses:
        assert outcome == "success"
    else:
        assert outcome == "failure"


@pytest.mark.parametrize("state", ["PAUSED", "TIMEOUT", "", "finished"])
def test_a_task_in_a_state_the_client_does_not_know_keeps_the_wait_going(state: str) -> None:
    answer = json.dumps({"id": 7, "state": state or "RUNNING", "finishStatus": "SUCCESS"}).encode()
    task = interpret(api.get_task(7), RawResponse(200, {}, answer))
    assert not task.is_terminal
    assert classify(str(task.state), task.finish_status, ["SUCCESS"]) is None
