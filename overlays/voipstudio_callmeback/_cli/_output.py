"""What the commands print: items and pages as tables that fit the terminal, JSON or CSV; and where.

Data goes to standard output, messages to standard error. A table on a terminal shows
the columns that fit its width, whole (a timestamp, an id or a number is never cut), and
says on standard error which columns it left out; piped or redirected, it shows every
column chosen. Widths are counted in terminal cells (a CJK character or an emoji takes two),
and a control character in a value (a newline, ESC, a C1 control such as U+009B) or a bidi
override (U+202E) is shown escaped, `\n`, so that a row stays one line and the terminal acts
on nothing the service sent. Messages are escaped the same way (visible()): an error's text
and anything else on standard error or standard output that holds a server's or the account's
words (note(), the CLI's errors, `api`'s headers and text). JSON has those characters as JSON
escapes (`\u001b`, `\u202e`): the same values for a program, nothing for a terminal to act on.
CSV has the values as they are, but for text a spreadsheet would run as a formula (_export.py's
csv_text(); --csv-raw writes that as it is too). CSV and JSON Lines written to a terminal (not
piped or redirected) have those characters as JSON escapes too (for_terminal()). Colour (bold
headers) only on a terminal, never with NO_COLOR set.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sys
from collections.abc import Sequence
from typing import IO, Any, Literal

import click
from rich.cells import cell_len
from rich.console import Console

from ._export import cell, csv_line, has_carriage_return, safe_cells

Output = Literal["table", "json", "csv"]
OUTPUTS: tuple[Output, ...] = ("table", "json", "csv")
GAP = "  "
# What a table cell and a message show escaped: the control characters (Unicode's Cc: C0, DEL, C1 such
# as U+009B, a one-character CSI), the line and paragraph separators (Zl, Zp), which a terminal acts on
# or breaks the line at instead of showing; and the bidi embeddings, overrides and isolates (LRE RLE
# PDF LRO RLO, LRI RLI FSI PDI), which reorder the text after them up to the end of the line ("Trojan
# Source", CVE-2021-42574). The bidi marks (LRM, RLM, ALM) are left as they are: they belong in
# right-to-left names and move no text. (Cc, Zl and Zp are fixed sets: Unicode's stability policy.)
ESCAPED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_IN_JSON = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")  # ESCAPED but \n


def stderr_console() -> Console:
    """A console on the current standard error (made when used, so that a redirected stream is honoured)."""
    return Console(file=sys.stderr, highlight=False, soft_wrap=True, markup=False, emoji=False)


def note(message: str) -> None:
    """A message for the person at the terminal: on standard error, never mixed with data; what a
    terminal would act on escaped (visible()), as messages carry the service's words."""
    click.echo(visible(message), err=True)


def colour(stream: IO[str]) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


def plain(value: Any) -> str:
    """A value as a table cell: empty for null, true/false, JSON for arrays and objects; control
    characters escaped (visible())."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return visible(json.dumps(value, ensure_ascii=False))
    return visible(str(value))


def _python_escape(found: re.Match[str]) -> str:
    return found.group().encode("unicode_escape").decode("ascii")


def _json_escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"


def visible(text: str) -> str:
    """text with each control character (C0, DEL, C1), line or paragraph separator and bidi override
    written as Python writes it in a string: a newline as `\\n`, ESC as `\\x1b`, U+009B as `\\x9b`,
    U+202E as `\\u202e`. Table cells and messages alike."""
    if text.isprintable():  # most values: nothing to look at character by character
        return text
    return ESCAPED.sub(_python_escape, text)


def visible_lines(text: str) -> str:
    """Text of several lines (a body that is not JSON), each line visible(): its newlines kept."""
    return "\n".join(visible(line) for line in text.split("\n"))


def json_text(value: Any) -> str:
    """Indented JSON, UTF-8 unescaped, but for the characters visible() escapes, which are written as
    JSON escapes (`\\u009b`): json.dumps escapes C0 controls only. The same value for a JSON parser;
    nothing for a terminal to act on. (Outside strings, JSON's text holds no such character but the
    newlines of the indentation, which stay.)"""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _IN_JSON.sub(_json_escape, text)


def for_terminal(text: str) -> str:
    """Data (CSV, JSON Lines) about to be written to a terminal: what a terminal would act on, but the
    newline, written as a JSON escape (`\\u001b`), as json_text() writes it. Piped or redirected, data
    is written as it is."""
    return _IN_JSON.sub(_json_escape, text)


class OnTerminal:
    """A terminal as a file the writers write data to, through for_terminal()."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(for_terminal(text))

    def flush(self) -> None:
        self.stream.flush()


def data_stream(stream: IO[str]) -> IO[str] | OnTerminal:
    """Where data to `stream` is written: through OnTerminal when it is a terminal."""
    return OnTerminal(stream) if stream.isatty() else stream


def padded(text: str, width: int) -> str:
    """text followed by spaces up to `width` terminal cells."""
    return text + " " * (width - cell_len(text))


