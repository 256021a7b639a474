"""Lazy iteration over every page of a collection: one page at a time (sync), a few ahead (async)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._response import APIResponse

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")


@dataclass(frozen=True, init=False)
class Page(Generic[T]):
    """One page of a collection: its items, its number (from 1) and `total`, the items matching in all;
    `response`, the raw answer it came in (status, headers: see APIResponse)."""

    items: list[T]
    number: int
    total: int
    # the answer it came in: (httpx.Response, retries taken, seconds); held bare, not as an APIResponse,
    # whose parse() returns the page: page -> answer -> page would keep each page alive until a gc pass
    _answer: tuple[httpx.Response, int, float] | None = field(default=None, compare=False, repr=False)

    def __init__(
        self,
        items: list[T],
        number: int,
        total: int,
        response: APIResponse[Any] | None = None,
        *,
        _answer: tuple[httpx.Response, int, float] | None = None,
    ) -> None:
        """`response` (2.0.0's way to give a page its answer) is kept bare too; its parse() becomes this page."""
        if response is not None:
            _answer = (response._response, response.retries_taken, response._seconds)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "number", number)
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "_answer", _answer)

    @property
    def response(self) -> APIResponse[Page[T]]:
        """The raw answer this page came in; its `parse()` is this page. (A page made by hand has none.)"""
        if self._answer is None:
            raise AttributeError("this Page was not read from the API: it has no response")
        response, retries_taken, seconds = self._answer
        return APIResponse(response, retries_taken, lambda: self, seconds)


def _page_number(number: int) -> int:
    if type(number) is not int or number < 1:
        raise ValueError("a page number is a whole number, 1 or more")
    return number


class SyncPaginator(Generic[T]):
    """Every item of a collection, fetched page by page as the iteration reaches it.

    Iterate over it for the items; `.pages()` gives the Page objects (with `total`).
    Nothing is fetched until iteration starts; each iteration starts again from page 1.
    """

    def __init__(self, fetch: Callable[[int], Page[T]], *, first: Page[T] | None = None) -> None:
        self._fetch = fetch
        self._first = first  # page 1, already fetched (with_raw_response.list()): the first iteration's

    def page(self, number: int) -> Page[T]:
        """Page `number` (from 1) alone, fetched now; past the last page its items are empty."""
        return self._fetch(_page_number(number))

    def _fetch_first(self) -> Page[T]:
        first, self._first = self._first, None
        return first if first is not None else self._fetch(1)

    def pages(self) -> Iterator[Page[T]]:
        number, seen = 1, 0
        while True:
            page = self._fetch_first() if number == 1 else self._fetch(number)
            yield page
            seen += len(page.items)
            if not page.items or seen >= page.total:
                return
            number += 1

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items


class AsyncPaginator(Generic[T]):
    """The async form of SyncPaginator: `async for item in ...`, and `async for page in .pages()`.

    After the first page has told how many items match, it fetches up to `prefetch` pages
    at once, ahead of the iteration, and still yields them in order. At most `prefetch`
    pages are in flight or waiting at a time; the first error cancels the rest and is
    raised; leaving the iteration early cancels what is in flight.
    """

    def __init__(
        self, fetch: Callable[[int], Awaitable[Page[T]]], *, prefetch: int = 4, first: Page[T] | None = None
    ) -> None:
        if type(prefetch) is not int or prefetch < 1:
            raise ValueError("prefetch must be a whole number of pages, 1 or more")
        self._fetch = fetch
        self._prefetch = prefetch
        self._first = first  # page 1, already fetched (with_raw_response.list()): the first iteration's

    async def page(self, number: int) -> Page[T]:
        """Page `number` (from 1) alone, fetched now; past the last page its items are empty."""
        return await self._fetch(_page_number(number))

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        first, self._first = self._first, None
        if first is None:
            first = await self._fetch(1)
        yield first
        if not first.items or len(first.items) >= first.total:
            return
        last = -(-first.total // len(first.items))  # the page size the first page showed
        ahead: deque[asyncio.Task[Page[T]]] = deque()
        following = 2
        try:
            while ahead or following <= last:
                while following <= last and len(ahead) < self._prefetch:
                    ahead.append(asyncio.ensure_future(self._fetch(following)))
                    following += 1
                page = await ahead.popleft()
                yield page
                if not page.items:  # the collection shrank while we read it
                    return
        finally:
            for task in ahead:
                task.cancel()
            if ahead:
                await asyncio.gather(*ahead, return_exceptions=True)

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item
