"""Runners ("machines"): the Spring page, one runner, its log, its tasks summary and their seeding (§4.10)."""

from __future__ import annotations

import time
import urllib.error
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from botcity_maestro_emulator.routes.machines import SWITCHES, runner_at
from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_thread
from botcity_maestro_emulator.timefmt import iso

from .helpers import Api

OWN = "emulator-runner"
"""The emulator's own runner: every task it picks up carries this ``machineId``."""
NOW_ONLY = {"queue_seconds": 0, "run_seconds": 0}


def _json(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _seed(emulator: EmulatorHandle) -> None:
    emulator.add_runner("vm-01", name="Billing VM", type="DESKTOP", version="2.4.0")
    emulator.add_runner("vm-02", online=False, type="DESKTOP")
    emulator.add_runner("srv-01", name="Server", type="SERVER")


def _ids(page: dict[str, Any]) -> list[str]:
    return [runner["machineId"] for runner in page["content"]]


def test_the_emulators_own_runner_is_always_there_and_online(api: Api) -> None:
    page = _json(api.get("/api/v2/machine/pagination"))
    assert _ids(page) == [OWN]
    own = _json(api.get(f"/api/v2/machine/{OWN}"))
    assert own == page["content"][0]
    assert own["isOnline"] is True and own["id"] == OWN


def test_a_seeded_runner_is_returned_as_given(api: Api, emulator: EmulatorHandle) -> None:
    seeded = emulator.add_runner("vm-01", name="Billing VM", online=False, type="SERVER", version="2.4.0")
    got = _json(api.get("/api/v2/machine/vm-01"))
    assert got == seeded
    assert (got["name"], got["isOnline"], got["type"], got["version"]) == (
        "Billing VM",
        False,
        "SERVER",
        "2.4.0",
    )
    assert got["organizationLabel"] == emulator.login


def test_defaults_of_a_seeded_runner(emulator: EmulatorHandle) -> None:
    runner = emulator.add_runner("bare")
    assert (runner["name"], runner["isOnline"], runner["type"], runner["version"]) == (
        "bare",
        True,
        "DESKTOP",
        None,
    )


def test_seeding_again_replaces_but_keeps_the_age(api: Api, emulator: EmulatorHandle) -> None:
    first = emulator.add_runner("vm-01", name="Old")
    second = emulator.add_runner("vm-01", name="New")
    assert second["dateCreation"] == first["dateCreation"] and second["name"] == "New"
    assert _ids(_json(api.get("/api/v2/machine/pagination"))).count("vm-01") == 1


def test_the_page_is_in_id_order_with_the_spring_envelope(api: Api, emulator: EmulatorHandle) -> None:
    _seed(emulator)
    first = _json(api.get("/api/v2/machine/pagination", params={"size": 3}))
    second = _json(api.get("/api/v2/machine/pagination", params={"size": 3, "page": 1}))
    assert (first["totalElements"], first["totalPages"], first["last"], second["last"]) == (4, 2, False, True)
    assert _ids(first) + _ids(second) == [OWN, "srv-01", "vm-01", "vm-02"]
    by_name = _json(api.get("/api/v2/machine/pagination", params={"sort": "name,desc"}))
    assert _ids(by_name)[:2] == ["vm-02", "srv-01"]  # "vm-02" > "Server" > "Emulator runner" > "Billing VM"
    assert api.get("/api/v2/machine/pagination", params={"sort": "secret"}).status_code == 400


@pytest.mark.parametrize(
    ("params", "ids"),
    [
        ({"isOnline": "true"}, [OWN, "srv-01", "vm-01"]),
        ({"isOnline": "FALSE"}, ["vm-02"]),
        ({"type": "server"}, ["srv-01"]),
        ({"machineId": "VM-"}, ["vm-01", "vm-02"]),
        ({"machineId": "vm", "isOnline": "true", "type": "DESKTOP"}, ["vm-01"]),
        ({"machineId": "nothing"}, []),
    ],
)
def test_filters(api: Api, emulator: EmulatorHandle, params: dict[str, str], ids: list[str]) -> None:
    _seed(emulator)
    assert _ids(_json(api.get("/api/v2/machine/pagination", params=params))) == ids


def test_an_is_online_filter_that_is_not_a_boolean_is_a_400(api: Api) -> None:
    body = _json(api.get("/api/v2/machine/pagination", params={"isOnline": "yes"}), 400)
    assert body["message"] == "isOnline: must be true or false, got 'yes'"


def test_an_unknown_runner_is_a_404_on_every_route(api: Api) -> None:
    for path in ("/api/v2/machine/ghost", "/api/v2/machine/log/ghost", "/api/v2/machine/ghost/tasks-summary"):
        assert _json(api.get(path), 404)["message"] == "runner 'ghost' not found", path


def test_online_and_offline(api: Api, emulator: EmulatorHandle) -> None:
    emulator.add_runner("vm-01")
    assert emulator.set_runner_online("vm-01", False)["isOnline"] is False
    assert _json(api.get("/api/v2/machine/vm-01"))["isOnline"] is False
    back = emulator.set_runner_online("vm-01", True)
    assert back["isOnline"] is True and back["dateLastConnection"] >= back["dateCreation"]
    assert _ids(_json(api.get("/api/v2/machine/pagination", params={"isOnline": "false"}))) == []
    emulator.set_runner_online(OWN, False)  # the emulator's own runner can be switched too
    assert _json(api.get(f"/api/v2/machine/{OWN}"))["isOnline"] is False


def test_switching_an_unknown_runner_is_a_404(emulator: EmulatorHandle) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        emulator.set_runner_online("ghost", True)
    assert caught.value.code == 404


def test_the_log_is_empty_then_lists_the_lines_oldest_first(api: Api, emulator: EmulatorHandle) -> None:
    emulator.add_runner("vm 01")
    assert _json(api.get("/api/v2/machine/log/vm%2001")) == []
    emulator.add_runner_log("vm 01", "connected")
    emulator.add_runner_log("vm 01", "disk almost full", level="warn")
    emulator.add_runner("vm-02")
    emulator.add_runner_log("vm-02", "not mine")
    lines = _json(api.get("/api/v2/machine/log/vm%2001"))
    assert [(line["level"], line["message"]) for line in lines] == [
        ("INFO", "connected"),
        ("WARN", "disk almost full"),
    ]
    assert set(lines[0]) == {"id", "machineId", "dateCreation", "level", "message"}
    assert lines[0]["machineId"] == "vm 01" and lines[0]["id"] != lines[1]["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "message"), ({"message": " "}, "message"), ({"message": "x", "level": "LOUD"}, "level")],
)
def test_a_bad_log_line_is_a_400_naming_the_field(
    emulator: EmulatorHandle, body: dict[str, Any], field: str
) -> None:
    emulator.add_runner("vm-01")
    response = requests.post(f"{emulator.url}/_emulator/runners/vm-01/log", json=body, timeout=10)
    assert response.status_code == 400 and response.json()["message"].startswith(f"{field}: ")


def test_a_log_line_for_an_unknown_runner_is_a_404(emulator: EmulatorHandle) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        emulator.add_runner_log("ghost", "hello")
    assert caught.value.code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x"}, "machineId"),
        ({"machineId": ""}, "machineId"),
        ({"machineId": "a", "isOnline": "yes"}, "isOnline"),
        ({"machineId": "a", "type": 1}, "type"),
    ],
)
def test_a_bad_runner_seed_is_a_400_naming_the_field(
    emulator: EmulatorHandle, body: dict[str, Any], field: str
) -> None:
    response = requests.post(f"{emulator.url}/_emulator/runners", json=body, timeout=10)
    assert response.status_code == 400 and response.json()["message"].startswith(f"{field}: ")


