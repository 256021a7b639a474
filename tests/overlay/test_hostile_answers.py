"""A hostile server: whatever it answers, every call raises a CallMeBackError (or succeeds), nothing else.

The corpus holds answers of the wrong shape (values of other types, no `data`, a list for an
object), bodies that are not JSON or not UTF-8, HTML pages with success and error statuses,
JSON nested too deep for the standard library, numbers beyond a double, and login answers
whose token is not a string. Each goes to every resource method (arguments from the spec's
examples), to login, and to a request past the spec, with the sync and the async client.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from voipstudio_callmeback import CallMeBackError, UnexpectedResponseError
from voipstudio_callmeback._resources import OPERATION_METHODS
from voipstudio_callmeback_client.models import SettingResponse
from voipstudio_callmeback_client.operations import OPERATIONS

from conftest import load_spec

from .faults import record_waits
from .mocked import Mocked, Service, answer

SPEC = load_spec()
HTML = b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"
DEEP = b"[" * 100_000 + b"]" * 100_000


def html(status: int) -> httpx.Response:
    return answer(status, content=HTML, headers={"content-type": "text/html"})


def json_bytes(status: int, content: bytes, **headers: str) -> httpx.Response:
    return answer(status, content=content, headers={"content-type": "application/json", **headers})


CORPUS: dict[str, Callable[[], httpx.Response]] = {
    "wrong-types": lambda: answer(200, {"data": {"id": "abc", "name": 5}}),
    "wrong-types-list": lambda: answer(200, {"data": [{"id": "x"}], "total": "1"}),
    "no-data": lambda: answer(200, {}),
    "a-list": lambda: answer(200, [1, 2, 3]),
    "null": lambda: json_bytes(200, b"null"),
    "a-string": lambda: answer(200, "ok"),
    "truncated": lambda: json_bytes(200, b'{"data": {"id": 7,'),
    "not-utf-8": lambda: json_bytes(200, b'{"data": {"id": 7, "name": "\xff\xfe"}}'),
    "empty-200": lambda: json_bytes(200, b""),
    "empty-201": lambda: json_bytes(201, b""),
    "html-200": lambda: html(200),
    "html-404": lambda: html(404),
    "html-401": lambda: html(401),
    "html-500": lambda: html(500),
    "deep-json": lambda: json_bytes(200, DEEP),
    "deep-json-error": lambda: json_bytes(400, DEEP),
    "beyond-a-double": lambda: json_bytes(200, b'{"data": {"id": 1e400}, "total": 1e400}'),
    "huge-integer": lambda: json_bytes(200, b'{"data": {"id": ' + b"9" * 5000 + b"}}"),
    "token-a-number": lambda: answer(200, {"user_token": 12345, "user_id": 1}),
    "token-not-ascii": lambda: answer(200, {"user_token": "t\u00f6ken\nX-Evil: 1", "user_id": 1}),
    "token-empty": lambda: answer(200, {"user_token": "", "user_id": 1}),
    "token-missing": lambda: answer(200, {"user_id": 1, "message": "Login success"}),
    "nonce-a-list": lambda: answer(202, {"nonce": [1], "message": "2FA"}),
    "error-message-an-object": lambda: answer(401, {"message": {"text": "no"}, "errors": "oops"}),
    "bad-gzip": lambda: answer(200, content=b"not gzip", headers={"content-encoding": "gzip"}),
    "gzip-of-garbage": lambda: answer(
        200, content=gzip.compress(b"\x00\x01garbage"), headers={"content-encoding": "gzip"}
    ),
}


def example_body(operation_id: str) -> dict[str, Any]:
    """The spec's example of an operation's JSON request body."""
    operation = OPERATIONS[operation_id]
    raw = SPEC["paths"][operation.path][operation.method.lower()]["requestBody"]["content"]["application/json"]
    if "example" in raw:
        found: dict[str, Any] = raw["example"]
        return found
    (first, *_) = raw["examples"].values()
    value: dict[str, Any] = first["value"]
    return value


def calls(client: Any) -> dict[str, Callable[[], Any]]:
    """Every resource method, called with arguments the spec's examples give; login has its own test."""
    made: dict[str, Callable[[], Any]] = {}
    for operation_id, (attribute, method) in OPERATION_METHODS.items():
        function = getattr(getattr(client, attribute), method)
        if method == "list":
            made[operation_id] = functools.partial(function)
        elif method in ("get", "delete"):
            made[operation_id] = functools.partial(function, 7)
        else:
            body = example_body(operation_id)
            path = () if method == "create" else (7,)
            made[operation_id] = functools.partial(function, *path, **body)
    made["generic"] = lambda: client.get("/callmeback/settings/7", cast_to=SettingResponse)
    return made


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return record_waits(monkeypatch)


def outcome(client: Mocked, call: Callable[[], Any]) -> object:
    """What a call returns or raises; anything but a CallMeBackError raised fails the test."""
    try:
        value = client.run(call())
        if hasattr(value, "__iter__") or hasattr(value, "__aiter__"):  # a paginator: read it
            return client.items(value)
        return value
    except CallMeBackError as error:
        return error


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_method_raises_only_the_client_s_errors(mocked: Callable[..., Mocked], name: str) -> None:
    client = mocked(Service(route=lambda request: CORPUS[name]()), max_retries=0)
    for operation_id, call in calls(client.client).items():
        found = outcome(client, call)
        assert isinstance(found, CallMeBackError), f"{operation_id} took {name}: {found!r}"
        assert str(found), "an error with no message"


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_login_raises_only_the_client_s_errors(mocked: Callable[..., Mocked], name: str) -> None:
    """Whatever a login answers that is not a token (or a challenge with a nonce), login() raises a CallMeBackError."""
    with pytest.raises(CallMeBackError) as raised:
        mocked(Service(route=lambda request: CORPUS[name]()), login=("me@example.com", "pw"), otp="123456")
    assert str(raised.value)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("token-a-number", "user_token: expected string, got integer"),
        ("token-missing", "user_token: missing (the spec requires it)"),
        ("token-not-ascii", "a user_token that is not printable ASCII"),
        ("token-empty", "a user_token that is not printable ASCII"),
        ("nonce-a-list", "nonce: expected string, got array"),
    ],
)
def test_a_login_answer_of_the_wrong_shape_is_unexpected(mocked: Callable[..., Mocked], name: str, said: str) -> None:
    with pytest.raises(UnexpectedResponseError, match=re.escape(said)) as raised:
        mocked(Service(route=lambda request: CORPUS[name]()), login=("me@example.com", "pw"), otp="123456")
    assert "12345" not in str(raised.value)
    assert "X-Evil" not in str(raised.value)
    assert "X-Evil" not in repr(raised.value.body)  # the answer's token is redacted in the error's body too
