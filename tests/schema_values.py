"""Values derived from a schema of openapi.yaml: one it takes, and values it refuses (each confirmed by an
OpenAPI 3.0 validator, with the formats it checks), from its types, enums, patterns, formats, bounds, items,
members, unions and compositions, never from a field's name.

    valid_value(schema)      a value the schema takes: its example or default where it has one
    invalid_values(schema)   (value, what is wrong) pairs the schema refuses
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from conftest import load_spec

SCHEMAS: dict[str, Any] = load_spec()["components"]["schemas"]
# Values a plain string field of any schema would take, tried in turn where the schema states a pattern.
_TEXTS = ("x", "A", "0", "", " ", "-", "x" * 3, "/x", "#000000", "09:00")
_FORMATS = {
    "date": "2026-07-01",
    "date-time": "2026-07-01T09:00:00Z",
    "email": "ops@example.com",
    "uri": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
_WRONG_FORMATS = {
    "date": "01/07/2026",
    "date-time": "yesterday",
    "email": "not an address",
    "uri": "not a url",
    "uuid": "not-a-uuid",
}


def resolved(schema: Any) -> Any:
    """A schema with its references inlined (a cycle stops at the second visit)."""

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            return walk(SCHEMAS[ref.rsplit("/", 1)[1]], (*seen, ref))
        return {key: walk(value, seen) for key, value in node.items()}

    return walk(schema, ())


def accepts(schema: Any) -> Callable[[Any], bool]:
    validator = OAS30Validator(resolved(schema), format_checker=OAS30Validator.FORMAT_CHECKER)
    return lambda value: bool(validator.is_valid(value))


def _text(schema: dict[str, Any]) -> str:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    takes = accepts(schema)
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    for candidate in (*_TEXTS, "x" * max(low, 1)):
        if takes(candidate):
            return candidate
    if "pattern" in schema:  # the smallest string the pattern takes within the bounds
        found = find(
            st.from_regex(schema["pattern"], fullmatch=True),
            lambda text: low <= len(text) and (high is None or len(text) <= high),
            settings=settings(database=None, max_examples=2000, suppress_health_check=list(HealthCheck)),
        )
        return str(found)
    return "x" * max(int(low), 1)


def valid_value(schema: Any) -> Any:
    """A value the schema takes: its example or default if it has one, else one made from its keywords."""
    schema = resolved(schema)
    for key in ("example", "default"):
        if key in schema and accepts(schema)(schema[key]):
            return schema[key]
    if "enum" in schema:
        return next(value for value in schema["enum"] if value is not None)
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return valid_value(schema[union][0])
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for member in schema["allOf"]:
            value = valid_value(member)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type")
    if kind == "integer":
        return max(schema.get("minimum", 1), min(1, schema.get("maximum", 1)))
    if kind == "number":
        return float(max(schema.get("minimum", 1), min(1, schema.get("maximum", 1))))
    if kind == "boolean":
        return True
    if kind == "string":
        return _text(schema)
    if kind == "array":
        return [valid_value(schema.get("items") or {})] * max(schema.get("minItems", 1), 1)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        value = {name: valid_value(properties[name]) for name in schema.get("required") or ()}
        extra = schema.get("additionalProperties")
        if not properties and isinstance(extra, dict):
            value["key"] = valid_value(extra)
        if not value and properties:  # an object of optional members: its first one
            first = next(iter(properties))
            value[first] = valid_value(properties[first])
        return value
    return "x"


def _candidates(schema: dict[str, Any]) -> list[tuple[Any, str]]:
    """Values the schema may refuse, with what would be wrong; invalid_values() keeps those it does refuse."""
    found: list[tuple[Any, str]] = []  # what the schema's own keywords refuse first, then other types
    for low, high, step in (("minimum", "maximum", 1 if schema.get("type") == "integer" else 0.01),):
        if low in schema:
            found.append((schema[low] - step, f"below {low}"))
        if high in schema:
            found.append((schema[high] + step, f"above {high}"))
    if "minLength" in schema:
        found.append(("x" * (schema["minLength"] - 1), "shorter than minLength"))
    if "maxLength" in schema:
        found.append(("x" * (schema["maxLength"] + 1), "longer than maxLength"))
    if "enum" in schema:
        values = [value for value in schema["enum"] if value is not None]
        if values and isinstance(values[0], str):
            found.append(("".join(map(str, values)) + "?", "not in the enum"))
        elif values:
            found.append((max(values) + 1, "not in the enum"))
    if "pattern" in schema:
        found += [(text, "not matching the pattern") for text in _TEXTS]
    if schema.get("format") in _WRONG_FORMATS:
        found.append((_WRONG_FORMATS[schema["format"]], f"not a {schema['format']}"))
    items = schema.get("items")
    if isinstance(items, dict):
        item = valid_value(items)
        found += [([wrong], f"an item {why}") for wrong, why in invalid_values(items)[:3]]
        if "maxItems" in schema:
            found.append(([item] * (schema["maxItems"] + 1), "more items than maxItems"))
        if schema.get("minItems"):
            found.append(([], "fewer items than minItems"))
    properties = schema.get("properties") or {}
    if properties or "additionalProperties" in schema:
        base = valid_value(schema)
        base = base if isinstance(base, dict) else {}
        for name in schema.get("required") or ():
            found.append(({k: v for k, v in base.items() if k != name}, f"without its required {name}"))
        for name, member in properties.items():
            found += [({**base, name: wrong}, f"{name} {why}") for wrong, why in invalid_values(member)[:2]]
        extra = schema.get("additionalProperties")
        if extra is False:
            found.append(({**base, "no_such_member": 1}, "a member it does not declare"))
        elif isinstance(extra, dict):
            found += [({**base, "key": wrong}, f"a member {why}") for wrong, why in invalid_values(extra)[:2]]
        if "maxProperties" in schema:
            many = {
                f"k{index}": valid_value(extra if isinstance(extra, dict) else {})
                for index in range(schema["maxProperties"] + 1)
            }
            found.append((many, "more members than maxProperties"))
    found += [
        (None, "null"),
        ("7", "a string"),
        (7, "an integer"),
        (7.5, "a fraction"),
        (True, "a boolean"),
        (["x"], "an array"),
        ({"x": 1}, "an object"),
    ]
    return found


@functools.cache
def _invalid(text: str) -> tuple[tuple[Any, str], ...]:
    schema = resolved(json.loads(text))
    takes = accepts(schema)
    kept: dict[str, tuple[Any, str]] = {}
    for value, why in _candidates(schema):
        key = json.dumps(value, sort_keys=True)
        if key not in kept and not takes(value):
            kept[key] = (value, why)
    return tuple(kept.values())


def invalid_values(schema: Any) -> list[tuple[Any, str]]:
    """(value, what is wrong with it) for values the schema refuses, each confirmed by the validator."""
    return list(_invalid(json.dumps(schema, sort_keys=True)))
