"""The generated models' from_dict, built by the project's template (templates/model.py.jinja).

The template passes fields to the constructor by position, so these tests check that
every JSON member lands in the attribute of the same name, for every resource model.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from voipstudio_callmeback._resources import RESOURCE_ITEMS
from voipstudio_callmeback_client.models import Cdr, ErrorResponse
from voipstudio_callmeback_client.types import UNSET

from conftest import load_spec
from schemas import resolve

# The models of the resources' items (what the spec's collections hold) and of errors.
FLAT_MODELS = sorted({*RESOURCE_ITEMS.values(), ErrorResponse}, key=lambda model: model.__name__)


def json_names(model: type[Any]) -> dict[str, str]:
    """Attribute name -> JSON member name, for the fields the constructor takes."""
    return {field.name: field.name.removesuffix("_") for field in attrs.fields(model) if field.init}


def tagged(schema: Any, tag: str) -> Any:
    """A value of `schema` that carries `tag`: the string itself where a string may stand (from_dict keeps a
    scalar as it arrives, whatever the field's type), else an array or object holding it, so that a
    value lands visibly in one attribute only."""
    spec = load_spec()
    schema = resolve(spec, schema) or {}
    branches = [resolve(spec, branch) for branch in schema.get("anyOf") or schema.get("oneOf") or []]
    if not branches:
        branches = [schema]
    if not any(branch.get("type") in ("array", "object") for branch in branches):
        return tag
    branch = next(branch for branch in branches if branch.get("type") in ("array", "object"))
    if branch["type"] == "array":
        return [tagged(branch.get("items") or {}, tag)]
    properties = branch.get("properties") or {}
    if properties:
        name, prop = next(iter(properties.items()))
        return {name: tagged(prop, tag)}
    return {"member": tag}


@pytest.mark.parametrize("model", FLAT_MODELS, ids=lambda model: model.__name__)
def test_every_member_lands_in_its_own_attribute(model: type[Any]) -> None:
    names = json_names(model)
    properties = load_spec()["components"]["schemas"][model.__name__]["properties"]
    body = {member: tagged(properties[member], f"value of {member}") for member in names.values()}
    parsed = model.from_dict(body)
    for attribute, member in names.items():
        value = getattr(parsed, attribute)
        assert (value if isinstance(value, str) else repr(value)).count(f"value of {member}") == 1, attribute
    assert parsed.additional_properties == {}
    assert parsed.to_dict() == body


def optional_fields(model: type[Any]) -> list[str]:
    return [field.name for field in attrs.fields(model) if field.init and field.default is not attrs.NOTHING]


# Visitor documents no member but its id, so it has no optional field to check.
@pytest.mark.parametrize("model", [m for m in FLAT_MODELS if optional_fields(m)], ids=lambda model: model.__name__)
def test_missing_members_are_unset_and_nulls_are_none(model: type[Any]) -> None:
    names = json_names(model)
    optional = optional_fields(model)
    required = [attribute for attribute in names if attribute not in optional]
    body: dict[str, Any] = {names[attribute]: 1 for attribute in required}
    body[names[optional[0]]] = None
    parsed = model.from_dict(body)
    assert getattr(parsed, optional[0]) is None
    for attribute in optional[1:]:
        assert getattr(parsed, attribute) is UNSET, attribute
    assert parsed.to_dict() == body


def test_unknown_members_are_kept_and_the_input_is_not_changed() -> None:
    body = {"id": 7, "calldate": "2026-03-01 10:00:00", "x_region": "eu", "x_tags": ["a"]}
    parsed = Cdr.from_dict(body)
    assert parsed.additional_properties == {"x_region": "eu", "x_tags": ["a"]}
    assert body == {"id": 7, "calldate": "2026-03-01 10:00:00", "x_region": "eu", "x_tags": ["a"]}


def test_a_missing_required_member_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="id"):
        Cdr.from_dict({"calldate": "2026-03-01 10:00:00"})
