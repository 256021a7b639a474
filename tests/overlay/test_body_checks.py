"""Request body fields are checked against their schemas before any request: every bound and type the spec states."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from voipstudio_callmeback import CallMeBack
from voipstudio_callmeback._resource_base import body
from voipstudio_callmeback_client.operations import OPERATIONS, Operation


def wrong_values(schema: dict[str, Any]) -> list[tuple[Any, type[Exception]]]:
    """Values the field's schema refuses, each with the error it raises: another type, or one step past a bound."""
    kind = schema.get("type")
    others: dict[str, list[Any]] = {
        "integer": ["7", 7.5, True],
        "number": ["0.2", True],
        "boolean": ["yes", 1],
        "string": [5, True],
    }
    found: list[tuple[Any, type[Exception]]] = [(value, TypeError) for value in others.get(str(kind), [])]
    if kind in ("integer", "number") and not schema.get("nullable"):
        found.append((None, TypeError))
    step = 1 if kind == "integer" else 0.01
    if kind in ("integer", "number") and "minimum" in schema:
        found.append((schema["minimum"] - step, ValueError))
    if kind in ("integer", "number") and "maximum" in schema:
        found.append((schema["maximum"] + step, ValueError))
    if kind == "string" and schema.get("minLength", 0) > 0:
        found.append(("", ValueError))
    return found


def fields_of(operation: Operation) -> dict[str, Any]:
    assert operation.body is not None
    return dict(operation.body.schema.get("properties") or {})


WRONG = [
    (operation, name, value, error)
    for operation in OPERATIONS.values()
    if operation.body is not None
    for name, schema in fields_of(operation).items()
    for value, error in wrong_values(schema)
]
CASES = [pytest.param(*case, id=f"{case[0].id}-{case[1]}-{case[2]!r}") for case in WRONG]


def test_every_typed_body_field_has_cases() -> None:
    """The cases come from the spec: every typed field of every request body yields some."""
    typed = {
        (operation.id, name)
        for operation in OPERATIONS.values()
        if operation.body is not None
        for name, schema in fields_of(operation).items()
        if schema.get("type") in ("integer", "number", "boolean", "string")
    }
    assert typed
    assert typed == {(operation.id, name) for operation, name, _, _ in WRONG}


@pytest.mark.parametrize(("operation", "name", "value", "error"), CASES)
def test_a_field_value_the_schema_refuses_raises_naming_the_field(
    operation: Operation, name: str, value: Any, error: type[Exception]
) -> None:
    assert operation.body is not None
    properties = fields_of(operation)
    required = {
        field: properties[field].get("example", "x" * max(1, properties[field].get("minLength", 1)))
        for field in operation.body.schema.get("required", [])
        if field != name
    }
    with pytest.raises(error, match=f"^{name} must"):
        body(operation, {**required, name: value})


def test_a_refused_value_sends_nothing() -> None:
    """settings.create(position=99) raises ValueError with the spec's bounds, and no request leaves."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    position = OPERATIONS["createSetting"].body.schema["properties"]["position"]  # type: ignore[union-attr]
    with CallMeBack(
        token="t" * 40,
        base_url="https://api.test/v1.1/voipstudio",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    ) as cmb:
        with pytest.raises(
            ValueError, match=f"position must be a whole number between {position['minimum']} and {position['maximum']}"
        ):
            cmb.settings.create(name="x", position=position["maximum"] + 1)
        with pytest.raises(TypeError, match="name must be text"):
            cmb.settings.update(1, name=5)  # type: ignore[arg-type]
    assert sent == []


REQUIRED = [
    (operation.id, name)
    for operation in OPERATIONS.values()
    if operation.body is not None
    for name in operation.body.schema.get("required") or ()
]


@pytest.mark.parametrize(("operation_id", "name"), REQUIRED, ids=[f"{op}-{name}" for op, name in REQUIRED])
def test_a_missing_required_field_is_a_type_error_naming_it(operation_id: str, name: str) -> None:
    """A body without a field its schema requires raises TypeError naming the field (not the model's KeyError)."""
    operation = OPERATIONS[operation_id]
    with pytest.raises(TypeError, match="is required") as raised:
        body(operation, {})
    assert f"'{name}'" in str(raised.value)
