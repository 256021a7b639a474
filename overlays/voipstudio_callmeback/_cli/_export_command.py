"""`<resource> export`: every matching item to a CSV or JSON Lines file, pages read ahead, progress on a terminal.

The progress bar is drawn only where a person watches it: on standard error when that is
a terminal, and not when the data itself goes to the same terminal (`--out -`). A reader
of standard output that leaves (`| head`) ends the export quietly, with status 0.

The --out file is created (or emptied) only when the first page has arrived, so an export
that fails before any data (a session that expired, a server that is down) leaves a file
that was there as it was. Whether it can be written is checked before anything is fetched,
without touching a file that exists.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterable, AsyncIterator, Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, cast

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .. import CallMeBackError, Page
from ._export import FORMATS, Export, Format, export, resource_pages
from ._options import csv_raw_param, filter_param, period_params
from ._output import OnTerminal, data_stream, note, stderr_console
from ._spec import Resource, param_type
from ._target import INTERRUPTED, ApiFailure, Problem, Target, UsageProblem, api_errors

EXPORT_LIMIT = 1000  # items an export asks for per page, unless --limit
EXPORT_CONCURRENCY = 4


def within(schema: Any, wanted: int) -> int:
    """wanted, moved into the schema's bounds."""
    low, high = schema.get("minimum"), schema.get("maximum")
    if high is not None:
        wanted = min(wanted, high)
    return max(wanted, low) if low is not None else wanted


def choose_format(format: Format | None, out: str) -> Format:
    if format is not None:
        return format
    return "jsonl" if Path(out).suffix.lower() in (".jsonl", ".ndjson") else "csv"


def shows_progress(out: str, no_progress: bool) -> bool:
    """A bar only for a person watching standard error, and never over data on the same terminal."""
    if no_progress or not sys.stderr.isatty():
        return False
    return not (out == "-" and sys.stdout.isatty())


class OutUnusable(Exception):
    """The --out file could not be opened: a usage problem, not a failed write."""

    def __init__(self, out: str, error: OSError) -> None:
        super().__init__(f"cannot write {out}: {error.strerror or error}")


def check_writable(out: str) -> None:
    """OSError when --out cannot be created. A file that exists is left alone (click's Path checked that
    it may be written): it is opened, and emptied, only once there is data for it."""
    if out == "-" or os.path.lexists(out):
        return
    handle = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    os.close(handle)
    os.unlink(out)


class Destination:
    """Where the rows go: --out, opened only when the first page has arrived (opened_on_arrival).
    The writers see it as their file: they only call write()."""

    def __init__(self, out: str) -> None:
        self.out = out
        self.file: IO[str] | OnTerminal | None = None
        # Standard output as it is now: while the progress bar is drawn, sys.stdout is rich's proxy to the bar.
        self._stdout = sys.stdout

    def open(self) -> IO[str] | OnTerminal:
        if self.file is None:
            try:
                self.file = (
                    data_stream(self._stdout)  # on a terminal: nothing for it to act on (for_terminal())
                    if self.out == "-"
                    else open(self.out, "w", encoding="utf-8", newline="")  # noqa: SIM115
                )
            except OSError as exc:  # no such folder, no permission: the --out given cannot be used
                raise OutUnusable(self.out, exc) from None
        return self.file

    def write(self, text: str) -> int:
        return self.open().write(text)

    async def opened_on_arrival(self, pages: AsyncIterable[Page[Any]]) -> AsyncIterator[Page[Any]]:
        """The pages, the file opened as the first one arrives (before it is written)."""
        async for page in pages:
            self.open()
            yield page

    def close(self) -> None:
        if isinstance(self.file, OnTerminal) or self.file is self._stdout:
            self.file.flush()
        elif self.file is not None:
            self.file.close()


