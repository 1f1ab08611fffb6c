"""Helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import requests

from botcity_maestro_emulator.testing import EmulatorHandle

QUEUE_SECONDS = 0.2
RUN_SECONDS = 0.3
RUNNER_TOKEN = "emu_runner-token-for-tests"


class Api:
    """A tiny raw HTTP client for contract tests: plain ``requests``, token header added, nothing hidden."""

    def __init__(self, emulator: EmulatorHandle) -> None:
        self.emulator = emulator
        self.token: str | None = None

    def login(self) -> str:
        body = {"login": self.emulator.login, "key": self.emulator.key}
        response = requests.post(f"{self.emulator.url}/api/v2/workspace/login", json=body, timeout=10)
        assert response.status_code == 200, response.text
        self.token = response.json()["accessToken"]
        return self.token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.token is not None:
            headers.setdefault("token", self.token)
            headers.setdefault("organization", self.emulator.login)
        kwargs.setdefault("timeout", 10)
        return requests.request(method, f"{self.emulator.url}{path}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def create_task(self, label: str = "demo", **fields: Any) -> dict[str, Any]:
        response = self.post("/api/v2/task", json={"activityLabel": label, **fields})
        assert response.status_code == 200, response.text
        task: dict[str, Any] = response.json()
        return task

    def task(self, task_id: int) -> dict[str, Any]:
        response = self.get(f"/api/v2/task/{task_id}")
        assert response.status_code == 200, response.text
        task: dict[str, Any] = response.json()
        return task

    def update(self, task_id: int, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post(f"/api/v2/task/{task_id}", json=body)
        assert response.status_code == 200, response.text
        task: dict[str, Any] = response.json()
        return task


def wait_for(fetch: Any, predicate: Any, timeout_seconds: float = 5.0, interval_seconds: float = 0.05) -> Any:
    """Poll ``fetch()`` until ``predicate(value)`` holds; fail the test after ``timeout_seconds``."""
    import time

    deadline = time.monotonic() + timeout_seconds
    while True:
        value = fetch()
        if predicate(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_seconds} s; last value: {value!r}")
        time.sleep(interval_seconds)
