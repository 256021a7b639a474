"""openapi.yaml against the OpenAPI standard and against VoIPstudio's reference page."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any, get_args

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from voipstudio_callmeback._filters import OPERATORS, Operator
from voipstudio_callmeback._resources import OPERATION_METHODS, RESOURCE_ITEMS
from voipstudio_callmeback_sandbox._cli import parser as sandbox_parser
from voipstudio_callmeback_sandbox._config import API_VERSIONS, MAX_BODY_BYTES
from voipstudio_callmeback_sandbox._limits import MAX_FILTER_CONDITIONS, MAX_FILTER_VALUE_LENGTH
from voipstudio_callmeback_sandbox._store import (
    DEFAULT_PAGE_SIZE,
    FAILED_LOGIN_WINDOW,
    LOCKOUT_SECONDS,
    MAX_FAILED_LOGINS,
    NONCE_LIFETIME,
)

from conftest import ROOT, load_spec, operations
from filter_pattern import filter_parameters
from reference_page import PAGE, DocumentedOperation
from schemas import resolve

LOGIN_OPERATIONS = {("POST", "/login"), ("POST", "/login2fa")}
# Operations of the spec that VoIPstudio's Call Me Back reference page does not list, and why they are here.
BEYOND_THE_PAGE = {
    ("POST", "/login"): "the service's login, from its API introduction (docs/spec-decisions.md)",
    ("POST", "/login2fa"): "the two-factor step of that login (docs/spec-decisions.md)",
}
SCALAR_TYPES = ("string", "number", "integer", "boolean")
# The schemas of the resources' items: what the collections hold.
RESOURCE_SCHEMAS = sorted(model.__name__ for model in RESOURCE_ITEMS.values())


def module_operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The operations of the Call Me Back module (everything but the login operations)."""
    return {key: op for key, op in operations(spec).items() if key not in LOGIN_OPERATIONS}


def statuses(operation: dict[str, Any]) -> set[int]:
    return {int(code) for code in operation["responses"]}


class TestStandard:
    def test_is_valid_openapi_3_0_3(self, spec: dict[str, Any]) -> None:
        """The document is valid OpenAPI and declares exactly version 3.0.3."""
        assert spec["openapi"] == "3.0.3"
        validate(spec)

    def test_validator_rejects_a_broken_document(self) -> None:
        """The validator used above does reject a document with a broken operation."""
        broken = load_spec()
        del broken["paths"]["/callmeback/settings"]["get"]["responses"]
        with pytest.raises(OpenAPIValidationError):
            validate(broken)

    def test_operation_ids_are_unique_camel_case_verb_noun(self, spec: dict[str, Any]) -> None:
        """operationIds are unique and camelCase verb + noun."""
        ids = [op["operationId"] for op in operations(spec).values()]
        assert len(ids) == len(set(ids))
        for operation_id in ids:
            assert re.fullmatch(r"[a-z]+[A-Z][A-Za-z0-9]*", operation_id), operation_id

    def test_operation_ids_start_with_their_resource_method(self, spec: dict[str, Any]) -> None:
        """An operation that is a resource method is named after it (listSettings is settings.list); a renamed
        operationId is a breaking change that scripts/check-spec-compat catches."""
        for operation_id, (_, method) in OPERATION_METHODS.items():
            assert operation_id.startswith(method), operation_id

    def test_every_operation_is_tagged_summarised_and_described(self, spec: dict[str, Any]) -> None:
        """Every operation has a declared tag, a summary and a description."""
        declared = {tag["name"] for tag in spec["tags"]}
        for key, op in operations(spec).items():
            assert op["summary"], key
            assert op["description"], key
            assert len(op["tags"]) == 1, key
            assert op["tags"][0] in declared, key


