"""AsyncCallMeBack's lists read ahead: up to `prefetch` pages at once, yielded in order, stopped by the first error."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from voipstudio_callmeback import AsyncCallMeBack, InternalServerError

BASE = "https://api.test/v1.1/voipstudio"
PAGE_SIZE = 10
TOTAL = 95  # ten pages, the last one short


class PagedService:
    """An async MockTransport handler serving TOTAL CDRs, recording the pages asked for and the concurrency."""

    def __init__(self, fail_page: int | None = None, delay: float = 0.01) -> None:
        self.fail_page = fail_page
        self.delay = delay
        self.requested: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        self.requested.append(page)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        if page == self.fail_page:
            return httpx.Response(500, json={"message": "boom"})
        first = (page - 1) * PAGE_SIZE
        ids = range(first + 1, min(first + PAGE_SIZE, TOTAL) + 1)
        body = {"data": [{"id": cdr_id} for cdr_id in ids], "total": TOTAL}
        return httpx.Response(200, content=json.dumps(body), headers={"Content-Type": "application/json"})


def client(service: PagedService) -> AsyncCallMeBack:
    http = httpx.AsyncClient(transport=httpx.MockTransport(service))
    return AsyncCallMeBack(token="t0k3n", base_url=BASE, http_client=http, max_retries=0)  # noqa: S106 - a test token


async def collect(cmb: AsyncCallMeBack, **options: Any) -> list[int]:
    return [cdr.id async for cdr in cmb.cdrs.list(limit=PAGE_SIZE, **options)]


class TestReadAhead:
    @pytest.mark.parametrize("prefetch", [1, 2, 4, 8])
    def test_rows_come_in_order_with_at_most_prefetch_requests_at_once(self, prefetch: int) -> None:
        """Every row arrives once and in order; no more than `prefetch` requests are ever in flight."""
        service = PagedService()
        ids = asyncio.run(collect(client(service), prefetch=prefetch))
        assert ids == list(range(1, TOTAL + 1))
        assert sorted(service.requested) == list(range(1, 11))
        assert service.most_in_flight == min(prefetch, 9)

    def test_the_default_reads_four_pages_ahead(self) -> None:
        """Without prefetch=, four pages are fetched at once."""
        service = PagedService()
        asyncio.run(collect(client(service)))
        assert service.most_in_flight == 4

    def test_the_first_error_stops_fetching(self) -> None:
        """A failing page raises its error; no page beyond the read-ahead window is requested."""
        service = PagedService(fail_page=3)
        with pytest.raises(InternalServerError):
            asyncio.run(collect(client(service), prefetch=4))
        assert max(service.requested) <= 3 + 4 - 1
        assert service.in_flight == 0

    def test_leaving_early_cancels_what_is_in_flight(self) -> None:
        """Breaking out after the first rows leaves no request running and fetches nothing more."""
        service = PagedService(delay=0.05)

        async def scenario() -> int:
            cmb = client(service)
            seen = 0
            paginator = cmb.cdrs.list(limit=PAGE_SIZE, prefetch=3)
            pages = paginator.pages()
            async for page in pages:
                seen += len(page.items)
                if page.number == 2:
                    break
            await pages.aclose()
            await asyncio.sleep(0.1)
            return seen

        assert asyncio.run(scenario()) == 2 * PAGE_SIZE
        assert service.in_flight == 0
        assert max(service.requested) <= 2 + 3

    @pytest.mark.parametrize("prefetch", [0, -1, 1.5])
    def test_prefetch_must_be_a_positive_whole_number(self, prefetch: Any) -> None:
        """prefetch is checked when the list is made, before any request."""
        service = PagedService()
        with pytest.raises(ValueError, match="prefetch"):
            client(service).cdrs.list(prefetch=prefetch)
        assert service.requested == []
