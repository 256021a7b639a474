"""Bad requests are refused with a JSON error, never a 5xx, and write nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT

from conftest import load_spec
from schema_values import invalid_values

from .support import (
    BUTTONS,
    CDRS,
    MAX_LIMIT,
    SETTINGS,
    Client,
    FakeClock,
    InProcessSandbox,
    body,
    error,
    first_error_message,
    strict_json,
)

MIB = 1024 * 1024
JSON = {"Content-Type": "application/json"}

MALFORMED_JSON = [
    b'{"name": ',
    b'{"name": "x",}',
    b"{'name': 'x'}",
    b'{"name": "x"} trailing',
    b'{"name": "x"}{"name": "y"}',
    b"{name: 1}",
    b"",
    b"   ",
    b"null",
    b"[]",
    b'["name"]',
    b'"name"',
    b"42",
    b"true",
]
NOT_JSON_NUMBERS = [
    b'{"name": "x", "max_call_rate": NaN}',
    b'{"name": "x", "max_call_rate": Infinity}',
    b'{"name": "x", "max_call_rate": -Infinity}',
]
NOT_UTF8 = [
    b'{"name": "\xff"}',
    b'{"name": "\xc3\x28"}',
    b'{"name": "\xed\xa0\x80"}',
    b'{"name": "caf\xe9"}',
    b"\xff\xfe{\x00}\x00",
]
NOT_UNICODE = [
    b'{"name": "\\ud800"}',
    b'{"name": "x", "welcome_screen_msg": "\\udfff"}',
    b'{"name": "x", "allowed_countries": "GB\\ud83d"}',
]


def wrong_values(schema: dict[str, Any]) -> list[Any]:
    """Values a field's schema refuses (tests/schema_values.py: from its keywords, each confirmed by a validator)."""
    return [value for value, _why in invalid_values(schema)]


_SCHEMAS = load_spec()["components"]["schemas"]
_CREATE = _SCHEMAS["SettingCreate"]["properties"]
CDR_FILTER = load_spec()["components"]["parameters"]["CdrFilter"]["schema"]
# Every field of the settings' request bodies with every value its schema refuses (read from the spec).
WRONG_SETTING_FIELDS: list[dict[str, Any]] = [
    {name: value} for name, schema in _CREATE.items() for value in wrong_values(schema)
]
# Fields the request bodies do not take: the items' read-only ones, and names that are none.
UNKNOWN_SETTING_FIELDS: list[dict[str, Any]] = [
    *({name: 1} for name in _SCHEMAS["Setting"]["properties"] if name not in _CREATE),
    {"colour": "red"},
    {"account_id": 234567},
    {"Name": "x"},
]


@pytest.fixture(scope="module")
def shared() -> Iterator[InProcessSandbox]:
    """One sandbox for the tests of refusals: each checks that it wrote nothing, so they cannot disturb one another."""
    instance = InProcessSandbox(clock=FakeClock())
    yield instance
    instance.close()


@pytest.fixture
def demo(shared: InProcessSandbox) -> Client:
    """The demo account of the shared sandbox."""
    return shared.client()


def snapshot(client: Client) -> Any:
    """Every setting of the account, as stored."""
    return body(client.get(SETTINGS, {"limit": MAX_LIMIT}))