class TestAgainstReferencePage:
    def test_operations_are_the_documented_ones_plus_those_recorded(
        self, spec: dict[str, Any], page: list[DocumentedOperation]
    ) -> None:
        """Every operation of the page is in the spec; every other one is named in BEYOND_THE_PAGE with its reason."""
        documented = {(op.method, op.path) for op in page}
        # A check of the reference page reader: one operation read for each example request the page holds.
        assert len(documented) == PAGE.read_text(encoding="utf-8").count("\nExample Request\n")
        assert documented <= set(operations(spec))
        beyond = sorted(set(operations(spec)) - documented - set(BEYOND_THE_PAGE))
        assert not beyond, (
            f"{beyond} are not on VoIPstudio's reference page: record where they come from in docs/spec-decisions.md "
            "and add them to BEYOND_THE_PAGE in tests/test_spec.py"
        )
        assert set(BEYOND_THE_PAGE) <= set(operations(spec)), "BEYOND_THE_PAGE names operations the spec lacks"

    def test_each_operation_declares_the_documented_status_codes(
        self, spec: dict[str, Any], page: list[DocumentedOperation]
    ) -> None:
        """Every status code the page lists for an operation is declared by the spec."""
        ops = operations(spec)
        for documented in page:
            declared = statuses(ops[(documented.method, documented.path)])
            missing = documented.statuses - declared
            assert not missing, f"{documented.method} {documented.path} lacks {sorted(missing)}"

    def test_status_codes_the_service_plainly_returns(self, spec: dict[str, Any]) -> None:
        """Beyond the page: 401 everywhere, 400 on lists and writes, 403 and 404 on items."""
        for (method, path), op in module_operations(spec).items():
            codes = statuses(op)
            assert 401 in codes, (method, path)
            if op["operationId"].startswith("list") or method in ("POST", "PATCH"):
                assert 400 in codes, (method, path)
            if path.endswith("{id}"):
                assert {403, 404} <= codes, (method, path)

    def test_every_body_can_be_refused_as_too_large(self, spec: dict[str, Any]) -> None:
        """Every operation that takes a body declares 413."""
        for key, op in operations(spec).items():
            assert ("requestBody" in op) == (413 in statuses(op)), key

    def test_integers_carry_explicit_bounds(self, spec: dict[str, Any]) -> None:
        """Every int32/int64 schema states its maximum, which validators enforce where they ignore formats."""

        def integers(node: Any) -> list[dict[str, Any]]:
            if isinstance(node, list):
                return [found for value in node for found in integers(value)]
            if not isinstance(node, dict):
                return []
            own = [node] if node.get("format") in ("int32", "int64") else []
            return own + [found for value in node.values() for found in integers(value)]

        found = integers(spec)
        assert found
        for schema in found:
            assert schema["maximum"] <= {"int32": 2**31 - 1, "int64": 2**63 - 1}[schema["format"]], schema

    def test_success_code_matches_the_page_example(self, spec: dict[str, Any], page: list[DocumentedOperation]) -> None:
        """The single success code of each operation is the one the page's example response shows."""
        ops = operations(spec)
        for documented in page:
            success = {code for code in statuses(ops[(documented.method, documented.path)]) if code < 300}
            assert success == {documented.example_status}, (documented.method, documented.path)

    def test_documented_body_attributes_are_accepted(
        self, spec: dict[str, Any], page: list[DocumentedOperation]
    ) -> None:
        """Every body attribute the page lists for a write is a property of its request schema."""
        ops = operations(spec)
        for documented in page:
            if not documented.body_attributes:
                continue
            op = ops[(documented.method, documented.path)]
            schema = resolve(spec, op["requestBody"]["content"]["application/json"]["schema"])
            assert set(documented.body_attributes) <= set(schema["properties"]), documented.path


