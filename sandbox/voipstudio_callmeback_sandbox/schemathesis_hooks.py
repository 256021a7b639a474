"""Schemathesis hooks for testing openapi.yaml against a server that implements it.

Load them with ``hooks = "voipstudio_callmeback_sandbox.schemathesis_hooks"`` in a
``schemathesis.toml``, or ``SCHEMATHESIS_HOOKS=voipstudio_callmeback_sandbox.schemathesis_hooks``
in the environment of ``st run``; importing the module registers them. Only schemathesis needs
it: importing ``voipstudio_callmeback_sandbox`` does not import this module (nor schemathesis).

One hook, ``before_call``, runs on every request just before it is sent, in every phase
(examples, coverage, fuzzing, stateful, explicit calls) and after the stateful phase has put
values from earlier responses into it; schemathesis then re-checks the edited request against
the spec, so a case stays positive or negative according to what is really sent. It makes three
corrections, each for a rule that openapi.yaml states in words because OpenAPI 3.0 cannot state
it in a schema; everything it needs is read from the operation's own definition in the spec:

- **References to the caller's own resources, every case.** A body field ``<noun>_id``, where the
  spec has a schema named ``Noun`` (``button_id``), must hold the id of one of the caller's own
  items, or the request is refused with 400 naming the field (as the service refuses it). A
  schema describes values, not which of them exist for whom, so a random id (or one taken from
  another step's response, perhaps of an item deleted since) is schema-valid yet refused. Such a
  field whose value its schema allows is left out; an update body (``minProperties``, nothing
  required) that would be left empty gets a plain text field instead. An invalid value (a
  negative case's) is kept, so its rejection is still tested; in a negative case, leaving out a
  valid reference keeps the server from refusing it for the reference instead of its violation.
- **List queries, positive cases.** ``sort`` names one of the fields the list's ``sort`` enum
  gives, and ``filter`` is a JSON array of conditions on those fields. Each list's ``filter``
  pattern already admits only such arrays, but the visitors' ``sort`` and ``filter`` take any
  field name (the spec lists no visitor field but ``id``), and a server has only its own: for
  them ``id`` is used. An unknown ``sort`` name is swapped for one of the list's fields and a
  filter on other fields for a well-formed one on them.
- **Logins, positive cases.** A schema cannot say which credentials exist; half of the valid
  ``POST /login`` bodies are given the sandbox's demo account (chosen by the e-mail address, so
  a run replays exactly), so that a successful login is tested too.
"""

from __future__ import annotations

import json
import math
import zlib
from typing import Any

import schemathesis

from ._config import DEMO_ACCOUNT
from ._model import json_schema, resolved
from ._store import OPERATORS as SANDBOX_OPERATORS
from .convention import snake_case

# The filter operators the sandbox implements: the spec's FilterOperator (tests/test_spec.py holds them equal).
OPERATORS = tuple(SANDBOX_OPERATORS)
DEMO_LOGIN = {"email": DEMO_ACCOUNT.email, "password": DEMO_ACCOUNT.password}


def body_schema(operation: Any) -> dict[str, Any]:
    """The JSON schema of an operation's request body (empty when it takes none)."""
    return resolved(operation.schema.raw_schema, json_schema(operation.schema.raw_schema, operation.definition.raw))


def listed_fields(operation: Any) -> list[str]:
    """The fields a list operation can be sorted and filtered on: the values of its `sort` enum (`id`
    where its `sort` takes any name: visitors, whose fields the spec does not list)."""
    document = operation.schema.raw_schema
    for parameter in (resolved(document, node) for node in operation.definition.raw.get("parameters", [])):
        if parameter.get("name") == "sort":
            return sorted(resolved(document, parameter["schema"]).get("enum") or ["id"])
    return ["id"]


