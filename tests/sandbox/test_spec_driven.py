"""The sandbox follows the spec: what it stores and serves, how it names refused fields, whose ids it takes.

Values that depend on the spec (bounds, enums, fields, examples) are read from it, and the
changes a maintainer makes (a new field, a new sortable field, an operation no convention
places) are made to a copy of the spec handed to the sandbox.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from voipstudio_callmeback_sandbox import SandboxConfig, Store, create_app
from voipstudio_callmeback_sandbox._app import UnservableSpec

from conftest import load_spec

from .support import (
    SECOND_ACCOUNT,
    Client,
    FakeClock,
    InProcessSandbox,
    api_key_auth,
    body,
    error,
)

SPEC = load_spec()
SCHEMAS = SPEC["components"]["schemas"]
PARAMETERS = SPEC["components"]["parameters"]
EXAMPLES = SPEC["components"]["examples"]


def collection_path(operation_id: str) -> str:
    for path, item in SPEC["paths"].items():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return str(path)
    raise AssertionError(f"openapi.yaml has no {operation_id}")


SETTINGS = collection_path("listSettings")
CDRS = collection_path("listCdrs")
LIMIT = PARAMETERS["Limit"]["schema"]
LIMIT_WORDS = f"limit must be between {LIMIT['minimum']} and {LIMIT['maximum']}"
PAGE_WORDS = f"page must be at least {PARAMETERS['Page']['schema']['minimum']}"
DIR_WORDS = "dir must be one of: " + ", ".join(SCHEMAS["SortDirection"]["enum"])
SORT_WORDS = "sort must be one of: " + ", ".join(SCHEMAS["SettingSortField"]["enum"])
PATTERN_WORDS = f"filter must match {PARAMETERS['Filter']['schema']['pattern']}"
JSON_HEADERS = {"content-type": "application/json"}


def only_error(found: dict[str, Any]) -> dict[str, Any]:
    errors = found.get("errors")
    assert isinstance(errors, list), found
    assert len(errors) == 1, found
    assert set(errors[0]) == {"field", "message", "code"}, found
    return dict(errors[0])


# --- every 400 names its field ------------------------------------------------------------------


class TestFieldErrors:
    """A refused query parameter or body field answers 400 with errors naming it, in plain words."""

    @pytest.mark.parametrize(
        ("query", "field", "code", "message"),
        [
            (
                {"limit": LIMIT["minimum"] - 1},
                "limit",
                "minimum",
                f"limit must be between {LIMIT['minimum']} and {LIMIT['maximum']}",
            ),
            (
                {"limit": LIMIT["maximum"] + 1},
                "limit",
                "maximum",
                f"limit must be between {LIMIT['minimum']} and {LIMIT['maximum']}",
            ),
            ({"limit": "ten"}, "limit", "type", 'limit must be a whole number, not "ten"'),
            ({"page": 0}, "page", "minimum", PAGE_WORDS),
            ({"dir": "down"}, "dir", "enum", DIR_WORDS),
            (
                {"sort": "bogus"},
                "sort",
                "enum",
                "sort must be one of: " + ", ".join(SCHEMAS["SettingSortField"]["enum"]),
            ),
            ({"filter": "["}, "filter", "minLength", "filter must be at least 2 characters long"),
            ({"filter": "{}"}, "filter", "pattern", PATTERN_WORDS),
            ({"colour": "red"}, "colour", "unknown", "colour is not a parameter of this operation"),
        ],
        ids=[
            "below-minimum",
            "above-maximum",
            "not-a-number",
            "page",
            "enum",
            "sort",
            "too-short",
            "pattern",
            "unknown",
        ],
    )
    def test_query(self, demo: Client, query: dict[str, Any], field: str, code: str, message: str) -> None:
        """Query parameters: bounds, types, enums, lengths, patterns and unknown names."""
        found = error(demo.get(SETTINGS, query), 400)
        assert found["message"] == "Validation error"
        assert only_error(found) == {"field": field, "message": message, "code": code}

    @pytest.mark.parametrize(
        ("fields", "field", "code", "message"),
        [
            ({"name": ""}, "name", "minLength", "name must be at least 1 character long"),
            ({"name": "x", "position": 8}, "position", "maximum", "position must be between 0 and 7"),
            ({"name": "x", "position": "left"}, "position", "type", 'position must be a whole number, not "left"'),
            (
                {"name": "x", "allowed_countries": None},
                "allowed_countries",
                "type",
                "allowed_countries must be text, not null",
            ),
            (
                {"name": "x", "privacy_policy_url": "not a URI"},
                "privacy_policy_url",
                "format",
                "privacy_policy_url must be an absolute URI",
            ),
            ({"name": "x", "colour": "red"}, "colour", "additionalProperties", "colour is not a field of the body"),
            ({"position": 1}, "name", "required", "name is required"),
            ({"name": "x", "max_call_rate": -1}, "max_call_rate", "minimum", "max_call_rate must be at least 0"),
        ],
        ids=["min-length", "maximum", "type", "null", "format", "unknown", "required", "minimum"],
    )
    def test_create_body(self, demo: Client, fields: dict[str, Any], field: str, code: str, message: str) -> None:
        """Body fields of a create: every JSON Schema check names the field it failed on."""
        found = error(demo.post(SETTINGS, fields), 400)
        assert only_error(found) == {"field": field, "message": message, "code": code}

    def test_update_body_needs_a_field(self, demo: Client) -> None:
        """An empty update names the body, as minProperties asks."""
        setting = demo.create_setting()
        found = error(demo.patch(f"{SETTINGS}/{setting['id']}", {}), 400)
        assert only_error(found) == {
            "field": "body",
            "message": "the body must have at least one field",
            "code": "minProperties",
        }

    def test_every_problem_is_named(self, demo: Client) -> None:
        """Several refused fields give one entry each."""
        found = error(demo.post(SETTINGS, {"name": "", "position": 9, "colour": 1}), 400)
        assert {entry["field"] for entry in found["errors"]} == {"name", "position", "colour"}

    def test_a_body_that_is_not_json(self, demo: Client) -> None:
        """Malformed JSON names the body."""
        found = error(
            demo.request("POST", SETTINGS, content=b'{"name": ', headers={"content-type": "application/json"}), 400
        )
        entry = only_error(found)
        assert (entry["field"], entry["code"]) == ("body", "json")
        assert entry["message"].startswith("the body is not valid JSON")

    def test_a_filter_on_a_field_it_cannot_filter_on(self, demo: Client) -> None:
        """A filter names one of the sort enum's fields; another is a Filtration error that lists them."""
        condition = [{"property": "ddi_e164", "operator": "eq", "value": 1}]
        found = error(demo.get(SETTINGS, {"filter": json.dumps(condition)}), 400)
        assert found["message"] == "Filtration error"
        entry = only_error(found)
        assert (entry["field"], entry["code"]) == ("filter", "filter")
        assert ", ".join(SCHEMAS["SettingSortField"]["enum"]) in entry["message"]


