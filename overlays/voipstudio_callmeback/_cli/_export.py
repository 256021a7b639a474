"""Exports: every item of a collection, written to a CSV or JSON Lines file as its pages arrive.

The pages come from an AsyncPaginator (`row_pages`), which reads a few pages ahead
(`prefetch`) and yields them in order, so at most that many pages are held at once
whatever the size of the collection. Each CSV row of a model is written with one `write()`
call, each page of rows read as below with one (CSV and JSON Lines), and cancellation (Ctrl-C in
`asyncio.run`) can only land between pages, so an interrupted or failed export leaves
a file that ends with the last complete row; `Export.rows` says how many it holds.

A row needs no model: a page whose items hold exactly the fields the spec declares is
decoded by msgspec straight into row structs (`Rows`, made from the generated decoders'
structs), whose values are the cells. A page with anything else (a member the spec does
not declare, a value of another type) is parsed into models as the client does, and
written from them; both ways write the same text for the same item.

A CSV cell of text that a spreadsheet would run as a formula (it starts with = + - @, a tab or a
carriage return: OWASP's list) is written with a single quote before it (csv_text()), unless it is a
plain number (-3.5, +442079460000): callers' names and numbers come from outside the account, and
`=HYPERLINK(...)` in a name is a link in the spreadsheet of whoever opens the file. Numbers, which
the service sends as numbers, are written as they are; `safe=False` (--csv-raw) writes every text
as it is too.
"""

from __future__ import annotations

import csv
import datetime
import io
import operator
import re
import types
import typing
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any, Literal, Protocol

import attrs
import msgspec
from voipstudio_callmeback_client.decoders import STRUCTS
from voipstudio_callmeback_client.operations import Operation
from voipstudio_callmeback_client.types import UNSET, Unset

from .. import AsyncCallMeBack, Page
from .._base import _content_type, check_status, pause_collection, resume_collection
from .._pagination import AsyncPaginator
from .._resource_base import PAGE_PARAMETER, _list_query, request
from .._resource_base import page as page_of
from .._types import DEFAULT_OPTIONS
from ._spec import Resource

if typing.TYPE_CHECKING:
    from .._client import Sent

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")


class Model(Protocol):
    additional_properties: dict[str, Any]


def _attributes_by_json_name(model: type[Any]) -> dict[str, str]:
    """The fields the spec declares for a model, in the order of its attrs fields: JSON name -> attribute
    (`type` -> `type_`), as the generated decoders name them; for a model without one, by the
    generator's rule (it adds `_` to names Python reserves)."""
    struct = STRUCTS.get(model)
    if struct is not None:
        return {field.encode_name: field.name for field in msgspec.structs.fields(struct)}
    return {field.name.removesuffix("_"): field.name for field in attrs.fields(model) if field.init}


def declared_columns(model: type[Any]) -> list[str]:
    """The JSON names of the fields the spec declares for a model, in the spec's order."""
    return list(_attributes_by_json_name(model))


# The Python types of values the csv module writes as they should read: None as an empty cell,
# numbers with repr(). Other values are written by cell().
_CSV_READY = frozenset({str, int, float, type(None)})

# Compact JSON, UTF-8 unescaped: json.dumps(value, separators=(",", ":"), ensure_ascii=False) but
# for exponents (1e16, not 1e+16) and NaN (null, not the NaN that JSON lacks), 20 times faster.
_encode_json = msgspec.json.Encoder().encode


def _compact_json(value: Any) -> str:
    return _encode_json(value).decode()


# The first characters of a cell that a spreadsheet (Excel, LibreOffice, Google Sheets) reads as the
# start of a formula, or drops before one (a tab, a carriage return): OWASP's "CSV Injection" list.
FORMULA_STARTS = frozenset("=+-@\t\r")
# ... but a plain number that starts with a sign (-3.5, +442079460000, -1e5) is a number to them, which
# runs nothing: it is written as it is (a phone number with spaces, +44 20 7946 0000, is not one).
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
DEFUSING_PREFIX = "'"