def reference_fields(operation: Any, body: dict[str, Any]) -> set[str]:
    """Body fields that hold another resource's id, `<noun>_id` where the spec has a schema named Noun, whose
    value is one the field's schema allows (an invalid one is what a negative case tests: it stays)."""
    document = operation.schema.raw_schema
    nouns = {snake_case(name) for name in document.get("components", {}).get("schemas", {})}
    properties = body_schema(operation).get("properties", {})
    found = set()
    for name, value in body.items():
        prop = resolved(document, properties.get(name))
        low, high = prop.get("minimum", -math.inf), prop.get("maximum", math.inf)
        valid = type(value) is int and low <= value <= high
        if name.endswith("_id") and name.removesuffix("_id") in nouns and valid:
            found.add(name)
    return found


def without_references(operation: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The body with its reference fields left out; an update body (minProperties, nothing required) left empty
    gets a text field instead (a create left empty lacks its required fields, as a negative case may mean it to)."""
    references = reference_fields(operation, body)
    kept = {name: value for name, value in body.items() if name not in references}
    if kept or not body:
        return kept
    schema = body_schema(operation)
    if not schema.get("minProperties") or schema.get("required"):
        return kept
    for name, node in schema.get("properties", {}).items():
        prop = resolved(operation.schema.raw_schema, node)
        if prop.get("type") == "string" and not {"format", "enum", "pattern"} & set(prop):
            return {name: "schemathesis"}
    return kept


def is_valid_filter(value: str, fields: list[str]) -> bool:
    """Whether `value` is a JSON array of well-formed conditions on `fields`."""
    try:
        conditions = json.loads(value)
    except ValueError:
        return False
    return isinstance(conditions, list) and all(
        isinstance(c, dict)
        and set(c) == {"property", "operator", "value"}
        and c["property"] in fields
        and c["operator"] in OPERATORS
        and isinstance(c["value"], str | int | float | bool)
        and (c["operator"] != "like" or isinstance(c["value"], str))
        for c in conditions
    )


def valid_filter(seed: int, fields: list[str]) -> str:
    """A valid filter of one to three conditions on `fields`, chosen by seed."""
    conditions = []
    for index in range(1 + seed % 3):
        operator = OPERATORS[(seed >> (2 + index)) % len(OPERATORS)]
        value: Any = f"%{seed % 97}%" if operator == "like" else seed % 10_000
        conditions.append({"property": fields[(seed >> index) % len(fields)], "operator": operator, "value": value})
    return json.dumps(conditions)


def is_login(operation: Any) -> bool:
    """Whether the operation's body takes the demo account's credentials (`POST /login`: its `LoginRequest`)."""
    properties: dict[str, Any] = body_schema(operation).get("properties") or {}
    return DEMO_LOGIN.keys() <= properties.keys()


def uses_demo_login(body: dict[str, Any]) -> bool:
    """Half of the valid logins use the sandbox's demo account, so that the 200 path is tested too."""
    email = body.get("email")
    return isinstance(email, str) and zlib.crc32(email.encode()) % 2 == 0


def is_positive(case: Any) -> bool:
    """Whether schemathesis generated `case` to be valid (an explicit case, with no metadata, is not touched)."""
    meta = getattr(case, "meta", None)
    return meta is not None and bool(meta.generation.mode.is_positive)


def adjust(case: Any) -> None:
    """Apply the module's corrections (its docstring) to `case`, in place."""
    operation = case.operation
    if isinstance(case.body, dict) and reference_fields(operation, case.body):
        case.body = without_references(operation, case.body)
    if not is_positive(case):
        return
    if case.method.upper() == "GET" and case.query and ({"sort", "filter"} & set(case.query)):
        fields = listed_fields(operation)
        sort, filter_ = case.query.get("sort"), case.query.get("filter")
        query = dict(case.query)
        if isinstance(sort, str) and sort not in fields:
            query["sort"] = fields[zlib.crc32(sort.encode()) % len(fields)]
        if isinstance(filter_, str) and not is_valid_filter(filter_, fields):
            query["filter"] = valid_filter(zlib.crc32(filter_.encode()), fields)
        if query != case.query:
            case.query = query
    elif isinstance(case.body, dict) and is_login(operation) and uses_demo_login(case.body):
        case.body = {**case.body, **DEMO_LOGIN}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Every request of every phase, as it is about to be sent: the corrections above."""
    adjust(case)
