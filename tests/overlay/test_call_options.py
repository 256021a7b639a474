"""Per-call options (timeout, max_retries, extra_headers, extra_query, extra_body) and with_options()."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from voipstudio_callmeback import DEFAULT_TIMEOUT, NOT_GIVEN, CallMeBack, InternalServerError, Setting
from voipstudio_callmeback._resource_base import PAGE_PARAMETER

from .faults import record_waits
from .mocked import PREFIX, SETTING, TOKEN, Mocked, Service, answer

Make = Callable[..., Mocked]
SETTINGS = f"{PREFIX}/callmeback/settings"


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return record_waits(monkeypatch)


def ok(request: httpx.Request) -> httpx.Response:
    """The answer the spec promises for each settings request."""
    if request.method == "POST":
        return answer(201, {"data": {**SETTING, **json.loads(request.content)}})
    if request.method == "DELETE":
        return answer(204)
    if request.url.path == SETTINGS:
        return answer(200, {"data": [SETTING], "total": 1})
    return answer(200, {"data": SETTING})


def timeouts(request: httpx.Request) -> dict[str, float | None]:
    """The timeout httpx applied to a request, phase by phase."""
    found: dict[str, float | None] = request.extensions["timeout"]
    return found


CLIENT_DEFAULT = {"connect": 10.0, "read": 30.0, "write": 30.0, "pool": 30.0}


class TestTimeout:
    def test_the_default_is_30_s_and_10_s_to_connect(self) -> None:
        """A client that makes its own pool sends DEFAULT_TIMEOUT; one given a timeout, that one."""
        with CallMeBack(token=TOKEN, base_url="https://api.test/v1.1/voipstudio") as client:
            assert client.timeout == DEFAULT_TIMEOUT == httpx.Timeout(30.0, connect=10.0)
        with CallMeBack(token=TOKEN, base_url="https://api.test/v1.1/voipstudio", timeout=None) as client:
            assert client.timeout is None

    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            (5, {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}),
            (httpx.Timeout(1.0, read=120.0), {"connect": 1.0, "read": 120.0, "write": 1.0, "pool": 1.0}),
            (None, {"connect": None, "read": None, "write": None, "pool": None}),
        ],
    )
    def test_a_call_s_timeout_is_sent_with_it_alone(
        self, mocked: Make, given: Any, expected: dict[str, float | None]
    ) -> None:
        """timeout= of one call applies to that request; the next call has the client's again."""
        service = Service(route=ok)
        client = mocked(service, timeout=DEFAULT_TIMEOUT)
        client.run(client.client.settings.get(7, timeout=given))
        client.run(client.client.settings.get(7))
        assert [timeouts(request) for request in service.requests] == [expected, CLIENT_DEFAULT]

    def test_an_injected_client_keeps_its_own_timeout(self, mocked: Make) -> None:
        """CallMeBack(http_client=...) with no timeout= sends the http client's own (httpx's 5 s here), not 30 s;
        with timeout= it sends that."""
        service = Service(route=ok)
        own, given = mocked(service), mocked(service, timeout=7)
        own.run(own.client.settings.get(7))
        given.run(given.client.settings.get(7))
        assert [timeouts(request)["read"] for request in service.requests] == [5.0, 7.0]
        assert own.client.timeout == httpx.Timeout(5.0) == own.http.timeout

    def test_every_page_of_a_list_has_the_call_s_timeout(self, mocked: Make) -> None:
        pages = [answer(200, {"data": [{"id": n}], "total": 3}) for n in (1, 2, 3)]
        service = Service(answers=list(pages))
        client = mocked(service)
        found = client.items(client.client.cdrs.list(limit=1, timeout=2.5, extra_headers={"X-Trace": "t1"}))
        assert [cdr.id for cdr in found] == [1, 2, 3]
        assert [timeouts(request)["read"] for request in service.requests] == [2.5, 2.5, 2.5]
        assert [request.headers["X-Trace"] for request in service.requests] == ["t1"] * 3

    @pytest.mark.parametrize(("given", "error"), [("5", TypeError), (-1, ValueError), (float("nan"), ValueError)])
    def test_a_bad_timeout_is_refused_before_sending(self, mocked: Make, given: Any, error: type[Exception]) -> None:
        service = Service(route=ok)
        client = mocked(service)
        with pytest.raises(error, match="timeout"):
            client.run(client.client.settings.get(7, timeout=given))
        assert service.requests == []


