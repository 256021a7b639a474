"""What the commands know of the API, all of it read from the generated package: which resources
and methods exist (the resources module's OPERATION_METHODS), and each operation's parameters and
fields with their types, bounds and descriptions (OPERATIONS, copied from openapi.yaml).

A field added to a request body becomes an option of `create` and `update`; an operation that
gets a resource method becomes a command of that resource's group.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import click
from voipstudio_callmeback_client.operations import OPERATIONS, TAGS, Operation, Parameter

from .. import format_timestamp
from .._resources import OPERATION_METHODS, RESOURCE_ITEMS

# The resource methods that have a command of the same name, in the order help lists them.
METHODS = ("list", "get", "create", "update", "delete")
# The list parameter that names the field to sort on; the same fields are those a filter can name.
SORT_PARAMETER = "sort"
# Options the commands have of their own; a field of the same name gets `--<name>-field`.
RESERVED_OPTIONS = frozenset({"json", "help", "h", "output", "o", "columns", "yes", "y"})
# A moment every timestamp pattern of the service accepts: a field whose pattern takes it is a timestamp.
_SAMPLE_MOMENT = format_timestamp(datetime(2026, 12, 31, 23, 59, 58))


@dataclass(frozen=True)
class Resource:
    """A resource of the client and the operations of its methods."""

    name: str
    item: type[Any] | None
    operations: Mapping[str, Operation]

    @property
    def description(self) -> str:
        """The description of the spec's tag of its operations."""
        tag = next(iter(self.operations.values())).tag
        return TAGS.get(tag) or tag

    @property
    def noun(self) -> str:
        """One item in words: `Setting` -> "setting"."""
        if self.item is None:
            return self.name
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", self.item.__name__).lower()

    @property
    def item_schema(self) -> Mapping[str, Any]:
        """The JSON schema of one item, from the answer of `list` (its data's items) or `get` (its data)."""
        for method, path in (("list", ("data", "items")), ("get", ("data",)), ("create", ("data",))):
            operation = self.operations.get(method)
            schema: Any = None if operation is None else operation.response_schema
            for key in path:
                schema = None if not isinstance(schema, Mapping) else (schema.get("properties") or schema).get(key)
            if isinstance(schema, Mapping):
                return schema
        return {}

    @property
    def declared_fields(self) -> list[str]:
        """The fields the spec declares for the items, in its order."""
        return list(self.item_schema.get("properties") or {})

    @property
    def field_schemas(self) -> dict[str, Mapping[str, Any]]:
        """The JSON schema of each declared field of the items."""
        return dict(self.item_schema.get("properties") or {})

    @property
    def field_names(self) -> Mapping[str, Any]:
        """The schema of the names of the fields the list can be sorted and filtered on: its sort
        parameter's (the spec's one place for both). Its enum names them; without one, any name its
        pattern and length allow is taken (field_name_problem); {} when the list has no sort parameter."""
        operation = self.operations.get("list")
        sort = operation.parameter(SORT_PARAMETER) if operation is not None else None
        return {} if sort is None else sort.schema

    @property
    def timestamps(self) -> list[str]:
        """The declared fields that hold timestamps."""
        return [name for name, schema in self.field_schemas.items() if _is_timestamp(schema)]

    @property
    def timestamp_field(self) -> str | None:
        """The first declared field that holds a timestamp, the one --since and --until filter on."""
        found = self.timestamps
        return found[0] if found else None


def _is_timestamp(schema: Mapping[str, Any]) -> bool:
    pattern = schema.get("pattern") if isinstance(schema, Mapping) else None
    return schema.get("type") == "string" and bool(pattern) and re.search(str(pattern), _SAMPLE_MOMENT) is not None


def resources() -> list[Resource]:
    """The client's resources in the spec's order, each with the operations of its methods."""
    found: dict[str, dict[str, Operation]] = {}
    for operation_id, (resource, method) in OPERATION_METHODS.items():
        found.setdefault(resource, {})[method] = OPERATIONS[operation_id]
    return [
        Resource(name=name, item=RESOURCE_ITEMS.get(name), operations=dict(sorted(methods.items(), key=_order)))
        for name, methods in found.items()
    ]


def _order(pair: tuple[str, Operation]) -> int:
    return METHODS.index(pair[0]) if pair[0] in METHODS else len(METHODS)


# --- option types from JSON schemas -----------------------------------------------------------


class JsonValue(click.ParamType[Any, Any]):
    """Any JSON value, written as JSON (`'["a", 1]'`); text that is not JSON is taken as a string."""

    name = "json"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value


@dataclass(frozen=True)
class WholeArray:
    """An array option's value written as one JSON array (`'["a", "b"]'`, `'[]'` to send an empty one)."""

    items: list[Any]


