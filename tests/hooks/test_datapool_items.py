"""Where a datapool push's items come from: lists, JSON Lines and CSV files, gzipped, ObjectStoragePath."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from botcity_provider.hooks.datapools import ItemsError, ItemSource


def _jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_a_list_is_keyed_by_position_or_by_its_key_field() -> None:
    rows = [{"order": "A"}, {"order": "B"}]
    assert [(i.index, i.key) for i in ItemSource(rows, key_field=None)] == [(0, "0"), (1, "1")]
    assert [i.key for i in ItemSource(rows, key_field="order")] == ["A", "B"]
    assert ItemSource(rows, key_field="order").check() == 2


def test_a_json_lines_file_is_read_again_at_each_pass(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "rows.jsonl", [{"n": n} for n in range(5)])
    source = ItemSource(str(path), key_field="n")
    assert source.check() == 5
    assert [item.values for item in source] == [{"n": n} for n in range(5)]
    assert [item.key for item in source] == ["0", "1", "2", "3", "4"]


def test_blank_lines_are_skipped_and_a_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "rows.ndjson"
    path.write_bytes(b'\xef\xbb\xbf{"n": 1}\n\n{"n": 2}\n')
    assert [item.values for item in ItemSource(path, key_field="n")] == [{"n": 1}, {"n": 2}]


def test_csv_rows_are_items_of_text(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text('invoice,amount,note\nINV-1,10,"two\nlines"\nINV-2,20,\n', encoding="utf-8")
    items = list(ItemSource(path, key_field="invoice"))
    assert [i.values for i in items] == [
        {"invoice": "INV-1", "amount": "10", "note": "two\nlines"},
        {"invoice": "INV-2", "amount": "20", "note": ""},
    ]


def test_a_gzipped_file_is_read_as_a_stream(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps({"n": n}) + "\n" for n in range(3))
    assert ItemSource(path, key_field="n").check() == 3


def test_an_object_storage_path_is_read_through_its_own_open(tmp_path: Path) -> None:
    try:
        from airflow.sdk import ObjectStoragePath
    except ImportError:  # Airflow 2
        from airflow.io.path import ObjectStoragePath
    path = _jsonl(tmp_path / "rows.jsonl", [{"n": 1}, {"n": 2}])
    for given in (ObjectStoragePath(f"file://{path}"), f"file://{path}"):
        source = ItemSource(given, key_field="n")
        assert source.check() == 2
        assert [i.values for i in source] == [{"n": 1}, {"n": 2}]


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        (['{"n": 1}', "not json"], "line 2 of"),
        (['{"n": 1}', "[1, 2]"], "item 1 of"),
        (['{"n": 1}', '{"m": 2}'], "has no usable 'n'"),
        (['{"n": 1}', '{"n": null}'], "has no usable 'n'"),
        (['{"n": 1}', '{"n": 1}'], "same 'n' as item 0"),
        (['{"n": 1, "airflow_key": "x"}'], "where the push keeps"),
    ],
)
def test_a_bad_line_fails_the_check_before_any_push(tmp_path: Path, rows: list[str], said: str) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ItemsError, match=said):
        ItemSource(path, key_field="n", reserved_field="airflow_key").check()


def test_what_cannot_be_a_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ItemsError, match="not int"):
        ItemSource(42, key_field=None)
    with pytest.raises(ItemsError, match="items_format"):
        ItemSource(tmp_path / "rows.txt", key_field=None)
    with pytest.raises(ItemsError, match="cannot be sent as JSON"):
        ItemSource([{"when": object()}], key_field=None).check()
    with pytest.raises(ItemsError, match=r"missing\.jsonl does not exist"):
        ItemSource(tmp_path / "missing.jsonl", key_field=None).check()
    assert ItemSource(tmp_path / "rows.txt", key_field=None, items_format="csv") is not None
