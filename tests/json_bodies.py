"""Hypothesis strategies of JSON bodies drawn from the schemas of openapi.yaml, and bent."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from conftest import load_spec

SCHEMAS: dict[str, Any] = load_spec()["components"]["schemas"]


def resolved(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref followed and an allOf merged into one schema (properties, required, the rest)."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return resolved(SCHEMAS[ref.rsplit("/", 1)[1]])
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
    for member in schema["allOf"]:
        part = resolved(member)
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def strings(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """Strings the schema allows: of its format or pattern, within its lengths."""
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    fits: Callable[[str], bool] = lambda text: low <= len(text) and (high is None or len(text) <= high)  # noqa: E731
    formatted = FORMATS.get(str(schema.get("format")))
    if formatted is not None:
        return formatted.filter(fits)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(fits)
    return st.text(min_size=low, max_size=max(low, min(high if high is not None else 8, 8)))


FORMATS: dict[str, st.SearchStrategy[str]] = {
    "date": st.dates().map(lambda day: day.isoformat()),
    "date-time": st.datetimes(timezones=st.just(datetime.UTC)).map(lambda moment: moment.isoformat()),
    "uuid": st.uuids().map(str),
    "email": st.emails(),
}


def values(schema: dict[str, Any], strict: bool) -> st.SearchStrategy[Any]:
    """JSON values the schema allows (types, enums, formats, patterns, bounds, items, nested members), and
    (unless strict) now and then one it does not."""
    schema = resolved(schema)
    kind = schema.get("type")
    branches = schema.get("anyOf") or schema.get("oneOf")
    if "enum" in schema:
        allowed: st.SearchStrategy[Any] = st.sampled_from(schema["enum"])
    elif branches and kind is None:  # a value of one of the branches (oneOf: one that fits another too is rare)
        allowed = st.one_of([values(branch, strict) for branch in branches])
    elif kind == "object" or "properties" in schema or "additionalProperties" in schema:
        allowed = objects(schema, strict)
    elif kind == "array":
        low = schema.get("minItems", 0)
        high = max(low, min(schema.get("maxItems", 3), 3))
        allowed = st.lists(values(schema.get("items") or {}, strict), min_size=low, max_size=high)
    elif kind == "string":
        allowed = strings(schema)
    elif kind == "integer":
        allowed = st.integers(schema.get("minimum", -(2**63)), schema.get("maximum", 2**63 - 1))
    elif kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        small = st.integers(
            max(-1000, low if low is not None else -1000), min(1000, high if high is not None else 1000)
        )
        allowed = small
        allowed |= st.floats(low, high, allow_nan=False, allow_infinity=False)
    elif kind == "boolean":
        allowed = st.booleans()
    else:
        allowed = JSON_VALUES
    if schema.get("nullable"):
        allowed = st.none() | allowed
    return allowed if strict else st.one_of(allowed, allowed, allowed, JSON_VALUES)


@st.composite
def objects(draw: st.DrawFn, schema: dict[str, Any], strict: bool) -> dict[str, Any]:
    """An object of the schema: each field present or not, and (unless strict) a required one missing
    now and then, and sometimes members the schema does not declare."""
    schema = resolved(schema)
    required = set(schema.get("required", []))
    found: dict[str, Any] = {}
    for name, field in (schema.get("properties") or {}).items():
        present = (strict or draw(st.integers(0, 19)) > 0) if name in required else draw(st.booleans())
        if present:
            found[name] = draw(values(field, strict))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and not schema.get("properties"):  # a map: members of its values' schema
        high = min(schema.get("maxProperties", 3), 3)
        found.update(draw(st.dictionaries(st.text(min_size=1, max_size=6), values(extra, strict), max_size=high)))
    if not strict and draw(st.integers(0, 4)) == 0:
        found.update(draw(st.dictionaries(st.text(min_size=1, max_size=6), JSON_VALUES, max_size=2)))
    return found
