"""What the commands print: items and pages as text tables, or JSON for scripts."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from .._pagination import Page


# The consoles are made when something is printed, on the streams of that moment (not those of
# import time), so that a caller who redirects sys.stdout or sys.stderr (click's CliRunner)
# gets the output, at the width its stream calls for. No markup and no emoji codes: the text
# printed holds the service's data, file names and URLs, where "[...]" and ":name:" are text.
def stdout_console() -> Console:
    """A console on the current standard output."""
    console = Console(file=sys.stdout, highlight=False, soft_wrap=True, markup=False, emoji=False)
    if not console.is_terminal:  # piped or redirected: whole values, no wrapping at 80 columns
        console = Console(file=sys.stdout, highlight=False, soft_wrap=True, markup=False, emoji=False, width=100_000)
    return console


def stderr_console() -> Console:
    """A console on the current standard error."""
    return Console(file=sys.stderr, highlight=False, soft_wrap=True, markup=False, emoji=False)


def plain(value: Any) -> str:
    """A value as a table cell: empty for null, true/false, JSON for arrays and objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def print_item(item: Any, as_json: bool) -> None:
    fields = item.to_dict()
    if as_json:
        print_json(fields)
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in fields.items():
        table.add_row(name, plain(value))
    stdout_console().print(table)


# The columns a list shows first, where the whole record is too wide for a terminal (--json has
# everything): a choice of what matters most, by resource. Every name must be a field the spec
# declares for the resource's items (tests/cli/test_spec_commands.py fails naming the one that is
# not); resources not named here show their declared fields in the spec's order.
PREFERRED_COLUMNS = {
    "settings": ["id", "name", "button_id", "position", "culture", "floating_icon", "ddi"],
    "cdrs": ["id", "calldate", "type", "src", "dst", "dst_name", "duration", "billsec", "disposition", "charge"],
}
# Columns of a table of a resource with no preference, at most.
MOST_COLUMNS = 8


def list_columns(resource: str, declared: list[str], rows: list[dict[str, Any]]) -> list[str]:
    """The columns of a list table: the preferred ones, else the declared fields then other members of the rows."""
    preferred = PREFERRED_COLUMNS.get(resource)
    if preferred is not None:
        return preferred
    return list(dict.fromkeys(["id", *declared, *(name for row in rows for name in row)]))[:MOST_COLUMNS]


def print_page(resource: str, declared: list[str], page: Page[Any], limit: int, as_json: bool) -> None:
    rows = [item.to_dict() for item in page.items]
    if as_json:
        print_json({"data": rows, "total": page.total, "page": page.number, "limit": limit})
        return
    columns = list_columns(resource, declared, rows)
    table = Table(*columns, box=None, pad_edge=False, header_style="bold")
    for row in rows:
        table.add_row(*(plain(row.get(name)) for name in columns))
    stdout_console().print(table)
    first = (page.number - 1) * limit + 1
    shown = f"{first:,} to {first + len(rows) - 1:,} of {page.total:,}" if rows else f"none of {page.total:,}"
    pages = max(1, -(-page.total // limit))
    stderr_console().print(f"{resource}: {shown} (page {page.number} of {pages}; --page for more)")
