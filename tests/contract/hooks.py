"""Schemathesis hooks for openapi.yaml, loaded by schemathesis.toml (CLI and pytest alike).

`sort` and `filter` are strings whose valid values depend on the resource: `sort` names
one of its fields, `filter` is a JSON array of conditions on its fields. The spec says so
in words (a JSON value inside a query string cannot be described by a schema that every
generator understands), so schemathesis generates arbitrary strings for them, which the
service rightly refuses with 400. For *positive* cases only, this hook swaps such values
for valid ones, chosen from the fields the spec gives the listed resource; negative cases
keep their invalid values, so their rejection is still tested. Half of the valid logins
are made with the sandbox's demo account, so that a successful login is tested as well.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import schemathesis

OPERATORS = ("eq", "like", "gt", "gte", "lt", "lte")


def listed_fields(case: Any) -> list[str]:
    """The fields of the items a list operation returns, from its 200 response schema."""
    document = case.operation.schema.raw_schema

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    response = resolve(case.operation.definition.raw["responses"]["200"])
    envelope = resolve(response["content"]["application/json"]["schema"])
    return sorted(resolve(envelope["properties"]["data"]["items"])["properties"])


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
