"""Answers are read by the decoders (generated/.../decoders.py), else checked and read by from_dict.

Bodies are drawn from each answer model's schema in openapi.yaml, then bent: fields left
out, nulls, values of other types, members the spec does not declare, a missing required
field. An independent judge, openapi-schema-validator's OAS 3.0 validator on the spec's
schema (its types, nullability, required members and enums; bounds left out, as the client
does not check them in answers), says whether each body matches the spec. For a body that
matches, parse() must give exactly what `Model.from_dict(json.loads(body))` gives (types
included: 5 stays an int, 5.0 a float); for one that does not, it must raise
UnexpectedResponseError naming the JSON path of a mismatch; and where the fast decoder takes
a body at all, the body matches and its model is that one.
"""

from __future__ import annotations

import gc
import json
import re
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator
from voipstudio_callmeback import UnexpectedResponseError
from voipstudio_callmeback._base import PAUSE_GC_BYTES, parse
from voipstudio_callmeback_client import models
from voipstudio_callmeback_client.decoders import DECODERS, SLOW
from voipstudio_callmeback_client.types import UNSET, Unset

from json_bodies import SCHEMAS, objects

REQUEST = httpx.Request("GET", "https://api.test/v1.1/voipstudio/callmeback/anything")
ANSWERS = sorted(DECODERS, key=lambda model: model.__name__)


def typed(value: Any) -> Any:
    """A value with the type of everything in it spelled out, so that 5 and 5.0 (and True and 1) differ."""
    if hasattr(value, "to_dict"):
        fields = {attribute.name: typed(getattr(value, attribute.name)) for attribute in type(value).__attrs_attrs__}
        return (type(value).__name__, fields)
    if isinstance(value, list):
        return ["list", [typed(item) for item in value]]
    if isinstance(value, dict):
        return ["dict", {key: typed(item) for key, item in value.items()}]
    if isinstance(value, Unset):
        return "UNSET"
    return [type(value).__name__, value]


def from_dict(model: type[Any], body: bytes) -> Any:
    """What the generated model makes of the body: the model, or the exception."""
    try:
        return model.from_dict(json.loads(body))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return exc


def parsed(model: type[Any], body: bytes) -> Any:
    response = httpx.Response(200, content=body, headers={"content-type": "application/json"}, request=REQUEST)
    try:
        return parse(response, 200, model)
    except UnexpectedResponseError as exc:
        return exc


# Keywords that bound a value rather than type it: answers are not checked against them.
BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern"})
BOUNDS |= {"minItems", "maxItems", "minProperties", "maxProperties", "uniqueItems", "multipleOf"}
# The formats the models parse (from_dict reads them with isoparse or UUID): answers are checked against these.
PARSED_FORMATS = frozenset({"date", "date-time", "uuid"})


