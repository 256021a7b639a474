"""Filters and bodies made up by Hypothesis, in process: never a 5xx, and every 4xx in the spec's
ErrorResponse shape, writing nothing. Bounded: few examples, no deadline (machines are shared)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from voipstudio_callmeback_sandbox._store import OPERATORS
from voipstudio_callmeback_testing import Sandbox

from hostile.corpus import COLLECTIONS, LIST_PARAMETERS, PREFIX, SPEC, WRITES, Case, schema_of, target
from hostile.test_corpus import in_process
from schemas import errors as schema_errors

ERROR_RESPONSE = {"$ref": "#/components/schemas/ErrorResponse"}
BOUNDED = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)

# Numbers at the edges of what JSON parsers, SQLite and the formats take (int32, int64, far beyond).
EDGES = st.sampled_from([2**31, -(2**31) - 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**40, -(10**99), 10**99])


@pytest.fixture(scope="module")
def kit() -> Iterator[Sandbox]:
    instance = Sandbox(cdrs=20)
    yield instance
    instance.close()


def names_of(path: str) -> list[str]:
    """The names a collection's sort (and filter) takes: its enum, or (an open sort) id and a few others."""
    schema = LIST_PARAMETERS[path][("query", "sort")]
    return [str(name) for name in schema.get("enum", ["id", "name", "account_id", "rowid"])]


def conditions(path: str) -> st.SearchStrategy[Any]:
    """Mostly well-formed conditions, with each member sometimes of any JSON value."""
    condition = st.fixed_dictionaries(
        {
            "property": st.sampled_from(names_of(path)) | st.text(max_size=12) | JSON_VALUES,
            "operator": st.sampled_from(sorted(OPERATORS)) | st.text(max_size=6) | JSON_VALUES,
            "value": st.integers(-(2**70), 2**70) | st.text(max_size=12) | JSON_VALUES,
        }
    )
    return st.lists(condition | JSON_VALUES, max_size=5) | JSON_VALUES


def check(kit: Sandbox, case: Case, where: str | None = None) -> int:
    before = kit.store.changes()
    status, raw = in_process(kit, case, where)
    assert status < 500, (case, raw[:300])
    if status >= 400:
        body = json.loads(raw)
        assert schema_errors(SPEC, ERROR_RESPONSE, body) == [], body
        assert isinstance(body["message"], str)
        assert kit.store.changes() == before, "a refused request wrote"
    return status


@pytest.mark.parametrize("path", COLLECTIONS)
def test_filters(kit: Sandbox, path: str) -> None:
    @BOUNDED
    @given(value=conditions(path), raw=st.booleans(), text=st.text(max_size=40))
    def run(value: Any, raw: bool, text: str) -> None:
        sent = text if raw else json.dumps(value)
        check(kit, Case("fuzzed filter", "GET", target(path, {"filter": sent}), 400))

    run()


def typed(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of a field's type (numbers of any size, text of any characters), sometimes of another."""
    kind = schema.get("type")
    if kind == "integer":
        found: st.SearchStrategy[Any] = st.integers(-(2**70), 2**70) | EDGES
    elif kind == "number":
        found = st.floats() | EDGES
    elif kind == "boolean":
        found = st.booleans()
    elif schema.get("format") == "uri":
        found = st.just("https://example.com/privacy") | st.text(max_size=20)
    else:
        found = st.text(max_size=20)
    return found | JSON_VALUES


def valid(schema: dict[str, Any]) -> dict[str, Any]:
    """The smallest body the schema takes: its required fields (or its first plain text field), as text."""
    properties = {name: schema_of(found) for name, found in (schema.get("properties") or {}).items()}
    text = [name for name, found in properties.items() if found.get("type") == "string" and "format" not in found]
    return {name: "x" for name in schema.get("required") or text[:1]}


def body_values(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A body near the schema (its fields, each of its type of any size or of any JSON value), a body of
    other names, or any JSON value."""
    properties = {name: schema_of(found) for name, found in (schema.get("properties") or {}).items()}
    required = set(schema.get("required") or [])
    near = st.fixed_dictionaries(
        {name: typed(found) for name, found in properties.items() if name in required},
        optional={name: typed(found) for name, found in properties.items() if name not in required},
    )
    names = st.sampled_from(sorted(properties)) | st.text(max_size=10)
    return near | st.dictionaries(names, JSON_VALUES, max_size=6) | JSON_VALUES


def where_to(kit: Sandbox, path: str) -> str:
    """The request target of a write: an item the demo account owns, for a write to an item."""
    if "{" not in path:
        return PREFIX + path
    [item] = kit.add(path.rsplit("/", 2)[-2], {"name": "Fuzzed"})
    return PREFIX + path.replace("{id}", str(item["id"]))


@pytest.mark.parametrize(("method", "path", "schema"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_bodies(kit: Sandbox, method: str, path: str, schema: dict[str, Any]) -> None:
    where = where_to(kit, path)

    @BOUNDED
    @given(value=body_values(schema), raw=st.booleans(), text=st.binary(max_size=40))
    def run(value: Any, raw: bool, text: bytes) -> None:
        # NaN and Infinity as Python writes them: not JSON, and to be refused so.
        sent = text if raw else json.dumps(value).encode()
        check(kit, Case("fuzzed body", method, path, 400, body=(sent,)), where)

    run()


FIELDS = [(method, path, schema, name) for method, path, schema in WRITES for name in (schema.get("properties") or {})]


@pytest.mark.parametrize(("method", "path", "schema", "name"), FIELDS, ids=[f"{m} {p} {n}" for m, p, _, n in FIELDS])
def test_body_fields(kit: Sandbox, method: str, path: str, schema: dict[str, Any], name: str) -> None:
    """The smallest valid body with one field of any value of its type (any size, any characters) or any JSON."""
    where = where_to(kit, path)
    base = valid(schema)

    @settings(BOUNDED, max_examples=15)
    @given(value=typed(schema_of(schema["properties"][name])))
    def run(value: Any) -> None:
        check(kit, Case("fuzzed field", method, path, 400, body=(json.dumps({**base, name: value}).encode(),)), where)

    run()


def test_the_fuzzers_reach_every_operation() -> None:
    """Every collection and every write of the spec is fuzzed (none was left out by the derivation)."""
    listed = [
        path
        for path, item in SPEC["paths"].items()
        if str(item.get("get", {}).get("operationId", "")).startswith("list")
    ]
    assert sorted(COLLECTIONS) == sorted(listed)
    assert {(method, path) for method, path, _ in WRITES} >= {
        (method.upper(), path)
        for path, item in SPEC["paths"].items()
        for method in ("post", "patch")
        if method in item and item[method].get("security") != []
    }
