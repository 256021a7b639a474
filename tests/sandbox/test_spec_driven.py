"""The sandbox follows the spec: what it stores and serves, how it names refused fields, whose ids it takes.

Values that depend on the spec (bounds, enums, fields, examples) are read from it, and the
changes a maintainer makes (a new field, a new sortable field, an operation no convention
places) are made to a copy of the spec handed to the sandbox.
"""

from __future__ import annotations

import copy
import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, SandboxConfig, Store, create_app
from voipstudio_callmeback_sandbox._app import UnservableSpec
from voipstudio_callmeback_sandbox._http import FILTER_PATTERN_MESSAGE
from voipstudio_callmeback_sandbox._model import ModelError, read_model, snake_case
from voipstudio_callmeback_sandbox._store import HAND_WRITTEN

from conftest import load_spec
from filter_pattern import filter_parameters

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
PATTERN_WORDS = FILTER_PATTERN_MESSAGE
SETTING_FILTER = PARAMETERS["SettingFilter"]["schema"]
FILTER_LENGTH_WORDS = f"filter must be {SETTING_FILTER['minLength']} to {SETTING_FILTER['maxLength']} characters long"
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
            ({"filter": "["}, "filter", "minLength", FILTER_LENGTH_WORDS),
            ({"filter": '[{"operator":"eq","property":"id","value":1}]'}, "filter", "pattern", PATTERN_WORDS),
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


