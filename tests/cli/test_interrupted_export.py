"""Exports that stop half-way, by Ctrl-C (SIGINT) or by losing the server, leave a file of
complete rows, and say how many: the console script as a subprocess against slow sandboxes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from voipstudio_callmeback import Cdr
from voipstudio_callmeback._cli._export import declared_columns

from sandbox.support import RunningServer, run_cli, stop_process

from .conftest import COMMAND, COMMAND_SECONDS, SLOW_CDRS, Cli, Outcome

# The columns of an export of call records: the fields the spec declares for Cdr, in its order.
CDR_COLUMNS = declared_columns(Cdr)
WAIT_SECONDS = 60.0
# The server that is stopped half-way: slow enough that the export is far from done when it stops.
STOPPED_SERVER_CDRS = 5_000
STOPPED_SERVER_LATENCY_MS = 40


def default_sigint() -> None:
    """In the child: Ctrl-C's default action, which a background job of a non-interactive shell ignores."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_export(base_url: str, path: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(COMMAND), "--sandbox", base_url, "cdrs", "export", "--out", str(path), "--limit", "50", *options],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=dict(os.environ),
        preexec_fn=default_sigint,
    )


def wait_for_rows(process: subprocess.Popen[str], path: Path) -> None:
    """Wait until the export has written some rows to the file (its first buffer reached the disk)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not (path.exists() and path.stat().st_size > 0):
        if process.poll() is not None:
            _, stderr = process.communicate()
            pytest.fail(f"the export ended ({process.returncode}) before it wrote a row: {stderr}")
        if time.monotonic() > deadline:
            process.kill()
            process.communicate()
            pytest.fail("the export wrote no row in time")
        time.sleep(0.005)


def finish(cli: Cli, process: subprocess.Popen[str]) -> Outcome:
    try:
        stdout, stderr = process.communicate(timeout=COMMAND_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return cli.record(Outcome(process.returncode, stdout, stderr))


def stated_rows(stderr: str, path: Path, total: int) -> int:
    """The count of rows the message says the file holds."""
    found = re.search(rf"{re.escape(str(path))} holds ([\d,]+) complete rows of {total:,}", stderr)
    assert found, stderr
    return int(found.group(1).replace(",", ""))


def complete_csv_rows(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][: len(CDR_COLUMNS)] == CDR_COLUMNS
    assert all(len(row) == len(rows[0]) for row in rows[1:])
    ids = [int(row[0]) for row in rows[1:]]
    assert ids == sorted(set(ids))  # in order, each once
    return rows[1:]


def complete_jsonl_items(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    items = [json.loads(line) for line in text.splitlines()]
    assert all(isinstance(item, dict) for item in items)
    assert all(set(CDR_COLUMNS) <= set(item) for item in items)
    ids: list[int] = [item["id"] for item in items]
    assert all(isinstance(id, int) for id in ids)
    assert ids == sorted(set(ids))
    return items


@pytest.mark.parametrize(
    ("format", "concurrency"),
    [("csv", "4"), ("jsonl", "1")],  # pages fetched ahead and cancelled; one page at a time
)
def test_ctrl_c_leaves_complete_rows(
    cli: Cli, slow_sandbox: RunningServer, tmp_path: Path, format: str, concurrency: str
) -> None:
    path = tmp_path / f"calls.{format}"
    process = start_export(slow_sandbox.url, path, "--concurrency", concurrency)
    wait_for_rows(process, path)
    process.send_signal(signal.SIGINT)
    found = finish(cli, process)

    assert found.exit_code == 130, found.stderr
    assert "Interrupted: " in found.stderr
    assert "Exported" not in found.stderr
    rows = stated_rows(found.stderr, path, SLOW_CDRS)
    written = complete_csv_rows(path) if format == "csv" else complete_jsonl_items(path)
    assert 0 < len(written) == rows < SLOW_CDRS


def test_lost_server_leaves_complete_rows(cli: Cli, tmp_path: Path) -> None:
    args = ("--db", ":memory:", "--cdrs", str(STOPPED_SERVER_CDRS), "--latency-ms", str(STOPPED_SERVER_LATENCY_MS))
    path = tmp_path / "calls.csv"
    with run_cli(tmp_path / "server", *args) as server:
        process = start_export(server.url, path, "--no-progress", "--concurrency", "1")
        wait_for_rows(process, path)
        stop_process(server.process, timeout=15)
        found = finish(cli, process)

    assert found.exit_code == 1, found.stderr
    assert found.stderr.startswith("Error: ")
    rows = stated_rows(found.stderr, path, STOPPED_SERVER_CDRS)
    assert 0 < len(complete_csv_rows(path)) == rows < STOPPED_SERVER_CDRS
