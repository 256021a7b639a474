"""One command group per resource of the client, one command per resource method, built from the spec.

`settings list|get|create|update|delete`, `buttons ...`: the groups and commands follow the
resources module's OPERATION_METHODS; the options of `create` and `update` are the fields of
the request bodies, with their types, bounds and descriptions; `list` takes the list
operation's query parameters, and filters on the fields its sort parameter takes. Every resource
that can be listed can also be exported (_export_command.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import click
from voipstudio_callmeback_client.operations import Operation

from .._resource_base import FILTER_PARAMETER, PAGE_PARAMETER, method_keyword
from ._export_command import export_command, within
from ._options import (
    chosen_columns,
    chosen_output,
    filter_param,
    output_params,
    parse_filters,
    period_filters,
    period_params,
)
from ._output import default_columns, note, page_footer, print_item, print_rows
from ._spec import Resource, field_options, given, help_text, param_type, path_arguments, query_type
from ._target import Target, UsageProblem, api_errors

LIST_LIMIT = 50  # items a list command shows at once, unless --limit
ALL_LIMIT = 1000  # items a page holds when --all reads every page, unless --limit


def target() -> Target:
    found = click.get_current_context().find_object(Target)
    if found is None:  # pragma: no cover - the group always sets it
        raise click.UsageError("no target")
    return found


def describe(operation: Operation) -> str:
    """A command's help: the operation's summary and description."""
    return f"{operation.summary}.\n\n{operation.description}".strip() if operation.description else operation.summary


def conditions(resource: Resource, filters: tuple[str, ...], since: Any = None, until: Any = None) -> list[Any]:
    """--filter, --since and --until as the list's filter conditions."""
    found = parse_filters(filters, resource.field_names, resource.field_schemas, resource.timestamps)
    moment = resource.timestamp_field
    return (period_filters(moment, since, until) if moment else []) + found


# --- the commands of one resource ----------------------------------------------------------------


def list_command(resource: Resource, operation: Operation) -> click.Command:
    page_parameter = operation.parameter(PAGE_PARAMETER)
    limit_parameter = operation.parameter("limit")
    params: list[click.Parameter] = [
        click.Option(
            ["--page", "page_number"],
            type=param_type(page_parameter.schema) if page_parameter else click.IntRange(1),
            default=1,
            show_default=True,
            help="The page to show.",
        ),
        click.Option(["--all", "every_page"], is_flag=True, help="Read every page (all matching items), not one."),
    ]
    keywords: dict[str, str] = {}  # option parameter -> the list method's keyword
    for parameter in operation.parameters:
        if parameter.location != "query" or parameter.name in (PAGE_PARAMETER, FILTER_PARAMETER):
            continue
        dest = f"query_{parameter.python_name}"
        keywords[dest] = method_keyword(parameter)
        is_limit = parameter is limit_parameter
        params.append(
            click.Option(
                [f"--{parameter.name.replace('_', '-')}", dest],
                type=query_type(parameter) or bool,
                default=within(parameter.schema, LIST_LIMIT) if is_limit else None,
                show_default=is_limit,
                help=(
                    f"Items per page (with --all: {ALL_LIMIT:,} unless given)."
                    if is_limit
                    else help_text(parameter.description, parameter.schema)
                ),
            )
        )
    filtered = operation.parameter(FILTER_PARAMETER) is not None
    if filtered:
        params.append(filter_param(resource.field_names))
        if resource.timestamp_field:
            params += period_params(resource.timestamp_field)
    params += output_params(columns=True)

    def run(
        page_number: int,
        every_page: bool,
        output: str,
        as_json: bool,
        csv_raw: bool,
        columns: str | None,
        filters: tuple[str, ...] = (),
        since: datetime | date | None = None,
        until: datetime | date | None = None,
        **query: Any,
    ) -> None:
        chosen = chosen_output(output, as_json)
        shown = chosen_columns(
            columns, resource.declared_fields, default_columns(resource.name, resource.declared_fields)
        )
        arguments = {keywords[dest]: value for dest, value in query.items() if value is not None}
        context = click.get_current_context()
        limit_given = context.get_parameter_source(f"query_{limit_parameter.python_name}") if limit_parameter else None
        if every_page and limit_parameter and limit_given is click.core.ParameterSource.DEFAULT:
            arguments[method_keyword(limit_parameter)] = within(limit_parameter.schema, ALL_LIMIT)
        if filtered:
            arguments[FILTER_PARAMETER] = conditions(resource, filters, since, until)
        where = target()
        with api_errors(where.base_url), where.client() as client:
            listing = getattr(client, resource.name).list(**arguments)
            if every_page:
                items = [item.to_dict() for item in listing]
                print_rows(chosen, shown, items, {"total": len(items)}, csv_safe=not csv_raw)
                if chosen == "table":
                    note(f"{resource.name}: all {len(items):,}")
                return
            page = listing.page(page_number)
        limit = int(arguments.get(method_keyword(limit_parameter), LIST_LIMIT)) if limit_parameter else len(page.items)
        items = [item.to_dict() for item in page.items]
        envelope = {"total": page.total, "page": page.number, "limit": limit}
        print_rows(chosen, shown, items, envelope, csv_safe=not csv_raw)
        if chosen == "table":
            note(page_footer(resource.name, page.number, max(limit, 1), len(items), page.total))

    return click.Command("list", callback=run, params=params, help=describe(operation))


