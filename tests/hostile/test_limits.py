"""Hostile input that used to answer 500: each is now a 400 or 404 in the documented error body, writing nothing."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import AsyncIterator, Iterator
from urllib.parse import unquote_to_bytes, urlencode

import pytest
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT
from voipstudio_callmeback_sandbox._limits import (
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_VALUE_LENGTH,
    MAX_NUMBER_LENGTH,
    MAX_QUERY_STRING_LENGTH,
)

from hostile.asgi import asgi_call
from sandbox.support import _SPEC, COLLECTIONS, FakeClock, InProcessSandbox

PREFIX = "/v1.1/voipstudio"
AUTH = b"Basic " + base64.b64encode(f"{DEMO_ACCOUNT.user_id}:{DEMO_ACCOUNT.api_key}".encode())
JSON = (b"content-type", b"application/json")
JSON_TYPE = {"Content-Type": "application/json"}
PAGE_MAX = _SPEC["components"]["parameters"]["Page"]["schema"]["maximum"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[InProcessSandbox]:
    instance = InProcessSandbox(clock=FakeClock())
    yield instance
    instance.close()


def call(
    sandbox: InProcessSandbox,
    method: str,
    path: str,
    query: dict[str, object] | None = None,
    body: bytes = b"",
    *,
    auth: bool = True,
) -> tuple[int, dict[str, object]]:
    """One request straight to the ASGI application (no client limits on the URL's length)."""
    raw_path = (PREFIX + path).encode()
    headers = [(b"host", b"sandbox"), *([(b"authorization", AUTH)] if auth else [])]
    if body:
        headers += [JSON, (b"content-length", str(len(body)).encode())]
    before = sandbox.store.changes()
    status, answer = asgi_call(
        sandbox.app,
        sandbox._runner.run,
        method=method,
        path=unquote_to_bytes(raw_path).decode(),
        raw_path=raw_path,
        query_string=urlencode(query or {}).encode(),
        headers=headers,
        chunks=[body],
        server=("sandbox", 80),
    )
    found = json.loads(answer)
    if status >= 400:
        assert sandbox.store.changes() == before, "a refused request wrote"
        assert isinstance(found["message"], str)
    return status, found


def condition(**members: object) -> dict[str, object]:
    return {"property": "id", "operator": "gt", "value": 0, **members}


@pytest.mark.parametrize(
    "members",
    [
        {"operator": {}},
        {"operator": []},
        {"operator": {"eq": 1}},
        {"operator": ["eq"]},
        {"operator": None},
        {"operator": 1},
        {"operator": True},
        {"property": {}},
        {"property": []},
        {"property": None},
        {"property": True},
        {"value": {}},
        {"value": []},
        {"value": None},
    ],
    ids=repr,
)
def test_filter_members_of_the_wrong_type(sandbox: InProcessSandbox, members: dict[str, object]) -> None:
    """A filter condition's member that is an object, array, null, number or boolean is a Filtration error."""
    status, found = call(sandbox, "GET", "/callmeback/cdrs", {"filter": json.dumps([condition(**members)])})
    assert status == 400, found
    assert found["message"] == "Filtration error"
    assert found["errors"][0]["field"] == "filter"  # type: ignore[index]


def test_pattern_over_the_limit(sandbox: InProcessSandbox) -> None:
    """A like pattern over the limit is refused naming the limit; one of 50,001 characters (150,000 encoded)
    is longer than a query string may be; one of the limit's length is served."""
    too_long = [{"property": "dst", "operator": "like", "value": "%" * (MAX_FILTER_VALUE_LENGTH + 1)}]
    status, found = call(sandbox, "GET", "/callmeback/cdrs", {"filter": json.dumps(too_long)})
    assert status == 400
    assert str(MAX_FILTER_VALUE_LENGTH) in found["errors"][0]["message"]  # type: ignore[index]
    huge = [{"property": "dst", "operator": "like", "value": "%" * 50_001}]
    status, found = call(sandbox, "GET", "/callmeback/cdrs", {"filter": json.dumps(huge)})
    assert status == 400
    assert found["errors"][0]["field"] in ("filter", "query")  # type: ignore[index]
    longest = [{"property": "dst", "operator": "like", "value": "%" * MAX_FILTER_VALUE_LENGTH}]
    assert call(sandbox, "GET", "/callmeback/cdrs", {"filter": json.dumps(longest)})[0] == 200


@pytest.mark.parametrize("count", [MAX_FILTER_CONDITIONS + 1, 998, 999])
def test_too_many_conditions(sandbox: InProcessSandbox, count: int) -> None:
    """More conditions than the limit are a Filtration error naming the limit, with sort and paging too."""
    query = {"filter": json.dumps([condition()] * count), "page": 2, "sort": "clid"}
    status, found = call(sandbox, "GET", "/callmeback/cdrs", query)
    assert status == 400
    if len(urlencode(query)) > MAX_QUERY_STRING_LENGTH:  # 998 conditions are 80,000 characters
        assert found["errors"] == [
            {"field": "query", "message": AnyWith(str(MAX_QUERY_STRING_LENGTH)), "code": "too_long"}
        ]
    else:
        assert str(MAX_FILTER_CONDITIONS) in found["errors"][0]["message"]  # type: ignore[index]


class AnyWith(str):
    """Equal to any text holding this one."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and str(self) in other

    __hash__ = str.__hash__


@pytest.mark.parametrize("path", COLLECTIONS)
def test_largest_allowed_filter_on_every_collection(sandbox: InProcessSandbox, path: str) -> None:
    """The largest filter allowed, sorted and on the first pages, is served on every collection."""
    conditions: list[dict[str, object]] = [
        {"property": "id", "operator": "like", "value": "%" * MAX_FILTER_VALUE_LENGTH}
    ]
    conditions += [condition()] * (MAX_FILTER_CONDITIONS - 1)
    for page in (1, 2, PAGE_MAX):
        query = {"filter": json.dumps(conditions), "sort": "id", "dir": "DESC", "page": page, "limit": 1}
        status, found = call(sandbox, "GET", path, query)
        assert status == 200, found


def test_body_number_of_4301_digits(sandbox: InProcessSandbox) -> None:
    """A body number longer than the limit is a 400 naming the body."""
    for digits in (MAX_NUMBER_LENGTH + 1, 4301):
        raw = b'{"name": "x", "position": ' + b"1" * digits + b"}"
        status, found = call(sandbox, "POST", "/callmeback/settings", body=raw)
        assert status == 400, found
        assert found["errors"][0]["field"] == "body"  # type: ignore[index]
        assert str(MAX_NUMBER_LENGTH) in found["errors"][0]["message"]  # type: ignore[index]


def test_filter_number_of_4301_digits(sandbox: InProcessSandbox) -> None:
    raw = '[{"property": "id", "operator": "gt", "value": ' + "1" * 4301 + "}]"
    status, found = call(sandbox, "GET", "/callmeback/cdrs", {"filter": raw})
    assert status == 400
    assert found["message"] == "Filtration error"


@pytest.mark.parametrize("auth", [True, False])
@pytest.mark.parametrize("item_id", ["1" * 4301, "1" * 20, "+1", "-1"])
def test_path_id_of_many_digits(sandbox: InProcessSandbox, item_id: str, auth: bool) -> None:
    """A path id that is not a number of at most 19 ASCII digits names no resource: 404, with or without credentials."""
    for method in ("GET", "DELETE"):
        assert call(sandbox, method, f"/callmeback/settings/{item_id}", auth=auth) == (
            404,
            {"message": "Resource not found"},
        )


def test_page_over_its_maximum_says_the_bound(sandbox: InProcessSandbox) -> None:
    """page=2147483648 says the spec's bounds of page, not only its minimum."""
    status, found = call(sandbox, "GET", "/callmeback/cdrs", {"page": PAGE_MAX + 1})
    assert status == 400
    low = _SPEC["components"]["parameters"]["Page"]["schema"]["minimum"]
    assert found["errors"] == [
        {"field": "page", "message": f"page must be between {low} and {PAGE_MAX}", "code": "maximum"}
    ]


def test_chunked_body_is_read(sandbox: InProcessSandbox) -> None:
    """A body sent in chunks without Content-Length is taken as any body: created, then a bad one refused by name."""

    async def chunks(raw: bytes) -> AsyncIterator[bytes]:
        yield raw[:5]
        yield raw[5:]

    client = sandbox.client()
    created = client.request("POST", "/callmeback/settings", content=chunks(b'{"name": "Chunked"}'), headers=JSON_TYPE)
    assert created.status_code == 201, created.text
    assert created.json()["data"]["name"] == "Chunked"
    before = sandbox.store.changes()
    refused = client.request("POST", "/callmeback/settings", content=chunks(b'{"name": 5}'), headers=JSON_TYPE)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "name"
    assert sandbox.store.changes() == before


@pytest.mark.parametrize("name", ["page", "limit"])
@pytest.mark.parametrize("value", ["\uff11\uff12", "\u0661\u0662", "1_0", "+1", " 1", "1 "])
def test_query_integers_are_ascii_digits(sandbox: InProcessSandbox, name: str, value: str) -> None:
    """Full-width or other Unicode digits, underscores, signs and spaces are no number of the query: 400 naming it."""
    status, found = call(sandbox, "GET", "/callmeback/cdrs", {name: value})
    assert status == 400, found
    assert found["errors"][0]["field"] == name  # type: ignore[index]


def test_number_field_beyond_int64(sandbox: InProcessSandbox) -> None:
    """A number field (a double) sent an integer beyond int64 stores the double it is; SQLite's integers are
    64 bits (this answered 500, OverflowError)."""
    number = next(
        name
        for name, schema in _SPEC["components"]["schemas"]["SettingCreate"]["properties"].items()
        if schema.get("type") == "number"
    )
    status, found = call(
        sandbox, "POST", "/callmeback/settings", body=json.dumps({"name": "x", number: 10**40}).encode()
    )
    assert status == 201, found
    assert found["data"][number] == 1e40  # type: ignore[index]


def test_unbounded_integer_field_beyond_int64() -> None:
    """An integer field the spec leaves unbounded, sent one beyond int64, is a 400 naming it, writing nothing."""
    spec = copy.deepcopy(_SPEC)
    fields = spec["components"]["schemas"]["SettingCreate"]["properties"]
    name = next(name for name, schema in fields.items() if schema.get("type") == "integer" and "$ref" not in schema)
    for bound in ("format", "maximum", "minimum"):
        fields[name].pop(bound, None)
    instance = InProcessSandbox(clock=FakeClock(), spec=spec)
    try:
        status, found = call(
            instance, "POST", "/callmeback/settings", body=json.dumps({"name": "x", name: 2**63}).encode()
        )
        assert status == 400, found
        assert found["errors"][0]["field"] == name  # type: ignore[index]
    finally:
        instance.close()


@pytest.mark.parametrize("escaped", ["\\ud800", "\\udfff", "x\\udc00\\ud800"])
def test_lone_surrogates_are_refused_by_name(sandbox: InProcessSandbox, escaped: str) -> None:
    """A lone surrogate (JSON's "\\ud800") is no Unicode text: in a body field, a 400 naming the field; in a
    filter value, a Filtration error naming the filter (it named the body of a GET)."""
    raw = b'{"name": "' + escaped.encode() + b'"}'
    status, found = call(sandbox, "POST", "/callmeback/settings", body=raw)
    assert status == 400, found
    assert found["errors"][0]["field"] == "name"  # type: ignore[index]
    conditions = '[{"property": "dst", "operator": "like", "value": "' + escaped + '"}]'
    status, found = call(sandbox, "GET", "/callmeback/cdrs", {"filter": conditions})
    assert status == 400, found
    assert found["errors"][0]["field"] == "filter"  # type: ignore[index]
    assert "filter" in found["errors"][0]["message"]  # type: ignore[index]


def test_surrogate_pairs_are_text(sandbox: InProcessSandbox) -> None:
    """A surrogate pair is one character (here U+1F600): taken in a body and in a filter."""
    status, found = call(sandbox, "POST", "/callmeback/settings", body=b'{"name": "\\ud83d\\ude00"}')
    assert status == 201, found
    assert found["data"]["name"] == "\U0001f600"  # type: ignore[index]
    conditions = '[{"property": "dst", "operator": "eq", "value": "\\ud83d\\ude00"}]'
    assert call(sandbox, "GET", "/callmeback/cdrs", {"filter": conditions})[0] == 200
