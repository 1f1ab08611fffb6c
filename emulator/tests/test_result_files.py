"""A task's result files: posted and listed through the API, or posted by the emulated bot as it finishes
(``_emulator.artifacts``)."""

from __future__ import annotations

from typing import Any

import pytest
from requests_toolbelt import MultipartEncoder

from .helpers import Api, wait_for


def _artifacts(api: Api, task_id: int) -> list[dict[str, Any]]:
    response = api.get("/api/v2/artifact", params={"taskId": task_id, "size": 50})
    assert response.status_code == 200, response.text
    return list(response.json()["content"])


def _finished(api: Api, task_id: int) -> dict[str, Any]:
    return dict(wait_for(lambda: api.task(task_id), lambda task: task["state"] == "FINISHED"))


def _bot_task(api: Api, files: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    return api.create_task(parameters={"_emulator": {"artifacts": files, **overrides}})


def test_a_result_file_posted_through_the_api_is_listed_by_its_task_and_comes_back(api: Api) -> None:
    task = api.create_task()
    other = api.create_task()
    record = api.post("/api/v2/artifact", json={"taskId": task["id"], "name": "report.csv"}).json()
    encoder = MultipartEncoder(fields={"file": ("report.csv", b"a,b\n1,2\n")})
    upload = api.post(
        f"/api/v2/artifact/log/{record['id']}", data=encoder, headers={"Content-Type": encoder.content_type}
    )
    assert upload.ok, upload.text

    assert [a["fileName"] for a in _artifacts(api, task["id"])] == ["report.csv"]
    assert _artifacts(api, other["id"]) == []
    assert api.get(f"/api/v2/artifact/{record['id']}/file").content == b"a,b\n1,2\n"


def test_the_bot_posts_its_result_files_once_as_it_finishes(api: Api) -> None:
    files = [
        {"name": "report.csv", "content": "id,total\n1,10\n"},
        {"name": "summary.txt"},
        {"name": "big.bin", "content": "0123456789", "size": 25},
    ]
    task = _bot_task(api, files)
    assert _artifacts(api, task["id"]) == []  # nothing before the bot ends

    done = _finished(api, task["id"])
    listed = {a["fileName"]: a for a in _artifacts(api, task["id"])}
    assert set(listed) == {"report.csv", "summary.txt", "big.bin"}
    assert all(a["dateCreation"] >= done["dateStartRunning"] for a in listed.values())
    assert listed["big.bin"]["size"] == 25

    def content(name: str) -> bytes:
        return bytes(api.get(f"/api/v2/artifact/{listed[name]['id']}/file").content)

    assert content("report.csv") == b"id,total\n1,10\n"
    assert content("summary.txt") == b"summary.txt\n"
    assert content("big.bin") == b"0123456789012345678901234"
    api.task(task["id"])
    assert len(_artifacts(api, task["id"])) == 3  # reading the task again posts nothing more


def test_a_failed_run_posts_its_files_too_and_a_restart_posts_them_again(api: Api) -> None:
    task = _bot_task(api, [{"name": "log.txt"}], outcome=["FAILED", "SUCCESS"])
    assert _finished(api, task["id"])["finishStatus"] == "FAILED"
    assert len(_artifacts(api, task["id"])) == 1

    api.update(task["id"], {"state": "START"})
    assert _finished(api, task["id"])["finishStatus"] == "SUCCESS"
    assert [a["fileName"] for a in _artifacts(api, task["id"])] == ["log.txt", "log.txt"]


def test_a_cancelled_task_posts_nothing(api: Api) -> None:
    task = _bot_task(api, [{"name": "log.txt"}], queue_seconds=30)
    assert api.update(task["id"], {"state": "CANCELED"})["state"] == "CANCELED"
    assert _artifacts(api, task["id"]) == []


@pytest.mark.parametrize(
    ("files", "field"),
    [
        ("report.csv", "artifacts"),
        ([{"content": "x"}], "artifacts[0].name"),
        ([{"name": "a", "colour": "red"}], "artifacts[0].colour"),
        ([{"name": "a", "size": -1}], "artifacts[0].size"),
        ([{"name": "a", "content": "", "size": 3}], "artifacts[0].content"),
    ],
)
def test_a_bad_result_file_is_refused_naming_its_field(api: Api, files: Any, field: str) -> None:
    response = api.post(
        "/api/v2/task", json={"activityLabel": "demo", "parameters": {"_emulator": {"artifacts": files}}}
    )
    assert response.status_code == 400
    assert f"parameters._emulator.{field}" in response.text
