"""One command group per resource of the client, one command per resource method, built from the spec.

`settings list|get|create|update|delete`, `buttons ...`: the groups and commands follow the
resources module's OPERATION_METHODS; the options of `create` and `update` are the fields of
the request bodies, with their types, bounds and descriptions; `list` takes the list
operation's query parameters. Every resource that can be listed can also be exported.
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
from voipstudio_callmeback_client.operations import Operation

from .._exceptions import CallMeBackError
from .._resource_base import FILTER_PARAMETER, PAGE_PARAMETER, method_keyword
from ._export import FORMATS, Export, Format, export
from ._options import Moment, filter_param, json_param, parse_filters, period_filters
from ._output import print_item, print_page, stderr_console
from ._spec import Resource, field_options, given, help_text, param_type, path_arguments
from ._target import INTERRUPTED, ApiFailure, Target, UsageProblem, api_errors

LIST_LIMIT = 50  # items a list command shows at once, unless --limit
EXPORT_LIMIT = 1000  # items an export asks for per page, unless --limit
EXPORT_CONCURRENCY = 4


def target() -> Target:
    found = click.get_current_context().find_object(Target)
    if found is None:  # pragma: no cover - the group always sets it
        raise click.UsageError("no target")
    return found


def describe(operation: Operation) -> str:
    """A command's help: the operation's summary and description."""
    return f"{operation.summary}.\n\n{operation.description}".strip() if operation.description else operation.summary


def within(schema: Any, wanted: int) -> int:
    """wanted, moved into the schema's bounds."""
    low, high = schema.get("minimum"), schema.get("maximum")
    if high is not None:
        wanted = min(wanted, high)
    return max(wanted, low) if low is not None else wanted


# --- the commands of one resource ----------------------------------------------------------------


def list_command(resource: Resource, operation: Operation) -> click.Command:
    page_parameter = operation.parameter(PAGE_PARAMETER)
    params: list[click.Parameter] = [
        click.Option(
            ["--page", "page_number"],
            type=param_type(page_parameter.schema) if page_parameter else click.IntRange(1),
            default=1,
            show_default=True,
            help="The page to show.",
        )
    ]
    keywords: dict[str, str] = {}  # option parameter -> the list method's keyword
    for parameter in operation.parameters:
        if parameter.location != "query" or parameter.name in (PAGE_PARAMETER, FILTER_PARAMETER):
            continue
        dest = f"query_{parameter.python_name}"
        keywords[dest] = method_keyword(parameter)
        default = within(parameter.schema, LIST_LIMIT) if parameter.name == "limit" else None
        params.append(
            click.Option(
                [f"--{parameter.name.replace('_', '-')}", dest],
                type=param_type(parameter.schema) or bool,
                default=default,
                show_default=default is not None,
                help=help_text(parameter.description, parameter.schema),
            )
        )

    def run(page_number: int, filters: tuple[str, ...], as_json: bool, **query: Any) -> None:
        arguments = {keywords[dest]: value for dest, value in query.items() if value is not None}
        if operation.parameter(FILTER_PARAMETER) is not None:
            arguments[FILTER_PARAMETER] = parse_filters(filters)
        elif filters:
            raise UsageProblem(f"{resource.name} cannot be filtered")
        with api_errors(), target().client() as client:
            page = getattr(client, resource.name).list(**arguments).page(page_number)
        limit = arguments.get("limit", len(page.items) or 1)
        print_page(resource.name, resource.declared_fields, page, limit, as_json)

    return click.Command("list", callback=run, params=[*params, filter_param(), json_param()], help=describe(operation))


def get_command(resource: Resource, operation: Operation) -> click.Command:
    arguments = path_arguments(operation)

    def run(as_json: bool, **path: Any) -> None:
        with api_errors(), target().client() as client:
            print_item(getattr(client, resource.name).get(*_in_order(arguments, path)), as_json)

    return click.Command(
        "get", callback=run, params=[*(argument for _, argument in arguments), json_param()], help=describe(operation)
    )


def create_command(resource: Resource, operation: Operation) -> click.Command:
    options = field_options(operation, required_ones=True)

    def run(as_json: bool, **values: Any) -> None:
        with api_errors(), target().client() as client:
            print_item(getattr(client, resource.name).create(**given(options, values)), as_json)

    return click.Command(
        "create", callback=run, params=[*(option.option for option in options), json_param()], help=describe(operation)
    )


