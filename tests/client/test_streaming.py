"""Artifacts stream from and to disk: a 200 MB file costs neither 200 MB of memory nor a partial file.

Memory is measured in a fresh subprocess. ``ru_maxrss`` is the process's peak resident size since it
started (a high-water mark, in KiB on Linux): in the test process it could already be higher than
anything the upload needs (earlier tests, the emulator thread), so growth would read as zero whatever
the client did. A child that only warms up, then uploads and downloads, makes the difference of two
readings the peak extra memory of the transfer itself. The emulator stays in the test process, so its
buffers are not counted against the client.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import MaestroClient, MaestroConnectionLostError, TokenCache

from ._support import RETRY, STAY_QUEUED, Twin, open_client, requests_to

MIB = 1 << 20
BIG_BYTES = 200 * MIB
MAX_GROWTH_KIB = 64 * 1024

CHILD = r"""
import asyncio, json, os, resource, sys
from botcity_provider.client import AsyncMaestroClient, MaestroClient, TokenCache

kind, url, login, task_id, big, small, copy = sys.argv[1:]
key = os.environ["MAESTRO_TEST_KEY"]

def peak_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def run_sync():
    with MaestroClient(url, login, key, token_cache=TokenCache()) as client:
        warm = client.artifacts.upload(task_id, small)  # imports, pool and login, before measuring
        client.artifacts.download(warm.id, copy)
        before = peak_kib()
        artifact = client.artifacts.upload(task_id, big)
        uploaded = peak_kib()
        client.artifacts.download(artifact.id, copy)
        return before, uploaded, peak_kib()

async def run_async():
    async with AsyncMaestroClient(url, login, key, token_cache=TokenCache()) as client:
        warm = await client.artifacts.upload(task_id, small)
        await client.artifacts.download(warm.id, copy)
        before = peak_kib()
        artifact = await client.artifacts.upload(task_id, big)
        uploaded = peak_kib()
        await client.artifacts.download(artifact.id, copy)
        return before, uploaded, peak_kib()

before, uploaded, downloaded = run_sync() if kind == "sync" else asyncio.run(run_async())
print(json.dumps({"upload_growth_kib": uploaded - before, "download_growth_kib": downloaded - before}))
"""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """200 MiB written 1 MiB at a time: random-looking blocks, each made unique by its index, and holes
    (sparse on disk, zeros when read) every tenth MiB. Returns the path and its SHA-256."""
    path = tmp_path_factory.mktemp("big") / "big.bin"
    block = os.urandom(MIB)
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for index in range(BIG_BYTES // MIB):
            if index % 10 == 5:
                out.seek(MIB, os.SEEK_CUR)
                digest.update(bytes(MIB))
                continue
            chunk = index.to_bytes(8, "big") + block[8:]
            out.write(chunk)
            digest.update(chunk)
        out.truncate(BIG_BYTES)
    yield path, digest.hexdigest()
    path.unlink()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_200_mb_artifact_round_trips_in_constant_memory(
    kind: str,
    big_file: tuple[Path, str],
    emulator_state: EmulatorHandle,
    client: MaestroClient,
    tmp_path: Path,
) -> None:
    path, expected = big_file
    task = client.tasks.create("reports", parameters=STAY_QUEUED)
    small = tmp_path / "small.bin"
    small.write_bytes(b"warm-up" * 100)
    copy = tmp_path / "copy.bin"
    argv = [kind, emulator_state.url, emulator_state.login, str(task.id), str(path), str(small), str(copy)]
    env = {**os.environ, "MAESTRO_TEST_KEY": emulator_state.key}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    growth = json.loads(done.stdout)
    assert copy.stat().st_size == BIG_BYTES
    assert sha256_of(copy) == expected
    assert emulator_state.stats()["bytes_uploaded"] == BIG_BYTES + small.stat().st_size
    assert growth["upload_growth_kib"] < MAX_GROWTH_KIB, growth
    assert growth["download_growth_kib"] < MAX_GROWTH_KIB, growth


# --- a download appears whole or not at all ----------------------------------------------------------


async def test_a_dropped_download_leaves_no_file(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    source = tmp_path / "source.txt"
    source.write_bytes(b"payload" * 1000)
    task = await maestro.tasks.create("reports", parameters=STAY_QUEUED)
    artifact = await maestro.artifacts.upload(task.id, source)
    target_dir = tmp_path / "downloads"
    target_dir.mkdir()
    route = "GET /api/v2/artifact/{artifactId}/file"
    emulator_state.set_faults(script=[{"match": route, "action": "drop", "count": 100}])
    with pytest.raises(MaestroConnectionLostError):
        await maestro.artifacts.download(artifact.id, target_dir / "copy.txt")
    assert list(target_dir.iterdir()) == []
    assert requests_to(emulator_state, route) == RETRY.max_attempts


class HalfServer:
    """A loopback HTTP server that promises 8 MiB and closes the connection after 1 MiB."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.served = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += conn.recv(65536) or b"\r\n\r\n"
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {8 * MIB}\r\n\r\n".encode()
                conn.sendall(head + b"x" * MIB)
                self.served += 1
                conn.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_download_cut_short_keeps_the_old_file_and_leaves_no_partial_one(
    kind: str, tmp_path: Path
) -> None:
    server = HalfServer()
    cache = TokenCache()
    # No login route on this server: the token is issued beforehand.
    cache.slot(server.url, "demo", SecretStr("demo-key")).store(SecretStr("tok-preissued"))
    target = tmp_path / "report.csv"
    target.write_bytes(b"yesterday's report")
    try:
        async with open_client(
            kind, server.url, "demo", "demo-key", retry=RETRY, token_cache=cache
        ) as maestro:
            with pytest.raises(MaestroConnectionLostError):
                await maestro.artifacts.download(1, target)
    finally:
        server.close()
    assert server.served == RETRY.max_attempts
    assert target.read_bytes() == b"yesterday's report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]  # noqa: ASYNC240 - a test's own folder
