"""The distribution is registered with Airflow and ships its type information."""

from __future__ import annotations

from importlib import metadata


def test_entry_point_points_at_provider_info() -> None:
    eps = metadata.entry_points(group="apache_airflow_provider")
    ours = [ep for ep in eps if ep.dist is not None and ep.dist.name == "airflow-provider-botcity"]
    assert [ep.value for ep in ours] == ["botcity_provider.get_provider_info:get_provider_info"]


def test_py_typed_is_shipped() -> None:
    files = metadata.files("airflow-provider-botcity") or []
    names = {f.name for f in files}
    # An editable install lists the .pth only; the wheel build lists py.typed. Either way the marker exists.
    import botcity_provider

    assert botcity_provider.__file__ is not None
    from pathlib import Path

    assert (Path(botcity_provider.__file__).parent / "py.typed").is_file() or "py.typed" in names
