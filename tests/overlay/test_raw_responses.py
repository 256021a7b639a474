"""Raw answers: `with_raw_response`, every page's `response`, and the answer that errors carry."""

from __future__ import annotations

import datetime
import gc
import inspect
import weakref
from collections.abc import Callable

import httpx
import pytest
from voipstudio_callmeback import (
    APIResponse,
    AsyncPaginator,
    NotFoundError,
    Page,
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

    def test_a_send_after_logging_in_again_counts_as_a_retry(self, mocked: Make) -> None:
        """503, then 401 (the session expired), a new login, then 200: the request went three times."""
        sent = iter([answer(503, {"message": "busy"}), answer(401, {"message": "Session expired"})])

        def route(request: httpx.Request) -> httpx.Response:
            if request.url.path == f"{PREFIX}/login":
                return answer(200, {"user_token": "a-session", "user_id": 1})
            return next(sent, None) or answer(200, {"data": SETTING})

        client = mocked(Service(route=route), login=("me@example.com", "pw"))
        raw = client.run(client.client.settings.with_raw_response.get(7))
        assert (raw.status_code, raw.retries_taken) == (200, 2)

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
        assert [page.response.headers["X-Page"] for page in pages] == ["1", "2", "3"]
        assert all(page.response.parse() is page for page in pages)
        assert all(page.response.retries_taken == 0 for page in pages)

    def test_a_page_is_freed_without_a_gc_pass(self, mocked: Make) -> None:
        """A page and its answer form no reference cycle: a long list() does not pile up pages until gc runs."""
        client = mocked(Service(route=pages_of(3)))
        gc.disable()
        try:
            pages = client.pages(client.client.cdrs.list(limit=1))
            assert pages[0].response.parse() is pages[0]  # the raw answer, made and read
            gone = [weakref.ref(page) for page in pages]
            items = [weakref.ref(page.items[0]) for page in pages]
            del pages
            assert [ref() for ref in gone] == [None, None, None]
            assert [ref() for ref in items] == [None, None, None]  # (httpx's own Response is a cycle: not asked)
        finally:
            gc.enable()

    def test_a_page_made_by_hand_has_no_response(self) -> None:
        with pytest.raises(AttributeError, match="not read from the API"):
            _ = Page(items=[], number=1, total=0).response

    def test_a_page_given_an_answer_by_hand_parses_to_itself(self) -> None:
        """Page(..., response=) as 2.0.0 first had it: the answer is kept, and its parse() is the page."""
        sent = httpx.Response(200, headers={"X-Page": "4"}, request=httpx.Request("GET", "https://api.test/x"))
        page = Page(items=[1, 2], number=4, total=9, response=APIResponse(sent, 1, lambda: None, 0.5))
        assert page.response.headers["X-Page"] == "4"
        assert page.response.retries_taken == 1
        assert page.response.parse() is page
        assert page == Page(items=[1, 2], number=4, total=9)  # the answer is not part of its value


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