class ArrayItem(click.ParamType[Any, Any]):
    """One item of an array field, given once per item (`--hidden-on /a --hidden-on /b`) and typed by the
    items' schema; a value that is a whole JSON array is taken as the array."""

    name = "item"

    def __init__(self, items: Mapping[str, Any]) -> None:
        self.items = items
        self.inner = param_type(items) or click.BOOL

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.lstrip().startswith("["):
            try:
                whole = json.loads(value)
            except ValueError:
                whole = None
            if isinstance(whole, list):
                return WholeArray(whole)
        if isinstance(self.inner, click.ParamType):
            return self.inner.convert(value, param, ctx)
        return self.inner(value)


class ObjectPart(click.ParamType[Any, Any]):
    """Part of an object field: `KEY=VALUE` (the value typed by the member's schema), or a JSON object;
    given as often as needed, the parts are merged in order."""

    name = "key=value"

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dict):
            return value
        text = str(value)
        if text.lstrip().startswith("{"):
            try:
                found = json.loads(text)
            except ValueError as exc:
                self.fail(f"{text!r} is not a JSON object: {exc}", param, ctx)
            if not isinstance(found, dict):
                self.fail(f"{text!r} is not a JSON object", param, ctx)
            return found
        key, equals, raw = text.partition("=")
        if not equals or not key:
            self.fail(f"{text!r} is neither KEY=VALUE nor a JSON object", param, ctx)
        properties = self.schema.get("properties") or {}
        member = properties.get(key)
        if member is None:
            extra = self.schema.get("additionalProperties", True)
            if extra is False or (properties and not isinstance(extra, Mapping)):
                known = ", ".join(properties)
                self.fail(f"{key!r} is not a member of this object: {known}", param, ctx)
            member = extra if isinstance(extra, Mapping) else {}
        kind = param_type(member)
        if kind is None:
            return {key: click.BOOL.convert(raw, param, ctx)}
        return {key: kind.convert(raw, param, ctx) if isinstance(kind, click.ParamType) else kind(raw)}


def _maximum(schema: Mapping[str, Any]) -> Any:
    """The schema's maximum, unless it only restates the largest value of its integer format."""
    high = schema.get("maximum")
    if schema.get("format") in ("int32", "int64") and high in (2**31 - 1, 2**63 - 1):
        return None
    return high


def length_text(schema: Mapping[str, Any]) -> str:
    """The length bounds of a string schema in words, for help texts (click shows numeric ranges itself)."""
    short, long = schema.get("minLength"), schema.get("maxLength")
    if long is not None:
        return f"{short or 0} to {long} characters"
    if short is not None and short > 1:
        return f"at least {short} characters"
    return ""


def param_type(schema: Mapping[str, Any]) -> Any:
    """The click type of a value the schema allows (None for a boolean, which is a flag)."""
    kind = schema.get("type")
    if "enum" in schema:
        return click.Choice([str(value) for value in schema["enum"] if value is not None], case_sensitive=False)
    if kind == "integer":
        return click.IntRange(schema.get("minimum"), _maximum(schema))
    if kind == "number":
        return click.FloatRange(schema.get("minimum"), schema.get("maximum"))
    if kind == "boolean":
        return None
    if kind == "string":
        return str
    return JsonValue()


def field_name_problem(schema: Mapping[str, Any], name: str) -> str | None:
    """Why `name` is not a field the schema of a list's sort parameter takes (its enum, else its
    pattern and length), in words that say what would be; None when it is one."""
    if "enum" in schema:
        known = [str(value) for value in schema["enum"]]
        return None if name in known else f"use one of {', '.join(known)}"
    pattern = schema.get("pattern")
    if pattern and re.search(str(pattern), name) is None:
        return f"a field name matches {pattern}"
    short, long = schema.get("minLength"), schema.get("maxLength")
    if (short is not None and len(name) < short) or (long is not None and len(name) > long):
        return f"a field name is {length_text(schema)}"
    return None


class FieldName(click.ParamType[str, Any]):
    """The name of a field to sort on, for a list whose sort parameter has no enum: any name its schema allows."""

    name = "field"

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        problem = field_name_problem(self.schema, text)
        if problem is not None:
            self.fail(f"{text!r} is not a field name: {problem}", param, ctx)
        return text


def query_type(parameter: Parameter) -> Any:
    """The click type of a list's query parameter: the sort parameter without an enum takes a field name."""
    if parameter.name == SORT_PARAMETER and "enum" not in parameter.schema and parameter.schema.get("type") == "string":
        return FieldName(parameter.schema)
    return param_type(parameter.schema)


