"""Raw answers: `with_raw_response`, every page's `response`, and the answer that errors carry."""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable

import httpx
import pytest
from voipstudio_callmeback import (
    APIResponse,
    AsyncPaginator,
    NotFoundError,
    RateLimitError,
    Setting,
    SyncPaginator,
)
from voipstudio_callmeback._resources import OPERATION_METHODS

from .faults import record_waits
from .mocked import PREFIX, SETTING, TOKEN, Mocked, Service, answer

Make = Callable[..., Mocked]
SETTINGS = f"{PREFIX}/callmeback/settings"


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return record_waits(monkeypatch)


def pages_of(total: int) -> Callable[[httpx.Request], httpx.Response]:
    """A list of `total` CDRs, a page of one per request, each answer with its page number in a header."""

    def route(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        return answer(200, {"data": [{"id": number}], "total": total}, headers={"X-Page": str(number)})

    return route


class TestWithRawResponse:
    def test_get_gives_the_status_headers_and_the_model(self, mocked: Make) -> None:
        service = Service(
            answers=[answer(503, {"message": "busy"}), answer(200, {"data": SETTING}, headers={"X-Request-Id": "r-7"})]
        )
        client = mocked(service)
        raw = client.run(client.client.settings.with_raw_response.get(7))
        assert isinstance(raw, APIResponse)
        assert raw.status_code == 200
        assert raw.headers["x-request-id"] == raw.headers["X-Request-Id"] == "r-7"
        assert raw.retries_taken == 1
        assert isinstance(raw.elapsed, datetime.timedelta)
        assert raw.http_request.method == "GET"
        assert raw.http_request.url.path == f"{SETTINGS}/7"
        assert raw.url == raw.http_request.url
        assert raw.json() == {"data": SETTING}
        setting = raw.parse()
        assert isinstance(setting, Setting)
        assert setting == client.run(client.client.settings.get(7))
        assert raw.parse() is setting, "parsed once"

    def test_the_request_it_shows_has_no_credential(self, mocked: Make) -> None:
        client = mocked(Service(answers=[answer(200, {"data": SETTING})]))
        raw = client.run(client.client.settings.with_raw_response.get(7))
        assert raw.http_request.headers["X-Auth-Token"] == "[redacted]"
        assert raw.http_response.request.headers["X-Auth-Token"] == "[redacted]"
        assert TOKEN not in repr(raw) + repr(raw.http_request.headers) + repr(raw.http_response.request.headers)

    def test_create_update_delete(self, mocked: Make) -> None:
        service = Service(
            answers=[answer(201, {"data": SETTING}), answer(200, {"data": {**SETTING, "name": "New"}}), answer(204)]
        )
        client = mocked(service)
        raw = client.client.settings.with_raw_response
        created = client.run(raw.create(name="Shop"))
        updated = client.run(raw.update(7, name="New", timeout=3))
        deleted = client.run(raw.delete(7))
        assert [created.status_code, updated.status_code, deleted.status_code] == [201, 200, 204]
        assert created.parse().id == 7
        assert updated.parse().name == "New"
        assert deleted.parse() is None
        assert service.requests[1].extensions["timeout"]["read"] == 3

    def test_a_raw_list_fetches_its_first_page_and_parses_into_the_paginator(self, mocked: Make) -> None:
        """list() raw: the first page is fetched at once; parse() is the paginator, which starts with that page."""
        service = Service(route=pages_of(3))
        client = mocked(service)
        raw = client.run(client.client.cdrs.with_raw_response.list(limit=1))
        assert len(service.requests) == 1
        assert raw.status_code == 200
        assert raw.headers["X-Page"] == "1"
        paginator = raw.parse()
        assert isinstance(paginator, SyncPaginator | AsyncPaginator)
        assert [cdr.id for cdr in client.items(paginator)] == [1, 2, 3]
        assert [request.url.params["page"] for request in service.requests] == ["1", "2", "3"]

    def test_every_method_has_a_raw_form(self, mocked: Make) -> None:
        """with_raw_response has every method of its resource, with its docstring and a line about the raw answer."""
        client = mocked(Service(route=pages_of(1)))
        for attribute, method in OPERATION_METHODS.values():
            resource = getattr(client.client, attribute)
            raw = getattr(resource.with_raw_response, method)
            assert raw.__name__ == method
            assert (raw.__doc__ or "").startswith("Returns the raw answer (APIResponse)")
            assert inspect.cleandoc(getattr(resource, method).__doc__ or "") in (raw.__doc__ or "")
            shown = inspect.signature(raw)
            assert str(shown.return_annotation).startswith("APIResponse["), (attribute, method, shown)
            assert list(shown.parameters) == list(inspect.signature(getattr(resource, method)).parameters)

    def test_a_raw_call_raises_the_same_errors(self, mocked: Make) -> None:
        client = mocked(Service(answers=[answer(404, {"message": "Setting not found"})]))
        with pytest.raises(NotFoundError, match="Setting not found"):
            client.run(client.client.settings.with_raw_response.get(7))


class TestPages:
    def test_every_page_carries_its_answer(self, mocked: Make) -> None:
        client = mocked(Service(route=pages_of(3)))
        pages = client.pages(client.client.cdrs.list(limit=1))
        assert [page.response.headers["X-Page"] for page in pages if page.response] == ["1", "2", "3"]
        assert all(page.response is not None and page.response.parse() is page for page in pages)
        assert all(page.response is not None and page.response.retries_taken == 0 for page in pages)


class TestErrorsCarryTheAnswer:
    def test_an_error_has_the_response_and_case_insensitive_headers(self, mocked: Make, waits: list[float]) -> None:
        """e.headers.get("Retry-After") works whatever the case the server wrote; e.response is httpx's answer."""
        client = mocked(
            Service(answers=[answer(429, {"message": "slow down"}, headers={"retry-after": "7"})]), max_retries=0
        )
        with pytest.raises(RateLimitError) as raised:
            client.run(client.client.settings.get(7))
        error = raised.value
        assert error.headers.get("Retry-After") == error.headers["retry-after"] == "7"
        assert isinstance(error.headers, httpx.Headers)
        assert isinstance(error.response, httpx.Response)
        assert error.response.status_code == 429
        assert error.response.json() == {"message": "slow down"}
        assert error.response.request.headers["X-Auth-Token"] == "[redacted]"

    def test_secret_headers_are_not_kept(self, mocked: Make) -> None:
        client = mocked(Service(answers=[answer(404, {"message": "gone"}, headers={"Set-Cookie": "s=secret-cookie"})]))
        with pytest.raises(NotFoundError) as raised:
            client.run(client.client.settings.get(7))
        assert "set-cookie" not in raised.value.headers
        assert "set-cookie" not in raised.value.response.headers
