"""An export of more than 10,000 rows holds a few pages at a time, not the collection: the memory
it takes (traced by tracemalloc) does not grow with the number of rows."""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import tracemalloc
from pathlib import Path

from voipstudio_callmeback import AsyncCallMeBack, Filter
from voipstudio_callmeback._cli._export import Export, declared_columns, export
from voipstudio_callmeback_client.models import Cdr
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT

from sandbox.support import RunningServer

from .conftest import SLOW_CDRS, Cli, client

SMALL_EXPORT = 2_000
PAGE = 100
PREFETCH = 4
# How much the big export's peak may exceed the small one's, beyond half of it again:
# interpreter noise, far less than one page of rows.
SLACK_BYTES = 256 * 1024


def collect_garbage(_: Export) -> None:
    gc.collect()


async def export_cdrs(base_url: str, path: Path, conditions: list[Filter]) -> Export:
    """The command line's export of the demo's call records (CSV) to a file, PAGE a page.

    The garbage collector runs after each page. Spent responses are garbage in reference
    cycles (an httpx response and its stream refer to each other), which live until the
    collector runs, at moments that depend on everything else the process holds; collected
    at each page, what remains is what the export itself holds on to.
    """
    async with AsyncCallMeBack(user_id=DEMO_ACCOUNT.user_id, api_key=DEMO_ACCOUNT.api_key, base_url=base_url) as cmb:
        pages = cmb.cdrs.list(limit=PAGE, filter=conditions, prefetch=PREFETCH).pages()
        with path.open("w", encoding="utf-8", newline="") as file:
            return await export(pages, file, "csv", declared_columns(Cdr), Export(), on_page=collect_garbage)


def traced_export(base_url: str, path: Path, conditions: list[Filter]) -> tuple[Export, int]:
    """An export, and the peak of the memory traced while it ran."""
    gc.collect()
    gc.freeze()  # what the test process held before: out of the collector's way, so collecting is quick
    tracemalloc.start()
    try:
        done = asyncio.run(export_cdrs(base_url, path, conditions))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.unfreeze()
    return done, peak


def models_size(server: RunningServer) -> float:
    """The memory the whole collection would take as models: that of one page of 1,000, scaled."""
    with client(server) as python:
        paginator = python.cdrs.list(limit=1000)
        gc.collect()
        tracemalloc.start()
        try:
            page = next(iter(paginator.pages()))
            held, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(page.items) == 1000
    return held * SLOW_CDRS / len(page.items)


def csv_rows(path: Path) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    assert rows[0] == declared_columns(Cdr)
    return rows[1:]


def test_memory_does_not_grow_with_the_rows(slow_sandbox: RunningServer, tmp_path: Path) -> None:
    small = [Filter("id", "lte", SMALL_EXPORT)]
    asyncio.run(export_cdrs(slow_sandbox.url, tmp_path / "warm-up.csv", small))  # imports and caches, untraced

    small_done, small_peak = traced_export(slow_sandbox.url, tmp_path / "small.csv", small)
    big_done, big_peak = traced_export(slow_sandbox.url, tmp_path / "big.csv", [])

    assert (small_done.rows, small_done.total) == (SMALL_EXPORT, SMALL_EXPORT)
    assert (big_done.rows, big_done.total) == (SLOW_CDRS, SLOW_CDRS)
    assert len(csv_rows(tmp_path / "small.csv")) == SMALL_EXPORT
    big_rows = csv_rows(tmp_path / "big.csv")
    assert [int(row[0]) for row in big_rows] == list(range(1, SLOW_CDRS + 1))

    # Six times the rows, about the same peak: a few pages, whatever the size of the collection.
    assert big_peak < 1.5 * small_peak + SLACK_BYTES, (small_peak, big_peak)
    whole = models_size(slow_sandbox)
    assert big_peak < whole / 5, (big_peak, whole)


def test_console_script_exports_over_ten_thousand_rows(cli: Cli, slow_sandbox: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    found = cli.run("--sandbox", slow_sandbox.url, "cdrs", "export", "--out", str(path), "--no-progress")
    assert found.exit_code == 0, found.stderr
    rows = csv_rows(path)
    assert len(rows) == SLOW_CDRS
    assert len({row[0] for row in rows}) == SLOW_CDRS
    assert f"Exported {SLOW_CDRS:,} cdrs: {path} holds {SLOW_CDRS:,} complete rows of {SLOW_CDRS:,}" in found.stderr
