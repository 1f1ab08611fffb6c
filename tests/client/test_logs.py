"""``client.logs`` against the emulator, over loopback HTTP, with each client in turn."""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import NotFoundError
from botcity_provider.client._models.logs import Log, LogColumn

from ._support import Twin, refused

COLUMNS = [
    LogColumn(name="Customer", label="customer", width=200),
    {"name": "Amount", "label": "amount", "width": 100},
]


async def test_create_then_get_the_definition(maestro: Twin) -> None:
    created = await maestro.logs.create("billing", COLUMNS)
    assert isinstance(created, Log)
    assert created.activity_label == "billing"
    assert [(c.name, c.label, c.width) for c in created.columns] == [
        ("Customer", "customer", 200),
        ("Amount", "amount", 100),
    ]
    fetched = await maestro.logs.get("billing")
    assert fetched.labels == ["customer", "amount"]
    assert fetched.id == created.id


async def test_entries_come_back_keyed_by_label_with_every_column(maestro: Twin) -> None:
    await maestro.logs.create("billing", COLUMNS)
    assert await maestro.logs.add("billing", {"customer": "ACME", "amount": 12}) is None
    await maestro.logs.add("billing", {"customer": "Initech"})
    entries = await maestro.logs.entries("billing", days=1)
    assert [entry.columns for entry in entries] == [
        {"customer": "ACME", "amount": 12},
        {"customer": "Initech", "amount": ""},
    ]
    assert all(entry.date_creation is not None and entry.date_creation.tzinfo for entry in entries)


async def test_an_entry_keyed_by_column_name_is_refused_by_the_server(maestro: Twin) -> None:
    await maestro.logs.create("billing", COLUMNS)
    with pytest.raises(Exception) as caught:
        await maestro.logs.add("billing", {"Customer": "ACME"})
    assert getattr(caught.value, "status", None) == 400


async def test_export_streams_csv_into_a_file(maestro: Twin, tmp_path: Path) -> None:
    await maestro.logs.create("billing", COLUMNS)
    await maestro.logs.add("billing", {"customer": "ACME, Inc.", "amount": 12})
    target = await maestro.logs.export("billing", tmp_path / "billing.csv", days=2)
    assert target == tmp_path / "billing.csv"
    with target.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["customer", "amount"]
    assert rows[1][:2] == ["ACME, Inc.", "12"]


async def test_export_memory_does_not_grow_with_the_log(maestro: Twin, tmp_path: Path) -> None:
    await maestro.logs.create("big", [{"name": "Text", "label": "text"}])
    row = {"text": "x" * 20_000}
    for _ in range(150):  # about 3 MB of CSV
        await maestro.logs.add("big", row)
    tracemalloc.start()
    try:
        target = await maestro.logs.export("big", tmp_path / "big.csv", days=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert target.stat().st_size > 3_000_000
    # The emulator serves from this process too and builds the whole CSV; the client's share is what
    # must stay small: well under two copies of the file.
    assert peak < 2 * target.stat().st_size + 1_000_000


async def test_delete_removes_the_log_and_its_entries(maestro: Twin) -> None:
    await maestro.logs.create("billing", COLUMNS)
    await maestro.logs.add("billing", {"customer": "ACME"})
    assert await maestro.logs.delete("billing") is None
    with pytest.raises(NotFoundError) as caught:
        await maestro.logs.get("billing")
    assert "logs.create" in str(caught.value)


async def test_list_shows_every_log(maestro: Twin) -> None:
    await maestro.logs.create("billing", COLUMNS)
    await maestro.logs.create("shipping", [{"name": "Parcel", "label": "parcel"}])
    logs = await maestro.logs.list()
    assert sorted(log.activity_label or "" for log in logs) == ["billing", "shipping"]


async def test_entries_of_an_unknown_log_is_not_found(maestro: Twin) -> None:
    with pytest.raises(NotFoundError):
        await maestro.logs.entries("nothing")


# --- bad input: refused before any request -----------------------------------------------------------


async def test_bad_input_an_empty_label(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.logs.add("  ", {"a": 1}), "activity_label")
    assert message == "activity_label: is empty; give the label of the automation in Maestro"


async def test_bad_input_no_columns(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.logs.create("billing", []), "columns")
    assert message == "columns: is empty; a log needs at least one column"


async def test_bad_input_a_column_without_label(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(
        emulator_state, maestro.logs.create("billing", [{"name": "A"}]), "columns[0].label"
    )
    assert message == "columns[0].label: field required"


async def test_bad_input_a_misspelt_column_key(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    columns = [{"name": "A", "lable": "a"}]
    await refused(emulator_state, maestro.logs.create("billing", columns), "columns[0].label")


async def test_bad_input_two_columns_of_one_label(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    columns = [{"name": "A", "label": "a"}, {"name": "B", "label": "a"}]
    message = await refused(emulator_state, maestro.logs.create("billing", columns), "columns")
    assert message == "columns: label 'a' is used by more than one column"


async def test_bad_input_values_not_a_mapping(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.logs.add("billing", ["ACME"]), "values")
    assert message == "values: must be a mapping of names to values, got list"


async def test_bad_input_empty_values(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.logs.add("billing", {}), "values")
    assert message == "values: is empty; give a value for at least one column label"


@pytest.mark.parametrize("days", [0, -1, True, "7"], ids=repr)
async def test_bad_input_days_out_of_range(
    maestro: Twin, emulator_state: EmulatorHandle, days: object
) -> None:
    message = await refused(emulator_state, maestro.logs.entries("billing", days=days), "days")
    assert message == f"days: must be a positive number of days, got {days!r}"


async def test_bad_input_export_days(maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path) -> None:
    await refused(emulator_state, maestro.logs.export("billing", tmp_path / "x.csv", days=0), "days")


async def test_bad_input_export_into_a_missing_folder(
    maestro: Twin, emulator_state: EmulatorHandle, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "billing.csv"
    message = await refused(emulator_state, maestro.logs.export("billing", missing), "destination")
    assert message == f"destination: the folder {str(missing.parent)!r} does not exist"