def _seed_tasks(api: Api) -> None:
    for outcome in ("SUCCESS", "SUCCESS", "FAILED", "PARTIALLY_COMPLETED"):
        api.create_task("summary", parameters={"_emulator": {**NOW_ONLY, "outcome": outcome}})
    api.create_task("summary", parameters={"_emulator": {"queue_seconds": 0, "outcome": "NEVER"}})
    api.create_task("summary", parameters={"_emulator": {"queue_seconds": 600}})  # never picked up
    canceled = api.create_task("summary", parameters={"_emulator": {"queue_seconds": 600}})
    api.update(canceled["id"], {"state": "CANCELED"})  # canceled in the queue: no runner ever had it


def test_the_tasks_summary_counts_the_runners_tasks_by_state_and_status(api: Api) -> None:
    _seed_tasks(api)
    summary = _json(api.get(f"/api/v2/machine/{OWN}/tasks-summary"))
    assert (summary["machineId"], summary["days"], summary["total"]) == (OWN, 30, 5)
    assert summary["states"] == {"START": 0, "RUNNING": 1, "FINISHED": 4, "CANCELED": 0}
    assert summary["finishStatuses"] == {"SUCCESS": 2, "FAILED": 1, "PARTIALLY_COMPLETED": 1}
    since = datetime.fromisoformat(summary["since"].replace("Z", "+00:00"))
    assert since <= datetime.now(UTC) - timedelta(days=30) + timedelta(minutes=5)