def judged(schema: Any) -> Any:
    """A schema of the spec with its references inlined and its bounds left out: what the judge validates against."""
    if isinstance(schema, list):
        return [judged(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return judged(SCHEMAS[ref.rsplit("/", 1)[1]])
    kept = {}
    for key, value in schema.items():
        if key == "properties":
            kept[key] = {name: judged(sub) for name, sub in value.items()}
        elif key == "format":
            if value in PARSED_FORMATS:
                kept[key] = value
        elif key not in BOUNDS:
            kept[key] = judged(value)
    return kept


def matches(model: type[Any], body: bytes) -> bool:
    validator = OAS30Validator(judged(SCHEMAS[model.__name__]), format_checker=OAS30Validator.FORMAT_CHECKER)
    return bool(validator.is_valid(json.loads(body)))


# The message of a body that does not match: the path of the mismatch, then what is wrong.
MISMATCH = re.compile(
    r"the body does not match the spec: (?P<path>the body|[^ :]+): "
    r"(expected .+, got .+|missing \(the spec requires it\)"
    r"|.+ is not one of the values the spec allows)$"
)


def test_every_answer_has_a_decoder() -> None:
    """An answer's model without a decoder is read by from_dict alone, about 2.5 times slower (scripts/bench): only
    for the shapes docs/benchmarks.md lists ("Shapes read the slow way"), each with its cost."""
    listed = ("holds itself", "a union of a model or list with other types", "a map of")
    unlisted = {model: why for model, why in SLOW.items() if not any(shape in why for shape in listed)}
    assert not unlisted, (
        f"no decoder for {unlisted}: teach scripts/lib/join.py (_Planner.decoded) to read these values, "
        "or list the shape, with its measured cost, in docs/benchmarks.md and here"
    )
    assert {model.__name__ for model in ANSWERS} >= {"CdrList", "SettingList", "SettingResponse"}


@pytest.mark.parametrize("model", ANSWERS, ids=lambda model: model.__name__)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_parse_gives_what_from_dict_gives(model: type[Any], data: st.DataObject) -> None:
    """A body that matches the spec parses as from_dict reads it; one that does not raises, naming where."""
    strict = data.draw(st.booleans(), label="strict")
    body = json.dumps(data.draw(objects(SCHEMAS[model.__name__], strict), label="body")).encode()
    got = parsed(model, body)
    if not matches(model, body):
        assert isinstance(got, UnexpectedResponseError), f"parsed a body that does not match the spec: {got!r}"
        found = MISMATCH.search(str(got))
        assert found, str(got)
        assert not strict, "the strategy's strict bodies match the spec"
        return
    expected = from_dict(model, body)
    assert not isinstance(expected, Exception), f"from_dict refused a body that matches the spec: {expected!r}"
    assert typed(got) == typed(expected)
    try:
        decoded = DECODERS[model](body)
    except msgspec.MsgspecError:
        assert not strict, "the decoder refused a body the spec describes"
        return
    assert typed(decoded) == typed(expected)


@pytest.mark.parametrize("model", ANSWERS, ids=lambda model: model.__name__)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_what_the_decoder_takes_matches_the_spec(model: type[Any], data: st.DataObject) -> None:
    """The fast path never takes a body that does not match the spec (its types are the generator's reading)."""
    body = json.dumps(data.draw(objects(SCHEMAS[model.__name__], False), label="body")).encode()
    try:
        DECODERS[model](body)
    except msgspec.MsgspecError:
        return
    assert matches(model, body)


CDR = b'{"id": 7, "type": "O", "rate": 5, "charge": 0.5, "labels": ["a"], "clid": null}'


def cdr_page(*items: bytes) -> bytes:
    return b'{"data": [' + b",".join(items) + b'], "total": %d}' % len(items)


def test_the_decoder_reads_a_page_the_spec_describes() -> None:
    """A page with only declared fields: the decoder takes it, with JSON's types and UNSET for absent fields."""
    page = DECODERS[models.CdrList](cdr_page(CDR))
    (cdr,) = page.data
    assert (cdr.id, cdr.type_, cdr.labels, cdr.clid) == (7, "O", ["a"], None)
    assert type(cdr.rate) is int
    assert type(cdr.charge) is float
    assert cdr.duration is UNSET
    assert cdr.additional_properties == {}
    assert page.additional_properties == {}


@pytest.mark.parametrize(
    "body",
    [
        cdr_page(b'{"id": 1, "colour": "red"}'),  # a member the spec does not declare
        cdr_page(b'{"id": "1"}'),  # another type
        cdr_page(b'{"type": "O"}'),  # no id
        b'{"data": [], "total": 0, "next": 2}',
        b"[]",
    ],
)
def test_the_decoder_refuses_what_it_cannot_read_exactly(body: bytes) -> None:
    with pytest.raises(msgspec.MsgspecError):
        DECODERS[models.CdrList](body)


def test_unknown_members_still_land_in_additional_properties() -> None:
    page = parsed(models.CdrList, b'{"data": [{"id": 1, "colour": "red"}], "total": 1, "next": 2}')
    assert page.additional_properties == {"next": 2}
    assert page.data[0].additional_properties == {"colour": "red"}
    assert page.data[0].calldate is UNSET


@pytest.mark.parametrize(
    ("model", "body", "said"),
    [
        (models.CdrList, cdr_page(b'{"type": "O"}'), "data[0].id: missing (the spec requires it)"),
        (models.SettingResponse, b'{"data": {"id": "abc", "name": 5}}', 'data.id: expected integer, got "abc"'),
        (models.SettingResponse, b'{"data": {"id": 1, "name": 5}}', "data.name: expected string or null, got 5"),
        (models.SettingResponse, b'{"data": {"id": 1, "name": 5, "colour": "red"}}', "data.name: expected string"),
        (models.CdrList, cdr_page(CDR, b'{"id": 2, "duration": "long"}'), "data[1].duration: expected integer or null"),
        (models.CdrList, b'{"data": [], "total": 2.5}', "total: expected integer, got 2.5"),
        (models.SettingList, b"[]", "the body: expected object, got []"),
        (models.SettingResponse, b'{"data": null}', "data: expected object, got null"),
        # A credential's value is not quoted, only its type.
        (models.LoginSuccess, b'{"user_token": 12345678, "user_id": 1}', "user_token: expected string, got integer"),
    ],
)
def test_a_body_that_does_not_match_names_the_json_path(model: type[Any], body: bytes, said: str) -> None:
    """The error says where the body departs from the spec and how, on the fallback of the fast path too."""
    failure = parsed(model, body)
    assert isinstance(failure, UnexpectedResponseError)
    assert f"the body does not match the spec: {said}" in str(failure)
    assert "12345678" not in str(failure)


def large_page() -> bytes:
    body = cdr_page(*[CDR] * (PAUSE_GC_BYTES // len(CDR) + 1))
    assert len(body) >= PAUSE_GC_BYTES
    return body


def test_a_large_parse_leaves_the_collector_on() -> None:
    """The collector, paused for a large body, is on again after it, whether the body parsed or not."""
    assert gc.isenabled()
    assert len(parsed(models.CdrList, large_page()).data) > 100
    assert gc.isenabled()
    assert isinstance(parsed(models.CdrList, large_page().replace(b'"id": 7', b'"di": 7')), Exception)
    assert gc.isenabled()


def test_a_collector_switched_off_stays_off() -> None:
    gc.disable()
    try:
        assert len(parsed(models.CdrList, large_page()).data) > 100
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize(
    ("schema", "value", "said"),
    [
        ({"type": "string", "format": "date"}, "01/07/2026", 'day: expected string of format date, got "01/07/2026"'),
        ({"type": "string", "format": "date"}, 5, "day: expected string of format date, got 5"),
        (
            {"type": "string", "format": "date-time"},
            "2026-07-01T10:00:00",
            'day: expected string of format date-time, got "2026-07-01T10:00:00"',
        ),
        ({"type": "string", "format": "uuid"}, "not-a-uuid", 'day: expected string of format uuid, got "not-a-uuid"'),
        ({"type": "string", "format": "date", "nullable": True}, None, None),
        ({"type": "string", "format": "date-time"}, "2026-07-01T10:00:00+02:00", None),
    ],
)
def test_formats_the_models_parse_are_checked(schema: dict[str, Any], value: Any, said: str | None) -> None:
    """A string of a format from_dict parses (date, date-time, uuid) is checked before from_dict sees it, so a wrong
    one is named by its JSON path instead of failing inside the model."""
    from voipstudio_callmeback._checks import checked_type, explain

    kind = checked_type({"type": "object", "properties": {"day": schema}}, "Formats")
    if said is None:
        msgspec.convert({"day": value}, kind)
        return
    with pytest.raises(msgspec.ValidationError) as raised:
        msgspec.convert({"day": value}, kind)
    assert explain(str(raised.value), {"day": value}) == said
