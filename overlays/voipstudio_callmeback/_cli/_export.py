"""Exports: every item of a collection, written to a CSV or JSON Lines file as its pages arrive.

The pages come from AsyncCallMeBack's list iterator, which reads a few pages ahead
(`prefetch`) and yields them in order, so at most that many pages are held at once
whatever the size of the collection. Each row is written with one `write()` call, and
cancellation (Ctrl-C in `asyncio.run`) can only land between pages, so an interrupted
or failed export leaves a file that ends with the last complete row; `Export.rows`
says how many it holds.
"""

from __future__ import annotations

import csv
import json
import operator
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from typing import IO, Any, Literal, Protocol

import attrs
import msgspec
from voipstudio_callmeback_client.types import UNSET, Unset

from .. import Page

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")


class Model(Protocol):
    additional_properties: dict[str, Any]


def _attributes_by_json_name(model: type[Any]) -> dict[str, str]:
    """The fields the spec declares for a model, in the spec's order: JSON name -> attribute
    (the generator adds `_` to names Python reserves, such as `type_`)."""
    return {field.name.removesuffix("_"): field.name for field in attrs.fields(model) if field.init}


def declared_columns(model: type[Any]) -> list[str]:
    """The JSON names of the fields the spec declares for a model, in the spec's order."""
    return list(_attributes_by_json_name(model))


def cell(value: Any) -> str | int | float:
    """A CSV cell: empty for null or missing, true/false for booleans, JSON for arrays and objects."""
    if value is None or isinstance(value, Unset):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# Cells the csv module writes as they are: None as an empty cell, numbers with repr().
_AS_IS = frozenset({str, int, float, type(None)})


class _Fields:
    """Reads the declared fields of a flat model (one whose fields hold JSON values, as Cdr and
    Visitor do) in one call, instead of building the dict of the generated to_dict() for
    every row: the writers below spend most of an export's CPU time here."""

    def __init__(self, model: type[Any], columns: list[str]) -> None:
        by_json_name = _attributes_by_json_name(model)
        unknown = [name for name in columns if name not in by_json_name]
        if unknown:
            raise ValueError(f"{model.__name__} has no field {', '.join(unknown)}")
        if not columns:
            raise ValueError("an export needs at least one column")
        self.names = columns
        getter = operator.attrgetter(*(by_json_name[name] for name in columns))
        # attrgetter gives the value itself, not a tuple, when it reads one attribute.
        self.values: Callable[[Any], tuple[Any, ...]] = getter if len(columns) > 1 else lambda item: (getter(item),)


class CsvWriter:
    """CSV with a header row. Columns: the fields the spec declares, then any other members of
    the first row. Members that only later rows carry have no column (JSON Lines keeps them)."""

    def __init__(self, out: IO[str], declared: list[str]) -> None:
        self._out = out
        self._csv = csv.writer(out, lineterminator="\n")
        self._declared = declared
        self._fields: _Fields | None = None
        self._extra: list[str] = []

    def _start(self, first: Model | None) -> None:
        """Write the header: the declared columns, then the first row's other members."""
        if first is not None:
            known = set(self._declared)
            self._extra = [name for name in first.additional_properties if name not in known]
        self._csv.writerow([*self._declared, *self._extra])

    def write(self, item: Model) -> None:
        fields = self._fields
        if fields is None:
            self._start(item)
            fields = self._fields = _Fields(type(item), self._declared)
        cells = [value if type(value) in _AS_IS else cell(value) for value in fields.values(item)]
        if self._extra:
            extra = item.additional_properties
            cells += [cell(extra.get(name)) for name in self._extra]
        self._csv.writerow(cells)

    def finish(self) -> None:
        if self._fields is None:  # no row at all: the header alone
            self._start(None)


class JsonLinesWriter:
    """One JSON object per line, every member the service sent (what to_dict() gives)."""

    def __init__(self, out: IO[str], declared: list[str]) -> None:
        self._out = out
        self._declared = declared
        self._fields: _Fields | None = None
        self._encode = msgspec.json.Encoder().encode

    def write(self, item: Model) -> None:
        if self._fields is None:
            self._fields = _Fields(type(item), self._declared)
        fields = self._fields
        row = dict(item.additional_properties)
        row.update(
            (name, value) for name, value in zip(fields.names, fields.values(item), strict=True) if value is not UNSET
        )
        self._out.write(self._encode(row).decode() + "\n")

    def finish(self) -> None:
        pass


@dataclass
class Export:
    """How far an export got: rows written, and the total the service announced (None until the first page)."""

    rows: int = 0
    total: int | None = None


async def export(
    pages: AsyncIterable[Page[Any]],
    out: IO[str],
    format: Format,
    declared: list[str],
    progress: Export,
    *,
    on_page: Callable[[Export], None] | None = None,
) -> Export:
    """Write every item of `pages` to `out`; `progress` is kept up to date so that it is right
    even when this is cancelled or a page fails."""
    writer: CsvWriter | JsonLinesWriter = (
        CsvWriter(out, declared) if format == "csv" else JsonLinesWriter(out, declared)
    )
    async for page in pages:
        progress.total = page.total
        for item in page.items:
            writer.write(item)
            progress.rows += 1
        if on_page is not None:
            on_page(progress)
    writer.finish()
    return progress
