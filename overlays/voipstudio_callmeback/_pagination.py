"""Lazy iteration over every page of a collection, one page in memory at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a collection: its items, its number (from 1) and `total`, the items matching in all."""

    items: list[T]
    number: int
    total: int


class SyncPaginator(Generic[T]):
    """Every item of a collection, fetched page by page as the iteration reaches it.

    Iterate over it for the items; `.pages()` gives the Page objects (with `total`).
    Nothing is fetched until iteration starts; each iteration starts again from page 1.
    """

    def __init__(self, fetch: Callable[[int], Page[T]]) -> None:
        self._fetch = fetch

    def pages(self) -> Iterator[Page[T]]:
        number, seen = 1, 0
        while True:
            page = self._fetch(number)
            yield page
            seen += len(page.items)
            if not page.items or seen >= page.total:
                return
            number += 1

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items


class AsyncPaginator(Generic[T]):
    """The async form of SyncPaginator: `async for item in ...`, and `async for page in .pages()`."""

    def __init__(self, fetch: Callable[[int], Awaitable[Page[T]]]) -> None:
        self._fetch = fetch

    async def pages(self) -> AsyncIterator[Page[T]]:
        number, seen = 1, 0
        while True:
            page = await self._fetch(number)
            yield page
            seen += len(page.items)
            if not page.items or seen >= page.total:
                return
            number += 1

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item
