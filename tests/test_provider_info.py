"""The provider registers with Airflow: a mistake in its metadata would break every `import airflow`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import botcity_provider
from botcity_provider.get_provider_info import CONNECTION_FIELDS, DOCUMENTATION_URL, get_provider_info

ROOT = Path(__file__).resolve().parent.parent


def _form_is_readable() -> bool:
    """Airflow 3.2+ reads the form from provider info; before, only with wtforms (the Flask UI) installed."""
    schema = json.loads(resources.files("airflow").joinpath("provider.yaml.schema.json").read_text())
    declarative = "conn-fields" in schema["properties"]["connection-types"]["items"]["properties"]
    try:
        import wtforms  # noqa: F401
    except ImportError:
        return declarative
    return True


def test_provider_info_matches_airflows_schema() -> None:
    schema = json.loads(resources.files("airflow").joinpath("provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_provider_info_gives_the_package_version_and_the_documentation_url() -> None:
    info = get_provider_info()
    assert info["versions"] == [botcity_provider.__version__]
    assert info["documentation-url"] == DOCUMENTATION_URL
    # Airflow 3.3 reads the address from the distribution's metadata instead: both must say the same.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["urls"]["Documentation"] == DOCUMENTATION_URL


def test_the_version_is_written_only_in_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project
    assert project["dynamic"] == ["version"]
    source = (ROOT / "src" / "botcity_provider" / "get_provider_info.py").read_text()
    assert f'"{botcity_provider.__version__}"' not in source


def test_reading_provider_info_loads_nothing_of_the_package_or_airflow() -> None:
    # Airflow calls this while it loads its configuration: anything heavy here runs on every import.
    script = (
        "import json, sys; before = set(sys.modules)\n"
        "import botcity_provider.get_provider_info as m; m.get_provider_info()\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout)
    ours = {name for name in loaded if name.split(".")[0] == "botcity_provider"}
    assert ours == {"botcity_provider", "botcity_provider.get_provider_info"}
    heavy = {"airflow", "pydantic", "httpx", "requests"}
    assert not {name.split(".")[0] for name in loaded} & heavy


def test_connection_fields_match_the_declarative_form_schema() -> None:
    schema = json.loads(resources.files("airflow").joinpath("provider.yaml.schema.json").read_text())
    connection = schema["properties"]["connection-types"]["items"]["properties"]
    if "conn-fields" not in connection:
        pytest.skip("this Airflow predates the declarative connection form (3.2)")
    (conn_type,) = get_provider_info()["connection-types"]
    jsonschema.validate(conn_type["conn-fields"], connection["conn-fields"])
    jsonschema.validate(conn_type["ui-field-behaviour"], connection["ui-field-behaviour"])


def test_every_declared_class_and_module_imports() -> None:
    import importlib

    info = get_provider_info()
    modules = [
        m
        for kind in ("hooks", "operators", "sensors", "triggers")
        for e in info[kind]
        for m in e["python-modules"]
    ]
    classes = [info["connection-types"][0]["hook-class-name"], *info["extra-links"], *info["notifications"]]
    for name in modules:
        importlib.import_module(name)
    for dotted in classes:
        module, _, attr = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), attr), dotted


def test_providers_manager_sees_hook_link_trigger_and_form() -> None:
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    assert "airflow-provider-botcity" in manager.providers
    hook = manager.hooks["botcity"]
    assert hook is not None
    assert hook.hook_class_name == "botcity_provider.hooks.maestro.MaestroHook"
    assert hook.connection_id_attribute_name == "maestro_conn_id"
    assert hook.hook_name == "BotCity Maestro"
    assert "botcity_provider.links.maestro.MaestroTaskLink" in manager.extra_links_class_names
    assert any(t.package_name == "airflow-provider-botcity" for t in manager.trigger)
    if not _form_is_readable():
        return
    widgets = manager.connection_form_widgets
    assert set(f"extra__botcity__{name}" for name in CONNECTION_FIELDS) <= set(widgets)
    behaviour = manager.field_behaviours["botcity"]
    assert behaviour["relabeling"]["password"] == "Workspace key"
    assert "schema" in behaviour["hidden_fields"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["providers", "list"], "airflow-provider-botcity"),
        (["providers", "hooks"], "botcity_provider.hooks.maestro.MaestroHook"),
        (["providers", "links"], "botcity_provider.links.maestro.MaestroTaskLink"),
        (["providers", "triggers"], "botcity_provider.triggers.maestro"),
    ],
)
def test_airflow_cli_lists_the_provider(command: list[str], expected: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "airflow", *command],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert expected in done.stdout


def test_airflow_cli_shows_the_version_and_the_documentation_url() -> None:
    def provider_get(*flags: str) -> dict[str, object]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "airflow",
                "providers",
                "get",
                "airflow-provider-botcity",
                "-o",
                "json",
                *flags,
            ],
            env=os.environ,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        (shown,) = json.loads(done.stdout)
        return shown

    assert provider_get()["Version"] == botcity_provider.__version__
    # Airflow 3.1 and 3.2 take the URL from the wheel's `Project-URL: Documentation, <url>` and split it
    # on the comma without stripping, so the URL keeps the space after the comma (3.3 strips it).
    # Nothing in the provider can avoid it: that is how every wheel writes a project URL.
    keeps_space = __import__("airflow").__version__.startswith(("3.1.", "3.2."))
    shown = provider_get("--full")["documentation-url"]
    assert shown == (" " + DOCUMENTATION_URL if keeps_space else DOCUMENTATION_URL)


def test_hook_classmethods_agree_with_declared_form() -> None:
    from botcity_provider.hooks.maestro import MaestroHook

    behaviour = MaestroHook.get_ui_field_behaviour()
    declared = get_provider_info()["connection-types"][0]["ui-field-behaviour"]
    assert behaviour["relabeling"] == declared["relabeling"]
    assert behaviour["hidden_fields"] == declared["hidden-fields"]


def test_hook_form_widgets_are_built_when_wtforms_exists() -> None:
    pytest.importorskip("wtforms", reason="wtforms comes with Airflow 2.x's Flask UI only")
    from botcity_provider.hooks.maestro import MaestroHook

    widgets = MaestroHook.get_connection_form_widgets()
    assert set(widgets) == set(CONNECTION_FIELDS)
