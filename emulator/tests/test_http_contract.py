"""HTTP details clients depend on: auth, error bodies, content types, ids, decoding (§3, §8)."""

from __future__ import annotations

import requests

from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_thread

from .helpers import RUNNER_TOKEN, Api

SPRING_KEYS = {"timestamp", "status", "error", "message", "path"}


def _assert_spring(response: requests.Response, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == SPRING_KEYS
    assert body["status"] == status and body["path"] == response.request.path_url.split("?")[0]
    for fragment in fragments:
        assert fragment in body["message"]


def test_version_needs_no_auth(anon: Api) -> None:
    response = anon.get("/api/v2/maestro/version")
    assert response.status_code == 200 and response.json() == {"version": "3.9.0"}
    assert response.headers["content-type"] == "application/json"


def test_login_returns_token_and_organization(anon: Api, emulator: EmulatorHandle) -> None:
    body = {"login": emulator.login, "key": emulator.key}
    reply = anon.post("/api/v2/workspace/login", json=body).json()
    assert reply["organizationLabel"] == emulator.login
    assert reply["accessToken"].startswith("emu_") and len(reply["accessToken"]) > 30
    assert reply["accessToken"] in emulator.tokens()


def test_bad_credentials_are_a_401_that_does_not_echo_the_key(anon: Api, emulator: EmulatorHandle) -> None:
    for body in ({"login": emulator.login, "key": "wrong-key-123"}, {"login": "other", "key": emulator.key}):
        response = anon.post("/api/v2/workspace/login", json=body)
        _assert_spring(response, 401)
        assert "wrong-key-123" not in response.text and emulator.key not in response.text
    assert emulator.stats()["login_failures"] == 2


def test_missing_unknown_token_is_401(anon: Api) -> None:
    _assert_spring(anon.get("/api/v2/task/1"), 401, "missing")
    response = anon.get("/api/v2/task/1", headers={"token": "emu_forged"})
    _assert_spring(response, 401, "invalid")
    assert "emu_forged" not in response.text


def test_bearer_and_runner_tokens_are_accepted(api: Api, anon: Api) -> None:
    task = api.create_task()
    bearer = anon.get(f"/api/v2/task/{task['id']}", headers={"Authorization": f"Bearer {api.token}"})
    assert bearer.status_code == 200
    runner = anon.get(f"/api/v2/task/{task['id']}", headers={"token": RUNNER_TOKEN})
    assert runner.status_code == 200


def test_unknown_ids_are_404_naming_the_id(api: Api) -> None:
    _assert_spring(api.get("/api/v2/task/987654"), 404, "task", "987654")
    _assert_spring(api.get("/api/v2/task/not-a-number"), 404, "not-a-number")
    _assert_spring(api.post("/api/v2/task/987654", json={"state": "START"}), 404, "987654")
    _assert_spring(api.get("/api/v2/artifact/4242"), 404, "artifact", "4242")
    _assert_spring(api.get("/api/v2/error/nope"), 404, "error", "nope")
    _assert_spring(api.get("/api/v2/credential/nope"), 404, "credential", "nope")
    _assert_spring(api.get("/api/v2/datapool/nope/summary"), 404, "datapool", "nope")
    _assert_spring(api.get("/api/v2/log/nope"), 404, "log", "nope")
    _assert_spring(api.post("/api/v2/alerts", json={"taskId": 555, "title": "t"}), 404, "555")


def test_unmatched_path_is_a_spring_404(api: Api) -> None:
    _assert_spring(api.get("/api/v2/nowhere"), 404, "/api/v2/nowhere")


def test_bad_task_input_is_400_naming_the_field(api: Api) -> None:
    _assert_spring(api.post("/api/v2/task", json={"activityLabel": " "}), 400, "activityLabel")
    _assert_spring(api.post("/api/v2/task", json={"activityLabel": "a", "priority": 11}), 400, "priority")
    _assert_spring(
        api.post("/api/v2/task", json={"activityLabel": "a", "parameters": [1]}), 400, "parameters"
    )
    _assert_spring(api.post("/api/v2/task", data=b"{not json"), 400, "JSON")
    task = api.create_task()
    _assert_spring(
        api.post(f"/api/v2/task/{task['id']}", json={"finishStatus": "GREAT"}), 400, "finishStatus"
    )


def test_unknown_activity_is_404_when_activities_are_declared() -> None:
    with serve_in_thread(activities=["known"]) as emulator:
        api = Api(emulator)
        api.login()
        _assert_spring(
            api.post("/api/v2/task", json={"activityLabel": "unknown"}), 404, "automation", "unknown"
        )
        assert api.post("/api/v2/task", json={"activityLabel": "known"}).status_code == 200


def test_ids_as_strings_and_json_content_type_on_bodyless_requests(api: Api) -> None:
    task = api.create_task()
    assert isinstance(task["id"], int)
    response = api.get(f"/api/v2/task/{task['id']}", headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    alert = api.post("/api/v2/alerts", json={"taskId": str(task["id"]), "title": "t", "message": "m"}).json()
    assert alert["taskId"] == task["id"] and isinstance(alert["id"], str)
    artifact = api.post("/api/v2/artifact", json={"taskId": str(task["id"]), "name": "a.txt"}).json()
    assert isinstance(artifact["id"], int) and artifact["fileName"] == artifact["filename"] == "a.txt"
    second = api.post("/api/v2/artifact", json={"taskId": task["id"], "name": "b.txt"}).json()
    assert second["id"] > artifact["id"]
    assert api.create_task()["id"] > task["id"]


def test_path_parameters_are_url_decoded(api: Api) -> None:
    label = "my vault é"
    assert api.post("/api/v2/credential", json={"label": label, "secrets": [{"key": "a b", "value": 1}]}).ok
    response = api.get("/api/v2/credential/my%20vault%20%C3%A9/key/a%20b")
    assert response.status_code == 200 and response.text == "1"
    assert response.headers["content-type"].startswith("text/plain")


def test_dates_are_utc_iso_with_zone(api: Api) -> None:
    task = api.create_task()
    assert task["dateCreation"].endswith("Z") and "T" in task["dateCreation"]


def test_pull_on_empty_pool_is_204_with_empty_body(api: Api) -> None:
    assert api.post("/api/v2/datapool", json={"label": "p"}).ok
    response = api.get("/api/v2/datapool/p/pull")
    assert response.status_code == 204 and response.content == b""
    assert api.post("/api/v2/datapool", json={"label": "p"}).status_code == 409