class TestMaxRetries:
    @pytest.mark.parametrize(("retries", "attempts"), [(0, 1), (4, 5)])
    def test_a_call_s_max_retries(self, mocked: Make, retries: int, attempts: int) -> None:
        service = Service(answers=[answer(503, {"message": "busy"})])
        client = mocked(service)
        with pytest.raises(InternalServerError):
            client.run(client.client.settings.get(7, max_retries=retries))
        assert len(service.requests) == attempts

    @pytest.mark.parametrize(("given", "error"), [(-1, ValueError), (1.5, TypeError), ("2", TypeError)])
    def test_a_bad_max_retries_is_refused(self, mocked: Make, given: Any, error: type[Exception]) -> None:
        service = Service(route=ok)
        client = mocked(service)
        with pytest.raises(error, match="max_retries"):
            client.run(client.client.settings.get(7, max_retries=given))
        assert service.requests == []


class TestExtras:
    def test_extra_headers_and_query_go_with_the_request(self, mocked: Make) -> None:
        service = Service(route=ok)
        client = mocked(service)
        client.run(client.client.settings.get(7, extra_headers={"X-Request-Id": "r-1"}, extra_query={"expand": "all"}))
        (sent,) = service.requests
        assert sent.headers["X-Request-Id"] == "r-1"
        assert sent.url.params["expand"] == "all"
        assert sent.headers["X-Auth-Token"]

    def test_extra_query_replaces_a_parameter_of_the_same_name(self, mocked: Make) -> None:
        service = Service(route=ok)
        client = mocked(service)
        client.items(client.client.settings.list(limit=10, extra_query={"limit": 3}))
        assert service.requests[0].url.params.get_list("limit") == ["3"]

    def test_extra_query_cannot_set_the_page_of_a_list(self, mocked: Make) -> None:
        """Every page would otherwise be the same page, and the paginator would never end."""
        service = Service(route=ok)
        client = mocked(service)
        with pytest.raises(TypeError, match=f"extra_query cannot set '{PAGE_PARAMETER}' of a list"):
            client.client.settings.list(extra_query={PAGE_PARAMETER: 2})
        assert service.requests == []

    @pytest.mark.parametrize("name", ["X-Auth-Token", "authorization"])
    def test_extra_headers_cannot_replace_the_credentials(self, mocked: Make, name: str) -> None:
        service = Service(route=ok)
        client = mocked(service)
        with pytest.raises(ValueError, match="credentials"):
            client.run(client.client.settings.get(7, extra_headers={name: "other"}))
        assert service.requests == []

    def test_extra_body_adds_members_the_spec_does_not_have(self, mocked: Make) -> None:
        """create() refuses an unknown field, but extra_body sends it unchecked, beside the checked ones."""
        service = Service(route=ok)
        client = mocked(service)
        with pytest.raises(TypeError, match="colour"):
            client.run(client.client.settings.create(name="Shop", colour="red"))  # type: ignore[call-arg]
        created = client.run(client.client.settings.create(name="Shop", extra_body={"colour": "red"}))
        assert service.bodies() == [{"name": "Shop", "colour": "red"}]
        assert isinstance(created, Setting)
        assert created.additional_properties == {"colour": "red"}

    def test_extra_body_is_the_body_of_an_operation_that_has_none(self, mocked: Make) -> None:
        service = Service(route=ok)
        client = mocked(service)
        client.run(client.client.settings.delete(7, extra_body={"reason": "test"}))
        assert service.bodies() == [{"reason": "test"}]

    def test_no_option_sends_what_it_sent_before(self, mocked: Make) -> None:
        """Options left out add nothing to the request."""
        service = Service(route=ok)
        client = mocked(service)
        client.run(client.client.settings.update(7, name="Shop"))
        (sent,) = service.requests
        assert sent.url.params == httpx.QueryParams()
        assert json.loads(sent.content) == {"name": "Shop"}
        assert "x-request-id" not in sent.headers