def create_schema(sandbox: InProcessSandbox, resource: str) -> dict[str, Any]:
    """The schema of the body of this resource's create operation."""
    operation_id = sandbox.store.model.resources[resource].operations["create"]
    for item in SPEC["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                schema: dict[str, Any] = SCHEMAS[ref.rsplit("/", 1)[1]]
                return schema
    raise AssertionError(operation_id)


def create_body(sandbox: InProcessSandbox, resource: str) -> dict[str, Any]:
    """The smallest body a create of this resource takes: its required text fields."""
    return {name: f"test {name}" for name in create_schema(sandbox, resource).get("required", [])}


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


def table_names(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def unprefix(path: str) -> None:
    """Name a database's collection tables as the sandbox before the `r_` prefix named them."""
    with closing(sqlite3.connect(path)) as db:
        for name in table_names(db):
            if name.startswith("r_"):
                db.execute(f'ALTER TABLE "{name}" RENAME TO "{name.removeprefix("r_")}"')
        db.commit()


# The settings table of the sandbox before spec 1.1.0 (git d1030ed^), with a column `retired` of a field
# no spec declares.
OLDER_SETTINGS_TABLE = """
CREATE TABLE settings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL,
    allowed_countries TEXT, button_id INTEGER, created_at TEXT NOT NULL, culture INTEGER NOT NULL DEFAULT 0,
    ddi INTEGER, floating_icon INTEGER NOT NULL DEFAULT 1, name TEXT NOT NULL, position INTEGER NOT NULL DEFAULT 7,
    privacy_policy_url TEXT, show_to_allowed_countries_only INTEGER NOT NULL DEFAULT 0, title TEXT,
    welcome_screen_msg TEXT, max_call_rate REAL NOT NULL DEFAULT 0.15, retired TEXT
)
"""


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
    for _where, parameter, pattern in filter_parameters(spec):  # as scripts/filter-pattern tells the maintainer
        parameter["schema"]["pattern"] = pattern
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

    @pytest.mark.parametrize("layout", ["current", "unprefixed"])
    def test_an_old_database_gains_the_field(self, tmp_path: Path, clock: FakeClock, layout: str) -> None:
        """A database made under the old spec opens under the new one: the field is null in old rows, nothing lost.
        So does one whose tables are named as an older sandbox named them (after the collections): they are
        renamed, and ids deleted before are not given out again."""
        db = str(tmp_path / "old.db")
        before = InProcessSandbox(clock=clock, db=db)
        try:
            records = body(before.client().get(CDRS, {"limit": 5000}))["data"]
            setting = before.client().create_setting(name="Kept")
            deleted = before.client().create_setting(name="Deleted")
            assert before.client().delete(f"{SETTINGS}/{deleted['id']}").status_code == 204
        finally:
            before.close()
        if layout == "unprefixed":
            unprefix(db)
        after = InProcessSandbox(clock=clock, db=db, spec=with_new_fields())
        try:
            demo = after.client()
            served = body(demo.get(CDRS, {"limit": 5000}))["data"]
            assert served == [{**record, "region": None} for record in records]
            assert body(demo.get(CDRS, {"sort": "region", "limit": 1}))["data"][0]["region"] is None
            assert body(demo.get(f"{SETTINGS}/{setting['id']}"))["data"] == {**setting, "color": None}
            assert demo.create_setting(name="New")["id"] > deleted["id"], "ids must not be reused"
        finally:
            after.close()
        with closing(sqlite3.connect(db)) as check:
            columns = {row[1] for row in check.execute('PRAGMA table_info("r_cdrs")')}
            assert "region" in columns
            assert "cdrs" not in table_names(check)

    def test_an_older_sandboxs_database_answers_as_a_fresh_one(self, tmp_path: Path, clock: FakeClock) -> None:
        """A settings table as the sandbox before spec 1.1.0 made it (SQL defaults, NOT NULL, and here a column
        of a field since dropped): its rows are served, and a create answers what a fresh database answers,
        not the old column defaults."""
        db = tmp_path / "older.db"
        with closing(sqlite3.connect(db)) as old:
            old.execute(OLDER_SETTINGS_TABLE)
            for setting_id, name in ((40, "Old"), (41, "Deleted")):
                old.execute(
                    "INSERT INTO settings (id, account_id, created_at, name, retired) VALUES (?, ?, ?, ?, 'x')",
                    (setting_id, DEMO_ACCOUNT.user_id, "2026-01-02 03:04:05", name),
                )
            old.execute("DELETE FROM settings WHERE id = 41")
            old.commit()
        fresh = InProcessSandbox(clock=clock)
        after = InProcessSandbox(clock=clock, db=str(db))
        try:
            kept = body(after.client().get(f"{SETTINGS}/40"))["data"]
            assert (kept["name"], kept["created_at"], kept["position"]) == ("Old", "2026-01-02 03:04:05", 7)
            created = after.client().create_setting(name="New")
            expected = fresh.client().create_setting(name="New")
            assert created["id"] > 41, "ids must not be reused"
            assert {**created, "id": None} == {**expected, "id": None}
            updated = body(after.client().patch(f"{SETTINGS}/40", {"name": "Renamed"}))["data"]
            assert updated == {**kept, "name": "Renamed"}
        finally:
            fresh.close()
            after.close()
        with closing(sqlite3.connect(db)) as check:
            assert "settings" not in table_names(check)
            columns = {row[1] for row in check.execute('PRAGMA table_info("r_settings")')}
            assert "retired" in columns, "the column of a dropped field is kept"

    def test_the_migration_is_one_transaction(self, tmp_path: Path, clock: FakeClock) -> None:
        """A migration that fails on its last table leaves the database as it was: no table renamed."""
        db = str(tmp_path / "broken.db")
        InProcessSandbox(clock=clock, db=db).close()
        unprefix(db)
        with closing(sqlite3.connect(db)) as old:
            last = list(read_model(SPEC, HAND_WRITTEN).resources)[-1]  # the table migrated last
            old.execute(f'DROP TABLE "{last}"')
            old.execute(f'CREATE TABLE "{last}" (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER)')
            # A row the new table refuses.
            old.execute(f'INSERT INTO "{last}" (account_id) VALUES (NULL)')  # noqa: S608 - a name of the spec
            old.commit()
            tables = table_names(old)
        with pytest.raises(sqlite3.IntegrityError):
            Store(db, spec=SPEC)
        with closing(sqlite3.connect(db)) as check:
            assert table_names(check) == tables
            assert not [name for name in tables if name.startswith("r_")]

    def test_an_operation_no_handler_fits_stops_the_sandbox(self) -> None:
        """An operation no convention places is named, with every other such one, and nothing is served."""
        spec = copy.deepcopy(SPEC)
        get = spec["paths"][f"{SETTINGS}/{{id}}"]["get"]
        for name in ("copySetting", "archiveSetting"):
            spec["paths"][f"{SETTINGS}/{{id}}/{name.removesuffix('Setting')}"] = {
                **path_level_parameters(spec["paths"][f"{SETTINGS}/{{id}}"]),
                "post": {**copy.deepcopy(get), "operationId": name},
            }
        store = Store(":memory:", spec=spec)
        with pytest.raises(UnservableSpec) as refused:
            create_app(SandboxConfig(db=":memory:", cdrs_per_account=1), store)
        message = str(refused.value)
        assert "copySetting" in message
        assert "archiveSetting" in message
        assert "sandbox/voipstudio_callmeback_sandbox/_app.py" in message


# --- creates fill in the schema's defaults ------------------------------------------------------------


def test_a_create_answers_the_schema_defaults(sandbox: InProcessSandbox) -> None:
    """A create with only its required fields stores and answers each create-schema `default` for the fields
    left out, null for every other field but the moments the server records (created_at)."""
    demo = sandbox.client()
    defaults_seen: list[str] = []
    for resource in sandbox.store.model.resources.values():
        if "create" not in resource.operations:
            continue
        properties = create_schema(sandbox, resource.name)["properties"]
        defaults = {name: prop["default"] for name, prop in properties.items() if "default" in prop}
        defaults_seen += defaults
        sent = create_body(sandbox, resource.name)
        created = body(demo.post(f"/callmeback/{resource.name}", sent), 201)["data"]
        for name in SCHEMAS[resource.item]["properties"]:
            found = resource.field(name)
            if name == "id" or name in sent or (found and found.timestamp and name not in resource.writable):
                continue
            assert created[name] == defaults.get(name), (resource.name, name)
        assert body(demo.get(f"/callmeback/{resource.name}/{created['id']}"))["data"] == created
    assert defaults_seen, "the spec should give a field of a create body a default"


# --- untyped fields compare by value -------------------------------------------------------------------


def with_untyped_culture() -> dict[str, Any]:
    """The spec with settings' `culture` untyped in the request bodies too (any JSON value, stored as JSON)."""
    spec = copy.deepcopy(SPEC)
    for name in ("SettingCreate", "SettingUpdate"):
        spec["components"]["schemas"][name]["properties"]["culture"] = {"description": "Any JSON value."}
    return spec


def test_an_untyped_field_sorts_and_filters_by_value(clock: FakeClock) -> None:
    """Numbers held as JSON text sort as numbers (9 before 10) and compare as numbers (10 is not below 9)."""
    sandbox = InProcessSandbox(clock=clock, spec=with_untyped_culture())
    try:
        assert sandbox.store.model.resources["settings"].field("culture").kind == "json"  # type: ignore[union-attr]
        demo = sandbox.client()
        for culture in (100, 9, 10):
            demo.create_setting(culture=culture)
        everything = body(demo.get(SETTINGS, {"limit": 100}))["data"]
        cultures = [item["culture"] for item in everything]
        assert sorted(cultures) == [0, 1, 9, 10, 100]
        by_culture = body(demo.get(SETTINGS, {"sort": "culture", "limit": 100}))["data"]
        assert [item["culture"] for item in by_culture] == sorted(cultures)
        condition = [{"property": "culture", "operator": "lt", "value": 10}]
        below = body(demo.get(SETTINGS, {"filter": json.dumps(condition)}))["data"]
        assert sorted(item["culture"] for item in below) == [0, 1, 9]
    finally:
        sandbox.close()


# --- item paths whose parameter is not `id` ---------------------------------------------------------


def path_level_parameters(item: dict[str, Any]) -> dict[str, Any]:
    """The `parameters` of a path item, as a path item to copy them into (none when its operations declare them)."""
    return {"parameters": item["parameters"]} if "parameters" in item else {}


def with_item_parameter(name: str) -> dict[str, Any]:
    """The spec with the settings item path's parameter named `name` instead of `id`."""
    spec = copy.deepcopy(SPEC)
    paths = spec["paths"]
    item = paths.pop(f"{SETTINGS}/{{id}}")
    renamed = [{**PARAMETERS["SettingId"], "name": name}]
    for key, operation in item.items():  # the parameter, wherever the spec declares it: path item or operations
        if key == "parameters":
            item[key] = renamed
        elif isinstance(operation, dict) and "parameters" in operation:
            operation["parameters"] = renamed
    paths[f"{SETTINGS}/{{{name}}}"] = item
    return spec


def test_an_item_path_parameter_of_another_name(clock: FakeClock) -> None:
    """`/settings/{setting_id}` serves get, update and delete like `/settings/{id}`; 403 and 404 too."""
    sandbox = InProcessSandbox(clock=clock, spec=with_item_parameter("setting_id"))
    try:
        demo, other = sandbox.client(), sandbox.client(api_key_auth(SECOND_ACCOUNT))
        created = demo.create_setting(name="Mine")
        path = f"{SETTINGS}/{created['id']}"
        assert body(demo.get(path))["data"] == created
        assert body(demo.patch(path, {"name": "Renamed"}))["data"] == {**created, "name": "Renamed"}
        error(other.get(path), 403)
        error(other.patch(path, {"name": "Theirs"}), 403)
        error(other.delete(path), 403)
        error(demo.get(f"{SETTINGS}/not-a-number"), 404)
        assert demo.delete(path).status_code == 204
        error(demo.get(path), 404)
    finally:
        sandbox.close()


@pytest.mark.parametrize("name", ["user", "body", "token_info"])
def test_an_item_path_parameter_named_like_a_handler_argument(name: str) -> None:
    """A path parameter named like what connexion passes the handlers besides parameters cannot be served."""
    store = Store(":memory:", spec=with_item_parameter(name))
    try:
        with pytest.raises(UnservableSpec, match=f"getSetting .*{{{name}}}"):
            create_app(SandboxConfig(db=":memory:", cdrs_per_account=1), store)
    finally:
        store.close()


# --- table names -------------------------------------------------------------------------------------


def with_collection_named(name: str) -> dict[str, Any]:
    """The spec with the buttons served at /callmeback/<name>."""
    spec = copy.deepcopy(SPEC)
    spec["paths"] = {path.replace("/buttons", f"/{name}"): item for path, item in spec["paths"].items()}
    return spec


@pytest.mark.parametrize("name", ["accounts", "sessions", "ddis", "settings_owner"])
def test_a_collection_named_like_a_table_of_the_sandbox(clock: FakeClock, name: str) -> None:
    """A collection may take the name of the sandbox's own tables and indexes: both keep working."""
    sandbox = InProcessSandbox(clock=clock, spec=with_collection_named(name))
    try:
        demo = sandbox.client()
        created = body(demo.post(f"/callmeback/{name}", {"name": "Button"}), 201)["data"]
        assert body(demo.get(f"/callmeback/{name}/{created['id']}"))["data"] == created
        token = sandbox.login(DEMO_ACCOUNT)  # the accounts and sessions of the sandbox itself
        by_token = sandbox.client(None, headers={"X-Auth-Token": token})
        assert body(by_token.get(f"/callmeback/{name}/{created['id']}"))["data"] == created
        setting = demo.create_setting(button_id=created["id"])
        assert setting["button_id"] == created["id"]
    finally:
        sandbox.close()


@pytest.mark.parametrize(
    "names",
    [["Name"], ["ID"], ["Id"], ["Account_ID"], ["colour", "COLOUR"]],
    ids=["like-a-field", "like-id", "like-id-mixed", "like-the-owner", "like-each-other"],
)
def test_field_names_sqlite_takes_for_one_another_are_refused(names: list[str]) -> None:
    """Field names equal but for case to another field's, to id or to the owner column stop the sandbox,
    naming them (SQLite column names ignore case)."""
    spec = copy.deepcopy(SPEC)
    for name in names:
        spec["components"]["schemas"]["Setting"]["properties"][name] = {"type": "string", "nullable": True}
    with pytest.raises(ModelError, match=names[-1]):
        Store(":memory:", spec=spec)


# --- references by multi-word item names ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Button", "button"), ("CallButton", "call_button"), ("HTTPServer", "http_server"), ("Cdr2Row", "cdr2_row")],
)
def test_snake_case(name: str, expected: str) -> None:
    assert snake_case(name) == expected


def with_call_button() -> dict[str, Any]:
    """The spec with the Button schema named CallButton and settings' `button_id` named `call_button_id`."""
    text = json.dumps(SPEC)
    text = text.replace('"#/components/schemas/Button"', '"#/components/schemas/CallButton"')
    spec: dict[str, Any] = json.loads(text.replace('"button_id"', '"call_button_id"'))
    schemas = spec["components"]["schemas"]
    schemas["CallButton"] = schemas.pop("Button")
    return spec


def test_a_reference_to_a_multi_word_item(clock: FakeClock) -> None:
    """`call_button_id` names a CallButton: it must be the id of one of the caller's own buttons."""
    sandbox = InProcessSandbox(clock=clock, spec=with_call_button())
    try:
        assert sandbox.store.model.resources["settings"].references == {"call_button_id": "buttons"}
        demo, other = sandbox.client(), sandbox.client(api_key_auth(SECOND_ACCOUNT))
        theirs = other.create_button()["id"]
        mine = demo.create_button()["id"]
        found = error(demo.post(SETTINGS, {"name": "x", "call_button_id": theirs}), 400)
        assert only_error(found)["field"] == "call_button_id"
        assert demo.create_setting(call_button_id=mine)["call_button_id"] == mine
    finally:
        sandbox.close()


# --- sample data of a collection without a seed -----------------------------------------------------


def with_a_collection_without_seed() -> dict[str, Any]:
    """The spec with /callmeback/gadgets: the settings' operations and schemas under another name, with an enum
    field `tier`, an integer `rank` and a date `launch_on` that no example shows."""
    spec = copy.deepcopy(SPEC)
    schemas = spec["components"]["schemas"]
    gadget = schemas["Gadget"] = copy.deepcopy(schemas["Setting"])
    gadget["properties"]["tier"] = {"type": "string", "enum": ["gold", "silver", None], "nullable": True}
    gadget["properties"]["rank"] = {"type": "integer", "minimum": 10, "maximum": 99, "nullable": True}
    gadget["properties"]["launch_on"] = {"type": "string", "format": "date", "nullable": True}
    text = json.dumps({path: item for path, item in spec["paths"].items() if path.startswith(SETTINGS)})
    text = text.replace("/callmeback/settings", "/callmeback/gadgets").replace("Setting", "Gadget")
    for name in ("GadgetList", "GadgetResponse"):
        schemas[name] = json.loads(json.dumps(schemas[name.replace("Gadget", "Setting")]).replace("Setting", "Gadget"))
    parameters = spec["components"]["parameters"]
    for name in ("GadgetSort", "GadgetFilter", "GadgetId"):
        parameters[name] = copy.deepcopy(parameters[name.replace("Gadget", "Setting")])
    schemas["GadgetSortField"] = copy.deepcopy(schemas["SettingSortField"])
    schemas["GadgetSortField"]["enum"] += ["tier", "rank", "launch_on"]
    parameters["GadgetSort"]["schema"] = {"$ref": "#/components/schemas/GadgetSortField"}
    paths = json.loads(text.replace("#/components/schemas/GadgetCreate", "#/components/schemas/SettingCreate"))
    paths = json.loads(
        json.dumps(paths).replace("#/components/schemas/GadgetUpdate", "#/components/schemas/SettingUpdate")
    )
    for item in paths.values():  # operationIds and examples of their own
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                operation["operationId"] = operation["operationId"].replace("Setting", "Gadget")
    examples = spec["components"]["examples"]
    for name in [name for name in examples if "Gadget" in name.replace("Setting", "Gadget") and "Setting" in name]:
        examples[name.replace("Setting", "Gadget")] = copy.deepcopy(examples[name])
    spec["paths"].update(paths)
    return spec


def test_a_collection_without_seed_gets_samples_from_the_spec(clock: FakeClock) -> None:
    """A collection the seed does not know is filled from the spec: its examples, varied, and each field's schema
    where no example has it (an enum's values in turn, numbers within bounds, dates)."""
    from voipstudio_callmeback_sandbox._samples import SAMPLE_ITEMS

    spec = with_a_collection_without_seed()
    sandbox = InProcessSandbox(clock=clock, spec=spec)
    try:
        demo = sandbox.client()
        listed = body(demo.get("/callmeback/gadgets", {"sort": "id"}))
        assert listed["total"] == SAMPLE_ITEMS
        items = listed["data"]
        assert [item["tier"] for item in items[:2]] == ["gold", "silver"]
        assert all(10 <= item["rank"] <= 99 for item in items)
        assert len({item["name"] for item in items}) == SAMPLE_ITEMS, "names are varied, so sorts have an order"
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", item["launch_on"]) for item in items)
        example = spec["components"]["examples"]["GadgetResponse"]["value"]["data"]
        assert items[0]["welcome_screen_msg"] == example["welcome_screen_msg"]
        by_rank = body(demo.get("/callmeback/gadgets", {"sort": "rank", "dir": "DESC", "limit": 1}))["data"]
        assert by_rank[0]["rank"] == max(item["rank"] for item in items)
    finally:
        sandbox.close()