class TestConventions:
    def test_servers_offer_both_api_versions(self, spec: dict[str, Any]) -> None:
        """Production first (generators take the first server as the default base URL), then the sandbox on
        this machine, each with a version variable: v1.1 by default, v1.2 allowed; the sandbox's versions
        are those it serves."""
        production, sandbox = spec["servers"]
        assert production["url"] == "https://l7api.com/{version}/voipstudio"
        version = production["variables"]["version"]
        assert version["enum"] == ["v1.1", "v1.2"]
        assert version["default"] == "v1.1"
        assert sandbox["url"] == "http://127.0.0.1:{port}/{version}/voipstudio"
        assert sandbox["variables"]["version"]["enum"] == list(API_VERSIONS), (
            "the sandbox server's version enum in openapi.yaml must list the versions the sandbox serves "
            "(API_VERSIONS in sandbox/voipstudio_callmeback_sandbox/_config.py)"
        )
        assert sandbox["variables"]["version"]["default"] == API_VERSIONS[0]
        assert sandbox["variables"]["port"]["default"] == str(sandbox_parser().get_default("port")), (
            "the sandbox server's port default in openapi.yaml must be the sandbox's --port default (_cli.py)"
        )

    def test_security_token_or_basic_and_none_for_login(self, spec: dict[str, Any]) -> None:
        """Module operations accept X-Auth-Token or Basic; the login operations need nothing."""
        schemes = spec["components"]["securitySchemes"]
        assert schemes["tokenAuth"] == {
            **schemes["tokenAuth"],
            "type": "apiKey",
            "in": "header",
            "name": "X-Auth-Token",
        }
        assert schemes["basicAuth"]["type"] == "http"
        assert schemes["basicAuth"]["scheme"] == "basic"
        assert spec["security"] == [{"tokenAuth": []}, {"basicAuth": []}]
        for key, op in operations(spec).items():
            if key in LOGIN_OPERATIONS:
                assert op["security"] == [], key
            else:
                assert "security" not in op, key

    def test_list_operations_share_paging_parameters(self, spec: dict[str, Any]) -> None:
        """Every list operation takes page, limit, dir and filter as shared components, and a sort of its own."""
        for op in module_operations(spec).values():
            if op["operationId"].startswith("list"):
                refs = [p["$ref"].rsplit("/", 1)[1] for p in op["parameters"]]
                assert refs[:2] + refs[3:4] == ["Page", "Limit", "Dir"], op["operationId"]
                assert resolve(spec, op["parameters"][2])["name"] == "sort", op["operationId"]
                assert resolve(spec, op["parameters"][4])["name"] == "filter", op["operationId"]

    def test_each_sort_enum_names_the_items_fields(self, spec: dict[str, Any]) -> None:
        """A list's `sort` enum names fields of its items and nothing else, and among them every field with a
        plain type (string, number, integer, boolean): the fields it can be sorted and filtered on. A list whose
        items the spec declares no field of but `id` (visitors) takes any name instead: a string with a pattern."""
        for (method, path), op in module_operations(spec).items():
            if not op["operationId"].startswith("list"):
                continue
            sort = next(resolve(spec, p) for p in op["parameters"] if resolve(spec, p)["name"] == "sort")
            page = resolve(spec, resolve(spec, op["responses"]["200"])["content"]["application/json"]["schema"])
            item = resolve(spec, page["properties"]["data"]["items"])
            fields = item["properties"]
            schema = resolve(spec, sort["schema"])
            if "enum" not in schema:
                assert list(fields) == ["id"], f"{op['operationId']}: its items have fields; list them in a sort enum"
                assert schema.get("type") == "string"
                assert "pattern" in schema
                continue
            enum = schema["enum"]
            unknown = [name for name in enum if name not in fields]
            assert not unknown, f"the sort enum of {op['operationId']} in openapi.yaml names {unknown}, not fields"
            plain = [name for name, prop in fields.items() if resolve(spec, prop).get("type") in SCALAR_TYPES]
            missing = [name for name in plain if name not in enum]
            assert not missing, (
                f"{method} {path} ({op['operationId']}) can sort on {missing}: add them to the enum of its "
                f"sort parameter's schema in openapi.yaml ({sort['schema'].get('$ref', 'inline')})"
            )

    def test_paging_parameter_bounds(self, spec: dict[str, Any]) -> None:
        """limit runs from 1 to 5000, page from 1, dir is ASC or DESC, filter is a JSON string with an example."""
        params = spec["components"]["parameters"]
        assert params["Limit"]["schema"]["minimum"] == 1
        assert params["Limit"]["schema"]["maximum"] == 5000
        assert params["Page"]["schema"]["minimum"] == 1
        assert resolve(spec, params["Dir"]["schema"])["enum"] == ["ASC", "DESC"]
        for where, parameter, _pattern in filter_parameters(spec):
            assert parameter["schema"]["type"] == "string", where
            assert parameter["example"].startswith('[{"property":'), where
            assert re.search(parameter["schema"]["pattern"], parameter["example"]), where

    def test_each_filter_pattern_admits_exactly_the_lists_conditions(self, spec: dict[str, Any]) -> None:
        """A list's filter pattern is the one scripts/lib/filter_pattern.py writes from its sort enum and the
        FilterOperator enum: a field added to a sort enum, or an operator, fails here until the pattern follows."""
        found = filter_parameters(spec)
        lists = [op for op in module_operations(spec).values() if op["operationId"].startswith("list")]
        assert len(found) == len(lists)
        for where, parameter, expected in found:
            assert parameter["schema"].get("pattern") == expected, (
                f"openapi.yaml {where}: its schema's pattern must be the one `scripts/filter-pattern` prints for it; "
                "`scripts/regenerate` rewrites it "
                "(the list's sort fields and FilterOperator, as a well-formed JSON array of conditions)"
            )

    def test_filter_bounds_are_the_sandboxs(self, spec: dict[str, Any]) -> None:
        """The bounds a filter pattern cannot count (conditions, a string value's length), as the FilterCondition
        schema and the parameters' x-json-content state them, are the sandbox's limits."""
        value = resolve(spec, spec["components"]["schemas"]["FilterCondition"])["properties"]["value"]
        (text,) = [branch for branch in value["anyOf"] if branch.get("type") == "string"]
        assert text["maxLength"] == MAX_FILTER_VALUE_LENGTH, (
            "openapi.yaml FilterCondition.value's string maxLength must be MAX_FILTER_VALUE_LENGTH (sandbox _limits.py)"
        )
        for where, parameter, _pattern in filter_parameters(spec):
            assert parameter["x-json-content"]["maxItems"] == MAX_FILTER_CONDITIONS, (
                f"openapi.yaml {where} x-json-content maxItems must be MAX_FILTER_CONDITIONS (sandbox _limits.py)"
            )
            assert parameter["x-json-content"]["items"] == {"$ref": "#/components/schemas/FilterCondition"}, where

    def test_the_clients_operators_are_the_specs(self, spec: dict[str, Any]) -> None:
        """The client's Filter takes exactly the operators of FilterOperator (its Literal cannot be derived)."""
        operators = resolve(spec, spec["components"]["schemas"]["FilterOperator"])["enum"]
        assert list(OPERATORS) == operators, "overlays/voipstudio_callmeback/_filters.py: Operator and OPERATORS"
        assert list(get_args(Operator)) == operators, "overlays/voipstudio_callmeback/_filters.py: Operator"

    def test_no_timestamp_claims_rfc3339(self, spec: dict[str, Any]) -> None:
        """No schema says format: date-time; timestamps use the service's own pattern."""

        def formats(node: Any) -> list[str]:
            if isinstance(node, list):
                return [f for value in node for f in formats(value)]
            if not isinstance(node, dict):
                return []
            own = [node["format"]] if isinstance(node.get("format"), str) else []
            return own + [f for value in node.values() for f in formats(value)]

        assert "date-time" not in formats(spec)
        timestamp = spec["components"]["schemas"]["Timestamp"]
        assert re.fullmatch(timestamp["pattern"], "2022-08-31 22:35:24")
        assert not re.fullmatch(timestamp["pattern"], "2022-08-31T22:35:24Z")

    def test_request_bodies_are_closed_and_responses_open(self, spec: dict[str, Any]) -> None:
        """Request schemas reject unknown fields; resource schemas keep them."""
        schemas = spec["components"]["schemas"]
        request_schemas = {
            op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            for op in operations(spec).values()
            if "requestBody" in op
        }
        assert request_schemas
        for name in request_schemas:
            assert schemas[name]["additionalProperties"] is False, name
        for name in [*RESOURCE_SCHEMAS, "ErrorResponse"]:
            assert schemas[name]["additionalProperties"] is True, name

    def test_response_examples_are_components(self, spec: dict[str, Any]) -> None:
        """Response examples are $refs to components/examples (openapi-generator warns on inline ones)."""
        responses = [resp for op in operations(spec).values() for resp in op["responses"].values()]
        responses += list(spec["components"]["responses"].values())
        for response in responses:
            for media in response.get("content", {}).values():
                for example in media.get("examples", {}).values():
                    assert set(example) == {"$ref"}, example

    def test_resources_promise_only_their_id(self, spec: dict[str, Any]) -> None:
        """Liberal responses: a resource requires only `id`, so a field the service leaves out cannot break a client."""
        schemas = spec["components"]["schemas"]
        for name in RESOURCE_SCHEMAS:
            assert schemas[name]["required"] == ["id"], name
            for field, prop in schemas[name]["properties"].items():
                if field != "id" and "type" in prop:
                    assert prop.get("nullable") is True, f"{name}.{field}"

    def test_create_operations_link_to_get_update_delete(self, spec: dict[str, Any]) -> None:
        """Each create operation links, by the created id, to the get, update and delete of the resource."""
        by_id = {op["operationId"]: (key, op) for key, op in operations(spec).items()}
        methods = {place: operation_id for operation_id, place in OPERATION_METHODS.items()}
        creates = [
            (resource, operation_id) for (resource, method), operation_id in methods.items() if method == "create"
        ]
        assert creates
        for resource, create in creates:
            links = by_id[create][1]["responses"]["201"]["links"]
            targets = {link["operationId"] for link in links.values()}
            expected = {
                methods[(resource, method)] for method in ("get", "update", "delete") if (resource, method) in methods
            }
            assert targets == expected, create
            for link in links.values():
                (_, target_path), _ = by_id[link["operationId"]]
                assert target_path.endswith("/{id}")
                assert link["parameters"] == {"id": "$response.body#/data/id"}


