"""An on-premises Maestro behind a private authority, as Airflow reaches it: the connection's CA bundle.

The emulator serves HTTPS with a throwaway authority. Through Airflow's connection (``ca_bundle`` or
``verify`` in the extras) the hook, its Test button and the trigger (httpx in the triggerer) each make a
real handshake; without the bundle each says what failed and which extra fixes it, at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import MaestroClient
from botcity_provider.hooks.maestro import MaestroHook
from botcity_provider.triggers.maestro import MaestroTaskTrigger

UNTRUSTED = "signed by an authority this machine does not trust"


def _connect(monkeypatch: pytest.MonkeyPatch, handle: EmulatorHandle, **extra: Any) -> str:
    """A connection of its own (its own token slot and warning), pointed at the HTTPS emulator."""
    conn_id = f"maestro_tls_{uuid.uuid4().hex[:8]}"
    fields = {"conn_type": "botcity", "host": handle.url, "login": handle.login, "password": handle.key}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({**fields, "extra": json.dumps(extra)}))
    return conn_id


def _bot(handle: EmulatorHandle) -> int:
    with MaestroClient(handle.url, handle.login, handle.key, verify=str(handle.authority)) as client:
        return client.tasks.create("tls-bot", parameters={}).id


async def _events(trigger: MaestroTaskTrigger) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return await asyncio.wait_for(collect(), 60)


def test_the_test_button_and_the_hook_work_with_the_ca_bundle_extra(
    monkeypatch: pytest.MonkeyPatch, tls_emulator: EmulatorHandle
) -> None:
    conn_id = _connect(monkeypatch, tls_emulator, ca_bundle=tls_emulator.authority)
    hook = MaestroHook(maestro_conn_id=conn_id)
    ok, message = hook.test_connection()
    assert ok, message
    task = hook.client.tasks.create("tls-bot", parameters={"via": "hook"})
    assert hook.client.tasks.get(task.id).id == task.id


def test_without_the_bundle_the_test_button_says_what_failed_and_which_extra_fixes_it(
    monkeypatch: pytest.MonkeyPatch, tls_emulator: EmulatorHandle
) -> None:
    ok, message = MaestroHook(maestro_conn_id=_connect(monkeypatch, tls_emulator)).test_connection()
    assert not ok
    assert UNTRUSTED in message and "ca_bundle" in message
    assert "SSLError" not in message and "ConnectError" not in message


def test_verify_false_in_the_extras_works_and_warns_once_naming_the_connection(
    monkeypatch: pytest.MonkeyPatch, tls_emulator: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    conn_id = _connect(monkeypatch, tls_emulator, verify=False)
    caplog.set_level(logging.WARNING, logger="botcity_provider")
    for _ in range(3):
        ok, message = MaestroHook(maestro_conn_id=conn_id).test_connection()
        assert ok, message
    warned = [record.getMessage() for record in caplog.records if "not checked" in record.getMessage()]
    assert len(warned) == 1 and repr(conn_id) in warned[0], warned


async def test_the_trigger_waits_over_tls_with_the_ca_bundle(
    monkeypatch: pytest.MonkeyPatch, tls_emulator: EmulatorHandle
) -> None:
    conn_id = _connect(monkeypatch, tls_emulator, ca_bundle=tls_emulator.authority)
    task_id = _bot(tls_emulator)
    trigger = MaestroTaskTrigger(maestro_conn_id=conn_id, maestro_task_id=task_id, poll_interval_seconds=1)
    (event,) = await _events(trigger)
    assert event["status"] == "success" and event["maestro_task_id"] == task_id


async def test_the_trigger_without_the_bundle_ends_at_once_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, tls_emulator: EmulatorHandle
) -> None:
    conn_id = _connect(monkeypatch, tls_emulator)
    task_id = _bot(tls_emulator)
    trigger = MaestroTaskTrigger(maestro_conn_id=conn_id, maestro_task_id=task_id, poll_interval_seconds=1)
    (event,) = await _events(trigger)  # one event, not a poll of the same refusal every interval
    assert event["status"] == "error"
    assert UNTRUSTED in event["message"] and "ca_bundle" in event["message"]
