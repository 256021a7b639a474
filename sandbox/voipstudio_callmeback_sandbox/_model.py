"""What the sandbox serves, read from openapi.yaml at start-up.

The operations are placed by the same convention as the client's resources: a
collection path (`/.../things`) answers `list` (GET, a page) and `create` (POST); an item
path (`/.../things/{id}`) answers `get`, `update` (PATCH or PUT) and `delete`. Each
resource stores the fields its item schema declares (the schema of `list`'s items or of
`get`'s `data`), may be sorted and filtered on the values of its list operation's `sort`
enum (or, when that parameter has no enum, on the names its schema takes that are fields
the sandbox has: id and those the items declare, the only ones it stores; any other name
is refused, as the spec says the service refuses a name it does not have), and is written with the fields of its
request bodies, a create filling in the `default` its body's schema gives a field left
out. A body field named after another resource's item (`button_id` names a Button,
`call_button_id` a CallButton) must hold the id of one of the caller's own.

An operation that fits no convention and has no hand-written handler cannot be served:
`read_model` lists every such operationId, and the sandbox refuses to start.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from jsonschema import Draft4Validator  # type: ignore[import-untyped] # as connexion uses it

from ._limits import shown

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PATH_PARAMETER = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")
SEGMENT = re.compile(r"^[a-z][a-z0-9_]*$")
# Where a CamelCase name starts a new word: CallButton -> Call|Button, HTTPServer -> HTTP|Server.
WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# The JSON types a column can hold; "json" is any other value (arrays, objects, untyped), stored as JSON text.
Kind = Literal["integer", "number", "boolean", "string", "json"]
Method = Literal["list", "get", "create", "update", "delete"]
# A moment every timestamp pattern of the service accepts: a string field whose pattern takes it is a timestamp.
SAMPLE_MOMENT = "2026-12-31 23:59:58"
FILTER = "filter"  # the query parameter of a list's conditions


class ModelError(ValueError):
    """The spec holds something the sandbox cannot serve (a message for the maintainer)."""


@dataclass(frozen=True)
class Field:
    """A field of a resource's items, as the spec declares it."""

    name: str
    kind: Kind
    schema: Mapping[str, Any]
    nullable: bool = True  # whether the items' schema admits null here (else a null is left out of answers)

    @property
    def timestamp(self) -> bool:
        pattern = self.schema.get("pattern")
        return self.kind == "string" and bool(pattern) and re.search(str(pattern), SAMPLE_MOMENT) is not None


@dataclass
class Resource:
    """A collection of the spec: what its items hold and how it is written, sorted and filtered."""

    name: str
    item: str = ""  # the component schema of its items
    fields: tuple[Field, ...] = ()  # declared fields but id, in the spec's order
    sortable: tuple[str, ...] = ()  # the values of the list operation's sort enum
    sort_schema: Mapping[str, Any] | None = None  # the list operation's sort parameter's schema, if it has one
    # The pattern of the list operation's filter parameter, compiled, if it has one: checked after the filter is
    # read (so that a condition the store cannot apply answers "Filtration error", naming what is wrong).
    filter_pattern: re.Pattern[str] | None = None
    writable: frozenset[str] = frozenset()  # the fields of its request bodies
    defaults: Mapping[str, Any] = field(default_factory=dict)  # create body field -> its schema's `default`
    references: Mapping[str, str] = field(default_factory=dict)  # body field -> the resource whose id it holds
    operations: dict[Method, str] = field(default_factory=dict)  # method -> operationId

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(found.name for found in self.fields)

    @property
    def open_sort(self) -> bool:
        """Whether the list's sort parameter has no enum: sort then takes the names its schema allows that
        are fields the items have (`unnameable`)."""
        return self.sort_schema is not None and "enum" not in self.sort_schema

    @property
    def held(self) -> tuple[str, ...]:
        """The fields every item has: id and those the spec declares (the store keeps no others)."""
        return ("id", *self.columns)

    def unnameable(self, name: Any) -> str | None:
        """Why sort and filters may not name this, or None when they may. Both take the same names
        (one place for both, the spec's sort parameter): its enum's values; without an enum, the names
        its schema allows that are fields the items have (`held`). A name the spec's sort allows but
        the sandbox does not have (a field it does not store, its owner column, SQLite's row id) is
        refused, as the spec says the service refuses one: it would order or select nothing."""
        if not self.open_sort:
            if name in self.sortable:
                return None
            return f"{shown(repr(name))} is not a field {self.name} can be filtered on: {', '.join(self.sortable)}"
        error = next(iter(Draft4Validator(self.sort_schema).iter_errors(name)), None)
        if error is not None:
            return f"{shown(repr(name))} is not a field name {self.name} takes: {shown(error.message)}"
        if name in self.held:
            return None
        return f"{shown(repr(name))} is not a field {self.name} has: {', '.join(self.held)}"

    def field(self, name: str) -> Field | None:
        for found in self.fields:
            if found.name == name:
                return found
        return None


