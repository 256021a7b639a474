"""Fields the sandbox stores as JSON (kind "json": any value the spec does not type as a scalar, such as a
call record's `labels`) answer the JSON value the seed or the writer gave, not its JSON text in a string.

The fields are read from the spec through the sandbox's own model (every field of kind "json"), never named
here; `labels` is only checked by name against the spec's own example of a call record."""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, Store
from voipstudio_callmeback_sandbox._model import read_model
from voipstudio_callmeback_sandbox._seed import seed_account
from voipstudio_callmeback_sandbox._store import HAND_WRITTEN

from conftest import load_spec

from .support import MAX_LIMIT, Client, FakeClock, InProcessSandbox, body

SPEC = load_spec()
MODEL = read_model(SPEC, HAND_WRITTEN)
CDR_COUNT = 60
# resource -> its fields of kind "json", as the sandbox reads the spec.
JSON_FIELDS = {
    name: [found.name for found in resource.fields if found.kind == "json"]
    for name, resource in MODEL.resources.items()
    if any(found.kind == "json" for found in resource.fields)
}
# Values of every JSON type, each of which a JSON field must answer unchanged.
JSON_VALUES: list[Any] = [[], ["callmeback", "vip"], {"a": [1, {"b": None}]}, "[]", "text", 7, 2.5, True, False]


def typed_labels() -> dict[str, Any]:
    """The spec with `labels` typed as the JSON array of strings it holds (nullable), as a spec that types
    it says: a JSON field still, whose answers the sandbox validates against the type."""
    spec = copy.deepcopy(SPEC)
    labels = spec["components"]["schemas"]["Cdr"]["properties"]["labels"]
    labels.update({"type": "array", "items": {"type": "string"}, "nullable": True})
    return spec


def untyped_labels() -> dict[str, Any]:
    """The spec with `labels` left untyped (any JSON value), as it was before it was typed."""
    spec = copy.deepcopy(SPEC)
    labels = spec["components"]["schemas"]["Cdr"]["properties"]["labels"]
    for keyword in ("type", "items", "nullable"):
        labels.pop(keyword, None)
    return spec


@pytest.fixture(scope="module", params=["as-is", "typed-labels", "untyped-labels"])
def seeded(request: pytest.FixtureRequest) -> Iterator[InProcessSandbox]:
    """The sandbox of the spec, and of the spec with `labels` typed, and untyped; its answers validated."""
    spec = {"as-is": None, "typed-labels": typed_labels(), "untyped-labels": untyped_labels()}[request.param]
    instance = InProcessSandbox(clock=FakeClock(), cdrs_per_account=CDR_COUNT, spec=spec)
    assert instance.config.validate_responses
    assert [found.kind for found in instance.store.model.resources["cdrs"].fields if found.name == "labels"] == ["json"]
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def client(seeded: InProcessSandbox) -> Client:
    return seeded.client()


def collection_path(resource: str) -> str:
    """The path of a resource's list operation."""
    operation_id = MODEL.resources[resource].operations["list"]
    for path, item in SPEC["paths"].items():
        if item.get("get", {}).get("operationId") == operation_id:
            return str(path)
    raise AssertionError(f"no path lists {resource}")


def as_json(value: Any) -> str:
    """A value's JSON text, which tells true from 1 and 1 from 1.0 (Python's == does not)."""
    return json.dumps(value, sort_keys=True)


def every_item(client: Client, resource: str) -> list[dict[str, Any]]:
    found = body(client.get(collection_path(resource), {"limit": MAX_LIMIT, "sort": "id"}))
    items: list[dict[str, Any]] = found["data"]
    assert found["total"] == len(items)
    return items


def test_the_spec_has_json_fields() -> None:
    """The call records' `labels` is one (the spec's description calls it an array): else nothing is tested."""
    assert "labels" in JSON_FIELDS.get("cdrs", [])


def test_every_cdr_answers_labels_as_an_array(client: Client) -> None:
    """Every call record's `labels` is a JSON array of strings, as the spec's example of a page shows (the
    seed's records hold both an empty and a non-empty one)."""
    example = SPEC["components"]["examples"]["ListCdrs200Page"]["value"]["data"][0]["labels"]
    assert isinstance(example, list)
    records = every_item(client, "cdrs")
    assert len(records) == CDR_COUNT
    for record in records:
        assert isinstance(record["labels"], list), record
        assert all(isinstance(label, str) for label in record["labels"]), record
    assert {len(record["labels"]) > 0 for record in records} == {True, False}


