"""Options several commands share: filters, moments, --json."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any, cast

import click

from .._filters import Filter, FilterValue
from .._timestamps import parse_timestamp


def json_param() -> click.Option:
    return click.Option(["--json", "as_json"], is_flag=True, help="Print JSON, for scripts.")


# A value is required: `name=""` compares with the empty string, `name=` is a mistake.
FILTER_PATTERN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|=|>|<|~)\s*(.+?)\s*$", re.DOTALL)
OPERATORS = {"=": "eq", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "~": "like"}


def parse_filter_value(text: str) -> FilterValue:
    """A filter's value: a JSON string, number or boolean as written, else the text itself."""
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    if len(text) >= 2 and text[0] == text[-1] == '"':
        value = json.loads(text)
        if isinstance(value, str):
            return value
    return text


def parse_filters(values: tuple[str, ...]) -> list[Filter]:
    filters = []
    for text in values:
        match = FILTER_PATTERN.match(text)
        if match is None:
            raise click.BadParameter(
                f"{text!r}: write FIELD OP VALUE, with OP one of = > >= < <= ~ (~ is SQL LIKE)", param_hint="--filter"
            )
        field, operator, value = match.groups()
        try:
            filters.append(Filter(field, cast(Any, OPERATORS[operator]), parse_filter_value(value)))
        except (ValueError, TypeError) as exc:
            raise click.BadParameter(f"{text!r}: {exc}", param_hint="--filter") from None
    return filters


def filter_param() -> click.Option:
    return click.Option(
        ["--filter", "filters"],
        multiple=True,
        metavar="'FIELD OP VALUE'",
        help="Only items where FIELD OP VALUE holds; OP is = > >= < <= or ~ (SQL LIKE, % any text). Repeatable.",
    )


class Moment(click.ParamType[datetime | date, Any]):
    """A date (YYYY-MM-DD) or a moment (YYYY-MM-DD HH:MM:SS, or with T), in the account's time."""

    name = "moment"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime | date:
        if isinstance(value, datetime | date):
            return value
        text = str(value).strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return date.fromisoformat(text)
            return parse_timestamp(text.replace("T", " "))
        except ValueError:
            self.fail(f"{value!r} is neither YYYY-MM-DD nor YYYY-MM-DD HH:MM:SS", param, ctx)


def period_filters(field: str, since: datetime | date | None, until: datetime | date | None) -> list[Filter]:
    """--since is inclusive; --until a date includes that whole day, a moment includes that second."""
    conditions = []
    if since is not None:
        conditions.append(Filter(field, "gte", since))
    if until is not None:
        if isinstance(until, datetime):
            conditions.append(Filter(field, "lte", until))
        else:
            conditions.append(Filter(field, "lt", until + timedelta(days=1)))
    return conditions