@dataclass(frozen=True)
class Route:
    """How an operation is served: a resource method, by convention."""

    operation_id: str
    resource: str
    method: Method
    status: int  # the success status
    links: bool = False  # whether the answer's envelope has `links` (answered as {})
    parameter: str | None = None  # the name of an item path's parameter (its `{name}`), which holds the id


@dataclass
class Model:
    resources: dict[str, Resource]
    routes: dict[str, Route]  # operationId -> route
    unserved: dict[str, str]  # operationId -> why it cannot be served


def operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(METHOD, path, path item, operation) of every operation, in the spec's order."""
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item, item[method]


def component(spec: Mapping[str, Any], node: Any) -> tuple[str | None, dict[str, Any]]:
    """(component name, schema) of a schema that may be a $ref to components/schemas."""
    name = None
    seen = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 32:
        ref = node["$ref"]
        target: Any = spec
        for token in ref[2:].split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        if ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
        node, seen = target, seen + 1
    return name, dict(node) if isinstance(node, Mapping) else {}


def resolved(spec: Mapping[str, Any], node: Any) -> dict[str, Any]:
    return component(spec, node)[1]


def admits_null(spec: Mapping[str, Any], node: Any) -> bool:
    """Whether a schema admits null: nullable, an enum that lists it, a union with a member that does, or
    no type at all (any JSON value)."""
    schema = resolved(spec, node)
    if schema.get("nullable") is True:
        return True
    if "enum" in schema:
        return None in schema["enum"]
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return any(admits_null(spec, member) for member in schema[union])
    if "allOf" in schema:
        return all(admits_null(spec, member) for member in schema["allOf"])
    return "type" not in schema and "properties" not in schema and "items" not in schema


def kind_of(schema: Mapping[str, Any]) -> Kind:
    found = schema.get("type")
    return found if found in ("integer", "number", "boolean", "string") else "json"


def json_schema(spec: Mapping[str, Any], owner: Mapping[str, Any], status: str | None = None) -> Any:
    """The JSON schema of a request body (status None) or of an answer with this status."""
    holder = owner.get("requestBody") if status is None else (owner.get("responses") or {}).get(status)
    content = (resolved(spec, holder) if holder else {}).get("content") or {}
    return (content.get("application/json") or {}).get("schema")