def may_hold_a_formula(text: str) -> bool:
    """Whether csv.writer's text of rows may hold a cell that starts with FORMULA_STARTS (a CR: looked
    for apart): false for most pages, found by searches that run in C over the text (one character
    each, but for "-", which dates hold: at the start of a line or of a cell, quoted or not). A comma or
    a newline in a quoted cell can only make it true."""
    return (
        "=" in text
        or "+" in text
        or "@" in text
        or "\t" in text
        or ",-" in text
        or "\n-" in text
        or '"-' in text
        or text.startswith("-")
    )


def csv_text(text: str) -> str:
    """Text as a CSV cell no spreadsheet runs: a single quote before a formula (FORMULA_STARTS), but
    plain numbers as they are."""
    if text[:1] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(text):
        return DEFUSING_PREFIX + text
    return text


def safe_cells(cells: list[Any]) -> list[Any]:
    """A row's cells with csv_text() applied to its text."""
    return [csv_text(value) if type(value) is str and value[:1] in FORMULA_STARTS else value for value in cells]


def has_carriage_return(cells: list[Any]) -> bool:
    return any(type(value) is str and "\r" in value for value in cells)


def csv_line(cells: list[Any]) -> str:
    """One CSV row, ended with a newline, whose cells that hold a carriage return are quoted too: Python
    3.11's csv.writer quotes a cell for the characters of its line terminator only, and a bare CR in a
    cell would end the row for a reader (its next cell starting at a new row, as a formula may)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()[:-2] + "\n"


def _may_be_text(kind: Any) -> bool:
    """Whether a value of this msgspec type can be a str (a cell csv_text() may change)."""
    if kind is str:
        return True
    return any(_may_be_text(argument) for argument in typing.get_args(kind))


def json_value(value: Any) -> Any:
    """A field's value as its model's to_dict() writes it: a nested model as its dict (unset fields left
    out, its unknown members kept), a date, date-time or uuid as its text; lists and maps of them alike."""
    if type(value) in _CSV_READY or isinstance(value, bool | msgspec.Struct):
        return value
    if isinstance(value, datetime.date):  # a datetime is a date too; isoformat() is what to_dict() writes
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return [json_value(item) for item in value]
    to_dict = getattr(value, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    return value


def cell(value: Any) -> str | int | float:
    """A CSV cell: empty for null or missing, true/false for booleans, the text of a date, date-time or
    uuid, JSON for arrays and objects (nested models as their to_dict() writes them)."""
    if value is None or isinstance(value, Unset):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return value
    value = json_value(value)
    return value if isinstance(value, str) else _compact_json(value)


_astuple = msgspec.structs.astuple


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


# A date-time msgspec writes in its own form (2026-07-01T09:00:00Z), not as to_dict() does (isoformat(),
# +00:00): a page with one is read into models. Dates and uuids msgspec writes as isoformat() and str().
_NOT_AS_ROWS = (datetime.datetime, datetime.time, datetime.timedelta)
_row_kinds: dict[type[Any], Any] = {}


def row_kind(kind: Any) -> Any:
    """The type a row holds a field of this msgspec type (a decoder struct's field) in: the same, but for
    the structs of nested models, which become structs whose unset members msgspec leaves out when it
    writes them (the decoders' default is the models' UNSET); None where rows cannot hold it exactly."""
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        if kind not in _row_kinds:
            fields = msgspec.structs.fields(kind)
            kinds = [row_kind(field.type) for field in fields]
            _row_kinds[kind] = (
                None
                if any(found is None for found in kinds)
                else msgspec.defstruct(
                    f"{kind.__name__}Cell",
                    [
                        (field.name, found) if field.required else (field.name, found, msgspec.UNSET)
                        for field, found in zip(fields, kinds, strict=True)
                    ],
                    kw_only=True,
                    forbid_unknown_fields=True,
                    rename={field.name: field.encode_name for field in fields},
                )
            )
        return _row_kinds[kind]
    if isinstance(kind, type) and issubclass(kind, _NOT_AS_ROWS):
        return None
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Annotated:
        return None if row_kind(arguments[0]) is None else kind
    if origin is Literal or not arguments:
        return kind
    inner = [row_kind(argument) for argument in arguments]
    if any(found is None for found in inner):
        return None
    if origin is list:
        return list[inner[0]]  # type: ignore[valid-type]
    if origin is dict:
        return dict[inner[0], inner[1]]  # type: ignore[valid-type]
    if isinstance(kind, types.UnionType) or origin is typing.Union:
        return typing.Union[tuple(inner)]  # noqa: UP007 - a union built at run time
    return kind


def _csv_ready(kind: Any) -> bool:
    """Whether every value of this msgspec type is a cell as it is (a union of int, float, str and None)."""
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        return all(_csv_ready(argument) for argument in typing.get_args(kind))
    if typing.get_origin(kind) is Literal:  # an enum's values: text or integers, written as they are
        return all(type(value) in (str, int) for value in typing.get_args(kind))
    return kind in _CSV_READY


class Rows:
    """The cheapest exact reading of a list operation's pages for a writer: msgspec decodes a page
    straight into row structs, one field per declared column in the columns' order, which the
    writers take their cells (CSV) or their JSON (JSON Lines) from. A row's absent fields are None
    for CSV (an empty cell, as null is) and left out for JSON Lines.

    `decode(content)` raises msgspec.MsgspecError for a page it cannot read exactly; it is None when
    the operation's models have no decoder, or a field rows cannot hold exactly (a date-time: see
    row_kind()), and then every page is read into models; `slow` says which of these it is."""

    def __init__(self, operation: Operation, item: type[Any], format: Format, columns: list[str]) -> None:
        self.decode: Callable[[bytes], tuple[list[Any], int]] | None = None
        self.slow = f"{item.__name__} or its page has no decoder"
        self.special: tuple[int, ...] = ()
        item_struct, page_struct = STRUCTS.get(item), STRUCTS.get(operation.response or object)
        if item_struct is None or page_struct is None:
            return
        declared = {field.encode_name: field for field in msgspec.structs.fields(item_struct)}
        if sorted(declared) != sorted(columns):
            return
        kinds = {name: row_kind(field.type) for name, field in declared.items()}
        unheld = [name for name, kind in kinds.items() if kind is None]
        if unheld:
            self.slow = (
                f"{item.__name__}.{unheld[0]}: a date-time (or time) value, which rows do not write as models do"
            )
            return
        absent = None if format == "csv" else msgspec.UNSET
        fields = [declared[name] for name in columns]
        row = msgspec.defstruct(
            f"{item.__name__}Row",
            [(f.name, kinds[f.encode_name]) if f.required else (f.name, kinds[f.encode_name], absent) for f in fields],
            kw_only=True,
            forbid_unknown_fields=True,
            rename={field.name: field.encode_name for field in fields},
        )
        holder = next(
            (
                f
                for f in msgspec.structs.fields(page_struct)
                if typing.get_origin(f.type) is list and typing.get_args(f.type) == (item_struct,)
            ),
            None,
        )
        if holder is None:
            return
        of_rows: Any = list[row]  # type: ignore[valid-type]
        page_fields = [
            (f.name, of_rows if f.name == holder.name else f.type, *(() if f.required else (f.default,)))
            for f in msgspec.structs.fields(page_struct)
        ]
        read = msgspec.json.Decoder(
            msgspec.defstruct(
                f"{item.__name__}RowPage",
                page_fields,
                kw_only=True,
                forbid_unknown_fields=True,
                rename={f.name: f.encode_name for f in msgspec.structs.fields(page_struct)},
            )
        ).decode
        items, total = operator.attrgetter(holder.name), operator.attrgetter("total")

        def decode(content: bytes) -> tuple[list[Any], int]:
            decoded = read(content)
            return items(decoded), total(decoded)

        self.decode = decode
        self.slow = ""
        self.special = tuple(index for index, field in enumerate(fields) if not _csv_ready(field.type))


def resource_pages(
    client: AsyncCallMeBack, resource: Resource, format: Format, query: Mapping[str, Any], *, prefetch: int
) -> tuple[AsyncIterator[Page[Any]], tuple[int, ...]]:
    """The pages an export of `resource` writes (rows where it can, see Rows), and the `special`
    fields export() is to write with cell()."""
    operation, item = resource.operations["list"], resource.item
    if item is None:
        return getattr(client, resource.name).list(**query, prefetch=prefetch).pages(), ()
    rows = Rows(operation, item, format, resource.declared_fields)
    return row_pages(client, operation, item, query, rows, prefetch=prefetch), rows.special


def row_pages(
    client: AsyncCallMeBack,
    operation: Operation,
    item: type[Any],
    query: Mapping[str, Any],
    rows: Rows,
    *,
    prefetch: int,
) -> AsyncIterator[Page[Any]]:
    """The pages of a list operation (`query` as the resource's list() takes it; checked now), read
    ahead as list(...).pages() reads them: as rows where `rows` reads a page exactly, else as the
    client's models of `item`."""
    checked = _list_query(operation, query, DEFAULT_OPTIONS)

    async def fetch(number: int) -> Page[Any]:
        sent = await client._request(request(operation, query={**checked, PAGE_PARAMETER: number}), DEFAULT_OPTIONS)
        return read_page(sent, operation, item, rows, number, client.base_url)

    return AsyncPaginator(fetch, prefetch=prefetch).pages()


def read_page(sent: Sent, operation: Operation, item: type[Any], rows: Rows, number: int, base_url: str) -> Page[Any]:
    """One page of the answer: rows when they read it exactly, else models (and the client's errors)."""
    response = sent.response
    if (
        rows.decode is not None
        and response.status_code == operation.status
        and _content_type(response).startswith("application/json")
    ):
        content = response.content
        paused = pause_collection(len(content))
        try:
            found, total = rows.decode(content)
            return Page(items=found, number=number, total=total)
        except (msgspec.MsgspecError, RecursionError):  # too deep: the models path says so
            pass
        finally:
            resume_collection(paused)
    check_status(response, operation.status, base_url)
    if operation.response is None:
        raise TypeError(f"{operation.id} answers no page")
    return page_of(operation, sent, number, item, base_url)


class CsvWriter:
    """CSV with a header row. Columns: the fields the spec declares, then any other members of
    the first row. Members that only later rows carry have no column (JSON Lines keeps them).
    With `safe` (the default), text that would run as a formula in a spreadsheet is defused
    (csv_text()), in the header too (a member's name comes from the service)."""

    def __init__(self, out: IO[str], declared: list[str], *, safe: bool = True) -> None:
        self._out = out
        self._csv = csv.writer(out, lineterminator="\n")
        self._declared = declared
        self._fields: _Fields | None = None
        self._extra: list[str] = []
        self._started = False
        self._safe = safe
        # Per row struct type (Rows): the indices of its fields that can hold text.
        self._textual: dict[type[Any], tuple[int, ...]] = {}

    def _start(self, first: Model | None) -> None:
        """Write the header: the declared columns, then the first row's other members."""
        self._started = True
        if first is not None:
            known = set(self._declared)
            self._extra = [name for name in first.additional_properties if name not in known]
        header = [*self._declared, *self._extra]
        self._row(safe_cells(header) if self._safe else header)

    def _row(self, cells: list[Any]) -> None:
        if has_carriage_return(cells):
            self._out.write(csv_line(cells))
        else:
            self._csv.writerow(cells)

    def write(self, item: Model) -> None:
        fields = self._fields
        if fields is None:
            if not self._started:
                self._start(item)
            fields = self._fields = _Fields(type(item), self._declared)
        cells = [value if type(value) in _CSV_READY else cell(value) for value in fields.values(item)]
        if self._extra:
            extra = item.additional_properties
            cells += [cell(extra.get(name)) for name in self._extra]
        self._row(safe_cells(cells) if self._safe else cells)

    def write_rows(self, rows: list[Any], special: tuple[int, ...], progress: Export) -> None:
        """Rows of a page Rows read: their values are the cells, but for the fields `special` names
        (booleans, arrays, objects), which cell() writes. They carry no other member, so they fill
        the extra columns of the first row's members, if any, with empty cells."""
        if self._fields is None and not self._started:
            self._start(None)
        blank = [""] * len(self._extra)
        buffer = io.StringIO()
        writerow = csv.writer(buffer, lineterminator="\n").writerow
        for row in rows:
            cells = list(_astuple(row))
            for index in special:
                cells[index] = cell(cells[index])
            writerow(cells + blank if blank else cells)
        text = buffer.getvalue()
        # The page as csv.writer wrote it, unless a cell may start a formula or holds a CR (rare).
        if "\r" in text or (self._safe and may_hold_a_formula(text)):
            text = self._page_cell_by_cell(rows, special, blank)
        self._out.write(text)
        progress.rows += len(rows)

    def _page_cell_by_cell(self, rows: list[Any], special: tuple[int, ...], blank: list[str]) -> str:
        """The text of a page of rows whose cells are each looked at: defused (csv_text()), and its
        rows that hold a CR quoted (csv_line())."""
        buffer = io.StringIO()
        writerow = csv.writer(buffer, lineterminator="\n").writerow
        textual = self._textual_fields(type(rows[0]))
        for row in rows:
            cells = list(_astuple(row))
            for index in special:
                cells[index] = cell(cells[index])
            for index in textual:  # a str, or None or a number (not touched)
                value = cells[index]
                if self._safe and type(value) is str and value[:1] in FORMULA_STARTS:
                    cells[index] = csv_text(value)
            cells = cells + blank if blank else cells
            if has_carriage_return(cells):
                buffer.write(csv_line(cells))
            else:
                writerow(cells)
        return buffer.getvalue()

    def _textual_fields(self, row: type[Any]) -> tuple[int, ...]:
        """The indices of a row struct's fields whose cells can be text: those of a str type, and those
        cell() writes (a value of any type, an enum's text)."""
        found = self._textual.get(row)
        if found is None:
            kinds = [field.type for field in msgspec.structs.fields(row)]
            found = self._textual[row] = tuple(
                index for index, kind in enumerate(kinds) if _may_be_text(kind) or not _csv_ready(kind)
            )
        return found

    def finish(self) -> None:
        if not self._started:  # no row at all: the header alone
            self._start(None)


class JsonLinesWriter:
    """One JSON object per line, every member the service sent (what to_dict() gives)."""

    def __init__(self, out: IO[str], declared: list[str]) -> None:
        self._out = out
        self._declared = declared
        self._fields: _Fields | None = None
        encoder = msgspec.json.Encoder()
        self._encode, self._encode_lines = encoder.encode, encoder.encode_lines

    def write(self, item: Model) -> None:
        if self._fields is None:
            self._fields = _Fields(type(item), self._declared)
        fields = self._fields
        row = dict(item.additional_properties)
        row.update(
            (name, value if type(value) in _CSV_READY else json_value(value))
            for name, value in zip(fields.names, fields.values(item), strict=True)
            if value is not UNSET
        )
        self._out.write(self._encode(row).decode() + "\n")

    def write_rows(self, rows: list[Any], special: tuple[int, ...], progress: Export) -> None:
        """Rows of a page Rows read: each is encoded as it is (absent fields left out), the whole
        page in one call and one write()."""
        self._out.write(self._encode_lines(rows).decode())
        progress.rows += len(rows)

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
    special: tuple[int, ...] = (),
    csv_safe: bool = True,
) -> Export:
    """Write every item of `pages` (models, or rows as `Rows` reads them, whose `special` fields
    are written by cell()) to `out`; `progress` is kept up to date so that it is right even when
    this is cancelled or a page fails. `csv_safe`: defuse CSV cells that would run as formulas
    (CsvWriter); JSON Lines has the values as they are."""
    writer: CsvWriter | JsonLinesWriter = (
        CsvWriter(out, declared, safe=csv_safe) if format == "csv" else JsonLinesWriter(out, declared)
    )
    async for page in pages:
        progress.total = page.total
        items = page.items
        if items and isinstance(items[0], msgspec.Struct):
            writer.write_rows(items, special, progress)
        else:
            for item in items:
                writer.write(item)
                progress.rows += 1
        if on_page is not None:
            on_page(progress)
    writer.finish()
    return progress