class TestExamplesAgree:
    """The spec's examples of a 400 are what the sandbox answers."""

    def test_a_limit_out_of_range(self, demo: Client) -> None:
        example = EXAMPLES["BadRequestParameter"]["value"]
        assert error(demo.get(SETTINGS, {"limit": LIMIT["maximum"] + 1}), 400) == example

    def test_an_invalid_field(self, demo: Client) -> None:
        example = EXAMPLES["ValidationFailedValidation"]["value"]
        assert error(demo.post(SETTINGS, {"name": ""}), 400) == example


# --- references stay inside the account -----------------------------------------------------------


def references(sandbox: InProcessSandbox) -> list[tuple[str, str, str]]:
    """(resource, field, referenced resource) for every reference field the sandbox reads from the spec."""
    return [
        (resource.name, field, target)
        for resource in sandbox.store.model.resources.values()
        for field, target in resource.references.items()
    ]


def create_body(sandbox: InProcessSandbox, resource: str) -> dict[str, Any]:
    """The smallest body a create of this resource takes: its required text fields."""
    operation_id = sandbox.store.model.resources[resource].operations["create"]
    for item in SPEC["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                schema = SCHEMAS[ref.rsplit("/", 1)[1]]
                return {name: f"test {name}" for name in schema.get("required", [])}
    raise AssertionError(operation_id)


class TestReferences:
    """A field holding another resource's id must name one of the caller's own: else 400 naming it."""

    def test_the_spec_has_references(self, sandbox: InProcessSandbox) -> None:
        """The rule applies to something: button_id of settings today."""
        assert ("settings", "button_id", "buttons") in references(sandbox)

    def test_create_and_update(self, sandbox: InProcessSandbox) -> None:
        """Another account's id, and an id that exists nowhere, are refused alike on create and update."""
        demo, other = sandbox.client(), sandbox.client(api_key_auth(SECOND_ACCOUNT))
        for resource, field, target in references(sandbox):
            path = f"/callmeback/{resource}"
            theirs = body(other.post(f"/callmeback/{target}", create_body(sandbox, target)), 201)["data"]["id"]
            mine = body(demo.post(f"/callmeback/{target}", create_body(sandbox, target)), 201)["data"]["id"]
            message = f"{field} must be the id of one of your {target}"
            for foreign in (theirs, 9_000_000_000):
                found = error(demo.post(path, {**create_body(sandbox, resource), field: foreign}), 400)
                assert only_error(found) == {"field": field, "message": message, "code": "reference"}
            created = body(demo.post(path, {**create_body(sandbox, resource), field: mine}), 201)["data"]
            assert created[field] == mine
            for foreign in (theirs, 9_000_000_000):
                found = error(demo.patch(f"{path}/{created['id']}", {field: foreign}), 400)
                assert only_error(found)["field"] == field
            assert body(demo.get(f"{path}/{created['id']}"))["data"][field] == mine  # nothing was written


# --- answers --------------------------------------------------------------------------------------


def test_a_delete_answers_without_a_content_type(demo: Client) -> None:
    """204 has no body, so no Content-Type either."""
    setting = demo.create_setting()
    response = demo.delete(f"{SETTINGS}/{setting['id']}")
    assert response.status_code == 204
    assert "content-type" not in response.headers
    assert response.content == b""


def test_answers_hold_only_what_the_spec_declares(sandbox: InProcessSandbox, demo: Client) -> None:
    """Every item of every collection holds id and the fields its schema declares, nothing the seed invents."""
    for resource in sandbox.store.model.resources.values():
        if "list" not in resource.operations:
            continue
        found = body(demo.get(f"/callmeback/{resource.name}", {"limit": 50}))
        declared = {"id", *SCHEMAS[resource.item]["properties"]}
        assert found["data"], resource.name
        for item in found["data"]:
            assert set(item) <= declared, (resource.name, set(item) - declared)


# --- a spec that changes ------------------------------------------------------------------------------


def with_new_fields() -> dict[str, Any]:
    """The spec with an optional `color` on settings (create, update, item) and `region` on call records."""
    spec = copy.deepcopy(SPEC)
    schemas = spec["components"]["schemas"]
    for name in ("SettingCreate", "SettingUpdate"):
        schemas[name]["properties"]["color"] = {"type": "string", "description": "A colour."}
    schemas["Setting"]["properties"]["color"] = {"type": "string", "nullable": True, "description": "A colour."}
    schemas["Cdr"]["properties"]["region"] = {"type": "string", "nullable": True, "description": "A region."}
    schemas["CdrSortField"]["enum"].append("region")
    schemas["SettingSortField"]["enum"].append("color")
    return spec


class TestSpecChanges:
    """A field added to the spec is stored, served, sorted and filtered with no change to the sandbox."""

    def test_a_new_field_round_trips(self, clock: FakeClock) -> None:
        sandbox = InProcessSandbox(clock=clock, spec=with_new_fields())
        try:
            demo = sandbox.client()
            created = body(demo.post(SETTINGS, {"name": "Blue", "color": "blue"}), 201)["data"]
            assert created["color"] == "blue"
            updated = body(demo.patch(f"{SETTINGS}/{created['id']}", {"color": "green"}))["data"]
            assert updated["color"] == "green"
            condition = [{"property": "color", "operator": "eq", "value": "green"}]
            listed = body(demo.get(SETTINGS, {"filter": json.dumps(condition)}))
            assert [item["id"] for item in listed["data"]] == [created["id"]]
            assert body(demo.get(SETTINGS, {"sort": "color", "dir": "DESC", "limit": 1}))["data"][0]["color"] == "green"
        finally:
            sandbox.close()

    def test_an_old_database_gains_the_field(self, tmp_path: Path, clock: FakeClock) -> None:
        """A database made under the old spec opens under the new one: the field is null in old rows, nothing lost."""
        db = str(tmp_path / "old.db")
        before = InProcessSandbox(clock=clock, db=db)
        try:
            records = body(before.client().get(CDRS, {"limit": 5000}))["data"]
            setting = before.client().create_setting(name="Kept")
        finally:
            before.close()
        after = InProcessSandbox(clock=clock, db=db, spec=with_new_fields())
        try:
            demo = after.client()
            served = body(demo.get(CDRS, {"limit": 5000}))["data"]
            assert served == [{**record, "region": None} for record in records]
            assert body(demo.get(CDRS, {"sort": "region", "limit": 1}))["data"][0]["region"] is None
            assert body(demo.get(f"{SETTINGS}/{setting['id']}"))["data"] == {**setting, "color": None}
        finally:
            after.close()
        columns = {row[1] for row in sqlite3.connect(db).execute('PRAGMA table_info("cdrs")')}
        assert "region" in columns

    def test_an_operation_no_handler_fits_stops_the_sandbox(self) -> None:
        """An operation no convention places is named, with every other such one, and nothing is served."""
        spec = copy.deepcopy(SPEC)
        get = spec["paths"][f"{SETTINGS}/{{id}}"]["get"]
        for name in ("copySetting", "archiveSetting"):
            spec["paths"][f"{SETTINGS}/{{id}}/{name.removesuffix('Setting')}"] = {
                "parameters": spec["paths"][f"{SETTINGS}/{{id}}"]["parameters"],
                "post": {**copy.deepcopy(get), "operationId": name},
            }
        store = Store(":memory:", spec=spec)
        with pytest.raises(UnservableSpec) as refused:
            create_app(SandboxConfig(db=":memory:", cdrs_per_account=1), store)
        message = str(refused.value)
        assert "copySetting" in message
        assert "archiveSetting" in message
        assert "sandbox/voipstudio_callmeback_sandbox/_app.py" in message
