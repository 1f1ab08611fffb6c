"""``botcity_provider.client.__all__`` is the public surface: complete, and every name in it exists."""

from __future__ import annotations

import importlib

from botcity_provider import client

MODULES = [
    "_async",
    "_config",
    "_core",
    "_errors",
    "_flows",
    "_models",
    "_resources",
    "_retry",
    "_sync",
    "_token",
    "_validate",
]

# Names in a private module's __all__ that are deliberately not part of the public API.
INTERNAL = {
    "_core": {
        "Call",
        "Flow",
        "NeedToken",
        "RawResponse",
        "RequestSpec",
        "Upload",
        "build_request",
        "exchange",
        "interpret",
        "login_call",
        "path",
    },
    "_flows": {"CallFlow", "Pause", "create_task", "find_task", "upload_artifact"},
    "_models": {"LoginResult"},
    "_resources": {
        "Alerts",
        "Artifacts",
        "AsyncAlerts",
        "AsyncArtifacts",
        "AsyncDatapools",
        "AsyncErrors",
        "AsyncTasks",
        "Datapools",
        "Errors",
        "Tasks",
    },
    "_retry": {"RETRYABLE_STATUSES", "is_retryable"},
    "_token": {"TokenSlot"},
    "_validate": {
        "activity_label",
        "artifact_id",
        "destination",
        "json_parameters",
        "min_execution_date",
        "priority",
        "readable_file",
        "task_id",
    },
}


def test_everything_in_all_exists() -> None:
    missing = [name for name in client.__all__ if not hasattr(client, name)]
    assert missing == []
    assert len(set(client.__all__)) == len(client.__all__)


def test_all_is_complete() -> None:
    for name in MODULES:
        module = importlib.import_module(f"botcity_provider.client.{name}")
        declared = set(getattr(module, "__all__", ()))
        assert declared, f"{name} has no __all__"
        should_export = declared - INTERNAL.get(name, set())
        assert should_export <= set(client.__all__), f"{name}: {sorted(should_export - set(client.__all__))}"
        assert INTERNAL.get(name, set()) <= declared, f"{name}: stale entries in INTERNAL"


def test_exported_objects_are_the_ones_defined_in_the_modules() -> None:
    for name in MODULES:
        module = importlib.import_module(f"botcity_provider.client.{name}")
        for exported in set(getattr(module, "__all__", ())) & set(client.__all__):
            assert getattr(client, exported) is getattr(module, exported), exported


def test_public_classes_say_where_they_are_documented() -> None:
    for name in client.__all__:
        value = getattr(client, name)
        if isinstance(value, type):
            assert value.__module__.startswith("botcity_provider.client"), name
            assert value.__doc__, f"{name} has no docstring"