class TestWithOptions:
    def test_the_copy_has_its_own_defaults_and_shares_the_pool(self, mocked: Make) -> None:
        service = Service(route=ok)
        client = mocked(service, timeout=DEFAULT_TIMEOUT)
        copy = client.client.with_options(timeout=3, max_retries=0, default_headers={"X-Team": "billing"})
        assert copy is not client.client
        assert copy._http is client.client._http
        assert copy.session_token == client.client.session_token
        assert (copy.max_retries, client.client.max_retries) == (0, 2)
        client.run(copy.settings.get(7))
        client.run(client.client.settings.get(7))
        first, second = service.requests
        assert (timeouts(first)["read"], first.headers.get("X-Team")) == (3.0, "billing")
        assert (timeouts(second)["read"], second.headers.get("X-Team")) == (30.0, None)
        assert first.headers["X-Auth-Token"] == second.headers["X-Auth-Token"]

    def test_closing_the_copy_leaves_the_original_s_pool_open(self, mocked: Make) -> None:
        service = Service(route=ok)
        client = mocked(service)
        copy = client.client.with_options(timeout=3)
        client.run(copy.close())
        assert not client.http.is_closed
        assert client.run(client.client.settings.get(7)).id == 7

    def test_with_options_merges_headers_and_query(self, mocked: Make) -> None:
        service = Service(route=ok)
        client = mocked(service)
        copy = client.client.with_options(default_headers={"A": "1"}).with_options(
            default_headers={"B": "2"}, default_query={"q": "x"}
        )
        client.run(copy.settings.get(7, extra_headers={"B": "3"}))
        (sent,) = service.requests
        assert (sent.headers["A"], sent.headers["B"], sent.url.params["q"]) == ("1", "3", "x")

    def test_header_names_merge_whatever_their_case(self, mocked: Make) -> None:
        """x-team replaces X-Team, as HTTP reads names: one header is sent, with the value given last."""
        service = Service(route=ok)
        client = mocked(service)
        copy = client.client.with_options(default_headers={"X-Team": "a"}).with_options(
            default_headers={"x-team": "b", "X-Trace": "t"}
        )
        client.run(copy.settings.get(7, extra_headers={"X-TRACE": "u"}))
        (sent,) = service.requests
        assert sent.headers.get_list("x-team") == ["b"]
        assert sent.headers.get_list("x-trace") == ["u"]

    def test_with_options_keeps_what_is_not_given(self, mocked: Make) -> None:
        client = mocked(Service(route=ok), timeout=9, max_retries=5)
        copy = client.client.with_options(timeout=NOT_GIVEN)
        assert (copy.timeout, copy.max_retries) == (httpx.Timeout(9), 5)
        assert client.client.with_options(max_retries=1).timeout == httpx.Timeout(9)
        assert copy.base_url == client.client.base_url

    def test_a_renewed_session_is_the_copy_s_and_the_original_s(self, mocked: Make) -> None:
        """A copy of a login client logs in again once its session expired; the original then sends the new token."""
        tokens = iter(["first-token", "second-token"])

        def route(request: httpx.Request) -> httpx.Response:
            if request.url.path == f"{PREFIX}/login":
                return answer(200, {"user_token": next(tokens), "user_id": 1})
            if request.headers.get("X-Auth-Token") == "first-token":
                return answer(401, {"message": "Session expired"})
            return answer(200, {"data": SETTING})

        service = Service(route=route)
        client = mocked(service, login=("me@example.com", "secret"))
        copy = client.client.with_options(timeout=4)
        client.run(copy.settings.get(7))
        client.run(client.client.settings.get(7))
        logins = [request for request in service.requests if request.url.path.endswith("/login")]
        assert len(logins) == 2
        assert client.client.session_token == copy.session_token == "second-token"  # noqa: S105 - a mock's
        assert service.requests[-1].headers["X-Auth-Token"] == "second-token"