def update_command(resource: Resource, operation: Operation) -> click.Command:
    arguments = path_arguments(operation)
    options = field_options(operation, required_ones=False)
    fewest = operation.body.schema.get("minProperties", 0) if operation.body else 0

    def run(as_json: bool, **values: Any) -> None:
        path = {name: values.pop(name) for name in [argument.name for _, argument in arguments] if name}
        changes = given(options, values)
        if len(changes) < fewest:
            example = f", such as {options[0].option.opts[0]}" if options else ""
            raise UsageProblem(f"give at least {'one field' if fewest == 1 else f'{fewest} fields'} to change{example}")
        with api_errors(), target().client() as client:
            print_item(getattr(client, resource.name).update(*_in_order(arguments, path), **changes), as_json)

    params = [*(argument for _, argument in arguments), *(option.option for option in options), json_param()]
    return click.Command("update", callback=run, params=params, help=describe(operation))


def delete_command(resource: Resource, operation: Operation) -> click.Command:
    arguments = path_arguments(operation)

    def run(**path: Any) -> None:
        values = _in_order(arguments, path)
        with api_errors(), target().client() as client:
            getattr(client, resource.name).delete(*values)
        stderr_console().print(f"Deleted {resource.noun} {' '.join(map(str, values))}")

    return click.Command(
        "delete", callback=run, params=[argument for _, argument in arguments], help=describe(operation)
    )


def _in_order(arguments: list[tuple[Any, click.Argument]], values: dict[str, Any]) -> list[Any]:
    return [values[argument.name] for _, argument in arguments if argument.name]


BUILDERS: dict[str, Callable[[Resource, Operation], click.Command]] = {
    "list": list_command,
    "get": get_command,
    "create": create_command,
    "update": update_command,
    "delete": delete_command,
}


def resource_group(resource: Resource) -> click.Group:
    """The command group of a resource: a command per method, and `export` for one that lists."""
    group = click.Group(resource.name, help=resource.description)
    for method, operation in resource.operations.items():
        group.add_command(BUILDERS[method](resource, operation))
    if "list" in resource.operations:
        group.add_command(export_command(resource))
    return group


# --- exports ---------------------------------------------------------------------------------------


def choose_format(format: Format | None, out: str) -> Format:
    if format is not None:
        return format
    return "jsonl" if Path(out).suffix.lower() in (".jsonl", ".ndjson") else "csv"


def export_command(resource: Resource) -> click.Command:
    operation = resource.operations["list"]
    limit_parameter = operation.parameter("limit")
    limit_schema = limit_parameter.schema if limit_parameter else {}
    moment = resource.timestamp_field
    params: list[click.Parameter] = []
    if moment is not None:
        params += [
            click.Option(["--since"], type=Moment(), help=f"Only items with {moment} at or after this date or moment."),
            click.Option(
                ["--until"],
                type=Moment(),
                help=f"Only items with {moment} up to this moment, or through this whole date.",
            ),
        ]
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
        click.Option(["--no-progress"], is_flag=True, help="Show no progress bar."),
    ]

    def run(
        filters: tuple[str, ...],
        since: datetime | date | None = None,
        until: datetime | date | None = None,
        **options: Any,
    ) -> None:
        conditions = (period_filters(moment, since, until) if moment else []) + parse_filters(filters)
        run_export(target(), resource, conditions, **options)

    period = f", or those of a period of {moment} (--since, --until)," if moment else ""
    return click.Command(
        "export",
        callback=run,
        params=[*params, filter_param()],
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
        disable=no_progress,
        transient=False,
    )
    task = bar.add_task(resource.name, total=None)

    def on_page(state: Export) -> None:
        bar.update(task, completed=state.rows, total=state.total)

    with api_errors():  # credentials and arguments, checked before the file is touched
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
            if file is sys.stdout:
                file.flush()
            else:
                file.close()
    except KeyboardInterrupt:
        stderr_console().print(f"Interrupted: {summary()}")
        raise SystemExit(INTERRUPTED) from None
    except CallMeBackError as exc:
        raise ApiFailure(f"{exc}; {summary()}") from None
    except BrokenPipeError:  # the reader of standard output left: click exits quietly
        raise
    except OSError as exc:  # the disk is full, the file system went away
        raise click.ClickException(f"cannot write {where}: {exc.strerror or exc}") from None
    stderr_console().print(f"Exported {progress.rows:,} {resource.name}: {summary()}")