def export_command(
    resource: Resource,
    conditions: Callable[..., list[Any]],
    target: Callable[[], Target],
) -> click.Command:
    operation = resource.operations["list"]
    limit_parameter = operation.parameter("limit")
    limit_schema = limit_parameter.schema if limit_parameter else {}
    moment = resource.timestamp_field
    params: list[click.Parameter] = [*period_params(moment)] if moment else []
    params += [
        click.Option(
            ["--format", "format"],
            type=click.Choice(FORMATS),
            help="csv or jsonl (default: from the --out suffix, else csv).",
        ),
        click.Option(
            ["--out"],
            required=True,
            type=click.Path(dir_okay=False, writable=True, allow_dash=True),
            help="The file to write (- for standard output). It is replaced.",
        ),
        click.Option(
            ["--limit"],
            type=param_type(limit_schema) or int,
            default=within(limit_schema, EXPORT_LIMIT),
            show_default=True,
            help="Items per page requested.",
        ),
        click.Option(
            ["--concurrency"],
            type=click.IntRange(1, 32),
            default=EXPORT_CONCURRENCY,
            show_default=True,
            help="Pages fetched at once, ahead of the writing (1: one after another).",
        ),
        click.Option(["--no-progress"], is_flag=True, help="Show no progress bar (none is shown off a terminal)."),
        csv_raw_param(),
        filter_param(resource.field_names),
    ]

    def run(
        filters: tuple[str, ...],
        since: datetime | date | None = None,
        until: datetime | date | None = None,
        **options: Any,
    ) -> None:
        run_export(target(), resource, conditions(resource, filters, since, until), **options)

    period = f", or those of a period of {moment} (--since, --until)," if moment else ""
    return click.Command(
        "export",
        callback=run,
        params=params,
        help=f"Write all {resource.name}{period} to a CSV or JSON Lines file, page after page.",
    )


def run_export(
    target: Target,
    resource: Resource,
    conditions: list[Any],
    *,
    format: Format | None,
    out: str,
    limit: int,
    concurrency: int,
    no_progress: bool,
    csv_raw: bool = False,
) -> None:
    chosen = choose_format(format, out)
    where = "standard output" if out == "-" else out
    progress = Export()
    bar = Progress(
        TextColumn(resource.name),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr_console(),
        disable=not shows_progress(out, no_progress),
        transient=False,
    )
    task = bar.add_task(resource.name, total=None)

    def on_page(state: Export) -> None:
        bar.update(task, completed=state.rows, total=state.total)

    try:
        check_writable(out)
    except OSError as exc:  # no such folder, no permission: the --out given cannot be used
        raise UsageProblem(f"cannot write {out}: {exc.strerror or exc}") from None
    with api_errors(target.base_url):  # credentials and arguments, checked before anything is sent
        from ._http import export_http_client  # aiohttp takes a while to import: only when exporting

        http = export_http_client()
        client = target.async_client(http)
        query = {"limit": limit, "filter": conditions}
        pages, special = resource_pages(client, resource, chosen, query, prefetch=concurrency)
    destination = Destination(out)

    async def main() -> None:
        try:
            async with client:
                arriving = destination.opened_on_arrival(pages)
                # The writers take a file; a Destination is one for them (they only write()).
                await export(
                    arriving,
                    cast(IO[str], destination),
                    chosen,
                    resource.declared_fields,
                    progress,
                    on_page=on_page,
                    special=special,
                    csv_safe=not csv_raw,
                )
        finally:  # the client closes only the HTTP client it made itself
            if http is not None:
                await http.aclose()

    def summary() -> str:
        if destination.file is None:
            return f"nothing was written to {where}"
        of = f" of {progress.total:,}" if progress.total is not None else ""
        return f"{where} holds {progress.rows:,} complete rows{of}"

    try:
        try:
            with bar:
                asyncio.run(main())
        finally:
            destination.close()
    except OutUnusable as exc:  # opened when the first page came: the --out given cannot be used after all
        raise UsageProblem(str(exc)) from None
    except KeyboardInterrupt:
        note(f"Interrupted: {summary()}")
        raise SystemExit(INTERRUPTED) from None
    except CallMeBackError as exc:
        raise ApiFailure(f"{exc}; {summary()}") from None
    except BrokenPipeError:  # the reader of standard output left (| head): done, quietly (run() exits 0)
        raise
    except OSError as exc:  # the disk is full, the file system went away
        raise Problem(f"cannot write {where}: {exc.strerror or exc}") from None
    note(f"Exported {progress.rows:,} {resource.name}: {summary()}")
