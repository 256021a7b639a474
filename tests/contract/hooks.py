"""Schemathesis hooks for openapi.yaml, loaded by schemathesis.toml (CLI and pytest alike).

What the spec can only say in words, for *positive* cases only (negative cases keep their
invalid values, so their rejection is still tested):

- `filter` is a JSON array of conditions on the fields the list's `sort` enum names (a
  JSON value inside a query string cannot be described by a schema that every generator
  understands), so an arbitrary string is swapped for a valid filter on those fields.
- A body field that holds another resource's id (`button_id`) must name one of the
  caller's own, which no schema can say; a random id is refused with 400, as the
  service's validation does (docs/spec-decisions.md). Such fields are left out.
- Half of the valid logins are made with the sandbox's demo account, so that a
  successful login is tested as well.
"""

from __future__ import annotations

import json
import math
import zlib
from typing import Any

import schemathesis
from voipstudio_callmeback_sandbox.convention import snake_case

OPERATORS = ("eq", "like", "gt", "gte", "lt", "lte")


def resolver(document: dict[str, Any]) -> Any:
    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    return resolve


def listed_fields(case: Any) -> list[str]:
    """The fields a list operation can be sorted and filtered on: the values of its `sort` enum (`id`
    where its `sort` takes any name: visitors, whose fields the spec does not list)."""
    resolve = resolver(case.operation.schema.raw_schema)
    operation = case.operation.definition.raw
    for parameter in map(resolve, operation.get("parameters", [])):
        if parameter.get("name") == "sort":
            return sorted(resolve(parameter["schema"]).get("enum") or ["id"])
    return ["id"]


def reference_fields(operation: Any, body: dict[str, Any]) -> set[str]:
    """Body fields that hold another resource's id, `<noun>_id` where the spec has a schema named Noun, whose
    value is one the field's schema allows (an invalid one is what a negative case tests: it stays)."""
    document = operation.schema.raw_schema
    resolve = resolver(document)
    nouns = {snake_case(name) for name in document.get("components", {}).get("schemas", {})}
    request = resolve(operation.definition.raw.get("requestBody") or {})
    schema = resolve(request.get("content", {}).get("application/json", {}).get("schema") or {})
    found = set()
    for name, value in body.items():
        prop = resolve(schema.get("properties", {}).get(name) or {})
        low, high = prop.get("minimum", -math.inf), prop.get("maximum", math.inf)
        valid = type(value) is int and low <= value <= high
        if name.endswith("_id") and name.removesuffix("_id") in nouns and valid:
            found.add(name)
    return found


def without_references(operation: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The body with its reference fields left out; an update body (minProperties, nothing required) left empty
    gets a text field instead (a create left empty lacks its required fields, as a negative case may mean it to)."""
    references = reference_fields(operation, body)
    kept = {name: value for name, value in body.items() if name not in references}
    if kept or not body:
        return kept
    resolve = resolver(operation.schema.raw_schema)
    request = resolve(operation.definition.raw["requestBody"])
    schema = resolve(request["content"]["application/json"]["schema"])
    if not schema.get("minProperties") or schema.get("required"):
        return kept
    for name, prop in schema.get("properties", {}).items():
        prop = resolve(prop)
        if prop.get("type") == "string" and not {"format", "enum", "pattern"} & set(prop):
            return {name: "schemathesis"}
    return kept


def is_valid_filter(value: str, fields: list[str]) -> bool:
    try:
        conditions = json.loads(value)
    except ValueError:
        return False
    return isinstance(conditions, list) and all(
        isinstance(c, dict)
        and set(c) == {"property", "operator", "value"}
        and c["property"] in fields
        and c["operator"] in OPERATORS
        and isinstance(c["value"], str | int | float | bool)
        and (c["operator"] != "like" or isinstance(c["value"], str))
        for c in conditions
    )


def valid_filter(seed: int, fields: list[str]) -> str:
    """A valid filter of one to three conditions, chosen by seed."""
    conditions = []
    for index in range(1 + seed % 3):
        operator = OPERATORS[(seed >> (2 + index)) % len(OPERATORS)]
        value: Any = f"%{seed % 97}%" if operator == "like" else seed % 10_000
        conditions.append({"property": fields[(seed >> index) % len(fields)], "operator": operator, "value": value})
    return json.dumps(conditions)


DEMO_LOGIN = {"email": "demo@example.com", "password": "demo"}


def uses_demo_login(body: dict[str, Any]) -> bool:
    """Half of the valid logins use the sandbox's demo account, so that the 200 path is tested too."""
    email = body.get("email")
    return isinstance(email, str) and zlib.crc32(email.encode()) % 2 == 0


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_positive:
        return case
    if case.method.upper() == "GET" and case.query and ({"sort", "filter"} & set(case.query)):
        fields = listed_fields(case)
        sort, filter_ = case.query.get("sort"), case.query.get("filter")
        if isinstance(sort, str) and sort not in fields:
            case.query["sort"] = fields[zlib.crc32(sort.encode()) % len(fields)]
        if isinstance(filter_, str) and not is_valid_filter(filter_, fields):
            case.query["filter"] = valid_filter(zlib.crc32(filter_.encode()), fields)
    elif case.operation.path == "/login" and isinstance(case.body, dict) and uses_demo_login(case.body):
        case.body = {**case.body, **DEMO_LOGIN}
    return case


@schemathesis.hook
def map_body(context: Any, body: Any) -> Any:
    """Every generated body, in every phase (the stateful one included): references left out."""
    if context.operation is None or not isinstance(body, dict) or not reference_fields(context.operation, body):
        return body
    return without_references(context.operation, body)
