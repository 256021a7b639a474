"""Hypothesis strategies of JSON bodies drawn from the schemas of openapi.yaml, and bent."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conftest import load_spec

SCHEMAS: dict[str, Any] = load_spec()["components"]["schemas"]


def resolved(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return resolved(SCHEMAS[ref.rsplit("/", 1)[1]]) if isinstance(ref, str) else schema


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def values(schema: dict[str, Any], strict: bool) -> st.SearchStrategy[Any]:
    """JSON values the schema allows, and (unless strict) now and then one it does not."""
    schema = resolved(schema)
    kind = schema.get("type")
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches and kind is None:  # a value of one of the branches (oneOf: one that fits another too is rare)
        allowed: st.SearchStrategy[Any] = st.one_of([values(branch, strict) for branch in branches])
    elif kind == "object" or "properties" in schema:
        allowed = objects(schema, strict)
    elif kind == "array":
        allowed = st.lists(values(schema.get("items") or {}, strict), max_size=3)
    else:
        allowed = {
            "integer": st.integers(-(2**63), 2**63 - 1),
            "number": st.integers(-1000, 1000) | st.floats(allow_nan=False, allow_infinity=False),
            "string": st.text(max_size=8),
            "boolean": st.booleans(),
        }.get(str(kind), JSON_VALUES)
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
    if not strict and draw(st.integers(0, 4)) == 0:
        found.update(draw(st.dictionaries(st.text(min_size=1, max_size=6), JSON_VALUES, max_size=2)))
    return found
