"""Responsiveness under load: 1000 concurrent pollers and 200 concurrent clients on one server.

The load is generated with a minimal keep-alive HTTP/1.1 client on asyncio streams: httpx's connection pool
becomes the bottleneck long before the server does at a thousand connections, and this test measures the
server.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from botcity_maestro_emulator.testing import serve_in_subprocess

from .helpers import Api

POLLERS = 1000
CLIENTS = 200
POLLS = 3


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for these requests."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, token: str) -> None:
        self.reader, self.writer, self.token = reader, writer, token

    @classmethod
    async def open(cls, url: str, token: str) -> Connection:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer, token)

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: emulator\r\ntoken: {self.token}\r\n"
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        self.writer.write(head.encode() + data)
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        return status, json.loads(payload) if payload else None

    def close(self) -> None:
        self.writer.close()


async def _poller(url: str, token: str, task_id: int) -> list[int]:
    connection = await Connection.open(url, token)
    statuses = []
    try:
        for _ in range(POLLS):
            statuses.append((await connection.request("GET", f"/api/v2/task/{task_id}"))[0])
            await asyncio.sleep(0.2)
    finally:
        connection.close()
    return statuses


async def _client(url: str, token: str, index: int) -> int:
    connection = await Connection.open(url, token)
    try:
        status, task = await connection.request(
            "POST", "/api/v2/task", {"activityLabel": f"load-{index % 7}"}
        )
        assert status == 200
        return (await connection.request("GET", f"/api/v2/task/{task['id']}"))[0]
    finally:
        connection.close()


async def _probe(url: str, token: str) -> int:
    await asyncio.sleep(0.3)
    connection = await Connection.open(url, token)
    status, _ = await connection.request("GET", "/api/v2/task?size=5")
    connection.close()
    return status


async def test_thousand_pollers_and_two_hundred_clients() -> None:
    with serve_in_subprocess(queue_seconds=0.3, run_seconds=0.5) as emulator:
        api = Api(emulator)
        token = api.login()
        task_id = api.create_task("polled")["id"]
        # A listing made in the middle of the load is answered too; how fast is for bench/, not a test.
        polls, creates, probe_status = await asyncio.gather(
            asyncio.gather(*(_poller(emulator.url, token, task_id) for _ in range(POLLERS))),
            asyncio.gather(*(_client(emulator.url, token, index) for index in range(CLIENTS))),
            _probe(emulator.url, token),
        )
        stats = emulator.stats()
    assert all(statuses == [200] * POLLS for statuses in polls)
    assert creates == [200] * CLIENTS
    assert probe_status == 200
    assert stats["requests"]["GET /api/v2/task/{taskId}"] == POLLERS * POLLS + CLIENTS
    assert stats["tasks_created"] == CLIENTS + 1