def print_json(value: Any) -> None:
    click.echo(json_text(value))


def terminal_width() -> int | None:
    """The width of standard output when it is a terminal; None when it is piped or redirected."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def fitting(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int | None) -> list[int]:
    """The indices of the columns to show: all of them, or as many as fit `width` from the left (one at least)."""
    widths = [max([cell_len(name), *(cell_len(row[index]) for row in rows)]) for index, name in enumerate(columns)]
    if width is None:
        return list(range(len(columns)))
    chosen: list[int] = []
    used = 0
    for index, size in enumerate(widths):
        needed = size + (cell_len(GAP) if chosen else 0)
        if chosen and used + needed > width:
            break
        chosen.append(index)
        used += needed
    return chosen


def print_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows under a header, columns two spaces apart, cut to the terminal by columns, never inside one.
    Returns the names of the columns left out."""
    shown = fitting(columns, rows, terminal_width())
    widths = [max([cell_len(columns[index]), *(cell_len(row[index]) for row in rows)]) for index in shown]

    def line(cells: Sequence[str]) -> str:
        return GAP.join(padded(cells[index], width) for index, width in zip(shown, widths, strict=True)).rstrip()

    header = line(columns)
    click.echo(click.style(header, bold=True) if colour(sys.stdout) else header)
    for row in rows:
        click.echo(line(row))
    return [columns[index] for index in range(len(columns)) if index not in shown]


def print_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, safe: bool = True) -> None:
    """A header and rows; with `safe`, cells that would run as formulas in a spreadsheet defused
    (_export.py's csv_text(): the header too, as an item's member names come from the service)."""
    out = data_stream(sys.stdout)
    writer = csv.writer(out, lineterminator="\n")
    lines: list[list[Any]] = [list(columns), *([cell(value) for value in row] for row in rows)]
    for cells in lines:
        if safe:
            cells = safe_cells(cells)
        if has_carriage_return(cells):  # quoted, which csv.writer does not do (csv_line())
            out.write(csv_line(cells))
        else:
            writer.writerow(cells)


def print_item(item: Any, output: Output, *, csv_safe: bool = True) -> None:
    """One item: its fields one per line (table), JSON, or a header and one CSV row."""
    fields = item.to_dict()
    if output == "json":
        print_json(fields)
    elif output == "csv":
        print_csv(list(fields), [list(fields.values())], safe=csv_safe)
    else:
        width = max((cell_len(visible(name)) for name in fields), default=0)
        for name, value in fields.items():
            label = padded(visible(name), width)
            click.echo(f"{click.style(label, bold=True) if colour(sys.stdout) else label}{GAP}{plain(value)}")


def print_rows(
    output: Output,
    columns: Sequence[str],
    items: Sequence[dict[str, Any]],
    envelope: dict[str, Any],
    *,
    csv_safe: bool = True,
) -> None:
    """Items of a list: a table of `columns`, CSV of them, or JSON of every member (`envelope` plus `data`)."""
    if output == "json":
        print_json({"data": list(items), **envelope})
        return
    if output == "csv":
        print_csv(columns, [[item.get(name) for name in columns] for item in items], safe=csv_safe)
        return
    hidden = print_table(columns, [[plain(item.get(name)) for name in columns] for item in items])
    if hidden:
        note(
            f"{len(hidden):,} more column{'s' if len(hidden) != 1 else ''} did not fit: {', '.join(hidden)} "
            "(--columns to choose, --output csv or json for all)"
        )


# The columns a list shows first, where the whole record is too wide for a terminal: a choice
# of what matters most, by resource. Every name must be a field the spec declares for the
# resource's items (tests/cli/test_spec_commands.py fails naming the one that is not); other
# resources show their declared fields in the spec's order.
PREFERRED_COLUMNS = {
    "settings": ["id", "name", "button_id", "position", "culture", "floating_icon", "ddi"],
    "cdrs": ["id", "calldate", "type", "src", "dst", "dst_name", "duration", "billsec", "disposition", "charge"],
}


def default_columns(resource: str, declared: Sequence[str]) -> list[str]:
    """The columns a list shows unless --columns says otherwise."""
    preferred = PREFERRED_COLUMNS.get(resource)
    if preferred is not None:
        return list(preferred)
    return list(dict.fromkeys(["id", *declared]))


def page_footer(resource: str, number: int, limit: int, shown: int, total: int) -> str:
    """Where a page sits in the collection, and how to see more (only when there is more)."""
    pages = max(1, -(-total // limit))
    if shown == 0 and total > 0:
        return f"{resource}: page {number:,} is past the last page ({pages:,} pages of {limit:,}; {total:,} in all)"
    if total == 0:
        return f"{resource}: none"
    first = (number - 1) * limit + 1
    where = f"{resource}: {first:,} to {first + shown - 1:,} of {total:,} (page {number:,} of {pages:,}"
    # The option's value as --page takes it (no thousands separator), unlike the counts for reading.
    return f"{where}; --page {number + 1} for more, or --all)" if number < pages else f"{where})"
