"""The asyncio client is the blocking client's twin: same namespaces, same method names and signatures."""

from __future__ import annotations

import inspect

import pytest

from botcity_provider.client import AsyncMaestroClient, MaestroClient
from botcity_provider.client import _resources as resources

NAMESPACES = list(resources.NAMESPACES)
PAIRS = list(resources.NAMESPACES.values())
# Methods that return an iterator at once (a lazy listing), on both clients: not coroutines.
ITERATORS = {"iter", "iter_entries"}


def public_methods(cls: type) -> dict[str, object]:
    return {
        name: member for name, member in vars(cls).items() if callable(member) and not name.startswith("_")
    }


def test_every_resource_class_has_a_twin() -> None:
    names = {name for name in resources.__all__}
    assert names == {cls.__name__ for pair in PAIRS for cls in pair}


@pytest.mark.parametrize(("sync", "twin"), PAIRS, ids=[pair[0].__name__ for pair in PAIRS])
def test_twins_have_the_same_methods_and_signatures(sync: type, twin: type) -> None:
    assert twin.__name__ == "Async" + sync.__name__
    blocking, asyncio = public_methods(sync), public_methods(twin)
    assert blocking, f"{sync.__name__} has no public method"
    assert set(blocking) == set(asyncio)
    for name, method in blocking.items():
        other = asyncio[name]
        assert not inspect.iscoroutinefunction(method), f"{sync.__name__}.{name} is async"
        mine, theirs = inspect.signature(method), inspect.signature(other)
        assert list(mine.parameters.values()) == list(theirs.parameters.values()), name
        if name in ITERATORS:
            assert not inspect.iscoroutinefunction(other), f"{twin.__name__}.{name} must return at once"
            assert str(theirs.return_annotation) == "Async" + str(mine.return_annotation), name
        else:
            assert inspect.iscoroutinefunction(other), f"{twin.__name__}.{name} is not async"
            assert mine.return_annotation == theirs.return_annotation, name
        assert (method.__doc__ or "") == (other.__doc__ or ""), name


def test_both_clients_expose_the_same_namespaces() -> None:
    blocking = MaestroClient("https://maestro.example", "acme", "k3y")
    asyncio = AsyncMaestroClient("https://maestro.example", "acme", "k3y")
    for name in NAMESPACES:
        sync_ns, async_ns = getattr(blocking, name), getattr(asyncio, name)
        assert (type(sync_ns), type(async_ns)) in PAIRS
    exposed = {name for name, value in vars(blocking).items() if type(value) in {p[0] for p in PAIRS}}
    exposed_async = {name for name, value in vars(asyncio).items() if type(value) in {p[1] for p in PAIRS}}
    assert exposed == exposed_async == set(NAMESPACES)
    blocking.close()


def test_the_clients_are_built_the_same_way() -> None:
    assert inspect.signature(MaestroClient) == inspect.signature(AsyncMaestroClient)
    assert hasattr(MaestroClient, "close") and inspect.iscoroutinefunction(AsyncMaestroClient.aclose)
    assert hasattr(MaestroClient, "__enter__") and hasattr(AsyncMaestroClient, "__aenter__")