def post_raw(client: Client, path: str, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.request("POST", path, content=content, headers=JSON if headers is None else headers)


def patch_raw(client: Client, path: str, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.request("PATCH", path, content=content, headers=JSON if headers is None else headers)


async def chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A body of `total` bytes sent in chunks, without a Content-Length."""
    sent = 0
    while sent < total:
        chunk = min(size, total - sent)
        sent += chunk
        yield b"x" * chunk


def named(raw: list[bytes]) -> list[str]:
    return [repr(item)[2:30] for item in raw]


class TestRefusedBodies:
    """Bodies that are not a valid JSON object of the operation answer 400, and nothing is written."""

    @pytest.mark.parametrize("raw", MALFORMED_JSON, ids=named(MALFORMED_JSON))
    def test_malformed_json(self, demo: Client, raw: bytes) -> None:
        """A body that is not a JSON object answers 400 on create and update."""
        before = snapshot(demo)
        first_error_message(error(post_raw(demo, SETTINGS, raw), 400))
        error(patch_raw(demo, f"{SETTINGS}/1", raw), 400)
        error(post_raw(demo, BUTTONS, raw), 400)
        assert snapshot(demo) == before

    @pytest.mark.parametrize("raw", NOT_JSON_NUMBERS, ids=["nan", "infinity", "minus-infinity"])
    def test_nan_and_infinity(self, sandbox: InProcessSandbox, raw: bytes) -> None:
        """NaN and Infinity are not JSON: refused with 400, and the settings list stays valid JSON."""
        demo = sandbox.client()
        before = snapshot(demo)
        error(post_raw(demo, SETTINGS, raw), 400)
        error(patch_raw(demo, f"{SETTINGS}/1", raw.replace(b'"name": "x", ', b"")), 400)
        assert snapshot(demo) == before

    def test_number_too_large_for_a_double(self, sandbox: InProcessSandbox) -> None:
        """1e400 is refused, or stored so that every answer stays valid JSON (no Infinity)."""
        demo = sandbox.client()
        response = post_raw(demo, SETTINGS, b'{"name": "x", "max_call_rate": 1e400}')
        if response.status_code == 400:
            error(response, 400)
        else:
            assert body(response, 201)["data"]["max_call_rate"] is not None
        strict_json(demo.get(SETTINGS, {"limit": MAX_LIMIT}).content)

    @pytest.mark.parametrize("raw", NOT_UTF8, ids=["ff", "bad-continuation", "encoded-surrogate", "latin-1", "utf-16"])
    def test_invalid_utf8(self, demo: Client, raw: bytes) -> None:
        """A body that is not UTF-8 answers 400."""
        before = snapshot(demo)
        error(post_raw(demo, SETTINGS, raw), 400)
        error(patch_raw(demo, f"{SETTINGS}/1", raw), 400)
        assert snapshot(demo) == before

    @pytest.mark.parametrize("raw", NOT_UNICODE, ids=["high-surrogate", "low-surrogate", "half-pair"])
    def test_lone_surrogate_escape(self, demo: Client, raw: bytes) -> None:
        """A \\uD800-style escape that is not half of a pair cannot be stored: 400, nothing written."""
        before = snapshot(demo)
        error(post_raw(demo, SETTINGS, raw), 400)
        error(patch_raw(demo, f"{SETTINGS}/1", raw), 400)
        error(post_raw(demo, BUTTONS, raw), 400)
        assert snapshot(demo) == before

    @pytest.mark.parametrize("fields", WRONG_SETTING_FIELDS, ids=[repr(fields) for fields in WRONG_SETTING_FIELDS])
    def test_wrong_types_and_ranges(self, demo: Client, fields: dict[str, Any]) -> None:
        """A field of the wrong type or out of range answers 400 on create and on update."""
        before = snapshot(demo)
        (field,) = fields
        for found in (
            error(demo.post(SETTINGS, {"name": "x", **fields}), 400),
            error(demo.patch(f"{SETTINGS}/1", fields), 400),
        ):
            first_error_message(found)
            named = found["errors"][0]["field"]
            assert named == field or named.startswith((f"{field}.", f"{field}[")), found  # a member or item of it
        assert snapshot(demo) == before

    @pytest.mark.parametrize(
        "fields", UNKNOWN_SETTING_FIELDS, ids=[next(iter(fields)) for fields in UNKNOWN_SETTING_FIELDS]
    )
    def test_unknown_field(self, demo: Client, fields: dict[str, Any]) -> None:
        """A field the operation does not take (read-only ones included) answers 400."""
        before = snapshot(demo)
        error(demo.post(SETTINGS, {"name": "x", **fields}), 400)
        error(demo.patch(f"{SETTINGS}/1", {"name": "x", **fields}), 400)
        assert snapshot(demo) == before

    def test_missing_name(self, demo: Client) -> None:
        """Creating settings or a button without a name answers 400."""
        before = snapshot(demo)
        error(demo.post(SETTINGS, {}), 400)
        error(demo.post(SETTINGS, {"position": 3}), 400)
        error(demo.post(BUTTONS, {"data_online": "{}"}), 400)
        assert snapshot(demo) == before

    def test_empty_patch(self, demo: Client) -> None:
        """PATCH with {} answers 400 and changes nothing."""
        before = snapshot(demo)
        setting = body(demo.get(f"{SETTINGS}/1"))
        error(demo.patch(f"{SETTINGS}/1", {}), 400)
        button_id = setting["data"]["button_id"]
        button = body(demo.get(f"{BUTTONS}/{button_id}"))
        error(demo.patch(f"{BUTTONS}/{button_id}", {}), 400)
        assert snapshot(demo) == before
        assert body(demo.get(f"{BUTTONS}/{button_id}")) == button

    @pytest.mark.parametrize(
        "fields",
        [{"name": 5}, {"name": ""}, {"data_online": {"color": "#fff"}}, {"data_offline": 1}, {"colour": "red"}],
        ids=["name-number", "name-empty", "data-online-object", "data-offline-number", "unknown"],
    )
    def test_wrong_button_fields(self, demo: Client, fields: dict[str, Any]) -> None:
        """A button field of the wrong type, or an unknown one, answers 400 on create and update."""
        button_id = body(demo.get(f"{SETTINGS}/1"))["data"]["button_id"]
        button = body(demo.get(f"{BUTTONS}/{button_id}"))
        error(demo.post(BUTTONS, {"name": "x", **fields}), 400)
        error(demo.patch(f"{BUTTONS}/{button_id}", fields), 400)
        assert body(demo.get(f"{BUTTONS}/{button_id}")) == button

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Content-Type": "text/plain"},
            {"Content-Type": "application/x-www-form-urlencoded"},
            {"Content-Type": "application/xml"},
            {"Content-Type": "multipart/form-data; boundary=x"},
        ],
        ids=["none", "text", "form", "xml", "multipart"],
    )
    def test_not_json_content_type(self, demo: Client, headers: dict[str, str]) -> None:
        """A JSON body sent without a JSON content type answers 400 (the documented status) and writes nothing."""
        before = snapshot(demo)
        first_error_message(error(post_raw(demo, SETTINGS, b'{"name": "x"}', headers), 400))
        first_error_message(error(patch_raw(demo, f"{SETTINGS}/1", b'{"name": "x"}', headers), 400))
        assert snapshot(demo) == before

    @pytest.mark.parametrize(
        ("path", "raw"),
        [
            ("/login", b'{"email": "\\ud800@example.com", "password": "demo"}'),
            ("/login", b'{"email": "demo@example.com", "password": "\\ud800"}'),
            ("/login", b'{"email": "demo@example.com", "password": "\xff"}'),
            ("/login", b'{"email": "demo@example.com"}'),
            ("/login", b'{"email": "demo@example.com", "password": "demo", "remember": true}'),
            ("/login", b'{"email": 1, "password": "demo"}'),
            ("/login2fa", b'{"code": "\\ud800", "nonce": "x"}'),
            ("/login2fa", b'{"code": "123456"}'),
            ("/login2fa", b'{"code": 123456, "nonce": "x"}'),
        ],
        ids=[
            "email-surrogate",
            "password-surrogate",
            "password-not-utf8",
            "no-password",
            "extra-field",
            "email-number",
            "code-surrogate",
            "no-nonce",
            "code-number",
        ],
    )
    def test_bad_login_bodies(self, shared: InProcessSandbox, path: str, raw: bytes) -> None:
        """Unusable login bodies are refused with 400 or 401 and give no token."""
        response = post_raw(shared.client(None), path, raw)
        assert response.status_code in (400, 401), response.text
        found = error(response, response.status_code)
        assert "user_token" not in found


class TestDeepNesting:
    """JSON nested deeper than the parser can follow, in a body or in a filter, answers 400, not 500."""

    @pytest.mark.parametrize("depth", [100_000, 5_000, 1_000])
    def test_body(self, shared: InProcessSandbox, demo: Client, depth: int) -> None:
        """Arrays nested `depth` deep, alone or as a field's value, are refused naming the body; nothing is written."""
        nested = b"[" * depth + b"]" * depth
        assert len(nested) < MIB, "under the body limit"
        before = snapshot(demo)
        for raw in (nested, b'{"name": ' + nested + b"}"):
            for response in (
                post_raw(demo, SETTINGS, raw),
                patch_raw(demo, f"{SETTINGS}/1", raw),
                post_raw(shared.client(None), "/login", raw),
            ):
                found = error(response, 400)
                assert found["message"] == "Validation error"
                assert found["errors"][0]["field"] in ("body", "name")
        assert snapshot(demo) == before

    @pytest.mark.parametrize("depth", [5_000, 1_000])
    def test_filter(self, demo: Client, depth: int) -> None:
        """A filter of arrays nested `depth` deep is a Filtration error, or refused by the filter's maxLength first."""
        nested = "[" * depth + "]" * depth
        found = error(demo.get(CDRS, {"filter": nested}), 400)
        too_long = len(nested) > CDR_FILTER["maxLength"]
        assert found["message"] == ("Validation error" if too_long else "Filtration error")
        assert found["errors"][0]["field"] == "filter"
        assert found["errors"][0]["code"] == ("maxLength" if too_long else "filter")


class TestBodyLimit:
    """Bodies over 1 MiB answer 413 with a JSON message before anything is written."""

    @staticmethod
    def setting_of_size(size: int) -> bytes:
        """A valid create body of exactly `size` bytes."""
        frame = b'{"name": ""}'
        return b'{"name": "' + b"x" * (size - len(frame)) + b'"}'

    def test_declared_length_over_limit(self, demo: Client) -> None:
        """A body of 1 MiB + 1 byte with its Content-Length answers 413 {"message": ...}."""
        before = snapshot(demo)
        raw = self.setting_of_size(MIB + 1)
        assert len(raw) == MIB + 1
        found = error(post_raw(demo, SETTINGS, raw), 413)
        assert found["message"]
        error(patch_raw(demo, f"{SETTINGS}/1", raw), 413)
        assert snapshot(demo) == before

    def test_streamed_body_over_limit(self, demo: Client) -> None:
        """A chunked body without Content-Length that grows past 1 MiB answers 413."""
        before = snapshot(demo)
        error(demo.request("POST", SETTINGS, content=chunks(2 * MIB), headers=JSON), 413)
        assert snapshot(demo) == before

    def test_login_body_over_limit(self, shared: InProcessSandbox) -> None:
        """/login refuses an oversized body with 413 too."""
        raw = b'{"email": "demo@example.com", "password": "' + b"x" * MIB + b'"}'
        error(post_raw(shared.client(None), "/login", raw), 413)

    def test_body_of_exactly_the_limit(self, sandbox: InProcessSandbox) -> None:
        """A body of exactly 1 MiB is accepted and stored whole."""
        demo = sandbox.client()
        raw = self.setting_of_size(MIB)
        assert len(raw) == MIB
        created = body(post_raw(demo, SETTINGS, raw), 201)["data"]
        assert len(created["name"]) == MIB - len(b'{"name": ""}')
        assert body(demo.get(f"{SETTINGS}/{created['id']}"))["data"] == created


class TestPathIds:
    """Ids that cannot name a resource answer 404 for every method."""

    @pytest.mark.parametrize("item_id", ["abc", "0", "-1", "1.5", "1e3", "0x1", "99999999999999999999", "%20"])
    @pytest.mark.parametrize("path", [SETTINGS, BUTTONS])
    def test_bad_id(self, demo: Client, path: str, item_id: str) -> None:
        """GET, PATCH and DELETE with a non-positive or non-numeric id answer 404 and write nothing."""
        before = snapshot(demo)
        url = f"{path}/{item_id}"
        assert error(demo.get(url), 404) == {"message": "Resource not found"}
        assert error(demo.patch(url, {"name": "x"}), 404) == {"message": "Resource not found"}
        assert error(demo.delete(url), 404) == {"message": "Resource not found"}
        assert snapshot(demo) == before

    @pytest.mark.parametrize("item_id", ["9223372036854775807", "9223372036854775808", "123456789012345678"])
    def test_huge_id(self, demo: Client, item_id: str) -> None:
        """The largest 64-bit id, one more, and an 18-digit id, name no setting: 404."""
        assert error(demo.get(f"{SETTINGS}/{item_id}"), 404) == {"message": "Resource not found"}
        assert error(demo.delete(f"{SETTINGS}/{item_id}"), 404) == {"message": "Resource not found"}


def undeclared_methods() -> list[tuple[str, str, set[str]]]:
    """For every path of the spec, each method it does not declare, with those it does ({id} as 1)."""
    spec = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text(encoding="utf-8"))
    cases = []
    for template, item in spec["paths"].items():
        declared = {method.upper() for method in item if method in ("get", "put", "post", "delete", "patch")}
        for method in ("GET", "PUT", "POST", "PATCH", "DELETE"):
            if method not in declared:
                cases.append((method, template.replace("{id}", "1"), declared))
    return cases


UNDECLARED = undeclared_methods()


class TestUndeclaredMethods:
    """A method the spec does not declare on a path answers 405 with an Allow header of those it does."""

    @pytest.mark.parametrize(("method", "path", "allowed"), UNDECLARED, ids=[f"{m} {p}" for m, p, _ in UNDECLARED])
    def test_method_not_allowed(self, demo: Client, method: str, path: str, allowed: set[str]) -> None:
        """The answer is 405, JSON with a message, and Allow lists exactly the declared methods."""
        before = snapshot(demo)
        response = demo.request(method, path, json={"name": "x"} if method in ("PUT", "POST", "PATCH") else None)
        error(response, 405)
        assert "allow" in response.headers
        listed = {part.strip().upper() for part in response.headers["allow"].split(",")}
        assert listed - {"HEAD", "OPTIONS"} == allowed
        assert snapshot(demo) == before


class TestUnauthenticatedWrites:
    """Writes without valid credentials are refused before the body is looked at."""

    def test_writes_without_credentials(self, shared: InProcessSandbox, demo: Client) -> None:
        """POST, PATCH and DELETE without credentials answer 401 and change nothing."""
        before = snapshot(demo)
        anonymous = shared.client(None)
        assert error(anonymous.post(SETTINGS, {"name": "x"}), 401) == {"message": "Unauthorized"}
        assert error(anonymous.patch(f"{SETTINGS}/1", {"name": "x"}), 401) == {"message": "Unauthorized"}
        assert error(anonymous.delete(f"{SETTINGS}/1"), 401) == {"message": "Unauthorized"}
        wrong = shared.client(httpx.BasicAuth(str(DEMO_ACCOUNT.user_id), "wrong"))
        assert error(wrong.post(SETTINGS, {"name": "x"}), 401) == {"message": "Unauthorized"}
        assert snapshot(demo) == before
