"""`cdrs export` and `visitors export`: CSV and JSON Lines files that hold what the service holds."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import IO, Any, cast

import pytest
from voipstudio_callmeback import APIConnectionError, Cdr, Filter, Page, Visitor
from voipstudio_callmeback._cli._export import Export, declared_columns, export
from voipstudio_callmeback._cli._export_command import Destination, OutUnusable

from conftest import load_spec
from sandbox.support import RunningServer

from .conftest import SANDBOX_CDRS, Cli, client

# A session token the sandbox never issued: every request answers 401.
BAD_TOKEN = {"VOIPSTUDIO_API_TOKEN": "0" * 40}


def cdr_columns() -> list[str]:
    """The members the spec declares for a call record, in its order."""
    properties = load_spec()["components"]["schemas"]["Cdr"]["properties"]
    return list(properties)


def everything(server: RunningServer, kind: str) -> list[dict[str, Any]]:
    """Every item of a collection of the demo account, through the Python client."""
    with client(server) as python:
        return [item.to_dict() for item in getattr(python, kind).list(limit=5000)]


def api_total(server: RunningServer, kind: str, conditions: list[Filter]) -> int:
    """The `total` the service announces for a filter."""
    with client(server) as python:
        page = next(iter(getattr(python, kind).list(limit=1, filter=conditions).pages()))
        total: int = page.total
        return total


def cell(value: Any) -> str:
    """A value as the CSV export writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows, "not even a header"
    header, body = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in body)
    return header, body


def read_jsonl(text: str) -> list[dict[str, Any]]:
    assert text == "" or text.endswith("\n")
    items = [json.loads(line) for line in text.splitlines()]
    assert all(isinstance(item, dict) for item in items)
    return items


def ids_in_order(ids: list[int]) -> None:
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))


def test_cdrs_csv_export(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    found = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", str(path), "--no-progress")
    assert found.exit_code == 0, found.stderr
    assert found.stdout == ""
    records = everything(cli_sandbox, "cdrs")
    assert len(records) == SANDBOX_CDRS == api_total(cli_sandbox, "cdrs", [])
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    header, rows = read_csv(text)
    assert header == cdr_columns()
    assert len(rows) == SANDBOX_CDRS
    assert rows == [[cell(record.get(name)) for name in header] for record in records]
    ids_in_order([int(row[0]) for row in rows])
    assert f"Exported {SANDBOX_CDRS} cdrs: {path} holds {SANDBOX_CDRS} complete rows of {SANDBOX_CDRS}" in found.stderr


def test_cdrs_jsonl_export_from_the_suffix(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    found = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", str(path), "--no-progress")
    assert found.exit_code == 0, found.stderr
    items = read_jsonl(path.read_text(encoding="utf-8"))
    assert items == everything(cli_sandbox, "cdrs")
    ids_in_order([item["id"] for item in items])
    assert f"holds {SANDBOX_CDRS} complete rows of {SANDBOX_CDRS}" in found.stderr


def test_cdrs_export_writes_labels_as_json_arrays(cli: Cli, cli_sandbox: RunningServer) -> None:
    """A call record's `labels` (a JSON array) is a JSON array in a JSON Lines line, and its compact JSON
    text in a CSV cell (`[]`, `["callmeback"]`): one cell that reads back as the list, never a string."""
    lines = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", "-", "--format", "jsonl")
    assert lines.exit_code == 0, lines.stderr
    items = read_jsonl(lines.stdout)
    assert len(items) == SANDBOX_CDRS
    assert all(isinstance(item["labels"], list) for item in items)
    assert {json.dumps(item["labels"]) for item in items} == {"[]", '["callmeback"]'}
    table = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", "-", "--format", "csv")
    assert table.exit_code == 0, table.stderr
    header, rows = read_csv(table.stdout)
    cells = [row[header.index("labels")] for row in rows]
    assert set(cells) == {"[]", '["callmeback"]'}
    assert [json.loads(text) for text in cells] == [item["labels"] for item in items]


def test_format_option_wins_over_the_suffix(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    as_csv = tmp_path / "calls.jsonl"
    found = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "export", "--format", "csv", "--out", str(as_csv), "--no-progress"
    )
    assert found.exit_code == 0, found.stderr
    header, rows = read_csv(as_csv.read_text(encoding="utf-8"))
    assert header == cdr_columns()
    assert len(rows) == SANDBOX_CDRS

    as_jsonl = tmp_path / "calls.txt"
    found = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "export", "--format", "jsonl", "--out", str(as_jsonl), "--no-progress"
    )
    assert found.exit_code == 0, found.stderr
    assert len(read_jsonl(as_jsonl.read_text(encoding="utf-8"))) == SANDBOX_CDRS

    no_suffix = tmp_path / "calls"
    found = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", str(no_suffix), "--no-progress")
    assert found.exit_code == 0, found.stderr
    assert no_suffix.read_text(encoding="utf-8") == as_csv.read_text(encoding="utf-8")


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_export_to_standard_output(cli: Cli, cli_sandbox: RunningServer, format: str) -> None:
    found = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "export", "--out", "-", "--format", format, "--filter", "id <= 120"
    )
    assert found.exit_code == 0, found.stderr
    expected = [record for record in everything(cli_sandbox, "cdrs") if record["id"] <= 120]
    if format == "csv":
        header, rows = read_csv(found.stdout)
        assert header == cdr_columns()
        assert [int(row[0]) for row in rows] == [record["id"] for record in expected]
    else:
        assert read_jsonl(found.stdout) == expected
    assert f"standard output holds {len(expected)} complete rows of {len(expected)}" in found.stderr


