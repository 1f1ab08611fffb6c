"""A 50 MB artifact goes up and comes back byte for byte while the server's memory stays flat."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import requests
from requests_toolbelt import MultipartEncoder

from botcity_maestro_emulator.testing import serve_in_subprocess

from .helpers import Api

SIZE = 50 * 1024 * 1024
RSS_GROWTH_LIMIT_KB = 30 * 1024


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def _upload(api: Api, artifact_id: int, path: Path) -> requests.Response:
    with path.open("rb") as handle:
        encoder = MultipartEncoder(fields={"file": (path.name, handle)})
        headers = {"Content-Type": encoder.content_type}
        return api.post(f"/api/v2/artifact/log/{artifact_id}", data=encoder, headers=headers, timeout=60)


def test_50_mb_round_trip_in_constant_memory(tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with source.open("wb") as handle:
        for _ in range(SIZE // (1024 * 1024)):
            block = os.urandom(1024 * 1024)
            digest.update(block)
            handle.write(block)
    small = tmp_path / "small.bin"
    small.write_bytes(b"warm-up")

    with serve_in_subprocess() as emulator:
        api = Api(emulator)
        api.login()
        task = api.create_task()
        warm = api.post("/api/v2/artifact", json={"taskId": task["id"], "name": "small.bin"}).json()
        assert _upload(api, warm["id"], small).ok
        assert api.get(f"/api/v2/artifact/{warm['id']}/file").content == b"warm-up"
        before = _rss_kb(emulator.pid)

        artifact = api.post("/api/v2/artifact", json={"taskId": task["id"], "name": "big.bin"}).json()
        uploaded = _upload(api, artifact["id"], source)
        assert uploaded.status_code == 200 and uploaded.json()["size"] == SIZE
        after_upload = _rss_kb(emulator.pid)

        received = hashlib.sha256()
        total = 0
        with api.get(f"/api/v2/artifact/{artifact['id']}/file", stream=True, timeout=60) as response:
            assert response.status_code == 200
            assert 'filename="big.bin"' in response.headers["content-disposition"]
            for chunk in response.iter_content(1024 * 1024):
                received.update(chunk)
                total += len(chunk)
        after_download = _rss_kb(emulator.pid)

        assert total == SIZE and received.hexdigest() == digest.hexdigest()
        assert after_upload - before < RSS_GROWTH_LIMIT_KB, (before, after_upload)
        assert after_download - before < RSS_GROWTH_LIMIT_KB, (before, after_download)
        assert emulator.stats()["bytes_uploaded"] == SIZE + len(b"warm-up")
