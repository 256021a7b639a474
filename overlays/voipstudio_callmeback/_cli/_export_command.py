"""`<resource> export`: every matching item to a CSV or JSON Lines file, pages read ahead, progress on a terminal.

The progress bar is drawn only where a person watches it: on standard error when that is
a terminal, and not when the data itself goes to the same terminal (`--out -`). A reader
of standard output that leaves (`| head`) ends the export quietly, with status 0.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .. import CallMeBackError
from ._export import FORMATS, Export, Format, export
from ._options import filter_param, period_params
from ._output import note, stderr_console
from ._spec import Resource, param_type
from ._target import INTERRUPTED, ApiFailure, Target, UsageProblem, api_errors

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
        filter_param(resource.filterable),
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

    with api_errors(target.base_url, collection=True):  # credentials and arguments, checked before the file is touched
        client = target.async_client()
        pages = getattr(client, resource.name).list(limit=limit, filter=conditions, prefetch=concurrency).pages()

    async def main(file: IO[str]) -> None:
        async with client:
            await export(pages, file, chosen, resource.declared_fields, progress, on_page=on_page)

    def summary() -> str:
        of = f" of {progress.total:,}" if progress.total is not None else ""
        return f"{where} holds {progress.rows:,} complete rows{of}"

    try:
        file: IO[str] = sys.stdout if out == "-" else open(out, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:  # no such folder, no permission: the --out given cannot be used
        asyncio.run(client.close())
        raise UsageProblem(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        try:
            with bar:
                asyncio.run(main(file))
        finally:
            if file is not sys.stdout:
                file.close()
            else:
                file.flush()
    except KeyboardInterrupt:
        note(f"Interrupted: {summary()}")
        raise SystemExit(INTERRUPTED) from None
    except CallMeBackError as exc:
        raise ApiFailure(f"{exc}; {summary()}") from None
    except BrokenPipeError:  # the reader of standard output left (| head): done, quietly (run() exits 0)
        raise
    except OSError as exc:  # the disk is full, the file system went away
        raise click.ClickException(f"cannot write {where}: {exc.strerror or exc}") from None
    note(f"Exported {progress.rows:,} {resource.name}: {summary()}")
