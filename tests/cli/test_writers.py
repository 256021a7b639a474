"""The export writers against the models' own to_dict(), on rows with every kind of value."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from voipstudio_callmeback._cli._export import CsvWriter, JsonLinesWriter, declared_columns
from voipstudio_callmeback_client.models import Cdr, Visitor

ROWS: list[dict[str, Any]] = [
    {"id": 1, "type": "O", "calldate": "2026-01-01 10:00:00", "labels": ["callmeback", "vip"], "rate": 0.0125,
     "duration": 61, "info": None, "x_region": "eu", "x_flag": True},
    {"id": 2, "labels": {"nested": [1, 2]}, "charge": 1e-7, "dst_name": 'Zoë "Z" Nowak, Jr.\nsecond line',
     "x_flag": False},
    {"id": 3, "x_late": "only on a later row"},
]  # fmt: skip


def cells(value: Any) -> str:
    """What a CSV cell holds for a JSON value, as the writer documents it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def test_csv_rows_hold_the_declared_fields_then_the_first_rows_extras() -> None:
    out = io.StringIO(newline="")
    writer = CsvWriter(out, declared_columns(Cdr))
    for row in ROWS:
        writer.write(Cdr.from_dict(row))
    writer.finish()
    header, *rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert header == [*declared_columns(Cdr), "x_region", "x_flag"]
    for written, source in zip(rows, ROWS, strict=True):
        assert written == [cells(source.get(column)) for column in header]


def test_an_empty_export_is_the_header_alone() -> None:
    out = io.StringIO()
    writer = CsvWriter(out, declared_columns(Visitor))
    writer.finish()
    assert out.getvalue() == "id\n"


@pytest.mark.parametrize("model", [Cdr, Visitor], ids=lambda model: model.__name__)
def test_json_lines_hold_what_to_dict_gives(model: type[Any]) -> None:
    out = io.StringIO()
    writer = JsonLinesWriter(out, declared_columns(model))
    items = [model.from_dict(row) for row in ROWS]
    for item in items:
        writer.write(item)
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [item.to_dict() for item in items]


def test_columns_that_are_not_fields_of_the_model_are_refused() -> None:
    writer = CsvWriter(io.StringIO(), ["id", "no_such_field"])
    with pytest.raises(ValueError, match="no_such_field"):
        writer.write(Cdr.from_dict({"id": 1}))
