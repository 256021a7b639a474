"""Clients of either kind over an httpx.MockTransport, for tests that write their scenario once for both.

`Mocked(mode, service)` makes a CallMeBack or an AsyncCallMeBack whose requests `service`
answers; `run()` gives what a call returns (awaiting it on the test's own event loop for
the async client), `items()` and `pages()` read a paginator of either kind.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncIterable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import pytest
from voipstudio_callmeback import AsyncCallMeBack, AsyncPaginator, CallMeBack, Page, SyncPaginator

Mode = Literal["sync", "async"]
BASE_URL = "https://api.test/v1.1/voipstudio"
PREFIX = "/v1.1/voipstudio"
TOKEN = "mocked-session-token"  # noqa: S105 - a made-up token of a mock transport
SETTING = {"id": 7, "name": "Shop"}
Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def answer(
    status: int, body: Any = None, *, content: bytes | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    """An answer: `body` as JSON, or `content` as it is, with the headers given."""
    if content is not None:
        return httpx.Response(status, content=content, headers=headers)
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


@dataclass
class Service:
    """Answers request n with answers[n] (the last one repeats), or with `route(request)`; keeps the requests."""

    answers: list[Answer] = field(default_factory=list)
    route: Callable[[httpx.Request], httpx.Response] | None = None
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.route is not None:
            return self.route(request)
        found = self.answers[min(len(self.requests), len(self.answers)) - 1]
        return found(request) if callable(found) else found

    def bodies(self) -> list[Any]:
        return [json.loads(request.content) if request.content else None for request in self.requests]


class Mocked:
    """A client of one kind whose requests a Service answers."""

    def __init__(self, mode: Mode, service: Service, *, login: tuple[str, str] | None = None, **options: Any) -> None:
        self.mode = mode
        self.service = service
        self._runner = asyncio.Runner() if mode == "async" else None
        try:
            self._connect(mode, service, login, options)
        except BaseException:
            self._close_own()
            raise

    def _connect(self, mode: Mode, service: Service, login: tuple[str, str] | None, options: dict[str, Any]) -> None:
        transport = httpx.MockTransport(service)
        self.http: httpx.Client | httpx.AsyncClient
        options.setdefault("base_url", BASE_URL)
        if mode == "async":
            self.http = httpx.AsyncClient(transport=transport)
            options["http_client"] = self.http
            if login is not None:
                self.client: CallMeBack | AsyncCallMeBack = self.run(AsyncCallMeBack.login(*login, **options))
            else:
                self.client = AsyncCallMeBack(**{"token": TOKEN, **options})
        else:
            self.http = httpx.Client(transport=transport)
            options["http_client"] = self.http
            self.client = CallMeBack.login(*login, **options) if login else CallMeBack(**{"token": TOKEN, **options})

    def run(self, value: Any) -> Any:
        """What a call gives: the value itself (sync), or what the awaitable gives (async)."""
        if inspect.isawaitable(value):
            assert self._runner is not None, "the sync client returned an awaitable"

            async def waiting() -> Any:
                return await value

            return self._runner.run(waiting())
        return value

    def items(self, paginator: SyncPaginator[Any] | AsyncPaginator[Any]) -> list[Any]:
        if isinstance(paginator, AsyncPaginator):
            return self._collect(paginator)
        return list(paginator)

    def pages(self, paginator: SyncPaginator[Any] | AsyncPaginator[Any]) -> list[Page[Any]]:
        if isinstance(paginator, AsyncPaginator):
            return self._collect(paginator.pages())
        return list(paginator.pages())

    def _collect(self, iterable: AsyncIterable[Any]) -> list[Any]:
        async def collect() -> list[Any]:
            return [item async for item in iterable]

        collected: list[Any] = self.run(collect())
        return collected

    def close(self) -> None:
        self.run(self.client.close())
        self._close_own()

    def _close_own(self) -> None:
        """Close the http client and the event loop (also when the client could not be made)."""
        http = getattr(self, "http", None)
        if isinstance(http, httpx.AsyncClient):
            self.run(http.aclose())
        elif http is not None:
            http.close()
        if self._runner is not None:
            self._runner.close()


@pytest.fixture
def mocked(mode: Mode) -> Iterator[Callable[..., Mocked]]:
    """Makes Mocked clients of the test's kind, closed at teardown."""
    made: list[Mocked] = []

    def make(service: Service, **options: Any) -> Mocked:
        made.append(Mocked(mode, service, **options))
        return made[-1]

    yield make
    for item in made:
        item.close()