def test_the_summary_window_follows_days(api: Api) -> None:
    _seed_tasks(api)
    one_day = _json(api.get(f"/api/v2/machine/{OWN}/tasks-summary", params={"days": 1}))
    assert (one_day["days"], one_day["total"]) == (1, 5)
    later = datetime.fromisoformat(one_day["since"].replace("Z", "+00:00"))
    default = _json(api.get(f"/api/v2/machine/{OWN}/tasks-summary"))
    assert datetime.fromisoformat(default["since"].replace("Z", "+00:00")) < later - timedelta(days=28)


def test_a_runner_that_ran_nothing_has_a_summary_of_zeros(api: Api, emulator: EmulatorHandle) -> None:
    emulator.add_runner("vm-01")
    _seed_tasks(api)
    summary = _json(api.get("/api/v2/machine/vm-01/tasks-summary", params={"days": 7}))
    assert summary["total"] == 0 and not any(summary["states"].values())
    assert not any(summary["finishStatuses"].values())


@pytest.mark.parametrize("days", ["0", "-3", "soon"])
def test_a_bad_days_is_a_400(api: Api, days: str) -> None:
    body = _json(api.get(f"/api/v2/machine/{OWN}/tasks-summary", params={"days": days}), 400)
    assert body["message"].startswith("days: ")


def test_every_route_needs_a_token(anon: Api) -> None:
    paths = ("/api/v2/machine/pagination", f"/api/v2/machine/{OWN}", f"/api/v2/machine/log/{OWN}")
    for path in (*paths, f"/api/v2/machine/{OWN}/tasks-summary"):
        assert anon.get(path).status_code == 401, path


def test_each_route_is_counted_under_its_own_key(api: Api, emulator: EmulatorHandle) -> None:
    emulator.add_runner("vm-01")
    api.get("/api/v2/machine/pagination")
    api.get("/api/v2/machine/pagination", params={"isOnline": "true"})
    api.get("/api/v2/machine/log/vm-01")
    api.get("/api/v2/machine/vm-01")
    api.get("/api/v2/machine/vm-01/tasks-summary")
    seen = emulator.stats()["requests"]
    assert {key: count for key, count in seen.items() if "/machine/" in key} == {
        "GET /api/v2/machine/pagination": 2,
        "GET /api/v2/machine/log/{machineId}": 1,
        "GET /api/v2/machine/{machineId}": 1,
        "GET /api/v2/machine/{machineId}/tasks-summary": 1,
    }


def test_seeding_is_neither_counted_nor_faulted(emulator: EmulatorHandle) -> None:
    emulator.set_faults(error_rate=1.0)
    emulator.add_runner("vm-01")
    emulator.add_runner_log("vm-01", "x")
    emulator.set_runner_online("vm-01", False)
    assert emulator.stats()["requests_total"] == 0


def test_seeding_asks_for_the_admin_token_when_one_is_set() -> None:
    with serve_in_thread(admin_token="adm-token") as emulator:
        response = requests.post(f"{emulator.url}/_emulator/runners", json={"machineId": "x"}, timeout=10)
        assert response.status_code == 401
        assert requests.post(f"{emulator.url}/_emulator/runners/x/offline", timeout=10).status_code == 401
        assert emulator.add_runner("x")["machineId"] == "x"


def test_runners_and_their_log_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.jsonl"
    with serve_in_thread(state_file=state) as emulator:
        emulator.add_runner("vm-01", online=False)
        emulator.add_runner_log("vm-01", "before restart")
    with serve_in_thread(state_file=state) as emulator:
        api = Api(emulator)
        api.login()
        assert _json(api.get("/api/v2/machine/vm-01"))["isOnline"] is False
        assert [line["message"] for line in _json(api.get("/api/v2/machine/log/vm-01"))] == ["before restart"]


# --- runners that go online and offline by themselves ------------------------------------------------------


def _online(api: Api, machine_id: str) -> bool:
    return bool(_json(api.get(f"/api/v2/machine/{machine_id}"))["isOnline"])


