"""Options several commands share: --filter (checked against the fields the spec lets a list filter on),
--since/--until, and how a result is printed (--output, --json, --columns)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

import click

from .. import Filter, format_timestamp, parse_timestamp
from .._filters import FilterValue
from ._output import OUTPUTS, Output
from ._spec import field_name_problem

# FIELD OP VALUE. The value may not start with an operator character: `duration>>5` and
# `duration=<5` are typing mistakes, not comparisons with ">5" or "<5".
FILTER_PATTERN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|>=|<=|=|>|<|~)\s*(?![=<>~])(.+?)\s*$", re.DOTALL)
OPERATORS = {"=": "eq", "==": "eq", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "~": "like"}
FILTER_HELP = "Only items where FIELD OP VALUE holds; OP is = > >= < <= or ~ (SQL LIKE, % any text). Repeatable."


# --- output ----------------------------------------------------------------------------------------


def output_params(*, columns: bool) -> list[click.Option]:
    """--output (table, json or csv), --json (its shorthand) and, for lists, --columns."""
    params = [
        click.Option(
            ["--output", "-o", "output"],
            type=click.Choice(OUTPUTS),
            default="table",
            show_default=True,
            help="table for people; json or csv for programs.",
        ),
        click.Option(["--json", "as_json"], is_flag=True, help="Short for --output json."),
        csv_raw_param(),
    ]
    if columns:
        params.append(
            click.Option(
                ["--columns"],
                metavar="A,B,...",
                help="The columns to show, in order (table and csv; json has every member).",
            )
        )
    return params


CSV_RAW_HELP = (
    "Write CSV cells as they are. Without it, text a spreadsheet would run as a formula (starting with"
    " = + - @, a tab or a carriage return: a caller's name of =HYPERLINK(...)) gets a ' before it;"
    " plain numbers (-3.5, +442079460000) are left as they are, but a phone number with spaces"
    " (+44 20 7946 0000) gets the quote too."
)


def csv_raw_param() -> click.Option:
    """--csv-raw: CSV without the defusing of formulas (_export.py's csv_text())."""
    return click.Option(["--csv-raw"], is_flag=True, help=CSV_RAW_HELP)


def chosen_output(output: str, as_json: bool) -> Output:
    return "json" if as_json else cast(Output, output)


def chosen_columns(text: str | None, known: Sequence[str], default: list[str]) -> list[str]:
    """The columns of --columns, each a field the spec declares; the default without it."""
    if not text:
        return default
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise click.BadParameter(
            f"{', '.join(unknown) or 'nothing'} is not a field; choose from {', '.join(known)}", param_hint="--columns"
        )
    return names


# --- filters --------------------------------------------------------------------------------------


def filter_param(names: Mapping[str, Any]) -> click.Option:
    """--filter, for a list whose field names follow `names` (the schema of its sort parameter)."""
    if "enum" in names:
        listed = f" FIELD is one of: {', '.join(str(value) for value in names['enum'])}."
    elif names.get("pattern"):
        listed = f" FIELD is the name of a field, matching {names['pattern']}."
    else:
        listed = ""
    return click.Option(["--filter", "filters"], multiple=True, metavar="'FIELD OP VALUE'", help=FILTER_HELP + listed)


def quoted_text(text: str) -> str | None:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        value = json.loads(text)
        if isinstance(value, str):
            return value
    return None


def filter_value(text: str, schema: Mapping[str, Any], timestamp: bool) -> FilterValue:
    """A filter's value as the field's type needs it; ValueError saying why it cannot be."""
    quoted = quoted_text(text)
    if quoted is not None:
        return quoted
    kind = schema.get("type")
    if timestamp:
        moment = Moment().parse(text)
        return moment if isinstance(moment, datetime) else datetime(moment.year, moment.month, moment.day)
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(f"{text!r} is not a whole number")
        return int(text)
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
    if kind == "boolean":
        if text not in ("true", "false"):
            raise ValueError(f"{text!r} is not true or false")
        return text == "true"
    if kind == "string":
        return text
    # A field of no declared type: numbers and booleans as written, else text.
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return text


def parse_filters(
    values: Sequence[str],
    names: Mapping[str, Any],
    schemas: Mapping[str, Mapping[str, Any]],
    timestamps: Sequence[str],
) -> list[Filter]:
    """--filter values as Filter conditions: fields the list can filter on (those the schema of its sort
    parameter, `names`, takes: its enum, else any name its pattern allows), values of their types (a field
    the spec does not declare has none: numbers and booleans as written, else text)."""
    filters = []
    for text in values:
        match = FILTER_PATTERN.match(text)
        if match is None:
            raise click.BadParameter(
                f"{text!r}: write FIELD OP VALUE, with OP one of = > >= < <= ~ (~ is SQL LIKE)", param_hint="--filter"
            )
        field, operator, raw = match.groups()
        problem = field_name_problem(names, field)
        if problem is not None:
            raise click.BadParameter(
                f"{text!r}: {field} is not a field this list can filter on; {problem}", param_hint="--filter"
            )
        try:
            value = filter_value(raw, schemas.get(field, {}), field in timestamps)
            filters.append(Filter(field, cast(Any, OPERATORS[operator]), value))
        except (ValueError, TypeError) as exc:
            raise click.BadParameter(f"{text!r}: {exc}", param_hint="--filter") from None
    return filters


# --- moments ---------------------------------------------------------------------------------------


class Moment(click.ParamType[datetime | date, Any]):
    """A date (YYYY-MM-DD) or a moment (YYYY-MM-DD HH:MM:SS, or with T), in the account's time."""

    name = "moment"

    @staticmethod
    def parse(text: str) -> datetime | date:
        text = text.strip()
        shape = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?", text)
        if shape is None:
            raise ValueError(f"{text!r} is neither YYYY-MM-DD nor YYYY-MM-DD HH:MM:SS")
        try:
            if shape.group(4) is None:
                return date.fromisoformat(text)
            return parse_timestamp(text.replace("T", " "))
        except ValueError:
            raise ValueError(f"{text!r} has the right shape but is no such date or time") from None

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime | date:
        if isinstance(value, datetime | date):
            return value
        try:
            return self.parse(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def period_params(field: str) -> list[click.Option]:
    return [
        click.Option(["--since"], type=Moment(), help=f"Only items with {field} at or after this date or moment."),
        click.Option(
            ["--until"], type=Moment(), help=f"Only items with {field} up to this moment, or through this whole date."
        ),
    ]


def period_filters(field: str, since: datetime | date | None, until: datetime | date | None) -> list[Filter]:
    """--since is inclusive; --until a date includes that whole day, a moment includes that second."""
    start = since if isinstance(since, datetime) or since is None else datetime(since.year, since.month, since.day)
    if start is not None and until is not None:
        # A date includes its whole day: nothing matches only when --since is at or after the next midnight.
        empty = (
            start > until
            if isinstance(until, datetime)
            else start >= datetime(until.year, until.month, until.day) + timedelta(days=1)
        )
        if empty:
            raise click.BadParameter(
                f"--since {format_timestamp(start)} is after --until {until}: nothing could match",
                param_hint="--since/--until",
            )
    conditions = []
    if start is not None:
        conditions.append(Filter(field, "gte", start))
    if until is not None:
        if isinstance(until, datetime):
            conditions.append(Filter(field, "lte", until))
        else:
            conditions.append(Filter(field, "lt", until + timedelta(days=1)))
    return conditions