def get_command(resource: Resource, operation: Operation) -> click.Command:
    arguments = path_arguments(operation)

    def run(output: str, as_json: bool, csv_raw: bool, **path: Any) -> None:
        where = target()
        with api_errors(where.base_url), where.client() as client:
            found = getattr(client, resource.name).get(*_in_order(arguments, path))
            print_item(found, chosen_output(output, as_json), csv_safe=not csv_raw)

    params: list[click.Parameter] = [*(argument for _, argument in arguments), *output_params(columns=False)]
    return click.Command("get", callback=run, params=params, help=describe(operation))


def create_command(resource: Resource, operation: Operation) -> click.Command:
    options = field_options(operation, required_ones=True)

    def run(output: str, as_json: bool, csv_raw: bool, **values: Any) -> None:
        where = target()
        with api_errors(where.base_url), where.client() as client:
            created = getattr(client, resource.name).create(**given(options, values))
        print_item(created, chosen_output(output, as_json), csv_safe=not csv_raw)

    params: list[click.Parameter] = [*(option.option for option in options), *output_params(columns=False)]
    return click.Command("create", callback=run, params=params, help=describe(operation))


def update_command(resource: Resource, operation: Operation) -> click.Command:
    arguments = path_arguments(operation)
    options = field_options(operation, required_ones=False)
    fewest = operation.body.schema.get("minProperties", 0) if operation.body else 0

    def run(output: str, as_json: bool, csv_raw: bool, **values: Any) -> None:
        path = {argument.name: values.pop(argument.name) for _, argument in arguments if argument.name}
        changes = given(options, values)
        if len(changes) < fewest:
            example = f", such as {options[0].option.opts[0]}" if options else ""
            raise UsageProblem(f"give at least {'one field' if fewest == 1 else f'{fewest} fields'} to change{example}")
        where = target()
        with api_errors(where.base_url), where.client() as client:
            updated = getattr(client, resource.name).update(*_in_order(arguments, path), **changes)
        print_item(updated, chosen_output(output, as_json), csv_safe=not csv_raw)

    params = [*(argument for _, argument in arguments), *(option.option for option in options)]
    return click.Command(
        "update", callback=run, params=[*params, *output_params(columns=False)], help=describe(operation)
    )


def delete_command(resource: Resource, operation: Operation) -> click.Command:
    arguments = path_arguments(operation)

    def run(yes: bool, **path: Any) -> None:
        values = _in_order(arguments, path)
        what = f"{resource.noun} {' '.join(map(str, values))}"
        asking = not yes and sys.stdin.isatty() and sys.stderr.isatty()
        if asking and not click.confirm(f"Delete {what}?", default=False, err=True):
            note(f"Not deleted: {what}")
            raise SystemExit(1)
        where = target()
        with api_errors(where.base_url), where.client() as client:
            getattr(client, resource.name).delete(*values)
        note(f"Deleted {what}")

    params: list[click.Parameter] = [
        *(argument for _, argument in arguments),
        click.Option(["--yes", "-y"], is_flag=True, help="Do not ask first (on a terminal it asks)."),
    ]
    return click.Command("delete", callback=run, params=params, help=describe(operation))


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
        group.add_command(export_command(resource, conditions, target))
    return group