def _eventually_online(api: Api, machine_id: str, online: bool, within: float = 10.0) -> float:
    """Poll until the runner shows ``online``; return how long it took (the test fails past ``within``)."""
    started = time.monotonic()
    while _online(api, machine_id) is not online:
        assert time.monotonic() - started < within, f"{machine_id} never became online={online}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_runner_at_applies_only_the_due_switches_and_is_deterministic() -> None:
    record = {
        "machineId": "vm",
        "isOnline": False,
        "dateLastConnection": None,
        SWITCHES: [[10.0, True], [20.0, False]],
    }
    assert runner_at(record, 9.999) == (record, False)
    early, changed = runner_at(record, 10.0)
    assert changed and early["isOnline"] is True and early[SWITCHES] == [[20.0, False]]
    assert early["dateLastConnection"] == iso(10.0)  # the switch's moment, not the read's
    assert runner_at(record, 15.0)[0] == early
    late, _ = runner_at(record, 25.0)
    assert late["isOnline"] is False and SWITCHES not in late and late["dateLastConnection"] == iso(10.0)
    assert record[SWITCHES] == [[10.0, True], [20.0, False]]  # the stored record is left as it was


def test_a_runner_that_comes_online_later_starts_offline_and_comes_online(
    api: Api, emulator: EmulatorHandle
) -> None:
    seeded = emulator.add_runner("vm-late", online_after_seconds=0.5)
    assert seeded["isOnline"] is False and SWITCHES not in seeded
    assert "onlineAfterSeconds" not in seeded
    assert _ids(_json(api.get("/api/v2/machine/pagination", params={"isOnline": "false"}))) == ["vm-late"]
    assert _eventually_online(api, "vm-late", True) > 0
    assert "vm-late" in _ids(_json(api.get("/api/v2/machine/pagination", params={"isOnline": "true"})))
    assert SWITCHES not in _json(api.get("/api/v2/machine/vm-late"))


def test_a_runner_can_come_online_then_go_offline(api: Api, emulator: EmulatorHandle) -> None:
    emulator.add_runner("vm-shift", online_after_seconds=0.2, offline_after_seconds=0.8)
    _eventually_online(api, "vm-shift", True)
    _eventually_online(api, "vm-shift", False)
    # Nothing is left to switch: it stays offline.
    assert _online(api, "vm-shift") is False


def test_a_runner_that_goes_offline_later_starts_online(api: Api, emulator: EmulatorHandle) -> None:
    assert emulator.add_runner("vm-leaving", offline_after_seconds=0.3)["isOnline"] is True
    _eventually_online(api, "vm-leaving", False)


def test_a_switch_by_hand_drops_the_schedule(api: Api, emulator: EmulatorHandle) -> None:
    emulator.add_runner("vm-manual", online_after_seconds=0.3)
    emulator.set_runner_online("vm-manual", False)
    seeded_at = time.monotonic()
    while time.monotonic() - seeded_at < 0.6:  # well past the dropped switch
        assert _online(api, "vm-manual") is False
        time.sleep(0.05)


def test_the_portal_shows_the_scheduled_state(api: Api, emulator: EmulatorHandle) -> None:
    emulator.add_runner("vm-portal", online_after_seconds=0.3)
    page = requests.get(f"{emulator.url}/", timeout=10).text
    row = page[page.index("vm-portal") :]
    assert row.index("offline") < row.index("</tr>")
    _eventually_online(api, "vm-portal", True)
    row = requests.get(f"{emulator.url}/", timeout=10).text
    row = row[row.index("vm-portal") :]
    assert row.index("online") < row.index("</tr>") and "offline" not in row[: row.index("</tr>")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"onlineAfterSeconds": -1}, "onlineAfterSeconds"),
        ({"offlineAfterSeconds": "soon"}, "offlineAfterSeconds"),
        ({"onlineAfterSeconds": True}, "onlineAfterSeconds"),
        ({"onlineAfterSeconds": 1, "offlineAfterSeconds": 1}, "offlineAfterSeconds"),
        ({"onlineAfterSeconds": 1, "isOnline": True}, "isOnline"),
        ({"offlineAfterSeconds": 1, "isOnline": False}, "isOnline"),
    ],
)
def test_a_bad_schedule_is_a_400(emulator: EmulatorHandle, body: dict[str, Any], field: str) -> None:
    response = requests.post(
        f"{emulator.url}/_emulator/runners", json={"machineId": "vm", **body}, timeout=10
    )
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith(f"{field}: ")


def test_a_schedule_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.jsonl"
    with serve_in_thread(state_file=state) as emulator:
        emulator.add_runner("vm-01", online_after_seconds=0.5)
    with serve_in_thread(state_file=state) as emulator:
        api = Api(emulator)
        api.login()
        _eventually_online(api, "vm-01", True)