# Figures of the sandbox that openapi.yaml's descriptions give (for other teams, who read the spec, not the
# sandbox's code): each sentence's pattern in the spec's text, and the constant it must state.
SANDBOX_FIGURES = [
    (r"the sandbox's is (\d+)\)", DEFAULT_PAGE_SIZE, "DEFAULT_PAGE_SIZE in sandbox/.../_store.py"),
    (r"the sandbox's last (\d+) seconds", NONCE_LIFETIME, "NONCE_LIFETIME in sandbox/.../_store.py"),
    (r"the sandbox's after (\d+) seconds", NONCE_LIFETIME, "NONCE_LIFETIME (CHANGELOG's spec section)"),
    (r"The sandbox refuses after (\d+) failures", MAX_FAILED_LOGINS, "MAX_FAILED_LOGINS in _store.py"),
    (r"failures within (\d+) minutes", FAILED_LOGIN_WINDOW / 60, "FAILED_LOGIN_WINDOW in _store.py"),
    (r"minutes, for (\d+)\s+minutes", LOCKOUT_SECONDS / 60, "LOCKOUT_SECONDS in _store.py"),
    (r"the sandbox accepts (\d+) MiB", MAX_BODY_BYTES / 2**20, "MAX_BODY_BYTES in sandbox/.../_config.py"),
]


