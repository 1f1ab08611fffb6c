"""Schedules over HTTP: create, page, filter, read, replace, delete, and the 400s and 404s (§4.10)."""

from __future__ import annotations

from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle

from .helpers import Api

BASE = "/api/v2/scheduling"
DAILY = "0 0 12 * * ?"


def _create(api: Api, label: str = "invoices", cron: str = DAILY, **fields: Any) -> dict[str, Any]:
    response = api.post(BASE, json={"activityLabel": label, "cron": cron, **fields})
    assert response.status_code == 200, response.text
    schedule: dict[str, Any] = response.json()
    return schedule


def test_create_fills_in_defaults_and_can_be_read_back(api: Api) -> None:
    created = _create(api, parameters={"region": "EU"})
    assert isinstance(created["id"], str) and created["id"]
    assert (created["activityLabel"], created["cron"], created["timeZone"]) == ("invoices", DAILY, "UTC")
    assert (created["active"], created["test"], created["priority"]) == (True, False, 0)
    assert created["parameters"] == {"region": "EU"} and created["description"] is None
    assert created["organizationLabel"] == api.emulator.login
    fetched = api.get(f"{BASE}/{created['id']}")
    assert fetched.status_code == 200 and fetched.json() == created


def test_listing_is_a_spring_page_filtered_by_activity_label(api: Api) -> None:
    first = _create(api, "invoices")
    _create(api, "payroll", "0 30 6 ? * MON-FRI")
    third = _create(api, "invoices", "0 0/15 * * * ?", priority=7, test=True)
    page = api.get(BASE, params={"activityLabel": "invoices"}).json()
    assert [item["id"] for item in page["content"]] == [first["id"], third["id"]]
    assert (page["totalElements"], page["totalPages"], page["number"]) == (2, 1, 0)
    everything = api.get(BASE, params={"size": 2, "page": 1}).json()
    assert [item["id"] for item in everything["content"]] == [third["id"]]
    assert (everything["totalElements"], everything["totalPages"], everything["last"]) == (3, 2, True)


def test_put_replaces_the_fields_and_keeps_id_and_creation_date(api: Api) -> None:
    created = _create(api, parameters={"region": "EU"}, description="noon")
    body = {"activityLabel": "invoices", "cron": "0 0 18 ? * FRI", "active": False, "priority": 3}
    response = api.request("PUT", f"{BASE}/{created['id']}", json=body)
    assert response.status_code == 200, response.text
    replaced = response.json()
    assert (replaced["id"], replaced["dateCreation"]) == (created["id"], created["dateCreation"])
    assert (replaced["cron"], replaced["active"], replaced["priority"]) == ("0 0 18 ? * FRI", False, 3)
    # A PUT replaces: what the body leaves out goes back to its default.
    assert replaced["parameters"] == {} and replaced["description"] is None
    assert api.get(f"{BASE}/{created['id']}").json() == replaced


def test_delete_removes_it(api: Api) -> None:
    created = _create(api)
    deleted = api.request("DELETE", f"{BASE}/{created['id']}")
    assert deleted.status_code == 200 and deleted.json()["id"] == created["id"]
    assert api.get(f"{BASE}/{created['id']}").status_code == 404
    assert api.get(BASE).json()["content"] == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unknown_ids_are_404_naming_the_id(api: Api, method: str) -> None:
    body = {"activityLabel": "invoices", "cron": DAILY} if method == "PUT" else None
    response = api.request(method, f"{BASE}/nope", json=body)
    assert response.status_code == 404
    assert response.json()["message"] == "schedule 'nope' not found"


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 12 * * *", "6 or 7"),
        ("0 0 12 * * *", "exactly one of day-of-month and day-of-week"),
        ("0 0 12 ? * ?", "exactly one of day-of-month and day-of-week"),
        ("0 61 12 * * ?", "minutes"),
        ("0 0 12 ? * MOO", "day-of-week"),
    ],
)
def test_an_invalid_cron_is_a_400_naming_it(api: Api, cron: str, words: str) -> None:
    response = api.post(BASE, json={"activityLabel": "invoices", "cron": cron})
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith(f"cron: {cron!r} is not a Quartz cron expression")
    assert words in message
    assert api.get(BASE).json()["totalElements"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cron": DAILY}, "activityLabel"),
        ({"activityLabel": " ", "cron": DAILY}, "activityLabel"),
        ({"activityLabel": "invoices"}, "cron"),
        ({"activityLabel": "invoices", "cron": DAILY, "parameters": [1]}, "parameters"),
        ({"activityLabel": "invoices", "cron": DAILY, "active": "yes"}, "active"),
        ({"activityLabel": "invoices", "cron": DAILY, "priority": 11}, "priority"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    response = api.post(BASE, json=body)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{field}: ")


def test_an_invalid_cron_on_put_leaves_the_schedule_alone(api: Api) -> None:
    created = _create(api)
    body = {"activityLabel": "invoices", "cron": "every day"}
    assert api.request("PUT", f"{BASE}/{created['id']}", json=body).status_code == 400
    assert api.get(f"{BASE}/{created['id']}").json()["cron"] == DAILY


def test_every_route_needs_a_token(anon: Api) -> None:
    assert anon.get(BASE).status_code == 401
    assert anon.post(BASE, json={"activityLabel": "invoices", "cron": DAILY}).status_code == 401


def test_stats_count_each_route_under_its_own_key(api: Api, emulator: EmulatorHandle) -> None:
    created = _create(api)
    path = f"{BASE}/{created['id']}"
    api.get(BASE)
    api.get(BASE, params={"activityLabel": "invoices"})
    api.get(path)
    api.request("PUT", path, json={"activityLabel": "invoices", "cron": "0 0 6 * * ?"})
    api.request("DELETE", path)
    api.get(path)
    counted = emulator.stats()["requests"]
    assert {key: value for key, value in counted.items() if "scheduling" in key} == {
        "POST /api/v2/scheduling": 1,
        "GET /api/v2/scheduling": 2,
        "GET /api/v2/scheduling/{scheduleId}": 2,
        "PUT /api/v2/scheduling/{scheduleId}": 1,
        "DELETE /api/v2/scheduling/{scheduleId}": 1,
    }
