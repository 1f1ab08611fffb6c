"""``botcity_provider.client.__all__`` is the public surface: complete, and every name in it exists."""

from __future__ import annotations

import importlib

from botcity_provider import client

MODULES = [
    "_async",
    "_base",
    "_config",
    "_core",
    "_engine",
    "_errors",
    "_flows",
    "_models",
    "_paging",
    "_resources",
    "_retry",
    "_routes",
    "_sync",
    "_token",
]

# Public submodules: exported by name (``client.checks``), their members reached through them, so none
# of their own ``__all__`` is repeated in the package's.
SUBMODULES = ["checks"]

# Names in a private module's __all__ that are deliberately not part of the public API.
INTERNAL = {
    "_base": {"BaseClient"},
    "_core": {
        "LOGIN_PATH",
        "Call",
        "RawResponse",
        "RequestSpec",
        "Upload",
        "build_request",
        "interpret",
        "login_call",
        "with_prefix",
    },
    "_engine": {"Again", "NeedToken", "Operation", "Pause", "Sleep", "Step", "Steps", "run"},
    "_flows": {"StopAction", "create_task", "find_task", "stop_task", "upload_artifact"},
    # Request bodies are built by the namespaces from their arguments, never by a caller.
    "_models": {
        "ScheduleBody",
        "IdText",
        "LoginResult",
        "Moment",
        "OpenEnum",
        "Response",
        "UnverifiedResponse",
        "utc_if_naive",
    },
    "_paging": {"MAX_PAGES", "async_kept", "async_pages", "kept", "next_page", "pages"},
    # The namespace classes are reached as attributes of a client, never built by hand.
    "_resources": set(importlib.import_module("botcity_provider.client._resources").__all__),
    "_routes": {"ROUTES", "Route", "route"},
    "_retry": {"RETRYABLE_STATUSES", "decide", "is_retryable"},
    "_token": {"TokenSlot"},
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


def test_a_public_submodule_is_exported_as_itself_and_its_members_are_not_repeated() -> None:
    for name in SUBMODULES:
        module = importlib.import_module(f"botcity_provider.client.{name}")
        assert name in client.__all__
        assert getattr(client, name) is module
        declared = set(getattr(module, "__all__", ()))
        assert declared, f"{name} has no __all__"
        assert not declared & set(client.__all__), f"{name}: members repeated in client.__all__"
        assert all(hasattr(module, member) for member in declared), f"{name}: __all__ names a missing member"


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
