"""Edge cases a review raised: secrets in odd places, redirects, broken encodings, odd pages, racing re-logins."""

from __future__ import annotations

import asyncio
import gzip
import math
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from voipstudio_callmeback import (
    APIConnectionError,
    APIStatusError,
    AsyncCallMeBack,
    AuthenticationError,
    CallMeBack,
    Filter,
    UnexpectedResponseError,
)

BASE = "https://api.test/v1.1/voipstudio"
TOKEN = "canary-hardening-51b7"  # noqa: S105 - a canary, not a credential


def client(handler: Any) -> CallMeBack:
    return CallMeBack(token=TOKEN, base_url=BASE, http_client=httpx.Client(transport=httpx.MockTransport(handler)))


class TestCredentials:
    @pytest.mark.parametrize("token", [TOKEN + "\n", " " + TOKEN, TOKEN + "é", TOKEN + "\x00"])
    def test_tokens_a_header_cannot_carry_are_refused_without_quoting_them(self, token: str) -> None:
        """A token with a newline, padding or non-ASCII text is refused up front, and the message omits it."""
        with pytest.raises(ValueError, match="printable ASCII") as caught:
            CallMeBack(token=token, base_url=BASE)
        assert TOKEN not in str(caught.value)


class TestRedirects:
    def test_a_redirect_is_not_followed(self) -> None:
        """A 302 is an error, not a hop: the token never reaches the host the redirect names."""
        seen: list[str] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(str(request.url))
            return httpx.Response(302, headers={"Location": "http://evil.example/steal"})

        http = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
        cmb = CallMeBack(token=TOKEN, base_url=BASE, http_client=http)
        with pytest.raises(APIStatusError) as caught:
            cmb.settings.get(1)
        assert caught.value.status_code == 302
        assert seen == [f"{BASE}/callmeback/settings/1"]


class TestBrokenAnswers:
    def test_an_undecodable_body_is_a_connection_error_without_the_request(self) -> None:
        """A body whose gzip encoding is broken raises APIConnectionError, not a bare httpx error."""

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"not gzip at all")

        with pytest.raises(APIConnectionError) as caught:
            client(handler).settings.get(1)
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None  # nothing of the httpx error, whose request has the headers

    @pytest.mark.parametrize("total", ["5", None, True, 2.5])
    def test_a_page_without_an_integer_total_is_unexpected(self, total: Any) -> None:
        """A page whose total is not an integer raises UnexpectedResponseError rather than a TypeError."""

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"data": [{"id": 1}], "total": total})

        with pytest.raises(UnexpectedResponseError, match="total: expected integer"):
            list(client(handler).cdrs.list())

    def test_a_gzip_body_that_is_valid_still_parses(self) -> None:
        """The check above does not refuse a correctly compressed answer."""

        def handler(request: httpx.Request) -> httpx.Response:
            body = b'{"data": [{"id": 7}], "total": 1}'
            return httpx.Response(
                200,
                headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
                content=gzip.compress(body),
            )

        assert [cdr.id for cdr in client(handler).cdrs.list()] == [7]


class TestRelogin:
    def test_concurrent_calls_after_expiry_log_in_again_once(self) -> None:
        """Twenty calls that all meet an expired session cause one re-login, not twenty."""
        logins: list[str] = []

        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/login"):
                logins.append("login")
                return httpx.Response(200, json={"user_token": f"tok{len(logins)}", "user_id": 123456})
            if request.headers.get("X-Auth-Token") == "tok1":
                return httpx.Response(401, json={"message": "Unauthorized"})
            return httpx.Response(200, json={"data": {"id": 1, "name": "x"}, "links": {}})

        async def scenario() -> list[int]:
            http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
            async with await AsyncCallMeBack.login("jane@example.com", "pw", base_url=BASE, http_client=http) as cmb:
                settings = await asyncio.gather(*(cmb.settings.get(1) for _ in range(20)))
                return [setting.id for setting in settings]

        assert asyncio.run(scenario()) == [1] * 20
        assert len(logins) == 2

    def test_a_two_factor_challenge_without_a_code_hides_the_nonce(self) -> None:
        """The error for a missing otp keeps the 202 body with its nonce redacted."""

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(202, json={"nonce": "nonce-canary-9f"})

        http = httpx.Client(transport=httpx.MockTransport(handler))
        with pytest.raises(AuthenticationError, match="two-factor") as caught:
            CallMeBack.login("jane@example.com", "pw", base_url=BASE, http_client=http)
        assert caught.value.body == {"nonce": "[redacted]"}


class TestArguments:
    def test_a_datetime_with_a_time_zone_is_refused(self) -> None:
        """The service's timestamps carry no zone, so an aware datetime would be sent wrong."""
        with pytest.raises(ValueError, match="time zone"):
            Filter("calldate", "gte", datetime(2026, 1, 1, 12, tzinfo=UTC))

    @pytest.mark.parametrize("value", [math.nan, math.inf])
    def test_non_finite_numbers_are_refused(self, value: float) -> None:
        """NaN and infinity cannot be written as JSON."""
        with pytest.raises(ValueError, match="finite"):
            Filter("duration", "gt", value)

    @pytest.mark.parametrize(
        "arguments", [{"limit": 2.5}, {"limit": True}, {"limit": 0}, {"dir": "desc"}, {"sort": ""}]
    )
    def test_bad_list_arguments_raise_before_any_request(self, arguments: dict[str, Any]) -> None:
        """limit must be a whole number in the spec's bounds, dir one of its values, sort a name: refused unsent."""
        requests: list[httpx.Request] = []
        with pytest.raises((ValueError, TypeError), match=r"limit|dir|sort"):
            client(requests.append).cdrs.list(**arguments)
        assert requests == []
