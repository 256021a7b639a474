"""Answers checked against the spec: the JSON schema of a model, as a msgspec type that checks a body.

The generated decoders read a body that is exactly what the spec declares in one pass. A body
they refuse (a member the spec does not declare, a value of another type, a missing field)
is read by the model's `from_dict()`, which keeps unknown members but does not check values.
Before that, `problem()` converts the body into a type made from the model's schema in
openapi.yaml (generated/voipstudio_callmeback_client/schemas.py): the same types, required
fields, nullability and enums, with unknown members allowed. msgspec says where the first
mismatch is, and it is told in JSON's words: `data.id: expected integer, got "abc"`.

The types are made when a model's body is first checked, so that nothing is spent on them
while every answer takes the fast path.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from typing import Annotated, Any, Literal, Union

import msgspec

from ._redact import SECRET_MEMBERS

__all__ = ["problem", "schema_members"]

_JSON_NAMES = {
    "int": "integer",
    "float": "number",
    "str": "string",
    "bool": "boolean",
    "null": "null",
    "object": "object",
    "array": "array",
    "date": "string of format date",
    "datetime": "string of format date-time",
    "uuid": "string of format uuid",
}
_MESSAGE = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_EXPECTED = re.compile(r"^Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_ENUM = re.compile(r"^Invalid enum value ")
_FORMAT = re.compile(
    r"^(?:Invalid (?:RFC3339 encoded (?P<rfc>date|datetime)|(?P<uuid>UUID))"
    r"|Expected `(?P<zone>datetime)` with a timezone component)$"
)
# The string formats the models parse (from_dict reads them with isoparse or UUID), checked as msgspec reads them.
_FORMATS: dict[str, Any] = {
    "date": datetime.date,
    "date-time": Annotated[datetime.datetime, msgspec.Meta(tz=True)],
    "uuid": uuid.UUID,
}
_FORMAT_NAMES = {"date": "date", "datetime": "date-time", "UUID": "uuid"}
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
_SHOWN = 60  # characters of a wrong value quoted in a message

_types: dict[str, Any] = {}


def _schemas() -> Any:
    from voipstudio_callmeback_client.schemas import SCHEMAS

    return SCHEMAS


def problem(model: type[Any], value: Any) -> str | None:
    """What in `value` (a decoded JSON body) does not match the schema of `model`; None when it all does,
    or when the package has no schema for the model (it was not made from openapi.yaml)."""
    name = model.__name__
    kind = _types.get(name)
    if kind is None:
        schema = _schemas().get(name) if model.__module__.startswith("voipstudio_callmeback_client.") else None
        if schema is None:
            return None
        kind = _types[name] = checked_type(schema, name)
    try:
        msgspec.convert(value, kind)
    except msgspec.ValidationError as exc:
        return explain(str(exc), value)
    return None


def schema_members(model: type[Any]) -> tuple[str, ...]:
    """The members the schema of `model` declares (none when the package has no schema for it)."""
    schema = _schemas().get(model.__name__) or {}
    return tuple(schema.get("properties") or ())


# --- schemas as msgspec types ----------------------------------------------------------------


def checked_type(schema: Any, name: str) -> Any:
    """The msgspec type of the values `schema` (OpenAPI 3.0, references resolved) allows, as far as msgspec
    can say it: where it cannot (a union msgspec does not take), the part is Any and goes unchecked."""
    kind = _kind(schema, name)
    try:
        msgspec.json.Decoder(kind)  # refuses types msgspec cannot check
    except TypeError:
        return Any
    return kind


def _kind(schema: Any, name: str) -> Any:
    if not isinstance(schema, dict):
        return Any
    if "allOf" in schema:
        return _nullable(schema, _object(_merged(schema), name))
    for union in ("oneOf", "anyOf"):
        if union in schema:
            members = [checked_type(member, f"{name}{index}") for index, member in enumerate(schema[union])]
            if Any in members:
                return Any
            return _nullable(schema, Union[tuple(members)])  # noqa: UP007 - a union built at run time
    if "enum" in schema:
        values = [value for value in schema["enum"] if value is not None]
        if values and (all(type(value) is str for value in values) or all(type(value) is int for value in values)):
            return _nullable(schema, Literal[tuple(values)])
    kind = schema.get("type")
    if kind == "integer":
        found: Any = int
    elif kind == "number":
        found = int | float
    elif kind == "string":
        found = _FORMATS.get(str(schema.get("format")), str)
    elif kind == "boolean":
        found = bool
    elif kind == "array":
        found = list[checked_type(schema.get("items") or {}, f"{name}Item")]  # type: ignore[misc]
    elif kind == "object" or "properties" in schema:
        found = _object(schema, name)
    else:
        return Any
    return _nullable(schema, found)


def _nullable(schema: dict[str, Any], kind: Any) -> Any:
    return kind | None if schema.get("nullable") and kind is not Any else kind


def _merged(schema: dict[str, Any]) -> dict[str, Any]:
    """An allOf's members as one object schema: every member's properties and required fields."""
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for member in [schema, *schema["allOf"]]:
        if not isinstance(member, dict):
            continue
        if "allOf" in member and member is not schema:
            member = _merged(member)
        merged["properties"].update(member.get("properties") or {})
        merged["required"].extend(member.get("required") or [])
    return merged


def _object(schema: dict[str, Any], name: str) -> Any:
    properties = schema.get("properties") or {}
    if not properties:
        extra = schema.get("additionalProperties")
        value = checked_type(extra, f"{name}Value") if isinstance(extra, dict) else Any
        return dict[str, value]  # type: ignore[valid-type]
    required = set(schema.get("required") or ())
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    rename = {}
    for index, (member, member_schema) in enumerate(properties.items()):
        field = f"f{index}"  # JSON names need not be Python names
        rename[field] = member
        kind = checked_type(member_schema, f"{name}_{index}")
        fields.append((field, kind) if member in required else (field, kind, None))
    # Unknown members are allowed: the models keep them in additional_properties.
    return msgspec.defstruct(f"{name}Check", fields, kw_only=True, rename=rename)


# --- msgspec's words as JSON's ---------------------------------------------------------------


def explain(message: str, value: Any) -> str:
    """A msgspec validation message as `path: what is wrong`, in JSON's terms, quoting the wrong value
    (but for members that hold a credential, whose type alone is named)."""
    matched = _MESSAGE.match(message)
    what, path = (matched.group("what"), matched.group("path") or "") if matched else (message, "")
    where = path.lstrip(".") or "the body"
    found = _at(value, path)
    expected = _EXPECTED.match(what)
    if expected:
        wanted = _json_type(expected.group("expected"))
        got = _shown(found, path) if found is not _UNKNOWN else _json_type(expected.group("got"))
        return f"{where}: expected {wanted}, got {got}"
    missing = _MISSING.match(what)
    if missing:
        member = missing.group("field")
        return (
            f"{where}.{member}: missing (the spec requires it)" if path else f"{member}: missing (the spec requires it)"
        )
    formatted = _FORMAT.match(what)
    if formatted and found is not _UNKNOWN:
        name = _FORMAT_NAMES[formatted.group("rfc") or formatted.group("uuid") or formatted.group("zone")]
        return f"{where}: expected string of format {name}, got {_shown(found, path)}"
    if _ENUM.match(what) and found is not _UNKNOWN:
        return f"{where}: {_shown(found, path)} is not one of the values the spec allows"
    return f"{where}: {what}"


_UNKNOWN: Any = object()


def _at(value: Any, path: str) -> Any:
    """The value at a msgspec path (`.data[0].id`); _UNKNOWN where the path cannot be followed."""
    for step in _STEP.finditer(path):
        member, index = step.groups()
        if member is not None and isinstance(value, dict) and member in value:
            value = value[member]
        elif index is not None and index.isdigit() and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _UNKNOWN
    return value


def _shown(value: Any, path: str) -> str:
    last = _STEP.findall(path)[-1][0] if path else ""
    if last in SECRET_MEMBERS:
        return _json_type_of(value)
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _json_type(names: str) -> str:
    parts = [_JSON_NAMES.get(part.strip(), part.strip()) for part in names.split("|")]
    if "integer" in parts and "number" in parts:
        parts.remove("integer")
    return " or ".join(dict.fromkeys(parts))


def _json_type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