def parameters(spec: Mapping[str, Any], item: Mapping[str, Any], operation: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = {}
    for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = resolved(spec, raw)
        found[(parameter.get("in"), parameter.get("name"))] = parameter
    return list(found.values())


def place(path: str, method: str, path_parameters: int) -> tuple[str, Method] | str:
    """(resource, method) by convention, or why no convention fits. The one definition of the
    convention: scripts/lib/join.py places the client's resource methods with it too, so the
    sandbox serves every operation the client reaches, under the same name."""
    segments = path.strip("/").split("/")
    if PATH_PARAMETER.match(segments[-1]) and path_parameters == 1 and len(segments) >= 2:
        resource, shape = segments[-2], "item"
    elif not PATH_PARAMETER.match(segments[-1]) and path_parameters == 0:
        resource, shape = segments[-1], "collection"
    else:
        return "its path is neither a collection (/.../things) nor one of its items (/.../things/{id})"
    if not SEGMENT.match(resource):
        return f"its collection {resource!r} is not a plain name"
    methods: dict[tuple[str, str], Method] = {
        ("collection", "GET"): "list",
        ("collection", "POST"): "create",
        ("item", "GET"): "get",
        ("item", "PATCH"): "update",
        ("item", "PUT"): "update",
        ("item", "DELETE"): "delete",
    }
    chosen = methods.get((shape, method))
    if chosen is None:
        return f"{method} on {'an item' if shape == 'item' else 'a collection'} has no conventional method"
    return resource, chosen


def snake_case(name: str) -> str:
    """A schema's name as a field names it: CallButton -> call_button."""
    return WORD_START.sub("_", name).lower()


def success_status(operation: Mapping[str, Any]) -> str | None:
    codes = sorted(code for code in (operation.get("responses") or {}) if str(code).isdigit() and str(code)[0] == "2")
    return str(codes[0]) if codes else None


def defaults(spec: Mapping[str, Any], body_schema: Mapping[str, Any]) -> dict[str, Any]:
    """The `default` the schema of each field of a request body gives, by field."""
    found = {}
    for field_name, prop in (body_schema.get("properties") or {}).items():
        schema = resolved(spec, prop)
        if "default" in schema:
            found[field_name] = schema["default"]
    return found


def read_model(spec: Mapping[str, Any], hand_written: frozenset[str] = frozenset()) -> Model:
    """The resources and routes of the spec; `hand_written` names operations served by hand."""
    resources: dict[str, Resource] = {}
    routes: dict[str, Route] = {}
    unserved: dict[str, str] = {}
    bodies: dict[str, list[dict[str, Any]]] = {}
    for method, path, item, operation in operations(spec):
        operation_id = operation.get("operationId") or f"{method} {path}"
        if operation_id in hand_written:
            continue
        in_path = [p for p in parameters(spec, item, operation) if p.get("in") == "path"]
        placed = place(path, method, len(in_path))
        if isinstance(placed, str):
            unserved[operation_id] = placed
            continue
        name, verb = placed
        resource = resources.setdefault(name, Resource(name=name))
        if verb in resource.operations:
            unserved[operation_id] = f"{name} {verb} is already {resource.operations[verb]}"
            continue
        status = success_status(operation)
        answer = json_schema(spec, operation, status) if status else None
        _, envelope = component(spec, answer)
        data = (envelope.get("properties") or {}).get("data")
        if verb == "list":
            items = resolved(spec, data).get("items") if data else None
            total = (envelope.get("properties") or {}).get("total")
            if items is None or total is None:
                unserved[operation_id] = "a list answers {data: [...], total: N}"
                continue
            item_name, item_schema = component(spec, items)
            sort = next((p for p in parameters(spec, item, operation) if p.get("name") == "sort"), None)
            sort_schema = resolved(spec, (sort or {}).get("schema"))
            resource.sortable = tuple(sort_schema.get("enum") or ())
            resource.sort_schema = sort_schema if sort is not None else None
            filter_ = next((p for p in parameters(spec, item, operation) if p.get("name") == FILTER), None)
            pattern = resolved(spec, (filter_ or {}).get("schema")).get("pattern")
            resource.filter_pattern = re.compile(str(pattern)) if pattern else None
        elif verb == "delete":
            item_name, item_schema = None, {}
        else:
            if data is None:
                unserved[operation_id] = f"a {verb} answers {{data: {{...}}}}"
                continue
            item_name, item_schema = component(spec, data)
        if verb in ("create", "update"):
            body = json_schema(spec, operation)
            _, body_schema = component(spec, body)
            if body_schema.get("type") != "object":
                unserved[operation_id] = f"a {verb} takes a JSON object"
                continue
            bodies.setdefault(name, []).append(body_schema)
            if verb == "create":
                resource.defaults = defaults(spec, body_schema)
        if item_name is not None:
            if resource.item and resource.item != item_name:
                unserved[operation_id] = f"its items are {item_name}, {name}'s other operations' {resource.item}"
                continue
            resource.item = item_name
            resource.fields = tuple(
                Field(field_name, kind_of(resolved(spec, prop)), resolved(spec, prop), admits_null(spec, prop))
                for field_name, prop in (item_schema.get("properties") or {}).items()
                if field_name != "id"
            )
        if status is None:
            unserved[operation_id] = "it documents no success status"
            continue
        resource.operations[verb] = operation_id
        routes[operation_id] = Route(
            operation_id,
            name,
            verb,
            int(status),
            "links" in (envelope.get("properties") or {}),
            str(in_path[0].get("name")) if in_path else None,
        )
    by_item = {snake_case(resource.item): resource.name for resource in resources.values() if resource.item}
    for name, schemas in bodies.items():
        resource = resources[name]
        written = {
            field_name: resolved(spec, prop)
            for schema in schemas
            for field_name, prop in (schema.get("properties") or {}).items()
        }
        writable = set(written)
        resource.writable = frozenset(writable)
        # A field the items leave untyped (any JSON value) but the bodies type is stored with the bodies' type.
        resource.fields = tuple(
            Field(found.name, kind_of(written[found.name]), found.schema, found.nullable)
            if found.kind == "json" and found.name in written and kind_of(written[found.name]) != "json"
            else found
            for found in resource.fields
        )
        resource.references = {
            field_name: by_item[field_name.removesuffix("_id")]
            for field_name in sorted(writable)
            if field_name.endswith("_id") and field_name.removesuffix("_id") in by_item
        }
    for resource in resources.values():
        unknown = [name for name in resource.sortable if name != "id" and resource.field(name) is None]
        if unknown:
            listing = resource.operations.get("list")
            raise ModelError(f"the sort enum of {listing} names fields its items lack: {unknown}")
    return Model(resources=resources, routes=routes, unserved=unserved)
