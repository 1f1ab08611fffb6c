"""MaestroDatapoolSensor on a pool fed elsewhere: poke, reschedule and deferrable."""

from __future__ import annotations

import threading
import time

import pytest

from botcity_provider.client import MaestroClient

MODES = ["poke", "reschedule", "deferrable"]
SUMMARY = "GET /api/v2/datapool/{label}/summary"


def _fed(handle, label: str, count: int, **consumer) -> list[str]:
    with MaestroClient(handle.url, handle.login, handle.key) as client:
        client.datapools.create(label)
        ids = [entry.id for entry in client.datapools.push_many(label, [{"n": n} for n in range(count)])]
    if consumer:
        handle.set_consumer(label, **consumer)
    return ids


@pytest.mark.parametrize("mode", MODES)
def test_succeeds_when_the_pool_is_worked_through(run_dag, maestro_conn, mode: str) -> None:
    _fed(maestro_conn, "orders", 8, rate=4, error_ratio=0.25)
    result = run_dag(f"datapool_sensor_{mode}", {"pool": "orders"})
    assert result.state == "success", result.log[-3000:]
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        summary = client.datapools.summary("orders")
    assert (summary.count_done, summary.count_error, summary.count_pending) == (6, 2, 0)
    assert maestro_conn.stats()["requests"][SUMMARY] >= 2, "the sensor did not wait for the bot"


@pytest.mark.parametrize("mode", MODES)
def test_waits_only_for_the_items_it_is_given(run_dag, maestro_conn, mode: str) -> None:
    ids = _fed(maestro_conn, "orders", 3)
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        late = [client.datapools.push("orders", {"n": n}).id for n in range(3)]

    def bot() -> None:
        # Once the sensor has looked, take the oldest three (the sensor's) and leave the rest pending.
        deadline = time.monotonic() + 120
        while maestro_conn.stats()["requests"].get(SUMMARY, 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
            for _ in ids:
                entry = client.datapools.next("orders")
                client.datapools.done("orders", entry.id)

    working = threading.Thread(target=bot)
    working.start()
    result = run_dag(f"datapool_sensor_{mode}", {"pool": "orders", "entry_ids": ids})
    working.join(timeout=120)
    assert result.state == "success", result.log[-3000:]
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        states = {entry_id: client.datapools.get_entry("orders", entry_id).state for entry_id in ids + late}
    assert [states[i] for i in ids] == ["DONE"] * 3
    assert [states[i] for i in late] == ["PENDING"] * 3, "the sensor waited for items it was not given"


def test_an_unknown_pool_fails_clearly(run_dag, maestro_conn) -> None:
    result = run_dag("datapool_sensor_deferrable", {"pool": "nowhere"})
    assert result.state == "failed"
    assert "nowhere" in result.log and "404" in result.log
