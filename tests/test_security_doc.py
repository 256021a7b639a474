"""docs/security.md's limits are the code's: each row that names a constant states its value.

A row of a table in docs/security.md whose last cell is a dotted name in backticks
(`voipstudio_callmeback_sandbox._limits.MAX_FILTER_CONDITIONS`, or a dataclass field such as
`voipstudio_callmeback_sandbox.SandboxConfig.header_read_timeout`, read as its default) must
state that value in its second cell: a plain number (`50`, `8,192`) or one with a unit
(`16 KiB`, `1 MiB`, `10 s`, `15 minutes`, `500 ms`).
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "security.md"
ROW = re.compile(r"^\|(?P<cells>.*)\|\s*$")
NAME = re.compile(r"^`(?P<name>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+)`$")
VALUE = re.compile(r"^(?P<number>[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<unit>[A-Za-z]*)")
UNITS = {
    "": 1,
    "bytes": 1,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
    "s": 1,
    "seconds": 1,
    "second": 1,
    "ms": 0.001,
    "minute": 60,
    "minutes": 60,
    "hours": 3600,
    "hour": 3600,
}


def resolve(dotted: str) -> Any:
    """The value a dotted name means: a module's attribute, or a dataclass field's default."""
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for index, part in enumerate(parts[split:], start=split):
            if dataclasses.is_dataclass(found) and isinstance(found, type) and index == len(parts) - 1:
                fields = {field.name: field for field in dataclasses.fields(found)}
                if part in fields:
                    field = fields[part]
                    if field.default is not dataclasses.MISSING:
                        return field.default
                    if field.default_factory is not dataclasses.MISSING:
                        return field.default_factory()
            found = getattr(found, part)
        return found
    raise LookupError(dotted)


def stated(text: str) -> float:
    found = VALUE.match(text.strip())
    if found is None or found.group("unit") not in UNITS:
        raise ValueError(f"cannot read {text!r} as a number with one of the units {sorted(UNITS)}")
    return float(found.group("number").replace(",", "")) * UNITS[found.group("unit")]


def rows() -> list[tuple[int, str, str]]:
    found = []
    for number, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), start=1):
        row = ROW.match(line)
        if row is None:
            continue
        cells = [cell.strip() for cell in row.group("cells").split("|")]
        name = NAME.match(cells[-1]) if len(cells) >= 3 else None
        if name is not None:
            found.append((number, cells[1], name.group("name")))
    return found


def test_the_page_names_its_constants() -> None:
    assert len(rows()) >= 10, "docs/security.md should name the constant behind each limit it states"


@pytest.mark.parametrize(("line", "text", "name"), rows(), ids=[row[2].rsplit(".", 1)[-1] for row in rows()])
def test_each_stated_limit_is_the_code_s(line: int, text: str, name: str) -> None:
    value = resolve(name)
    assert isinstance(value, int | float), f"{name} is {value!r}, not a number"
    assert not isinstance(value, bool), f"{name} is {value!r}, not a number"
    assert stated(text) == pytest.approx(float(value)), (
        f"docs/security.md line {line} says {text!r} but {name} is {value!r}: edit whichever is wrong"
    )


def test_the_reader_reads_units() -> None:
    assert stated("16 KiB") == 16384
    assert stated("1,000") == 1000
    assert stated("15 minutes") == 900
    assert stated("500 ms") == 0.5
    with pytest.raises(ValueError, match="cannot read 'many'"):
        stated("many")
