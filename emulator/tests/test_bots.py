"""Bot versions over HTTP: deploy, upload, release, delete, read and page them (maestro-api.md §4.10)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle

from .helpers import Api

PACKAGE = b"PK\x03\x04" + bytes(range(256)) * 40


def deploy(api: Api, bot_id: str = "invoices", version: str = "1.0", **fields: Any) -> dict[str, Any]:
    body = {"organization": api.emulator.login, "botId": bot_id, "version": version, **fields}
    response = api.post("/api/v2/bot", json={"technology": "PYTHON", "command": None, **body})
    assert response.status_code == 200, response.text
    bot: dict[str, Any] = response.json()
    return bot


def upload(api: Api, bot_id: str, version: str, data: bytes = PACKAGE, **part: Any) -> Any:
    content_type = part.get("content_type", "application/zip")
    files = {"file": (part.get("filename", "bot.zip"), io.BytesIO(data), content_type)}
    return api.post(f"/api/v2/bot/upload/{bot_id}/version/{version}", files=files)


def test_the_whole_life_of_a_version(api: Api) -> None:
    deployed = deploy(api, technology="JAVA", command="java -jar bot.jar")
    assert (deployed["botId"], deployed["version"], deployed["technology"]) == ("invoices", "1.0", "JAVA")
    assert deployed["command"] == "java -jar bot.jar"
    assert (deployed["released"], deployed["fileName"], deployed["sha256"]) == (False, None, None)
    assert deployed["organizationLabel"] == api.emulator.login

    uploaded = upload(api, "invoices", "1.0")
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["fileName"] == "bot.zip"
    assert uploaded.json()["size"] == len(PACKAGE)
    assert uploaded.json()["sha256"] == hashlib.sha256(PACKAGE).hexdigest()
    assert uploaded.json()["contentType"] == "application/zip"

    released = api.post("/api/v2/bot/release", json={"botId": "invoices", "version": "1.0"})
    assert released.status_code == 200, released.text
    assert released.json()["released"] is True and released.json()["dateRelease"]

    fetched = api.get("/api/v2/bot/invoices/version/1.0").json()
    assert (fetched["released"], fetched["sha256"], fetched["id"]) == (
        True,
        hashlib.sha256(PACKAGE).hexdigest(),
        deployed["id"],
    )
    deleted = api.request("DELETE", "/api/v2/bot/invoices/version/1.0")
    assert deleted.status_code == 200 and deleted.json()["id"] == deployed["id"]
    assert api.get("/api/v2/bot/invoices/version/1.0").status_code == 404
    assert api.get("/api/v2/bot", params={"botId": "invoices"}).json() == []


def test_versions_of_one_bot_as_a_plain_array(api: Api) -> None:
    deploy(api, "invoices", "1.0")
    deploy(api, "invoices", "1.1")
    deploy(api, "payroll", "1.0")
    response = api.get("/api/v2/bot", params={"botId": "invoices"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert [(bot["botId"], bot["version"]) for bot in response.json()] == [
        ("invoices", "1.0"),
        ("invoices", "1.1"),
    ]
    assert len(api.get("/api/v2/bot").json()) == 3
    assert api.get("/api/v2/bot", params={"botId": "nothing"}).json() == []


def test_a_second_upload_replaces_the_file(api: Api) -> None:
    deploy(api)
    assert upload(api, "invoices", "1.0").status_code == 200
    again = upload(api, "invoices", "1.0", b"smaller", filename="v2.tar.gz", content_type="application/gzip")
    assert again.status_code == 200
    assert (again.json()["fileName"], again.json()["size"]) == ("v2.tar.gz", 7)
    assert again.json()["sha256"] == hashlib.sha256(b"smaller").hexdigest()
    assert again.json()["contentType"] == "application/gzip"


def test_an_upload_keeps_a_release_that_came_before_it(api: Api) -> None:
    deploy(api)
    api.post("/api/v2/bot/release", json={"botId": "invoices", "version": "1.0"})
    assert upload(api, "invoices", "1.0").json()["released"] is True


def test_a_duplicate_version_is_a_conflict(api: Api) -> None:
    deploy(api)
    again = api.post("/api/v2/bot", json={"botId": "invoices", "version": "1.0"})
    assert again.status_code == 409
    assert "already has version '1.0'" in again.json()["message"]
    assert len(api.get("/api/v2/bot").json()) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": "1.0"}, "botId"),
        ({"botId": "  ", "version": "1.0"}, "botId"),
        ({"botId": "a/b", "version": "1.0"}, "botId"),
        ({"botId": "invoices"}, "version"),
        ({"botId": "invoices", "version": 1}, "version"),
        ({"botId": "invoices", "version": "1.0", "technology": 3}, "technology"),
        ({"botId": "invoices", "version": "1.0", "command": ["python"]}, "command"),
    ],
    ids=repr,
)
def test_a_bad_deploy_body_is_refused_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    response = api.post("/api/v2/bot", json=body)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{field}: ")
    assert api.get("/api/v2/bot").json() == []


def test_unknown_versions_are_not_found(api: Api) -> None:
    deploy(api)
    assert upload(api, "invoices", "9.9").status_code == 404
    assert upload(api, "nothing", "1.0").status_code == 404
    release = api.post("/api/v2/bot/release", json={"botId": "invoices", "version": "9.9"})
    assert release.status_code == 404 and "'invoices' '9.9'" in release.json()["message"]
    assert api.request("DELETE", "/api/v2/bot/invoices/version/9.9").status_code == 404
    assert api.get("/api/v2/bot/invoices/version/9.9").status_code == 404
    assert api.get("/api/v2/bot/invoices/version/1.0").json()["sha256"] is None


def test_an_upload_must_be_multipart_with_a_file_part(api: Api) -> None:
    deploy(api)
    path = "/api/v2/bot/upload/invoices/version/1.0"
    not_multipart = api.post(path, data=PACKAGE, headers={"Content-Type": "application/zip"})
    assert not_multipart.status_code == 400
    assert not_multipart.json()["message"].startswith("Content-Type: ")
    no_file = api.post(path, files={"other": (None, "text")})
    assert no_file.status_code == 400
    assert no_file.json()["message"].startswith("file: ")
    assert api.get("/api/v2/bot/invoices/version/1.0").json()["size"] is None


def test_release_needs_both_fields(api: Api) -> None:
    response = api.post("/api/v2/bot/release", json={"botId": "invoices"})
    assert response.status_code == 400 and response.json()["message"].startswith("version: ")


def test_the_page_filters_by_bot_id_and_pages(api: Api) -> None:
    for bot_id, version in [
        ("payroll", "1.0"),
        ("invoices", "2.0"),
        ("invoices", "1.0"),
        ("Invoices-EU", "1.0"),
    ]:
        deploy(api, bot_id, version)
    page = api.get("/api/v2/bot/pagination", params={"botId": "invoices", "size": 2}).json()
    assert (page["totalElements"], page["totalPages"], page["number"], page["last"]) == (3, 2, 0, False)
    assert [(bot["botId"], bot["version"]) for bot in page["content"]] == [
        ("Invoices-EU", "1.0"),
        ("invoices", "1.0"),
    ]
    second = api.get("/api/v2/bot/pagination", params={"botId": "invoices", "size": 2, "page": 1}).json()
    assert [(bot["botId"], bot["version"]) for bot in second["content"]] == [("invoices", "2.0")]
    everything = api.get("/api/v2/bot/pagination", params={"sort": "dateCreation,desc"}).json()
    assert everything["totalElements"] == 4
    assert api.get("/api/v2/bot/pagination", params={"sort": "nope"}).status_code == 400


def test_the_literal_routes_are_never_a_bot_id(api: Api, emulator: EmulatorHandle) -> None:
    # Bots named like the literal segments still work, each route by its own name.
    deploy(api, "pagination", "1.0")
    deploy(api, "release", "1.0")
    assert api.get("/api/v2/bot/pagination").json()["totalElements"] == 2
    assert api.get("/api/v2/bot/release/version/1.0").json()["botId"] == "release"
    assert upload(api, "release", "1.0").status_code == 200
    assert api.post("/api/v2/bot/release", json={"botId": "release", "version": "1.0"}).status_code == 200
    assert api.request("DELETE", "/api/v2/bot/pagination/version/1.0").status_code == 200
    requests = emulator.stats()["requests"]
    assert requests["GET /api/v2/bot/pagination"] == 1
    assert requests["GET /api/v2/bot/{botId}/version/{version}"] == 1
    assert requests["POST /api/v2/bot/release"] == 1
    assert requests["POST /api/v2/bot/upload/{botId}/version/{version}"] == 1


def test_stats_count_each_bot_route_under_its_own_key(api: Api, emulator: EmulatorHandle) -> None:
    deploy(api)
    deploy(api, version="2.0")
    upload(api, "invoices", "1.0")
    api.post("/api/v2/bot/release", json={"botId": "invoices", "version": "1.0"})
    api.get("/api/v2/bot", params={"botId": "invoices"})
    api.get("/api/v2/bot/pagination")
    api.get("/api/v2/bot/pagination", params={"page": 1})
    api.get("/api/v2/bot/invoices/version/1.0")
    api.request("DELETE", "/api/v2/bot/invoices/version/2.0")
    stats = emulator.stats()
    assert {key: count for key, count in stats["requests"].items() if "/api/v2/bot" in key} == {
        "POST /api/v2/bot": 2,
        "POST /api/v2/bot/upload/{botId}/version/{version}": 1,
        "POST /api/v2/bot/release": 1,
        "GET /api/v2/bot": 1,
        "GET /api/v2/bot/pagination": 2,
        "GET /api/v2/bot/{botId}/version/{version}": 1,
        "DELETE /api/v2/bot/{botId}/version/{version}": 1,
    }
    assert stats["bytes_uploaded"] == len(PACKAGE)


def test_the_routes_need_a_token(anon: Api) -> None:
    assert anon.get("/api/v2/bot", params={"botId": "invoices"}).status_code == 401
    assert anon.post("/api/v2/bot", json={"botId": "invoices", "version": "1.0"}).status_code == 401