@pytest.mark.parametrize("resource", sorted(JSON_FIELDS))
def test_seeded_json_values_are_answered_unchanged(client: Client, resource: str) -> None:
    """Each seeded value of each JSON field is answered as the seed gave it (the seed's rows are the demo
    account's items, in id order)."""
    seeded = seed_account(DEMO_ACCOUNT.user_id, cdrs=CDR_COUNT).tables[resource]
    items = every_item(client, resource)
    assert len(items) == len(seeded)
    for row, item in zip(seeded, items, strict=True):
        for name in JSON_FIELDS[resource]:
            if name in row:
                assert as_json(item[name]) == as_json(row[name]), (resource, item["id"], name)
    assert any(name in row for name in JSON_FIELDS[resource] for row in seeded), "the seed gives no JSON field"


JSON_TYPES = {list: "array", dict: "object", str: "string", bool: "boolean", int: "number", float: "number"}


def list_examples(resource: str) -> list[dict[str, Any]]:
    """The items of the examples of a resource's list answer (its 200), as the spec gives them."""
    operation_id = MODEL.resources[resource].operations["list"]
    answer = next(
        item["get"]["responses"]["200"]
        for item in SPEC["paths"].values()
        if item.get("get", {}).get("operationId") == operation_id
    )
    examples = answer["content"]["application/json"].get("examples", {}).values()
    resolved = [
        SPEC["components"]["examples"][example["$ref"].rsplit("/", 1)[1]] if "$ref" in example else example
        for example in examples
    ]
    return [item for example in resolved for item in example["value"]["data"]]


@pytest.mark.parametrize("resource", sorted(JSON_FIELDS))
def test_seeded_json_values_have_the_types_of_the_spec_examples(resource: str) -> None:
    """A seeded value of a JSON field is of the JSON type the spec's examples give the field (an array
    where they show an array): not an array's JSON text in a string."""
    seeded = seed_account(DEMO_ACCOUNT.user_id, cdrs=CDR_COUNT).tables[resource]
    shown = {
        name: JSON_TYPES[type(item[name])]
        for item in list_examples(resource)
        for name in JSON_FIELDS[resource]
        if item.get(name) is not None
    }
    assert shown, f"the spec's examples of {resource} show no JSON field: nothing to compare with"
    for name, expected in shown.items():
        found = {JSON_TYPES[type(row[name])] for row in seeded if row.get(name) is not None}
        assert found <= {expected}, (resource, name, found)


@pytest.mark.parametrize("resource", sorted(JSON_FIELDS))
def test_written_json_values_are_answered_unchanged(seeded: InProcessSandbox, client: Client, resource: str) -> None:
    """A value of any JSON type the field's schema takes, written to a JSON field (the test controls' insert),
    is answered unchanged by the insert, by the item's get when there is one, and in the list."""
    store = seeded.store
    for name in JSON_FIELDS[resource]:
        schema = store.model.resources[resource].field(name).schema  # type: ignore[union-attr]
        values = [value for value in JSON_VALUES if Draft4Validator(schema).is_valid(value)]
        assert values, (resource, name)
        added = store.insert_items(resource, DEMO_ACCOUNT.user_id, [{name: value} for value in values])
        expected = as_json(values)
        assert as_json([item[name] for item in added]) == expected
        if "get" in MODEL.resources[resource].operations:
            for item, value in zip(added, values, strict=True):
                path = f"{collection_path(resource)}/{item['id']}"
                assert as_json(body(client.get(path))["data"][name]) == as_json(value)
        listed = {item["id"]: item[name] for item in every_item(client, resource)}
        assert as_json([listed[item["id"]] for item in added]) == expected


def cdr_labels(db: str, spec: dict[str, Any]) -> list[Any]:
    """Every demo call record's labels, read from a store of this spec on this file."""
    store = Store(db, clock=FakeClock(), cdrs_per_account=CDR_COUNT, spec=spec)
    try:
        store.ensure_account(DEMO_ACCOUNT)  # seeded the first time
        items = json.loads(store.collection("cdrs", DEMO_ACCOUNT.user_id, limit=1000).items)
        assert len(items) == CDR_COUNT
        return [item["labels"] for item in items]
    finally:
        store.close()


def test_an_older_database_answers_typed_arrays_as_arrays(tmp_path: Path) -> None:
    """A database of an older sandbox holds each seeded `labels` array as its JSON text in a JSON string (it
    encoded the seed's text again). Opened under a spec that types the field as an array, it answers the
    arrays (and the spec's answers validate); under a spec that leaves the field untyped, where any string is
    a value, what it holds is left as it is."""
    db = str(tmp_path / "older.db")
    fresh = cdr_labels(db, typed_labels())
    assert all(isinstance(labels, list) for labels in fresh)
    assert any(fresh)
    with closing(sqlite3.connect(db)) as older:  # as the older sandbox wrote them
        older.execute("UPDATE r_cdrs SET labels = json_quote(labels)")
        older.commit()
    assert cdr_labels(db, untyped_labels()) == [json.dumps(labels, separators=(",", ":")) for labels in fresh]
    assert cdr_labels(db, typed_labels()) == fresh
    assert cdr_labels(db, untyped_labels()) == fresh
