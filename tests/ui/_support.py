"""What the browser test's fixtures and tests share: paths, the browser, the launcher and Airflow's API."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import requests

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
ENABLED = os.environ.get("BOTCITY_UI_TESTS") == "1"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "docs" / "img"
VIEWPORT = {"width": 1280, "height": 800}
# Settings for the test's Airflow on top of make airflow's: the grid refreshes every second so the short
# deferrals of the emulated bots are visible in the page.
TEST_SETTINGS = {"AIRFLOW__API__AUTO_REFRESH_INTERVAL": "1"}


def ensure_chromium() -> str:
    """Debian's chromium, installed with apt-get when missing (CI runs on a clean machine, as root)."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if sudo and shutil.which("sudo") is None:
        raise RuntimeError(f"{CHROMIUM} is missing and this user cannot install it: apt-get install chromium")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    for command in (
        ["apt-get", *lock, "update", "-qq"],
        ["apt-get", *lock, "install", "-y", "-qq", "chromium"],
    ):
        print(f"[ui] {' '.join(command)}", file=sys.stderr, flush=True)
        done = subprocess.run([*sudo, *command], env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"apt-get installed chromium but {CHROMIUM} is still missing")
    return CHROMIUM


def load_launcher() -> ModuleType:
    return load_script("airflow_local")


class AirflowApi:
    """Airflow's REST API with a token of the admin user, to check what the page shows."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url = url
        answer = requests.post(
            f"{url}/auth/token", json={"username": username, "password": password}, timeout=30
        )
        answer.raise_for_status()
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    def get(self, path: str, **params: Any) -> Any:
        answer = self.session.get(f"{self.url}{path}", params=params, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        answer = self.session.post(f"{self.url}{path}", json=body, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def delete(self, path: str) -> None:
        self.session.delete(f"{self.url}{path}", timeout=30).raise_for_status()
