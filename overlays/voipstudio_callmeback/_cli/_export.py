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
import math
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from typing import IO, Any, Literal, Protocol

import attrs
import msgspec

from .._pagination import Page

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")


class Model(Protocol):
    additional_properties: dict[str, Any]

    def to_dict(self) -> dict[str, Any]: ...


def declared_columns(model: type[Any]) -> list[str]:
    """The JSON names of the fields the spec declares for a model, in the spec's order."""
    return [field.name.removesuffix("_") for field in attrs.fields(model) if field.init]


def _cell(value: Any) -> str | int | float:
    """A CSV cell: empty for null, true/false for booleans, JSON for arrays and objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class CsvWriter:
    """CSV with a header row. Columns: the fields the spec declares, then any other members of
    the first row. Members that only later rows carry have no column (JSON Lines keeps them)."""

    def __init__(self, out: IO[str], declared: list[str]) -> None:
        self._out = out
        self._csv = csv.writer(out, lineterminator="\n")
        self._declared = declared
        self._columns: list[str] | None = None

    def _start(self, first: dict[str, Any] | None) -> list[str]:
        columns = list(self._declared)
        if first is not None:
            columns += [name for name in first if name not in self._declared]
        self._csv.writerow(columns)
        return columns

    def write(self, item: Model) -> None:
        row = item.to_dict()
        if self._columns is None:
            self._columns = self._start(row)
        self._csv.writerow([_cell(row.get(name)) for name in self._columns])

    def finish(self) -> None:
        if self._columns is None:  # no row at all: the header alone
            self._columns = self._start(None)


class JsonLinesWriter:
    """One JSON object per line, every member the service sent."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._encode = msgspec.json.Encoder().encode

    def write(self, item: Model) -> None:
        self._out.write(self._encode(item.to_dict()).decode() + "\n")

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
    writer: CsvWriter | JsonLinesWriter = CsvWriter(out, declared) if format == "csv" else JsonLinesWriter(out)
    async for page in pages:
        progress.total = page.total
        for item in page.items:
            writer.write(item)
            progress.rows += 1
        if on_page is not None:
            on_page(progress)
    writer.finish()
    return progress
