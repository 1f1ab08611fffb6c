"""Automations ("activities"): the plain list, the Spring page, one automation, and their seeding (§4.10)."""

from __future__ import annotations

import urllib.error
from typing import Any

import pytest
import requests

from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_thread

from .helpers import Api

INVOICE_PARAMETERS = [
    {"label": "month", "type": "TEXT", "required": True},
    {"label": "retries", "type": "INTEGER", "required": False},
]


def _seed(emulator: EmulatorHandle) -> None:
    emulator.add_automation("invoices", name="Invoice run", parameters=INVOICE_PARAMETERS)
    emulator.add_automation("payroll", name="Monthly payroll")
    emulator.add_automation("reports", description="weekly")


def _json(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_seeded_automation_is_returned_with_its_parameters(api: Api, emulator: EmulatorHandle) -> None:
    seeded = emulator.add_automation("invoices", name="Invoice run", parameters=INVOICE_PARAMETERS)
    got = _json(api.get("/api/v2/activity/invoices"))
    assert got == seeded
    assert (got["label"], got["name"], got["parameters"]) == ("invoices", "Invoice run", INVOICE_PARAMETERS)
    assert got["organizationLabel"] == emulator.login and got["dateCreation"].endswith("Z")


def test_the_name_defaults_to_the_label_and_parameters_to_an_empty_list(emulator: EmulatorHandle) -> None:
    seeded = emulator.add_automation("bare")
    assert (seeded["name"], seeded["parameters"], seeded["description"]) == ("bare", [], None)


def test_seeding_again_replaces_but_keeps_identity_and_age(api: Api, emulator: EmulatorHandle) -> None:
    first = emulator.add_automation("invoices", name="Old")
    second = emulator.add_automation("invoices", name="New", parameters=INVOICE_PARAMETERS)
    assert (second["id"], second["dateCreation"]) == (first["id"], first["dateCreation"])
    assert _json(api.get("/api/v2/activity/invoices"))["name"] == "New"
    assert len(_json(api.get("/api/v2/activity"))) == 1


def test_the_plain_list_is_an_array_in_label_order_and_cut_by_page_and_size(
    api: Api, emulator: EmulatorHandle
) -> None:
    _seed(emulator)
    assert [a["label"] for a in _json(api.get("/api/v2/activity"))] == ["invoices", "payroll", "reports"]
    cut = _json(api.get("/api/v2/activity", params={"page": 1, "size": 2}))
    assert [a["label"] for a in cut] == ["reports"]


def test_the_page_has_the_spring_envelope_and_walks_every_automation_once(
    api: Api, emulator: EmulatorHandle
) -> None:
    _seed(emulator)
    first = _json(api.get("/api/v2/activity/pagination", params={"size": 2}))
    second = _json(api.get("/api/v2/activity/pagination", params={"size": 2, "page": 1}))
    assert (first["totalElements"], first["totalPages"], first["first"], first["last"]) == (3, 2, True, False)
    assert (second["number"], second["last"]) == (1, True)
    labels = [a["label"] for a in first["content"] + second["content"]]
    assert labels == ["invoices", "payroll", "reports"]
    newest_name_first = _json(api.get("/api/v2/activity/pagination", params={"sort": "name,desc"}))
    assert [a["label"] for a in newest_name_first["content"]] == ["reports", "payroll", "invoices"]


@pytest.mark.parametrize(
    ("params", "labels"),
    [
        ({"label": "PAY"}, ["payroll"]),
        ({"automation": "voice"}, ["invoices"]),
        ({"name": "monthly"}, ["payroll"]),
        ({"name": "run", "label": "pay"}, []),
        ({"label": "o"}, ["invoices", "payroll", "reports"]),
    ],
)
def test_filters_search_label_and_name_ignoring_case(
    api: Api, emulator: EmulatorHandle, params: dict[str, str], labels: list[str]
) -> None:
    _seed(emulator)
    page = _json(api.get("/api/v2/activity/pagination", params=params))
    assert [a["label"] for a in page["content"]] == labels
    assert [a["label"] for a in _json(api.get("/api/v2/activity", params=params))] == labels


def test_an_unknown_label_is_a_404_naming_it(api: Api) -> None:
    body = _json(api.get("/api/v2/activity/nothing-here"), 404)
    assert body["message"] == "automation 'nothing-here' not found"


def test_a_label_with_spaces_and_unicode_is_url_decoded(api: Api, emulator: EmulatorHandle) -> None:
    emulator.add_automation("folha de pagamento é")
    assert (
        _json(api.get("/api/v2/activity/folha%20de%20pagamento%20%C3%A9"))["label"] == "folha de pagamento é"
    )


def test_the_first_task_of_a_new_label_registers_its_automation(api: Api) -> None:
    api.create_task("fresh", parameters={"count": 3, "ratio": 0.5, "flag": True, "name": "x"})
    got = _json(api.get("/api/v2/activity/fresh"))
    assert got["name"] == "fresh"
    assert [(p["label"], p["type"]) for p in got["parameters"]] == [
        ("count", "INTEGER"),
        ("ratio", "DOUBLE"),
        ("flag", "BOOLEAN"),
        ("name", "TEXT"),
    ]


def test_a_task_does_not_overwrite_a_seeded_automation(api: Api, emulator: EmulatorHandle) -> None:
    seeded = emulator.add_automation("invoices", parameters=INVOICE_PARAMETERS)
    api.create_task("invoices", parameters={"other": 1})
    assert _json(api.get("/api/v2/activity/invoices")) == seeded


def test_declared_activities_are_listed_before_any_task() -> None:
    with serve_in_thread(activities=["beta", "alpha"]) as emulator:
        api = Api(emulator)
        api.login()
        assert [a["label"] for a in _json(api.get("/api/v2/activity"))] == ["alpha", "beta"]
        assert _json(api.get("/api/v2/activity/beta"))["parameters"] == []


def test_every_route_needs_a_token(anon: Api) -> None:
    for path in ("/api/v2/activity", "/api/v2/activity/pagination", "/api/v2/activity/x"):
        assert anon.get(path).status_code == 401, path


def test_each_route_is_counted_under_its_own_key(api: Api, emulator: EmulatorHandle) -> None:
    _seed(emulator)
    api.get("/api/v2/activity")
    api.get("/api/v2/activity/pagination")
    api.get("/api/v2/activity/pagination", params={"page": 1})
    api.get("/api/v2/activity/invoices")
    requests_seen = emulator.stats()["requests"]
    assert requests_seen["GET /api/v2/activity"] == 1
    assert requests_seen["GET /api/v2/activity/pagination"] == 2
    assert requests_seen["GET /api/v2/activity/{label}"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "no label"}, "label"),
        ({"label": "  "}, "label"),
        ({"label": "a", "parameters": {"x": 1}}, "parameters"),
        ({"label": "a", "parameters": [{"type": "TEXT"}]}, "label"),
        ({"label": "a", "parameters": [{"label": "x", "required": "yes"}]}, "parameters[0].required"),
        ({"label": "a", "name": 3}, "name"),
    ],
)
def test_a_bad_seed_body_is_a_400_naming_the_field(
    emulator: EmulatorHandle, body: dict[str, Any], field: str
) -> None:
    response = requests.post(f"{emulator.url}/_emulator/automations", json=body, timeout=10)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{field}: ")


def test_seeding_asks_for_the_admin_token_when_one_is_set() -> None:
    with serve_in_thread(admin_token="adm-token") as emulator:
        response = requests.post(f"{emulator.url}/_emulator/automations", json={"label": "x"}, timeout=10)
        assert response.status_code == 401
        assert emulator.add_automation("x")["label"] == "x"  # the handle sends the token


def test_the_handle_reports_a_bad_seed_as_an_http_error(emulator: EmulatorHandle) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        emulator.add_automation("a", parameters=[{"label": ""}])
    assert caught.value.code == 400