def help_text(description: str, schema: Mapping[str, Any]) -> str:
    words = description.strip()
    limits = length_text(schema) if schema.get("type") == "string" else ""
    if limits:
        words = f"{words} ({limits})" if words else limits.capitalize()
    return words


def metavar(schema: Mapping[str, Any]) -> str | None:
    """How help shows an option's value: INTEGER, NUMBER, TEXT, JSON (None: click's own, for choices)."""
    if "enum" in schema:
        return None
    return {"integer": "INTEGER", "number": "NUMBER", "string": "TEXT"}.get(schema.get("type", ""), "JSON")


def option_name(name: str) -> str:
    """`--` and the field's name with dashes: `--floating-icon`; `--json-field` where it would clash."""
    dashed = name.replace("_", "-")
    return f"--{dashed}-field" if dashed in RESERVED_OPTIONS else f"--{dashed}"


@dataclass(frozen=True)
class FieldOption:
    """A request body field as a command option: `dest` is the option's parameter name, `field_<name>`,
    which no other parameter of a command has (--output's `output`, the path's `id`...)."""

    name: str
    dest: str
    option: click.Option


def _merged(schema: Mapping[str, Any]) -> dict[str, Any]:
    """An allOf as one schema: its members' properties and required members, its own words first."""
    merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
    for member in schema["allOf"]:
        part = _merged(member) if isinstance(member, Mapping) and "allOf" in member else dict(member)
        merged["properties"] = {**(merged.get("properties") or {}), **(part.pop("properties", None) or {})}
        merged["required"] = [*(merged.get("required") or []), *(part.pop("required", None) or [])]
        for key, value in part.items():
            merged.setdefault(key, value)
    return merged


def field_options(operation: Operation, *, required_ones: bool) -> list[FieldOption]:
    """One option per field of the operation's request body (the spec's required ones required if `required_ones`)."""
    if operation.body is None:
        return []
    schema = operation.body.schema
    required = set(schema.get("required", [])) if required_ones else set()
    options = []
    for index, (name, field) in enumerate((schema.get("properties") or {}).items()):
        # A name that is no identifier gets its place; identifiers never start with a digit, so the two never meet.
        dest = f"field_{name}" if name.isidentifier() else f"field_{index}"
        if "allOf" in field:  # a composition: one object of its members' members
            field = _merged(field)
        kind = param_type(field)
        described = help_text(field.get("description", ""), field)
        items = field.get("items")
        if field.get("type") == "array" and isinstance(items, Mapping):
            flag = option_name(name)
            hint = f"repeat for each item: {flag} A {flag} B; or one JSON array, '[]' for none"
            option = click.Option(
                [flag, dest],
                type=ArrayItem(items),
                multiple=True,
                required=name in required,
                help=f"{described} ({hint})" if described else hint.capitalize(),
                metavar=metavar(items) if items.get("type") in ("integer", "number", "string") else "JSON",
            )
        elif field.get("type") == "object" or "properties" in field:
            hint = "KEY=VALUE, repeatable, or a JSON object"
            option = click.Option(
                [option_name(name), dest],
                type=ObjectPart(field),
                multiple=True,
                required=name in required,
                help=f"{described} ({hint})" if described else hint.capitalize(),
                metavar="KEY=VALUE|JSON",
            )
        elif kind is None:
            flag = option_name(name)
            option = click.Option([f"{flag}/--no-{flag[2:]}", dest], default=None, help=described)
        else:
            option = click.Option(
                [option_name(name), dest], type=kind, required=name in required, help=described, metavar=metavar(field)
            )
        options.append(FieldOption(name=name, dest=dest, option=option))
    return options


def path_arguments(operation: Operation) -> list[tuple[Parameter, click.Argument]]:
    """One argument per path parameter (`ID`), typed and bounded by its schema."""
    found = []
    for parameter in operation.parameters:
        if parameter.location == "path":
            kind = param_type(parameter.schema) or str
            found.append((parameter, click.Argument([parameter.python_name], type=kind)))
    return found


def given(options: list[FieldOption], values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the user set, by their JSON names: repeated options as their array (items) or object (parts
    merged), those not given left out."""
    found: dict[str, Any] = {}
    for option in options:
        value = values.get(option.dest)
        if value is None or value == ():
            continue
        if isinstance(option.option.type, ArrayItem):
            items: list[Any] = []
            for part in value:
                items += part.items if isinstance(part, WholeArray) else [part]
            value = items
        elif isinstance(option.option.type, ObjectPart):
            merged: dict[str, Any] = {}
            for part in value:
                merged.update(part)
            value = merged
        found[option.name] = value
    return found
