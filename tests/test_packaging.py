"""The distribution is registered with Airflow, ships its type information, and builds as make dist does."""

from __future__ import annotations

import email
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from email.message import Message
from importlib import metadata
from pathlib import Path

import pytest

import botcity_maestro_emulator
import botcity_provider
from botcity_provider.get_provider_info import DOCUMENTATION_URL, get_provider_info

ROOT = Path(__file__).resolve().parent.parent


def test_entry_point_points_at_provider_info() -> None:
    eps = metadata.entry_points(group="apache_airflow_provider")
    ours = [ep for ep in eps if ep.dist is not None and ep.dist.name == "airflow-provider-botcity"]
    assert [ep.value for ep in ours] == ["botcity_provider.get_provider_info:get_provider_info"]


def test_py_typed_is_shipped() -> None:
    files = metadata.files("airflow-provider-botcity") or []
    names = {f.name for f in files}
    # An editable install lists the .pth only; the wheel build lists py.typed. Either way the marker exists.
    assert botcity_provider.__file__ is not None
    assert (Path(botcity_provider.__file__).parent / "py.typed").is_file() or "py.typed" in names


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path
    sdist_names: list[str]
    wheel_names: list[str]
    metadata: Message


def _hatchling(target: str, source: Path, out: Path) -> Path:
    """Build one artefact of ``source`` with the locked hatchling, as ``make dist`` does without isolation."""
    script = f"import sys, hatchling.build as b; print(b.build_{target}(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", script, str(out)], cwd=source, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.strip().splitlines()[-1]


def _build(source: Path, out: Path) -> Built:
    """The sdist of ``source``, and the wheel built from that sdist (what a user of the sdist gets)."""
    sdist = _hatchling("sdist", source, out)
    with tarfile.open(sdist) as archive:
        sdist_names = archive.getnames()
        archive.extractall(out / "unpacked", filter="data")
    (top,) = (out / "unpacked").iterdir()
    wheel = _hatchling("wheel", top, out)
    with zipfile.ZipFile(wheel) as archive:
        wheel_names = archive.namelist()
        (meta,) = [n for n in wheel_names if n.endswith(".dist-info/METADATA")]
        message = email.message_from_bytes(archive.read(meta))
    return Built(sdist, wheel, sdist_names, wheel_names, message)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The provider's sdist and wheel."""
    return _build(ROOT, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def built_emulator(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The emulator's sdist and wheel (emulator/, a workspace member of its own)."""
    return _build(ROOT / "emulator", tmp_path_factory.mktemp("dist-emulator"))


def test_wheel_package_and_provider_info_give_one_version(built: Built) -> None:
    assert built.metadata["Version"] == botcity_provider.__version__
    assert get_provider_info()["versions"][0] == botcity_provider.__version__
    assert built.wheel.name.startswith(f"airflow_provider_botcity-{botcity_provider.__version__}-")


def test_license_is_in_the_sdist_and_the_wheel(built: Built) -> None:
    license_text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in license_text
    assert "Version 2.0, January 2004" in license_text
    top = built.sdist_names[0].split("/")[0]
    assert f"{top}/LICENSE" in built.sdist_names
    with zipfile.ZipFile(built.wheel) as archive:
        (shipped,) = [n for n in built.wheel_names if n.endswith(".dist-info/licenses/LICENSE")]
        assert archive.read(shipped).decode() == license_text
    assert built.metadata["License-Expression"] == "Apache-2.0"
    assert built.metadata.get_all("License-File") == ["LICENSE"]


def test_the_tests_are_not_shipped(built: Built) -> None:
    assert not [n for n in built.sdist_names if "/tests/" in n or n.endswith("/tests")]
    assert {n.split("/")[0] for n in built.wheel_names} == {
        "botcity_provider",
        f"airflow_provider_botcity-{botcity_provider.__version__}.dist-info",
    }


def test_the_documentation_address_is_in_the_metadata(built: Built) -> None:
    # Airflow 3.3 shows this entry as the provider's documentation-url, older versions the provider info's.
    assert f"Documentation, {DOCUMENTATION_URL}" in (built.metadata.get_all("Project-URL") or [])


def test_twine_check_passes(built: Built) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(built.sdist), str(built.wheel)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_the_changelog_has_a_section_for_this_version(built: Built) -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog
    assert f"## [{botcity_provider.__version__}]" in changelog
    assert f"{built.sdist_names[0].split('/')[0]}/CHANGELOG.md" in built.sdist_names


def test_the_emulator_is_not_in_the_provider(built: Built) -> None:
    assert not [n for n in built.wheel_names + built.sdist_names if "emulator" in n.split("/", 1)[-1]]
    requires = [r for r in built.metadata.get_all("Requires-Dist") or [] if "extra ==" in r]
    assert [r.split(";")[0].strip() for r in requires] == ["botcity-maestro-emulator<3,>=2.0"]
    provider_eps = metadata.distribution("airflow-provider-botcity").entry_points
    assert not [ep for ep in provider_eps if ep.group == "console_scripts"]


def test_the_emulator_has_its_own_wheel(built_emulator: Built) -> None:
    version = botcity_maestro_emulator.__version__
    assert built_emulator.metadata["Name"] == "botcity-maestro-emulator"
    assert built_emulator.metadata["Version"] == version
    assert built_emulator.wheel.name.startswith(f"botcity_maestro_emulator-{version}-")
    names = set(built_emulator.wheel_names)
    assert {n.split("/")[0] for n in names} == {
        "botcity_maestro_emulator",
        f"botcity_maestro_emulator-{version}.dist-info",
    }
    for module in ("__main__.py", "cli.py", "testing.py", "pytest_plugin.py", "py.typed", "routes/admin.py"):
        assert f"botcity_maestro_emulator/{module}" in names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    with zipfile.ZipFile(built_emulator.wheel) as archive:
        text = archive.read(entry_points).decode()
    assert "maestro-emulator = botcity_maestro_emulator.__main__:main" in text
    assert "botcity_maestro_emulator = botcity_maestro_emulator.pytest_plugin" in text
    assert not [n for n in built_emulator.sdist_names if "/tests/" in n or n.endswith("/tests")]