def test_export_through_the_console_script(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    found = cli.run("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", "calls.csv", cwd=tmp_path)
    assert found.exit_code == 0, found.stderr
    header, rows = read_csv((tmp_path / "calls.csv").read_text(encoding="utf-8"))
    assert header == cdr_columns()
    assert len(rows) == SANDBOX_CDRS
    assert f"{SANDBOX_CDRS}/{SANDBOX_CDRS}" not in found.stderr  # no progress bar: standard error is no terminal
    assert f"Exported {SANDBOX_CDRS} cdrs: calls.csv holds {SANDBOX_CDRS} complete rows" in found.stderr

    piped = cli.run("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", "-", "--format", "jsonl")
    assert piped.exit_code == 0, piped.stderr
    assert len(read_jsonl(piped.stdout)) == SANDBOX_CDRS


def test_since_and_until_dates_take_whole_days(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    records = everything(cli_sandbox, "cdrs")
    first_day, last_day = records[100]["calldate"][:10], records[160]["calldate"][:10]
    assert first_day < last_day
    expected = [record["id"] for record in records if first_day <= record["calldate"][:10] <= last_day]
    assert any(record["calldate"].startswith(last_day) and record["calldate"][11:] > "12:00:00" for record in records)
    path = tmp_path / "period.csv"
    found = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "export", "--since", first_day, "--until", last_day,
        "--out", str(path), "--no-progress",
    )  # fmt: skip
    assert found.exit_code == 0, found.stderr
    _, rows = read_csv(path.read_text(encoding="utf-8"))
    assert [int(row[0]) for row in rows] == expected
    assert f"holds {len(expected)} complete rows of {len(expected)}" in found.stderr

    since = date.fromisoformat(first_day)
    until = date.fromisoformat(last_day)
    assert len(expected) == api_total(
        cli_sandbox, "cdrs", [Filter("calldate", "gte", since), Filter("calldate", "lte", f"{until} 23:59:59")]
    )

    one_day = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "export", "--since", last_day, "--until", last_day,
        "--out", "-", "--format", "jsonl",
    )  # fmt: skip
    assert [item["id"] for item in read_jsonl(one_day.stdout)] == [
        record["id"] for record in records if record["calldate"].startswith(last_day)
    ]


def test_since_and_until_moments_are_inclusive(cli: Cli, cli_sandbox: RunningServer) -> None:
    records = everything(cli_sandbox, "cdrs")
    since, until = records[50]["calldate"], records[90]["calldate"]
    expected = [record["id"] for record in records if since <= record["calldate"] <= until]
    assert records[50]["id"] in expected
    assert records[90]["id"] in expected
    found = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "export", "--since", since, "--until", until.replace(" ", "T"),
        "--out", "-", "--format", "jsonl",
    )  # fmt: skip
    assert found.exit_code == 0, found.stderr
    assert [item["id"] for item in read_jsonl(found.stdout)] == expected


