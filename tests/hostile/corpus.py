"""The hostile-input corpus: requests a stranger may send the sandbox, each with the 4xx it must get and the
field its error must name.

Each case is raw HTTP (a method, a request target as sent, header bytes, body chunks), so that the same
case runs in process (an ASGI call, tests/hostile/test_corpus.py) and over a socket on 127.0.0.1 exactly
as written. Operations, fields, types and bounds come from openapi.yaml: the collections are its list
operations, the writes its request bodies, the wrong types each body field's schema's, the bounds its
parameters'. A path's `{id}` is replaced by an id the demo account owns when the case runs.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, SandboxConfig
from voipstudio_callmeback_sandbox._http import Routes
from voipstudio_callmeback_sandbox._limits import (
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_VALUE_LENGTH,
    MAX_HEADER_BYTES,
    MAX_NUMBER_LENGTH,
    MAX_QUERY_PARAMETERS,
    MAX_QUERY_STRING_LENGTH,
)

from sandbox.support import _SPEC
from schemas import resolve

SPEC: dict[str, Any] = _SPEC
PREFIX = "/v1.1/voipstudio"
API_KEY_AUTH = b"Basic " + base64.b64encode(f"{DEMO_ACCOUNT.user_id}:{DEMO_ACCOUNT.api_key}".encode())
JSON = b"application/json"
BODY = "body"
# A body bigger than the sandbox takes by default.
OVERSIZED = SandboxConfig().max_body_bytes + 1


@dataclass(frozen=True)
class Case:
    """One hostile request and what it must get: a 4xx status and, for a 400, the field an error names."""

    name: str
    method: str
    target: str  # the path under PREFIX and the query, as sent (percent-encoded)
    status: int
    field: str | None = None
    body: tuple[bytes, ...] = ()  # the body's chunks; more than one is sent chunked
    content_type: bytes | None = JSON
    headers: tuple[tuple[bytes, bytes], ...] = ()
    authorization: bytes | None = API_KEY_AUTH
    # A Content-Length other than the body's (in process only: over a socket the server would wait for it).
    declared_length: int | None = None
    over_socket: bool = True  # False when an HTTP server refuses it before the application sees it

    def request_headers(self) -> list[tuple[bytes, bytes]]:
        headers = [(b"host", b"127.0.0.1")]
        if self.authorization is not None:
            headers.append((b"authorization", self.authorization))
        if self.body and self.content_type is not None:
            headers.append((b"content-type", self.content_type))
        if self.declared_length is not None:
            headers.append((b"content-length", str(self.declared_length).encode()))
        elif len(self.body) == 1:
            headers.append((b"content-length", str(len(self.body[0])).encode()))
        elif self.body:
            headers.append((b"transfer-encoding", b"chunked"))
        return [*headers, *self.headers]


def schema_of(node: Any) -> dict[str, Any]:
    found: dict[str, Any] = resolve(SPEC, node)
    return found


def operations() -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield method.upper(), path, item, operation


def parameter_schemas(item: Mapping[str, Any], operation: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
    found = {}
    for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = schema_of(raw)
        found[(parameter["in"], parameter["name"])] = schema_of(parameter["schema"])
    return found


def body_schema(operation: Mapping[str, Any]) -> dict[str, Any] | None:
    holder = operation.get("requestBody")
    if holder is None:
        return None
    return schema_of(schema_of(holder)["content"]["application/json"]["schema"])


def secured(operation: Mapping[str, Any]) -> bool:
    return bool(operation.get("security", SPEC.get("security")) != [])


COLLECTIONS = [path for method, path, _, op in operations() if method == "GET" and op["operationId"].startswith("list")]
LIST_PARAMETERS = {
    path: parameter_schemas(item, op)
    for method, path, item, op in operations()
    if path in COLLECTIONS and method == "GET"
}
# The writes of a resource by the convention: POST to a collection, PATCH to an item, on the demo's own ids.
WRITES = [
    (method, path, schema)
    for method, path, _item, operation in operations()
    if secured(operation) and (schema := body_schema(operation)) is not None
]
ITEM_PATHS = [path for path in SPEC["paths"] if "{" in path]
ENUM_SORTED = [path for path in COLLECTIONS if "enum" in LIST_PARAMETERS[path][("query", "sort")]]
OPEN_SORTED = [path for path in COLLECTIONS if path not in ENUM_SORTED]
# The names the sandbox keeps inside its tables (tests/hostile/test_tenancy.py reads them from the store).
INTERNAL_NAMES = ["account_id", "item:json", "rowid", "oid", "_rowid_"]

WRONG_VALUES = {"integer": "1", "number": "1.5", "boolean": "true", "string": 5, "array": {}, "object": []}


def target(path: str, query: Mapping[str, Any] | str | None = None) -> str:
    encoded = query if isinstance(query, str) else urlencode(query or {})
    return quote(path, safe="/{}%") + (f"?{encoded}" if encoded else "")


def head_fits(target: str) -> bool:
    """Whether a request to `target` has a head the server on a socket reads (MAX_HEADER_BYTES, with room
    for the request line's method and version and a client's few headers)."""
    return len(target) + 2048 <= MAX_HEADER_BYTES


def filter_target(path: str, conditions: Any) -> str:
    raw = conditions if isinstance(conditions, str) else json.dumps(conditions)
    return target(path, {"filter": raw})


def condition(**members: Any) -> dict[str, Any]:
    return {"property": "id", "operator": "gt", "value": 0, **members}


def filter_cases() -> Iterator[Case]:
    """Filters refused on every collection: a `Filtration error` naming `filter`."""
    values: dict[str, Any] = {
        "operator-object": [condition(operator={})],
        "operator-object-with-member": [condition(operator={"eq": 1})],
        "operator-array": [condition(operator=["eq"])],
        "operator-number": [condition(operator=1)],
        "operator-null": [condition(operator=None)],
        "operator-unknown": [condition(operator="between")],
        "operator-sql": [condition(operator="= 1 OR 1=1 --")],
        "property-unknown": [condition(property="no_such_field_anywhere!")],
        "property-object": [condition(property={})],
        "property-null": [condition(property=None)],
        "property-with-nul": [condition(property="id\u0000")],
        "value-object": [condition(value={})],
        "value-array": [condition(value=[1])],
        "value-null": [condition(value=None)],
        "value-number-too-long": "[" + json.dumps(condition())[:-2] + "1" * (MAX_NUMBER_LENGTH + 1) + "}]",
        "value-number-4301-digits": '[{"property": "id", "operator": "gt", "value": ' + "1" * 4301 + "}]",
        "value-beyond-int64": f'[{{"property": "id", "operator": "gt", "value": {2**63}}}]',
        "value-nan": '[{"property": "id", "operator": "gt", "value": NaN}]',
        "value-infinity": '[{"property": "id", "operator": "gt", "value": -Infinity}]',
        "pattern-over-the-limit": [condition(operator="like", value="%" * (MAX_FILTER_VALUE_LENGTH + 1))],
        "pattern-50001": [condition(operator="like", value="%" * 50_001)],
        "like-number": [condition(operator="like", value=5)],
        "too-many-conditions": [condition()] * (MAX_FILTER_CONDITIONS + 1),
        "999-conditions": [condition()] * 999,
        "missing-member": [{"property": "id", "operator": "eq"}],
        "extra-member": [condition(extra=1)],
        "condition-not-an-object": [1],
        "condition-string": ["id=1"],
        "not-an-array": condition(),
        "a-string": '"id"',
        "a-number": "1",
        "null": "null",
        "not-json": "[{",
        "not-json-sql": "id = 1; DROP TABLE accounts",
        "empty": "",
        "deep-nesting": "[" * 100_000 + "]" * 100_000,
        "raw-nul": "[\u0000]",
        "value-lone-surrogate": '[{"property": "id", "operator": "eq", "value": "\\ud800"}]',
        "pattern-lone-surrogate": '[{"property": "id", "operator": "like", "value": "%\\udfff%"}]',
        "property-lone-surrogate": '[{"property": "\\ud800", "operator": "eq", "value": 1}]',
        "trailing-garbage": "[]x",
    }
    for path in COLLECTIONS:
        for name, conditions in values.items():
            sent = filter_target(path, conditions)
            # A filter longer than a query string may be is refused as such; one whose request head the server
            # itself refuses (over MAX_HEADER_BYTES: 431) runs in process only.
            fits = len(sent.partition("?")[2]) <= MAX_QUERY_STRING_LENGTH
            where = "filter" if fits else "query"
            yield Case(f"filter{path}:{name}", "GET", sent, 400, where, over_socket=head_fits(sent))
    for path in ENUM_SORTED:  # a sort with an enum takes none of the names the sandbox keeps to itself
        for name in INTERNAL_NAMES:
            yield Case(
                f"filter{path}:internal-{name}", "GET", filter_target(path, [condition(property=name)]), 400, "filter"
            )
            yield Case(f"sort{path}:internal-{name}", "GET", target(path, {"sort": name}), 400, "sort")


def bound_cases() -> Iterator[Case]:
    """Query parameters outside the bounds the spec gives them, and not numbers at all."""
    for path in COLLECTIONS:
        parameters = LIST_PARAMETERS[path]
        for (where, name), schema in parameters.items():
            if where != "query":
                continue
            refused: dict[str, str] = {}
            if schema.get("type") == "integer":
                if "minimum" in schema:
                    refused["below-minimum"] = str(schema["minimum"] - 1)
                if "maximum" in schema:
                    refused["above-maximum"] = str(schema["maximum"] + 1)
                refused |= {
                    "2147483648": "2147483648",
                    "full-width": "\uff11",
                    "arabic-indic": "\u0661",
                    "underscore": "1_0",
                    "plus": "+1",
                    "space": " 1",
                    "fraction": "1.5",
                    "text": "one",
                    "empty": "",
                    "4301-digits": "1" * 4301,
                }
                refused = {
                    k: v for k, v in refused.items() if not (k == "2147483648" and schema.get("maximum", 0) >= 2**31)
                }
            if "enum" in schema:
                refused |= {
                    "not-in-enum": "NOT-" + str(schema["enum"][0]),
                    "lower-case": str(schema["enum"][0]).swapcase(),
                }
            for kind, value in refused.items():
                if kind == "lower-case" and value == str(schema["enum"][0]):
                    continue
                yield Case(f"query{path}:{name}-{kind}", "GET", target(path, {name: value}), 400, name)
        yield Case(f"query{path}:unknown", "GET", target(path, {"no_such_parameter": "1"}), 400, "no_such_parameter")
        yield Case(f"query{path}:repeated-page", "GET", target(path, [("page", "1"), ("page", "x")]), 400, "page")  # type: ignore[arg-type]
        many = {f"p{n}": "1" for n in range(MAX_QUERY_PARAMETERS + 1)}
        yield Case(f"query{path}:too-many-parameters", "GET", target(path, many), 400, "query")
        yield Case(
            f"query{path}:6000-parameters", "GET", target(path, {f"u{n}": "" for n in range(6000)}), 400, "query"
        )
        long_query = target(path, {"sort": "x" * (MAX_QUERY_STRING_LENGTH + 1)})
        yield Case(f"query{path}:too-long", "GET", long_query, 400, "query", over_socket=head_fits(long_query))


def body_cases() -> Iterator[Case]:
    """Request bodies the writes refuse: not JSON, not the right JSON, of the wrong media type, too big."""
    for method, path, schema in WRITES:
        properties = {name: schema_of(value) for name, value in (schema.get("properties") or {}).items()}
        required = list(schema.get("required") or [])
        valid = {name: "x" for name in required}
        if not valid:  # an update needs one field: its first plain text one
            text = [
                name for name, found in properties.items() if found.get("type") == "string" and "format" not in found
            ]
            valid = {text[0]: "x"}
        first = next(iter(valid))
        label = f"{method.lower()}{path}"

        def case(kind: str, raw: bytes, status: int = 400, where: str | None = BODY, **options: Any) -> Case:
            return Case(f"body:{label}:{kind}", method, target(path), status, where, body=(raw,), **options)  # noqa: B023

        yield case("invalid-json", b'{"name": ')
        yield case("trailing-garbage", json.dumps(valid).encode() + b"x")
        yield case("array", b"[]")
        yield case("string", b'"x"')
        yield case("null", b"null")
        yield case("deep-nesting", b"[" * 100_000 + b"]" * 100_000)
        yield case("deep-nesting-objects", b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
        yield case("not-utf-8", b'{"' + first.encode() + b'": "\xff\xfe"}')
        yield case("lone-surrogate", b'{"' + first.encode() + b'": "\\ud800"}', where=first)
        yield case("lone-surrogate-pair-split", b'{"' + first.encode() + b'": "\\udc00\\ud800"}', where=first)
        yield case("lone-surrogate-name", json.dumps(valid).encode()[:-1] + b', "\\ud800": "x"}', where=None)
        yield case("utf-16", json.dumps(valid).encode("utf-16"))
        yield case("number-4301-digits", b'{"' + first.encode() + b'": ' + b"1" * 4301 + b"}")
        yield case("text-plain", json.dumps(valid).encode(), content_type=b"text/plain")
        yield case("form", urlencode(valid).encode(), content_type=b"application/x-www-form-urlencoded")
        yield case("xml", b"<name>x</name>", content_type=b"application/xml")
        yield case("no-content-type", json.dumps(valid).encode(), content_type=None)
        yield case("oversized", b'{"name": "' + b"x" * OVERSIZED + b'"}', status=413, where=None)
        chunked = json.dumps({**valid, first: 5}).encode()
        yield Case(
            f"body:{label}:chunked-wrong-type", method, target(path), 400, first, body=(chunked[:3], chunked[3:])
        )
        yield Case(
            f"body:{label}:chunked-oversized",
            method,
            target(path),
            413,
            body=(b'{"name": "', b"x" * OVERSIZED, b'"}'),
        )
        short = json.dumps(valid).encode()
        yield case("content-length-over-the-body", short[:-1], declared_length=len(short) + 10, over_socket=False)
        if schema.get("additionalProperties") is False:
            yield case("unknown-field", json.dumps({**valid, "no_such_field": 1}).encode(), where="no_such_field")
            for name in INTERNAL_NAMES:
                yield case(f"internal-field-{name}", json.dumps({**valid, name: 1}).encode(), where=name)
        for name in required:
            missing = {key: value for key, value in valid.items() if key != name}
            yield case(f"missing-{name}", json.dumps(missing).encode(), where=name)
        if schema.get("minProperties"):
            yield case("empty-object", b"{}")
        for name, field_schema in properties.items():
            kind = field_schema.get("type")
            if kind in WRONG_VALUES:
                wrong = json.dumps({**valid, name: WRONG_VALUES[kind]}).encode()
                yield case(f"wrong-type-{name}", wrong, where=name)
                yield case(f"wrong-type-object-{name}", json.dumps({**valid, name: {"a": 1}}).encode(), where=name)
            if kind in ("integer", "number"):
                for constant in (b"NaN", b"Infinity", b"-Infinity"):
                    raw = json.dumps(valid).encode()[:-1] + b', "' + name.encode() + b'": ' + constant + b"}"
                    yield case(f"{constant.decode()}-{name}", raw, where=name)
            if kind == "integer":  # (a number field takes 10**40: a double holds it)
                yield case(f"huge-{name}", json.dumps({**valid, name: 10**40}).encode(), where=name)
            if field_schema.get("format") in ("uri", "email"):
                yield case(f"format-{name}", json.dumps({**valid, name: "not a valid one"}).encode(), where=name)
        yield case("duplicate-key-last-wrong", f'{{"{first}": "x", "{first}": 5}}'.encode(), where=first)


def path_cases() -> Iterator[Case]:
    """Ids that name no resource: refused with 404 before authentication, whatever the method."""
    ids = {
        "4301-digits": "1" * 4301,
        "one-more-digit-than-int64": "1" * (len(str(2**63 - 1)) + 1),
        "above-int64": str(2**63),
        "zero": "0",
        "negative": "-1",
        "plus": "+1",
        "leading-space": "%201",
        "arabic-indic": quote("\u0661"),
        "full-width": quote("\uff11"),
        "superscript": quote("\u00b9"),
        "fraction": "1.5",
        "hex": "0x1",
        "text": "one",
        "encoded-slash": "1%2F2",
        "encoded-traversal": "%2E%2E%2Fbuttons",
        "nul": "1%00",
    }
    digits = Routes(SPEC).ids
    for path in ITEM_PATHS:
        for kind, given in ids.items():
            for authorization in (API_KEY_AUTH, None):
                who = "with" if authorization else "without"
                where = path.replace("{id}", given)
                # Digits the spec's ids may have are checked after the credentials (a 401 without them);
                # anything else is no id at all, refused before them.
                status = 401 if authorization is None and digits.fullmatch(given) else 404
                yield Case(f"path{path}:{kind}-{who}-credentials", "GET", where, status, authorization=authorization)
        parent = path.rsplit("/", 1)[0]
        yield Case(f"path{path}:traversal", "GET", f"{parent}/../../login", 404)
        yield Case(f"path{path}:double-slash", "GET", path.replace("/{id}", "//1"), 404)


def header_cases() -> Iterator[Case]:
    """Credentials that are not credentials: 401 with the error body, whatever their bytes."""
    collection = COLLECTIONS[0]
    values: dict[str, tuple[bytes, bytes] | None] = {
        "no-credentials": None,
        "token-empty": (b"x-auth-token", b""),
        "token-random": (b"x-auth-token", b"0" * 40),
        "token-non-ascii": (b"x-auth-token", "t\u00f6ken".encode()),
        "token-not-utf-8": (b"x-auth-token", b"\xff\xfe\xfd"),
        "token-huge": (b"x-auth-token", b"a" * 4000),
        "token-sql": (b"x-auth-token", b"' OR '1'='1"),
        "basic-empty": (b"authorization", b"Basic"),
        "basic-space": (b"authorization", b"Basic "),
        "basic-not-base64": (b"authorization", b"Basic !!!not-base64!!!"),
        "basic-bad-padding": (b"authorization", b"Basic YWJj="),
        "basic-no-colon": (b"authorization", b"Basic " + base64.b64encode(b"no-colon")),
        "basic-empty-user": (b"authorization", b"Basic " + base64.b64encode(b":" + DEMO_ACCOUNT.api_key.encode())),
        "basic-empty-password": (b"authorization", b"Basic " + base64.b64encode(f"{DEMO_ACCOUNT.user_id}:".encode())),
        "basic-not-utf-8": (b"authorization", b"Basic " + base64.b64encode(b"\xff\xfe:\xff")),
        "basic-raw-not-utf-8": (b"authorization", b"Basic \xff\xfe"),
        "basic-nul": (b"authorization", b"Basic " + base64.b64encode(b"123456\x00:" + DEMO_ACCOUNT.api_key.encode())),
        "basic-huge": (b"authorization", b"Basic " + base64.b64encode(b"1" * 2000 + b":" + b"k" * 1000)),
        "basic-user-4301-digits": (b"authorization", b"Basic " + base64.b64encode(b"1" * 4301 + b":x")),
        "basic-user-negative": (b"authorization", b"Basic " + base64.b64encode(b"-123456:x")),
        "basic-user-full-width": (b"authorization", b"Basic " + base64.b64encode("\uff11:x".encode())),
        "bearer": (b"authorization", b"Bearer " + DEMO_ACCOUNT.api_key.encode()),
        "lower-case-scheme-wrong-key": (b"authorization", b"basic " + base64.b64encode(b"123456:wrong")),
        "digest": (b"authorization", b"Digest username=123456"),
    }
    for name, header in values.items():
        yield Case(
            f"header:{name}",
            "GET",
            target(collection),
            401,
            authorization=None,
            headers=(header,) if header else (),
        )


def login_cases() -> Iterator[Case]:
    """The login bodies the spec declares, refused by field (no credentials needed, none written)."""
    for method, path, _item, operation in operations():
        if secured(operation):
            continue
        schema = body_schema(operation)
        if schema is None:
            continue
        properties = list(schema.get("properties") or {})
        valid = {name: "x" for name in properties}
        for name in properties:
            yield Case(
                f"login{path}:wrong-type-{name}",
                method,
                target(path),
                400,
                name,
                body=(json.dumps({**valid, name: 5}).encode(),),
                authorization=None,
            )
        yield Case(f"login{path}:invalid-json", method, target(path), 400, BODY, body=(b"{",), authorization=None)
        yield Case(
            f"login{path}:unknown-field",
            method,
            target(path),
            400,
            "extra",
            body=(json.dumps({**valid, "extra": 1}).encode(),),
            authorization=None,
        )


def cases() -> list[Case]:
    every = [*filter_cases(), *bound_cases(), *body_cases(), *path_cases(), *header_cases(), *login_cases()]
    names = [case.name for case in every]
    assert len(names) == len(set(names)), "two cases of the corpus share a name"
    return every


CASES = cases()