@pytest.mark.parametrize(("sentence", "constant", "where"), SANDBOX_FIGURES, ids=[f[2] for f in SANDBOX_FIGURES])
def test_the_specs_sandbox_figures_are_the_sandboxs(sentence: str, constant: float, where: str) -> None:
    """A figure of the sandbox in openapi.yaml (or in the CHANGELOG of the spec) is the one its code uses."""
    text = (ROOT / "openapi.yaml").read_text(encoding="utf-8") + (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    found = [float(value) for value in re.findall(sentence, text)]
    assert found, f"openapi.yaml no longer says {sentence!r}: update SANDBOX_FIGURES in {__file__}"
    assert set(found) == {constant}, f"openapi.yaml says {found} where {where} is {constant}: make them agree"


def spec_patterns(node: Any, where: str = "") -> list[tuple[str, str]]:
    """Every `pattern` of a schema in the spec, with where it is."""
    if isinstance(node, list):
        return [found for index, value in enumerate(node) for found in spec_patterns(value, f"{where}/{index}")]
    if not isinstance(node, dict):
        return []
    own = [(where, node["pattern"])] if isinstance(node.get("pattern"), str) else []
    return own + [found for key, value in node.items() for found in spec_patterns(value, f"{where}/{key}")]


def test_patterns_are_portable(spec: dict[str, Any]) -> None:
    """Every pattern compiles in Python's re and in JavaScript with the `u` flag (ECMA-262, what JSON Schema
    names), and counts no repetition RE2 refuses (Go's regexp; Rust's engines share the limit): none over
    1000, none nested inside another counted one."""
    found = spec_patterns(spec)
    assert any("Filter" in where for where, _ in found)
    for where, pattern in found:
        re.compile(pattern)
        counts = [int(count) for count in re.findall(r"\{(?:\d+,)?(\d+)\}", pattern)]
        assert all(count <= 1000 for count in counts), f"openapi.yaml {where}: a counted repetition over 1000"
        assert not re.search(r"\{\d+(?:,\d*)?\}[^{]*\)\{\d+(?:,\d*)?\}", pattern), (
            f"openapi.yaml {where}: a counted repetition inside another (RE2 refuses large products): use * there"
        )
    script = (
        "const patterns = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "for (const [where, p] of patterns) {"
        " try { new RegExp(p, 'u'); } catch (e) { console.log(where + ': ' + e); } }"
    )
    node = subprocess.run(
        ["node", "-e", script], input=json.dumps(found), capture_output=True, text=True, timeout=60, check=True
    )
    assert node.stdout == "", f"openapi.yaml: JavaScript refuses these patterns:\n{node.stdout}"