def test_filter_and_period_together(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    records = everything(cli_sandbox, "cdrs")
    since = records[150]["calldate"][:10]
    path = tmp_path / "answered.csv"
    found = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "export", "--since", since, "--filter", "disposition = ANSWERED",
        "--filter", "duration > 300", "--out", str(path), "--no-progress",
    )  # fmt: skip
    assert found.exit_code == 0, found.stderr
    header, rows = read_csv(path.read_text(encoding="utf-8"))
    total = api_total(
        cli_sandbox,
        "cdrs",
        [
            Filter("calldate", "gte", date.fromisoformat(since)),
            Filter("disposition", "eq", "ANSWERED"),
            Filter("duration", "gt", 300),
        ],
    )
    assert 0 < len(rows) == total < SANDBOX_CDRS
    disposition, duration = header.index("disposition"), header.index("duration")
    assert all(row[disposition] == "ANSWERED" and int(row[duration]) > 300 for row in rows)
    assert f"holds {total} complete rows of {total}" in found.stderr


def test_concurrency_does_not_change_the_file(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    contents = []
    for name, options in [
        ("one.csv", ["--limit", "37", "--concurrency", "1"]),
        ("four.csv", ["--limit", "37"]),
        ("eight.csv", ["--limit", "37", "--concurrency", "8"]),
        ("default.csv", []),
    ]:
        found = cli.invoke(
            "--sandbox", cli_sandbox.url, "cdrs", "export", "--out", str(tmp_path / name), "--no-progress", *options
        )
        assert found.exit_code == 0, found.stderr
        contents.append((tmp_path / name).read_bytes())
    assert contents[0].count(b"\n") == SANDBOX_CDRS + 1
    assert all(content == contents[0] for content in contents)

    lines = []
    for concurrency in ("1", "4"):
        found = cli.invoke(
            "--sandbox", cli_sandbox.url, "cdrs", "export", "--out", "-", "--format", "jsonl", "--limit", "29",
            "--concurrency", concurrency,
        )  # fmt: skip
        lines.append(found.stdout)
    assert lines[0] == lines[1]
    assert lines[0].count("\n") == SANDBOX_CDRS


def test_visitors_export(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    visitors = everything(cli_sandbox, "visitors")
    path = tmp_path / "visitors.csv"
    found = cli.invoke("--sandbox", cli_sandbox.url, "visitors", "export", "--out", str(path), "--no-progress")
    assert found.exit_code == 0, found.stderr
    header, rows = read_csv(path.read_text(encoding="utf-8"))
    # The columns are the fields the spec declares for a visitor (the sandbox serves no others).
    assert header == declared_columns(Visitor)
    assert rows == [[cell(visitor.get(name)) for name in header] for visitor in visitors]
    assert len(rows) == api_total(cli_sandbox, "visitors", [])
    assert f"Exported {len(visitors)} visitors" in found.stderr

    # The spec declares no timestamp of a visitor, so there is no --since; a filter does the rest.
    no_period = cli.invoke("--sandbox", cli_sandbox.url, "visitors", "export", "--since", "2026-01-01", "--out", "-")
    assert no_period.exit_code == 2
    assert "--since" in no_period.stderr
    low, high = visitors[20]["id"], visitors[60]["id"]
    lines = cli.invoke(
        "--sandbox", cli_sandbox.url, "visitors", "export", "--filter", f"id >= {low}", "--filter", f"id <= {high}",
        "--out", "-", "--format", "jsonl",
    )  # fmt: skip
    assert lines.exit_code == 0, lines.stderr
    assert read_jsonl(lines.stdout) == visitors[20:61]


# --- errors --------------------------------------------------------------------------------------


def test_export_usage_errors_leave_no_file(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    url = cli_sandbox.url
    for args, message in [
        (("--filter", "duration"), "FIELD OP VALUE"),
        (("--since", "yesterday"), "--since"),
        (("--until", "2026-02-30"), "--until"),
        (("--format", "xml"), "--format"),
        (("--concurrency", "0"), "--concurrency"),
    ]:
        found = cli.invoke("--sandbox", url, "cdrs", "export", "--out", str(path), *args)
        assert found.exit_code == 2, (args, found.stderr)
        assert message in found.stderr
        assert not path.exists()
    no_credentials = cli.invoke("--base-url", url, "cdrs", "export", "--out", str(path))
    assert no_credentials.exit_code == 2
    assert "not logged in" in no_credentials.stderr
    assert not path.exists()
    no_out = cli.invoke("--sandbox", url, "cdrs", "export")
    assert no_out.exit_code == 2
    assert "--out" in no_out.stderr


def test_export_to_a_folder_that_does_not_exist(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "no-such-folder" / "calls.csv"
    found = cli.run("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", str(path))
    assert found.exit_code == 2
    assert f"cannot write {path}" in found.stderr
    assert "No such file or directory" in found.stderr


def test_export_to_a_full_disk(cli: Cli, cli_sandbox: RunningServer) -> None:
    found = cli.run("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", "/dev/full", "--no-progress")
    assert found.exit_code == 1
    assert "cannot write /dev/full" in found.stderr
    assert "Exported" not in found.stderr


def test_a_filter_on_a_field_the_list_lacks_is_a_usage_error(
    cli: Cli, cli_sandbox: RunningServer, tmp_path: Path
) -> None:
    """The spec says which fields a list filters on: another is refused before anything is sent or written."""
    path = tmp_path / "calls.csv"
    found = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", str(path), "--filter", "nope = 1")
    assert found.exit_code == 2
    assert "nope is not a field this list can filter on; use one of id, " in found.stderr
    assert not path.exists()


def test_export_refused_by_the_api(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    """An error from the API before the first page (a session that is no longer valid) writes nothing:
    a file that was not there is not made, one that was there keeps what it held, and the message says so."""
    path = tmp_path / "calls.csv"
    found = cli.invoke("--base-url", cli_sandbox.url, "cdrs", "export", "--out", str(path), env=BAD_TOKEN)
    assert found.exit_code == 1
    assert "401" in found.stderr
    assert f"nothing was written to {path}" in found.stderr
    assert "complete rows" not in found.stderr
    assert not path.exists()

    earlier = "id,calldate\n1,2026-01-01 00:00:00\n" * 1000
    path.write_text(earlier, encoding="utf-8")
    for runner in (cli.invoke, cli.run):
        again = runner("--base-url", cli_sandbox.url, "cdrs", "export", "--out", str(path), env=BAD_TOKEN)
        assert again.exit_code == 1
        assert "401" in again.stderr
        assert f"nothing was written to {path}" in again.stderr
        assert path.read_text(encoding="utf-8") == earlier

    to_stdout = cli.invoke("--base-url", cli_sandbox.url, "cdrs", "export", "--out", "-", env=BAD_TOKEN)
    assert to_stdout.exit_code == 1
    assert to_stdout.stdout == ""
    assert "nothing was written to standard output" in to_stdout.stderr


def test_a_successful_export_replaces_the_file(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    """Once the data comes, --out is replaced: nothing of what it held before is left."""
    path = tmp_path / "calls.jsonl"
    path.write_text("not json\n" * 100_000, encoding="utf-8")
    found = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", str(path), "--no-progress")
    assert found.exit_code == 0, found.stderr
    assert read_jsonl(path.read_text(encoding="utf-8")) == everything(cli_sandbox, "cdrs")


def test_the_file_is_opened_when_the_first_page_arrives(tmp_path: Path) -> None:
    """Destination opens --out as the first page comes, before it is written: not before (a failure then
    leaves the file as it was), and a file that cannot be opened by then is an OutUnusable, not a write error."""
    path = tmp_path / "calls.csv"
    path.write_text("kept\n", encoding="utf-8")
    destination = Destination(str(path))
    opened_before: list[bool] = []

    async def pages(fail_first: bool) -> AsyncIterator[Page[Any]]:
        if fail_first:
            raise APIConnectionError("no answer", method="GET", url="/callmeback/cdrs")
        opened_before.append(destination.file is not None)
        yield Page(items=[Cdr.from_dict({"id": 1})], number=1, total=1)

    async def write(fail_first: bool) -> Export:
        arriving = destination.opened_on_arrival(pages(fail_first))
        return await export(arriving, cast(IO[str], destination), "csv", ["id"], Export())

    with pytest.raises(APIConnectionError):
        asyncio.run(write(fail_first=True))
    assert destination.file is None
    assert path.read_text(encoding="utf-8") == "kept\n"

    assert asyncio.run(write(fail_first=False)) == Export(rows=1, total=1)
    destination.close()
    assert opened_before == [False]
    assert path.read_text(encoding="utf-8") == "id\n1\n"

    gone = tmp_path / "gone" / "calls.csv"

    async def first_page() -> Page[Any]:
        return await anext(Destination(str(gone)).opened_on_arrival(pages(fail_first=False)))

    with pytest.raises(OutUnusable, match=f"cannot write {re.escape(str(gone))}: No such file or directory"):
        asyncio.run(first_page())
    assert not gone.parent.exists()
