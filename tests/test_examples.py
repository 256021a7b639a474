"""The examples in openapi.yaml, and those on the reference page, against the spec's schemas."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from conftest import load_spec, operations
from reference_page import DocumentedOperation
from schemas import errors, resolve

Example = tuple[str, dict[str, Any], Any]  # (where, schema, value)


def schema_examples(where: str, schema: dict[str, Any]) -> Iterator[Example]:
    """The `example` of a schema and of every schema nested in it."""
    if "example" in schema:
        yield where, schema, schema["example"]
    for name, sub in schema.get("properties", {}).items():
        yield from schema_examples(f"{where}/properties/{name}", sub)
    for keyword in ("items", "additionalProperties"):
        if isinstance(schema.get(keyword), dict):
            yield from schema_examples(f"{where}/{keyword}", schema[keyword])
    for keyword in ("oneOf", "anyOf", "allOf"):
        for index, sub in enumerate(schema.get(keyword, [])):
            yield from schema_examples(f"{where}/{keyword}/{index}", sub)


def media_examples(spec: dict[str, Any], where: str, content: dict[str, Any]) -> Iterator[Example]:
    """The `example` and every entry of `examples` of each media type."""
    for media_type, media in content.items():
        schema = media["schema"]
        if "example" in media:
            yield f"{where}/{media_type}/example", schema, media["example"]
        for name, example in media.get("examples", {}).items():
            yield f"{where}/{media_type}/examples/{name}", schema, resolve(spec, example)["value"]


def all_examples(spec: dict[str, Any]) -> list[Example]:
    """Every example in the document, with the schema it must satisfy."""
    found: list[Example] = []
    for name, schema in spec["components"]["schemas"].items():
        found += schema_examples(f"#/components/schemas/{name}", schema)
    for name, parameter in spec["components"]["parameters"].items():
        if "example" in parameter:
            found.append((f"#/components/parameters/{name}", parameter["schema"], parameter["example"]))
    for name, response in spec["components"]["responses"].items():
        found += media_examples(spec, f"#/components/responses/{name}", response.get("content", {}))
    for (method, path), op in operations(spec).items():
        where = f"{method} {path}"
        if "requestBody" in op:
            found += media_examples(spec, f"{where} request", op["requestBody"]["content"])
        for code, response in op["responses"].items():
            if "$ref" not in response:
                found += media_examples(spec, f"{where} {code}", response.get("content", {}))
    return found


class TestSpecExamples:
    def test_there_are_examples_for_every_operation_body(self, spec: dict[str, Any]) -> None:
        """Every request body and every JSON response of every operation carries an example."""
        places = {where.split("/application/json")[0] for where, _, _ in all_examples(spec)}
        for (method, path), op in operations(spec).items():
            if "requestBody" in op:
                assert f"{method} {path} request" in places
            for code, response in op["responses"].items():
                if "$ref" not in response and "content" in response:
                    assert f"{method} {path} {code}" in places

    @pytest.mark.parametrize(
        ("where", "schema", "value"), all_examples(load_spec()), ids=[e[0] for e in all_examples(load_spec())]
    )
    def test_example_validates(self, spec: dict[str, Any], where: str, schema: dict[str, Any], value: Any) -> None:
        """The example validates against its schema (OpenAPI 3.0 rules, formats checked)."""
        assert errors(spec, schema, value) == []

    def test_a_wrong_example_is_caught(self) -> None:
        """The check above does fail for an example that breaks its schema."""
        broken = copy.deepcopy(load_spec())
        broken["components"]["examples"]["SettingResponse"]["value"]["data"]["floating_icon"] = "yes"
        failures = [where for where, schema, value in all_examples(broken) if errors(broken, schema, value)]
        assert failures
        assert all("settings" in where for where in failures)


def response_schema(spec: dict[str, Any], op: dict[str, Any], status: int) -> dict[str, Any]:
    response = resolve(spec, op["responses"][str(status)])
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


class TestReferencePageExamples:
    SETTING_OPERATIONS: ClassVar[list[tuple[str, str]]] = [
        ("GET", "/callmeback/settings"),
        ("POST", "/callmeback/settings"),
        ("GET", "/callmeback/settings/{id}"),
        ("PATCH", "/callmeback/settings/{id}"),
    ]

    @pytest.mark.parametrize(("method", "path"), SETTING_OPERATIONS)
    def test_setting_response_example_validates(
        self, spec: dict[str, Any], page: list[DocumentedOperation], method: str, path: str
    ) -> None:
        """The page's example response of each Setting operation validates against the spec."""
        (documented,) = [op for op in page if (op.method, op.path) == (method, path)]
        assert documented.example_response is not None
        schema = response_schema(spec, operations(spec)[(method, path)], documented.example_status or 0)
        assert errors(spec, schema, documented.example_response) == []

    def test_every_page_response_example_is_accepted(
        self, spec: dict[str, Any], page: list[DocumentedOperation]
    ) -> None:
        """Liberal responses: even the page's copied examples (Setting fields on CDRs, visitors, buttons) parse."""
        for documented in page:
            if documented.example_response is None:
                continue
            op = operations(spec)[(documented.method, documented.path)]
            schema = response_schema(spec, op, documented.example_status or 0)
            assert errors(spec, schema, documented.example_response) == [], documented.path

    def test_page_setting_request_examples_are_rejected_only_where_decided(
        self, spec: dict[str, Any], page: list[DocumentedOperation]
    ) -> None:
        """Strict requests: the page's request examples fail only on the fields docs/spec-decisions.md retypes.

        `culture` and `position` are sent as integers (the page's "abcd" placeholders
        cannot be valid), `max_call_rate` as a number (its documented type), not the
        string "100.00", and `privacy_policy_url` must be an absolute URI.
        """
        for method in ("POST", "PATCH"):
            (documented,) = [
                op
                for op in page
                if (op.method, op.path) == (method, "/callmeback/settings" + ("/{id}" if method == "PATCH" else ""))
            ]
            op = operations(spec)[(documented.method, documented.path)]
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            failing = {error.split(":")[0] for error in errors(spec, schema, documented.example_request)}
            assert failing == {"culture", "position", "max_call_rate", "privacy_policy_url"}
            corrected = {
                **documented.example_request,
                "culture": 3,
                "position": 7,
                "max_call_rate": 100.0,
                "privacy_policy_url": "https://shop.example.com/privacy",
            }
            assert errors(spec, schema, corrected) == []

    def test_page_button_request_example_is_accepted(
        self, spec: dict[str, Any], page: list[DocumentedOperation]
    ) -> None:
        """The page's button PATCH example is a valid ButtonUpdate."""
        (documented,) = [op for op in page if (op.method, op.path) == ("PATCH", "/callmeback/buttons/{id}")]
        schema = operations(spec)[("PATCH", "/callmeback/buttons/{id}")]["requestBody"]["content"]["application/json"][
            "schema"
        ]
        assert errors(spec, schema, documented.example_request) == []
