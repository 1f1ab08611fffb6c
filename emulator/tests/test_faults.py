"""Every fault kind, random and scripted, as plain HTTP clients see it."""

from __future__ import annotations

import json
import time
import urllib.error

import httpx
import pytest
import requests

from botcity_maestro_emulator.cli import build_parser, config_from_args
from botcity_maestro_emulator.faults import Action, Decision, FaultEngine, FaultProfile
from botcity_maestro_emulator.testing import EmulatorHandle, serve_in_thread

from .helpers import RUNNER_TOKEN, Api

VERSION = "/api/v2/maestro/version"
VERSION_ROUTE = f"GET {VERSION}"
TASK = "/api/v2/task/7"
CREATE_ROUTE = "POST /api/v2/task"
PUSH = "/api/v2/datapool/orders/push"
PUSH_ROUTE = "POST /api/v2/datapool/{label}/push"
BROKEN_REQUESTS = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
BROKEN_HTTPX = (httpx.RemoteProtocolError, httpx.ReadError)


def _task_count(emulator: EmulatorHandle) -> int:
    return sum(emulator.stats()["tasks_by_state"].values())


def test_error_rate_answers_5xx_without_processing(api: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(error_rate=1.0, error_statuses=[502, 503])
    for _ in range(5):
        response = api.post("/api/v2/task", json={"activityLabel": "demo"})
        assert response.status_code in (502, 503)
        assert response.json()["status"] == response.status_code
    assert _task_count(emulator) == 0
    assert emulator.stats()["faults"]["error"] == 5


def test_html_error_body_looks_like_nginx(api: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(error_rate=1.0, error_statuses=[502], error_body="html")
    response = api.get(VERSION)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<center>nginx</center>" in response.text and "502 Bad Gateway" in response.text


def test_rate_limit_has_retry_after_and_is_not_processed(api: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(rate_limit_rate=1.0, retry_after_seconds=7)
    response = api.post("/api/v2/task", json={"activityLabel": "demo"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert "retry" in response.json()["message"].lower()
    assert _task_count(emulator) == 0 and emulator.stats()["faults"]["rate_limit"] == 1


def test_latency_is_added_without_blocking_other_requests(api: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(latency_seconds=0.3)
    started = time.monotonic()
    with httpx.Client() as client:
        assert client.get(emulator.url + VERSION).status_code == 200
    assert time.monotonic() - started >= 0.3


async def test_latency_overlaps_between_concurrent_requests(emulator: EmulatorHandle) -> None:
    import asyncio

    emulator.set_faults(latency_seconds=0.5)
    async with httpx.AsyncClient() as client:
        started = time.monotonic()
        replies = await asyncio.gather(*(client.get(emulator.url + VERSION) for _ in range(20)))
    assert all(r.status_code == 200 for r in replies)
    # One after another they would take 10 s; overlapping, about 0.5 s. Half of 10 s leaves room for any
    # load on the machine and still tells the two apart.
    assert time.monotonic() - started < 20 * 0.5 / 2


def test_drop_looks_like_a_broken_connection_to_requests(api: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(drop_rate=1.0)
    with pytest.raises(BROKEN_REQUESTS):
        requests.get(emulator.url + VERSION, timeout=5)
    with pytest.raises(BROKEN_REQUESTS):
        api.post("/api/v2/task", json={"activityLabel": "demo"})
    emulator.clear_faults()
    assert _task_count(emulator) == 0
    stats = emulator.stats()
    assert stats["faults"]["drop"] == 2 and "500" not in stats["responses"]


def test_drop_looks_like_a_broken_connection_to_httpx(emulator: EmulatorHandle) -> None:
    emulator.set_faults(drop_rate=1.0)
    with httpx.Client() as client:
        for _ in range(3):
            with pytest.raises(BROKEN_HTTPX):
                client.get(emulator.url + VERSION)
    emulator.clear_faults()
    with httpx.Client() as client:
        assert client.get(emulator.url + VERSION).status_code == 200


def test_lost_create_makes_the_task_but_the_client_gets_no_response(
    api: Api, emulator: EmulatorHandle
) -> None:
    emulator.set_faults(lost_create_rate=1.0)
    assert api.get(VERSION).status_code == 200
    with pytest.raises(BROKEN_REQUESTS):
        api.post("/api/v2/task", json={"activityLabel": "demo", "parameters": {"key": "abc"}})
    emulator.clear_faults()
    (task,) = api.get("/api/v2/task").json()["content"]
    assert task["parameters"] == {"key": "abc"}
    assert emulator.stats()["faults"]["lost_create"] == 1 and emulator.stats()["tasks_created"] == 1


def test_token_lifetime_expires_tokens(api: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(token_lifetime_seconds=0.3)
    assert api.get(VERSION).status_code == 200
    assert api.get("/api/v2/task").status_code == 200
    time.sleep(0.4)
    response = api.get("/api/v2/task")
    assert response.status_code == 401 and "expired" in response.json()["message"]
    api.login()
    assert api.get("/api/v2/task").status_code == 200
    assert emulator.stats()["faults"]["expired_token"] == 1


def test_seed_makes_random_faults_reproducible(anon: Api, emulator: EmulatorHandle) -> None:
    def run() -> list[int]:
        emulator.set_faults(error_rate=0.5, seed=1234)
        return [anon.get(VERSION).status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second and 200 in first and any(code >= 500 for code in first)


def test_a_requests_faults_do_not_depend_on_the_requests_around_it(
    anon: Api, emulator: EmulatorHandle
) -> None:
    """The draws of a request come from the seed, the request and how often it was made, not from its
    place among other requests: one poll more elsewhere must not move a fault onto another request."""

    def run(order: list[str]) -> dict[str, list[int]]:
        emulator.set_faults(error_rate=0.5, seed=99)
        seen: dict[str, list[int]] = {VERSION: [], TASK: []}
        for path in order:
            seen[path].append(anon.get(path).status_code)
        return seen

    apart = run([VERSION] * 12 + [TASK] * 12)
    mixed = run([VERSION, TASK] * 12)
    assert apart == mixed
    assert {code >= 500 for code in apart[VERSION]} == {True, False}, "both outcomes, or it proves nothing"


def test_the_body_tells_requests_apart_but_large_and_multipart_ones_by_length_only(
    anon: Api, emulator: EmulatorHandle
) -> None:
    """A small body is read to name the request (a create sent again is the same request, another create
    is not); an upload is never held in memory for that, so it is named by its type and length."""

    def statuses(**body: object) -> list[int]:
        emulator.set_faults(error_rate=0.5, seed=3)
        return [anon.post("/api/v2/task", **body).status_code for _ in range(16)]

    assert statuses(json={"activityLabel": "a"}) != statuses(json={"activityLabel": "b"})
    big = 70 * 1024
    assert statuses(json={"blob": "a" * big}) == statuses(json={"blob": "b" * big})
    upload_a = statuses(files={"file": ("a.bin", b"a" * 1000)})
    assert upload_a == statuses(files={"file": ("b.bin", b"b" * 1000)})
    assert {code >= 500 for code in upload_a} == {True, False}


def test_max_faults_in_a_row_lets_a_request_through_until_it_succeeds(
    anon: Api, emulator: EmulatorHandle
) -> None:
    """With every request failing, the third try of each gets through; only a success starts the count
    again, so a request the API itself refuses (401 here) is not faulted any more."""
    emulator.set_faults(error_rate=1.0, error_statuses=[503], max_faults_in_a_row=2)
    assert [anon.get(VERSION).status_code for _ in range(6)] == [503, 503, 200, 503, 503, 200]
    assert [anon.get(TASK).status_code for _ in range(4)] == [503, 503, 401, 401]
    assert emulator.stats()["faults"]["error"] == 6


def test_scripted_faults_are_never_spared_but_count_toward_the_bound(
    anon: Api, emulator: EmulatorHandle
) -> None:
    script = [{"match": "GET /api/v2/maestro/version", "status": 502, "count": 3}]
    emulator.set_faults(error_rate=1.0, error_statuses=[503], max_faults_in_a_row=2, script=script)
    assert [anon.get(VERSION).status_code for _ in range(7)] == [502, 502, 502, 200, 503, 503, 200]


def test_a_request_forgotten_for_lack_of_room_counts_from_one_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays bounded in a long-running emulator: the least recently seen request goes first."""

    def outcome(decision: Decision | None) -> tuple[Action, int] | None:
        return None if decision is None else (decision.action, decision.status)

    profile = FaultProfile(error_rate=0.5, seed=11)
    unbounded = FaultEngine(profile)
    first, second = (outcome(unbounded.decide(VERSION_ROUTE, VERSION_ROUTE)) for _ in range(2))
    assert first != second, "pick a seed whose first two draws differ, or this proves nothing"
    monkeypatch.setattr("botcity_maestro_emulator.faults.MAX_TRACKED_REQUESTS", 1)
    bounded = FaultEngine(profile)
    assert outcome(bounded.decide(VERSION_ROUTE, VERSION_ROUTE)) == first
    bounded.decide("GET /other", "GET /other")
    assert outcome(bounded.decide(VERSION_ROUTE, VERSION_ROUTE)) == first


def test_exempt_routes_are_never_faulted(anon: Api, emulator: EmulatorHandle) -> None:
    exempt = ["GET /api/v2/maestro/version"]
    # A latency no load could explain: with it, the exempt request would outlast the client's timeout.
    emulator.set_faults(error_rate=1.0, latency_seconds=120, exempt=exempt)
    assert anon.get(VERSION, timeout=60).status_code == 200
    emulator.set_faults(latency_seconds=0)
    assert anon.post("/api/v2/workspace/login", json={}).status_code >= 500


def test_version_and_login_are_not_exempt_by_default(anon: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(error_rate=1.0)
    assert anon.get(VERSION).status_code >= 500
    assert anon.post("/api/v2/workspace/login", json={}).status_code >= 500


def test_admin_routes_are_never_faulted_or_counted(emulator: EmulatorHandle) -> None:
    emulator.set_faults(error_rate=1.0, drop_rate=1.0)
    for _ in range(3):
        assert emulator.stats()["requests_total"] == 0
    assert emulator.tasks() == [] and emulator.tokens() == [RUNNER_TOKEN]


def test_script_entries_apply_in_order_to_matching_requests(api: Api, emulator: EmulatorHandle) -> None:
    task = api.create_task()
    path = f"/api/v2/task/{task['id']}"
    profile = emulator.set_faults(
        script=[
            {"match": "GET /api/v2/task/{taskId}", "action": "status", "status": 503, "count": 2},
            {"match": "GET /api/v2/task/{taskId}", "action": "status", "status": 429, "retry_after": 3},
            {"match": f"GET {path}", "action": "html", "status": 504, "message": "unused"},
            {"match": "GET /api/v2/task/{taskId}", "action": "empty"},
        ]
    )
    assert [entry["count"] for entry in profile["script"]] == [2, 1, 1, 1]
    assert api.get(VERSION).status_code == 200
    assert [api.get(path).status_code for _ in range(2)] == [503, 503]
    limited = api.get(path)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
    html = api.get(path)
    assert html.status_code == 504 and "nginx" in html.text
    empty = api.get(path)
    assert (empty.status_code, empty.content) == (200, b"")
    assert api.get(path).json()["id"] == task["id"]
    faults = emulator.stats()["faults"]
    assert (faults["error"], faults["rate_limit"], faults["html"], faults["empty"]) == (2, 1, 1, 1)
    assert emulator.set_faults()["script"] == []


def test_script_takes_precedence_over_random_faults(anon: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(error_rate=1.0, script=[{"match": "*", "action": "delay", "seconds": 0.1}])
    assert anon.get(VERSION).status_code == 200
    assert anon.get(VERSION).status_code >= 500
    assert emulator.stats()["faults"]["delay"] == 1


def test_scripted_delay_drop_and_lost(api: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(
        script=[
            {"match": CREATE_ROUTE, "action": "delay", "seconds": 0.3},
            {"match": CREATE_ROUTE, "action": "drop"},
            {"match": CREATE_ROUTE, "action": "lost"},
        ]
    )
    started = time.monotonic()
    first = api.create_task("delayed")
    assert time.monotonic() - started >= 0.3
    with pytest.raises(BROKEN_REQUESTS):
        api.post("/api/v2/task", json={"activityLabel": "dropped"})
    with httpx.Client() as client, pytest.raises(BROKEN_HTTPX):
        client.post(
            emulator.url + "/api/v2/task", json={"activityLabel": "lost"}, headers={"token": api.token or ""}
        )
    labels = sorted(t["activityLabel"] for t in api.get("/api/v2/task").json()["content"])
    assert labels == ["delayed", "lost"] and first["activityLabel"] == "delayed"


def test_profile_is_merged_and_returned_whole(emulator: EmulatorHandle) -> None:
    emulator.set_faults(error_rate=0.25)
    profile = emulator.set_faults(latency_seconds=0.01)
    assert profile["error_rate"] == 0.25 and profile["latency_seconds"] == 0.01
    assert profile["error_statuses"] == [500, 502, 503, 504] and profile["retry_after_seconds"] == 1
    assert set(profile) == {
        "error_rate",
        "error_statuses",
        "error_body",
        "rate_limit_rate",
        "retry_after_seconds",
        "latency_seconds",
        "drop_rate",
        "lost_create_rate",
        "lost_push_rate",
        "token_lifetime_seconds",
        "seed",
        "max_faults_in_a_row",
        "exempt",
        "script",
    }
    emulator.clear_faults()
    cleared = emulator.set_faults()
    assert (
        cleared["error_rate"] == 0
        and cleared["latency_seconds"] == 0
        and cleared["token_lifetime_seconds"] is None
    )


@pytest.mark.parametrize(
    "profile",
    [
        {"error_rate": 2},
        {"nonsense": 1},
        {"script": [{"action": "drop"}]},
        {"script": [{"match": "*", "action": "x"}]},
        {"max_faults_in_a_row": 0},
        {"max_faults_in_a_row": True},
        {"max_faults_in_a_row": 1.5},
        {"max_faults_in_a_row": "2"},
        {"lost_push_rate": 1.5},
        {"script": [{"match": "*", "skip": -1}]},
        {"script": [{"match": "*", "skip": True}]},
        {"script": [{"match": "*", "action": "stall"}]},
    ],
)
def test_invalid_profiles_are_refused(emulator: EmulatorHandle, profile: dict[str, object]) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        emulator.set_faults(**profile)
    assert caught.value.code == 400
    with pytest.raises(ValueError, match=next(iter(profile))):
        config_from_args(build_parser().parse_args(["--faults", json.dumps(profile)]))


def test_max_faults_in_a_row_is_set_and_unset(emulator: EmulatorHandle) -> None:
    assert emulator.set_faults(max_faults_in_a_row=3)["max_faults_in_a_row"] == 3
    assert emulator.set_faults(max_faults_in_a_row=None)["max_faults_in_a_row"] is None


def test_reset_restores_the_start_up_faults() -> None:
    with serve_in_thread(error_rate=1.0, error_statuses=[503]) as emulator:
        emulator.clear_faults()
        assert requests.get(emulator.url + VERSION, timeout=5).status_code == 200
        emulator.reset()
        assert requests.get(emulator.url + VERSION, timeout=5).status_code == 503


async def test_drop_in_process_raises_a_connection_error() -> None:
    """Without a socket to abort (``httpx.ASGITransport``) a drop still surfaces as a connection error."""
    from botcity_maestro_emulator import EmulatorConfig, create_app

    app = create_app(EmulatorConfig(faults={"lost_create_rate": 1.0}))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://maestro") as client:
            body = {"login": "demo", "key": "demo-key"}
            token = (await client.post("/api/v2/workspace/login", json=body)).json()["accessToken"]
            with pytest.raises(ConnectionResetError):
                await client.post("/api/v2/task", json={"activityLabel": "demo"}, headers={"token": token})
        assert len(app.emulator.store.tasks) == 1
    finally:
        app.emulator.close()


def _stored(api: Api) -> int:
    count: int = api.get("/api/v2/datapool/orders/view").json()["totalElements"]
    return count


@pytest.fixture
def pool(api: Api) -> Api:
    """A logged-in client and an empty datapool ``orders``."""
    assert api.post("/api/v2/datapool", json={"label": "orders"}).ok
    return api


def test_lost_push_stores_the_entry_but_the_client_gets_no_response(
    pool: Api, emulator: EmulatorHandle
) -> None:
    emulator.set_faults(lost_push_rate=1.0)
    assert pool.create_task()["activityLabel"] == "demo"  # a lost push is no lost create
    with pytest.raises(BROKEN_REQUESTS):
        pool.post(PUSH, json={"values": {"order": "A-1"}})
    emulator.clear_faults()
    (entry,) = pool.get("/api/v2/datapool/orders/view").json()["content"]
    assert entry["values"] == {"order": "A-1"} and entry["state"] == "PENDING"
    faults = emulator.stats()["faults"]
    assert (faults["lost_push"], faults["lost_create"]) == (1, 0)


def test_the_lost_push_rate_is_a_flag_and_cleared_with_the_others(emulator: EmulatorHandle) -> None:
    config = config_from_args(build_parser().parse_args(["--lost-push-rate", "0.25"]))
    assert config.faults["lost_push_rate"] == 0.25
    emulator.set_faults(lost_push_rate=0.5)
    emulator.clear_faults()
    assert emulator.set_faults()["lost_push_rate"] == 0


def test_skip_lets_that_many_matching_requests_through_first(pool: Api, emulator: EmulatorHandle) -> None:
    profile = emulator.set_faults(script=[{"match": PUSH_ROUTE, "action": "lost", "skip": 50}])
    assert profile["script"] == [{**profile["script"][0], "skip": 50, "count": 1}]
    session = requests.Session()
    session.headers.update({"token": pool.token or ""})
    for n in range(50):
        assert session.post(pool.emulator.url + PUSH, json={"values": {"n": n}}, timeout=10).ok
        assert pool.get(VERSION).ok  # other routes do not use up the skips
    with pytest.raises(BROKEN_REQUESTS):
        session.post(pool.emulator.url + PUSH, json={"values": {"n": 50}}, timeout=10)
    assert pool.post(PUSH, json={"values": {"n": 51}}).ok
    assert _stored(pool) == 52  # the lost push was processed: only its answer went missing
    assert emulator.stats()["faults"]["lost_push"] == 1 and emulator.set_faults()["script"] == []


def test_a_skipping_entry_leaves_the_request_to_the_entries_after_it(
    anon: Api, emulator: EmulatorHandle
) -> None:
    emulator.set_faults(
        script=[
            {"match": "*", "action": "status", "status": 503, "skip": 1},
            {"match": VERSION_ROUTE, "action": "status", "status": 502},
        ]
    )
    assert [anon.get(VERSION).status_code for _ in range(3)] == [502, 503, 200]


def test_a_stalled_push_is_held_then_cut_and_never_stored(pool: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(script=[{"match": PUSH_ROUTE, "action": "stall", "seconds": 0.3}])
    started = time.monotonic()
    with pytest.raises(BROKEN_REQUESTS):
        pool.post(PUSH, json={"values": {"order": "A-1"}})
    assert time.monotonic() - started >= 0.3
    assert _stored(pool) == 0
    assert emulator.stats()["faults"]["stall"] == 1


def test_a_push_given_up_during_a_stall_never_lands(pool: Api, emulator: EmulatorHandle) -> None:
    emulator.set_faults(script=[{"match": PUSH_ROUTE, "action": "stall", "seconds": 120}])
    with pytest.raises(requests.exceptions.ReadTimeout):
        pool.post(PUSH, json={"values": {"order": "A-1"}}, timeout=0.3)
    assert _stored(pool) == 0  # other requests are served meanwhile
    assert pool.post(PUSH, json={"values": {"order": "A-2"}}).ok
    assert [e["values"] for e in pool.get("/api/v2/datapool/orders/view").json()["content"]] == [
        {"order": "A-2"}
    ]


async def test_a_stall_ends_as_soon_as_the_client_disconnects() -> None:
    """An hour's stall returns at the disconnect (the suite's timeout would catch a wait), writing nothing."""
    from botcity_maestro_emulator import EmulatorConfig, create_app

    script = [{"match": PUSH_ROUTE, "action": "stall", "seconds": 3600}]
    app = create_app(EmulatorConfig(faults={"script": script}))
    body = b'{"values": {"order": "A-1"}}'
    incoming = [{"type": "http.request", "body": body, "more_body": False}, {"type": "http.disconnect"}]
    sent: list[object] = []

    async def receive() -> dict[str, object]:
        return incoming.pop(0)

    async def send(message: object) -> None:
        sent.append(message)

    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "method": "POST", "path": PUSH, "headers": headers, "query_string": b""}
    try:
        await app(scope, receive, send)
        assert sent == [] and incoming == []
        assert app.emulator.store.objects["entry"] == {} and app.emulator.stats.faults["stall"] == 1
    finally:
        app.emulator.close()
