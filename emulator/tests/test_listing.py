"""Task, error and artifact listings: Spring pages, filters, sort (maestro-api.md §3, §4.2, §4.7)."""

from __future__ import annotations

from typing import Any

from .helpers import Api

PAGE_KEYS = {
    "content",
    "totalPages",
    "totalElements",
    "number",
    "size",
    "numberOfElements",
    "first",
    "last",
    "empty",
    "sort",
    "pageable",
}


def _page(api: Api, path: str, **params: Any) -> dict[str, Any]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    assert set(page) == PAGE_KEYS
    return page


def _seed_tasks(api: Api) -> dict[str, int]:
    never = {"_emulator": {"queue_seconds": 0, "outcome": "NEVER"}}
    ids = {
        "queued": api.create_task("alpha", parameters={"_emulator": {"queue_seconds": 60}})["id"],
        "running": api.create_task("beta", parameters=never, priority=5)["id"],
        "finished": api.create_task(
            "alpha", parameters={"_emulator": {"queue_seconds": 0, "run_seconds": 0}}
        )["id"],
        "canceled": api.create_task("gamma", priority=9)["id"],
    }
    api.update(ids["canceled"], {"state": "CANCELED"})
    return ids


def test_default_listing_is_newest_first_with_envelope(api: Api) -> None:
    ids = _seed_tasks(api)
    page = _page(api, "/api/v2/task")
    assert [t["id"] for t in page["content"]] == sorted(ids.values(), reverse=True)
    assert (page["number"], page["size"], page["totalElements"], page["totalPages"]) == (0, 20, 4, 1)
    assert page["first"] and page["last"] and not page["empty"]
    assert page["pageable"]["pageSize"] == 20 and page["sort"]["sorted"]


def test_state_filter_single_and_list(api: Api) -> None:
    ids = _seed_tasks(api)
    assert [t["id"] for t in _page(api, "/api/v2/task", stateFilter="RUNNING")["content"]] == [ids["running"]]
    both = _page(api, "/api/v2/task", stateFilter="START,FINISHED")["content"]
    assert {t["id"] for t in both} == {ids["queued"], ids["finished"]}
    assert api.get("/api/v2/task", params={"stateFilter": "DONE"}).status_code == 400


def test_activity_machine_and_days_filters(api: Api) -> None:
    ids = _seed_tasks(api)
    alpha = _page(api, "/api/v2/task", activityLabel="alpha")["content"]
    assert {t["id"] for t in alpha} == {ids["queued"], ids["finished"]}
    on_runner = _page(api, "/api/v2/task", machineId="emulator-runner")["content"]
    assert {t["id"] for t in on_runner} == {ids["running"], ids["finished"]}
    assert _page(api, "/api/v2/task", days=1)["totalElements"] == 4
    assert _page(api, "/api/v2/task", days=0)["totalElements"] == 0


def test_pagination_walks_every_task_once(api: Api) -> None:
    created = [api.create_task(f"t{i}")["id"] for i in range(7)]
    seen: list[int] = []
    for number in range(3):
        page = _page(api, "/api/v2/task", page=number, size=3, sort="id,asc")
        assert (page["number"], page["totalPages"], page["first"], page["last"]) == (
            number,
            3,
            number == 0,
            number == 2,
        )
        seen += [t["id"] for t in page["content"]]
    assert seen == created
    beyond = _page(api, "/api/v2/task", page=5, size=3)
    assert beyond["empty"] and beyond["content"] == [] and beyond["numberOfElements"] == 0


def test_size_is_capped_at_1000(api: Api) -> None:
    api.create_task()
    assert _page(api, "/api/v2/task", size=5000)["size"] == 1000


def test_repeated_sort_parameters(api: Api) -> None:
    ids = _seed_tasks(api)
    response = api.get("/api/v2/task", params=[("sort", "activityLabel,asc"), ("sort", "id,desc")])
    order = [t["id"] for t in response.json()["content"]]
    assert order == [ids["finished"], ids["queued"], ids["running"], ids["canceled"]]
    by_priority = _page(api, "/api/v2/task", sort="priority,desc")["content"]
    assert [t["priority"] for t in by_priority] == [9, 5, 0, 0]
    assert api.get("/api/v2/task", params={"sort": "nonsense,asc"}).status_code == 400


def test_error_listing_filters_and_get(api: Api) -> None:
    first, second = api.create_task("alpha"), api.create_task("beta")
    for task, message in ((first, "one"), (first, "two"), (second, "three")):
        body = {"taskId": task["id"], "type": "E", "message": message, "language": "PYTHON"}
        assert api.post("/api/v2/error", json=body).status_code == 201
    assert _page(api, "/api/v2/error")["totalElements"] == 3
    by_task = _page(api, "/api/v2/error", taskId=first["id"])["content"]
    assert sorted(e["message"] for e in by_task) == ["one", "two"]
    by_label = _page(api, "/api/v2/error", automationLabel="beta")["content"]
    assert [e["message"] for e in by_label] == ["three"]
    paged = _page(api, "/api/v2/error", size=2, page=1, sort="message,asc")
    assert [e["message"] for e in paged["content"]] == ["two"]
    fetched = api.get(f"/api/v2/error/{by_label[0]['id']}").json()
    assert fetched == by_label[0]


def test_artifact_listing_pages(api: Api) -> None:
    task = api.create_task()
    for index in range(6):
        api.post("/api/v2/artifact", json={"taskId": task["id"], "name": f"f{index}.txt", "filename": "x"})
    first = _page(api, "/api/v2/artifact", size=5, page=0, sort="dateCreation,desc", days=2)
    assert (first["totalPages"], first["totalElements"], len(first["content"])) == (2, 6, 5)
    assert first["content"][0]["name"] == "f5.txt"
    last = _page(api, "/api/v2/artifact", size=5, page=1, sort="dateCreation,desc", days=2)
    assert [a["name"] for a in last["content"]] == ["f0.txt"]
