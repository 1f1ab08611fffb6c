"""One uploader in a process of its own: warm up, then upload the big file once and report memory and time.

``python bench/_upload_child.py KIND URL LOGIN TASK_ID BIG SMALL`` with the key in ``$BENCH_MAESTRO_KEY``.
KIND is ``ours`` (``MaestroClient.artifacts.upload``), ``ours-async`` (``AsyncMaestroClient``), ``sdk``
(``BotMaestroSDK.post_artifact``), ``raw`` (``requests`` + ``requests_toolbelt.MultipartEncoder``) or
``naive`` (``requests`` with ``files=``, which reads the whole file into memory: a control for the meter).

The warm-up upload of a small file pays for imports, the connection and the login first, so the big
upload is measured alone. Peak growth is the high-water mark during the big upload minus the resident
size just before it: ``ru_maxrss`` when the upload set a new high-water mark, otherwise the peak seen by a
sampler thread (every 5 ms) — ``ru_maxrss`` alone would hide growth below an earlier peak of the imports.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.005


def ours(url: str, login: str, key: str, task_id: int) -> Callable[[Path], None]:
    from botcity_provider.client import MaestroClient, TokenCache

    client = MaestroClient(url, login, key, token_cache=TokenCache())

    def upload(path: Path) -> None:
        client.artifacts.upload(task_id, path)

    return upload


def ours_async(url: str, login: str, key: str, task_id: int) -> Callable[[Path], None]:
    from botcity_provider.client import AsyncMaestroClient, TokenCache

    loop = asyncio.new_event_loop()
    client = AsyncMaestroClient(url, login, key, token_cache=TokenCache())

    def upload(path: Path) -> None:
        loop.run_until_complete(client.artifacts.upload(task_id, path))

    return upload


def sdk(url: str, login: str, key: str, task_id: int) -> Callable[[Path], None]:
    from botcity.maestro import BotMaestroSDK

    maestro = BotMaestroSDK(url, login, key)
    maestro.login()

    def upload(path: Path) -> None:
        maestro.post_artifact(task_id, path.name, str(path))

    return upload


class _Plain:
    """A logged-in ``requests`` session that creates artifacts: what the two plain-requests ways share."""

    def __init__(self, url: str, login: str, key: str, task_id: int) -> None:
        import requests

        self.url, self.task_id = url, task_id
        self.session = requests.Session()
        body = {"login": login, "key": key}
        answer = self.session.post(f"{url}/api/v2/workspace/login", json=body, timeout=30)
        self.headers = {"token": answer.json()["accessToken"], "organization": login}

    def file_url(self, path: Path) -> str:
        """Create the artifact of ``path``; return where its file goes."""
        body = {"taskId": self.task_id, "name": path.name, "filename": path.name}
        answer = self.session.post(f"{self.url}/api/v2/artifact", json=body, headers=self.headers, timeout=30)
        return f"{self.url}/api/v2/artifact/log/{answer.json()['id']}"


def raw(url: str, login: str, key: str, task_id: int) -> Callable[[Path], None]:
    from requests_toolbelt import MultipartEncoder

    plain = _Plain(url, login, key, task_id)
    session, headers = plain.session, plain.headers

    def upload(path: Path) -> None:
        target = plain.file_url(path)
        with path.open("rb") as handle:
            data = MultipartEncoder(fields={"file": (path.name, handle)})
            sent = session.post(
                target,
                data=data,
                headers={**headers, "Content-Type": data.content_type},
                timeout=300,
            )
        sent.raise_for_status()

    return upload


def naive(url: str, login: str, key: str, task_id: int) -> Callable[[Path], None]:
    """The control: ``requests``' ``files=`` builds the whole body in memory. It shows the meter works."""
    plain = _Plain(url, login, key, task_id)
    session, headers = plain.session, plain.headers

    def upload(path: Path) -> None:
        target = plain.file_url(path)
        with path.open("rb") as handle:
            sent = session.post(
                target,
                files={"file": (path.name, handle)},
                headers=headers,
                timeout=300,
            )
        sent.raise_for_status()

    return upload


KINDS = {"ours": ours, "ours-async": ours_async, "sdk": sdk, "raw": raw, "naive": naive}


class Sampler:
    """The highest resident size seen while it runs."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    kind, url, login, task_id, big, small = sys.argv[1:]
    upload = KINDS[kind](url, login, os.environ["BENCH_MAESTRO_KEY"], int(task_id))
    upload(Path(small))
    high_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rss_before = psutil.Process().memory_info().rss
    with Sampler() as sampler:
        started = time.perf_counter()
        upload(Path(big))
        seconds = time.perf_counter() - started
    high_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    peak = high_after if high_after > high_before else max(sampler.peak, rss_before)
    print(json.dumps({"seconds": seconds, "growth_bytes": peak - rss_before, "rss_before": rss_before}))


if __name__ == "__main__":
    main()
