"""Error bodies are bounded whatever was sent: a few entries, echoed values cut short, and the query
string itself refused over its limits; path ids are bounded by the spec's own bounds."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from voipstudio_callmeback_sandbox._http import Routes
from voipstudio_callmeback_sandbox._limits import (
    MAX_ECHOED_LENGTH,
    MAX_ERRORS,
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_VALUE_LENGTH,
    MAX_QUERY_PARAMETERS,
    MAX_QUERY_STRING_LENGTH,
)

from hostile.test_limits import call
from sandbox.support import _SPEC, FakeClock, InProcessSandbox

CDRS = "/callmeback/cdrs"
SETTINGS = "/callmeback/settings"
# What a message may hold besides one echoed value: its own wording (a sentence, a list of names).
WORDING = 600


@pytest.fixture(scope="module")
def sandbox() -> Iterator[InProcessSandbox]:
    instance = InProcessSandbox(clock=FakeClock())
    yield instance
    instance.close()


def entries(found: dict[str, object]) -> list[dict[str, object]]:
    errors = found["errors"]
    assert isinstance(errors, list)
    return errors


def test_six_thousand_unknown_parameters(sandbox: InProcessSandbox) -> None:
    """6,000 unknown query parameters are one error naming the query and the limit, not 6,000 errors."""
    status, found = call(sandbox, "GET", CDRS, {f"unknown{n}": "x" for n in range(6000)})
    assert status == 400
    assert len(json.dumps(found)) < 1000
    [only] = entries(found)
    assert only["field"] == "query"
    assert str(MAX_QUERY_PARAMETERS) in str(only["message"])


def test_parameters_at_the_limit_are_parsed(sandbox: InProcessSandbox) -> None:
    """As many parameters as the limit allows are read: the unknown ones refused by name, MAX_ERRORS of them
    and one more entry counting the rest."""
    status, found = call(sandbox, "GET", CDRS, {f"unknown{n:03}": "x" for n in range(MAX_QUERY_PARAMETERS)})
    assert status == 400
    errors = entries(found)
    assert len(errors) == MAX_ERRORS + 1
    assert all(str(error["field"]).startswith("unknown") for error in errors[:MAX_ERRORS])
    assert str(MAX_QUERY_PARAMETERS - MAX_ERRORS) in str(errors[-1]["message"])
    assert call(sandbox, "GET", CDRS, {"page": 1, "limit": 1, "filter": "[]", "sort": "id", "dir": "ASC"})[0] == 200


def test_empty_pairs_are_no_parameters(sandbox: InProcessSandbox) -> None:
    """`&&` separates no parameter: a query of many of them and one known parameter is served."""
    raw = "&" * (MAX_QUERY_PARAMETERS * 2) + "page=1"
    status, found = raw_query(sandbox, raw)
    assert status == 200, found


def raw_query(sandbox: InProcessSandbox, query: str) -> tuple[int, dict[str, object]]:
    response = sandbox.client().request("GET", f"{CDRS}?{query}")
    return response.status_code, response.json()


def test_query_string_over_the_limit(sandbox: InProcessSandbox) -> None:
    """A query string longer than the limit is a 400 naming the query and the limit."""
    status, found = call(sandbox, "GET", CDRS, {"sort": "x" * MAX_QUERY_STRING_LENGTH})
    assert status == 400
    [only] = entries(found)
    assert only["field"] == "query"
    assert str(MAX_QUERY_STRING_LENGTH) in str(only["message"])


# The longest filter the spec takes (each list's filter parameter has the same maxLength), and the most a
# character of it can take in a query string: four UTF-8 bytes, each percent-encoded.
LONGEST_FILTER = _SPEC["components"]["parameters"]["CdrFilter"]["schema"]["maxLength"]
MOST_BYTES_A_CHARACTER = 4 * 3


def test_the_longest_filter_the_spec_takes_fits_in_the_query_string() -> None:
    """Whatever characters it holds, a filter of the spec's maxLength is within the sandbox's query limit, with
    room for the other parameters: a client the spec allows is never refused for the query's length."""
    assert all(
        parameter["schema"]["maxLength"] == LONGEST_FILTER
        for name, parameter in _SPEC["components"]["parameters"].items()
        if name.endswith("Filter")
    )
    assert LONGEST_FILTER * MOST_BYTES_A_CHARACTER + 1024 <= MAX_QUERY_STRING_LENGTH


def test_filters_at_the_sandboxs_limits_are_served(sandbox: InProcessSandbox) -> None:
    """The most conditions, and the longest value, the sandbox takes are served within the spec's maxLength."""
    most = [{"property": "id", "operator": "gt", "value": 0}] * MAX_FILTER_CONDITIONS
    longest = [{"property": "dst", "operator": "eq", "value": "y" * MAX_FILTER_VALUE_LENGTH}]
    for conditions in (most, longest):
        text = json.dumps(conditions)
        assert len(text) <= LONGEST_FILTER
        query = {"filter": text, "page": 1, "limit": 1, "sort": "id", "dir": "DESC"}
        assert len(urlencode(query)) <= MAX_QUERY_STRING_LENGTH
        status, found = call(sandbox, "GET", CDRS, query)
        assert status == 200, found


def bounded(found: dict[str, object]) -> str:
    """The messages of an error body, each checked to be of bounded length and to echo no long run."""
    messages = [str(found["message"]), *(str(error.get("message")) for error in entries(found))]
    for message in messages:
        assert len(message) <= MAX_ECHOED_LENGTH + WORDING, message[:200]
        assert "y" * (MAX_ECHOED_LENGTH + 1) not in message
    return " ".join(messages)


LONG = "y" * 5000


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "field"),
    [
        ("GET", CDRS, {LONG: "1"}, b"", None),
        ("GET", CDRS, {"page": LONG}, b"", "page"),
        ("GET", CDRS, {"sort": LONG}, b"", "sort"),
        ("GET", "/callmeback/visitors", {"sort": LONG}, b"", "sort"),
        ("GET", CDRS, {"filter": json.dumps([{"property": LONG, "operator": "eq", "value": 1}])}, b"", "filter"),
        ("GET", CDRS, {"filter": json.dumps([{"property": "id", "operator": LONG, "value": 1}])}, b"", "filter"),
        ("GET", CDRS, {"filter": json.dumps([{"property": [LONG], "operator": "eq", "value": 1}])}, b"", "filter"),
        ("GET", CDRS, {"filter": json.dumps([{"property": "id", "operator": [LONG], "value": 1}])}, b"", "filter"),
        ("POST", SETTINGS, None, json.dumps({"name": "x", "position": LONG}).encode(), "position"),
        ("POST", SETTINGS, None, json.dumps({"name": [LONG]}).encode(), "name"),
        ("POST", SETTINGS, None, json.dumps({"name": "x", LONG: 1}).encode(), None),
    ],
    ids=[
        "unknown-parameter-name",
        "page",
        "sort",
        "open-sort",
        "filter-property",
        "filter-operator",
        "filter-property-array",
        "filter-operator-array",
        "body-string-for-a-number",
        "body-wrong-type",
        "body-unknown-field",
    ],
)
def test_echoed_values_are_cut_short(
    sandbox: InProcessSandbox,
    method: str,
    path: str,
    query: dict[str, object] | None,
    body: bytes,
    field: str | None,
) -> None:
    """A refused value of 5,000 characters is echoed in at most MAX_ECHOED_LENGTH, ending in an ellipsis."""
    status, found = call(sandbox, method, path, query, body)
    assert status == 400, found
    bounded(found)
    first = entries(found)[0]
    if field is not None:
        assert first["field"] == field
    else:  # the refused name itself, cut short
        assert len(str(first["field"])) == MAX_ECHOED_LENGTH
        assert str(first["field"]).endswith("\u2026")


def test_many_body_errors_are_capped(sandbox: InProcessSandbox) -> None:
    """A body with a thousand unknown fields gets MAX_ERRORS of them named, and one entry counting the rest."""
    raw = json.dumps({"name": "x", **{f"extra{n:04}": n for n in range(1000)}}).encode()
    status, found = call(sandbox, "POST", SETTINGS, None, raw)
    assert status == 400
    errors = entries(found)
    assert len(errors) == MAX_ERRORS + 1
    assert errors[0]["field"] == "extra0000"
    assert "980" in str(errors[-1]["message"])


# --- path ids: as many digits as the spec's bounds allow --------------------------------------------


def path_id_schemas(spec: dict[str, object]) -> list[dict[str, object]]:
    """The schemas of the spec's path parameters (components and inline), to change them."""
    found: list[dict[str, object]] = []
    parameters = spec["components"]["parameters"]  # type: ignore[index]
    for parameter in parameters.values():
        if parameter.get("in") == "path":
            found.append(parameter["schema"])
    return found


def test_path_id_digits_follow_the_spec() -> None:
    """The packaged spec's ids are int64: as many digits as its largest maximum, and no more."""
    schemas = path_id_schemas(_SPEC)
    assert schemas
    digits = max(len(str(schema["maximum"])) for schema in schemas)
    ids = Routes(_SPEC).ids
    assert ids.fullmatch("9" * digits)
    assert not ids.fullmatch("9" * (digits + 1))


def test_path_id_digits_change_with_the_spec() -> None:
    """A spec whose ids are at most 99,999 refuses an id of six digits before authentication (404), and
    passes one of five on to it (401)."""
    spec = copy.deepcopy(_SPEC)
    for schema in path_id_schemas(spec):
        schema["maximum"] = 99_999
        schema.pop("format", None)
    instance = InProcessSandbox(clock=FakeClock(), spec=spec)
    try:
        assert Routes(spec).ids.pattern == "[0-9]{1,5}"
        assert call(instance, "GET", f"{SETTINGS}/123456", auth=False) == (404, {"message": "Resource not found"})
        assert call(instance, "GET", f"{SETTINGS}/12345", auth=False)[0] == 401
    finally:
        instance.close()


def test_path_id_digits_of_a_format_alone() -> None:
    """Without a maximum, the format's largest value bounds the digits (int32: 10)."""
    spec = copy.deepcopy(_SPEC)
    for schema in path_id_schemas(spec):
        schema.pop("maximum")
        schema["format"] = "int32"
    assert Routes(spec).ids.pattern == "[0-9]{1,10}"
