"""Fixtures of the overlay tests: real sandbox servers on loopback, and one driver for both clients.

The `cmb` fixture runs every test twice, once with `CallMeBack` and once with
`AsyncCallMeBack`. A test builds its client through the driver and writes the
scenario once, passing whatever the client returns through `cmb.run` (which awaits
it, on the test's own event loop, when the client is the async one).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterable, Awaitable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, overload

import httpx
import pytest
from voipstudio_callmeback import AsyncCallMeBack, AsyncPaginator, CallMeBack, Page, SyncPaginator
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT

from sandbox.support import EXTRA_ACCOUNTS, RunningServer, accounts_file, run_cli

from .mocked import mocked  # noqa: F401 - a fixture of the tests that use Mocked clients

T = TypeVar("T")
Mode = Literal["sync", "async"]


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> Mode:
    """Each test that takes it runs once with CallMeBack and once with AsyncCallMeBack."""
    chosen: Mode = request.param
    return chosen


Client = CallMeBack | AsyncCallMeBack

# Few call records for the accounts of the short-lived server: it only tests sessions.
EXPIRING_SERVER_CDRS = 10


@pytest.fixture(scope="session")
def live_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The sandbox command line (uvicorn) on 127.0.0.1 and a free port, on a database file, with extra accounts."""
    directory = tmp_path_factory.mktemp("live-sandbox")
    accounts = accounts_file(directory, EXTRA_ACCOUNTS)
    with run_cli(directory, "--db", str(directory / "sandbox.db"), "--accounts", str(accounts)) as server:
        yield server


@pytest.fixture(scope="session")
def expiring_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A second sandbox whose session tokens expire after one second without use."""
    directory = tmp_path_factory.mktemp("expiring-sandbox")
    args = ("--db", ":memory:", "--token-ttl", "1", "--cdrs", str(EXPIRING_SERVER_CDRS))
    with run_cli(directory, *args) as server:
        yield server


@dataclass
class Recorder:
    """The requests an http client sent, and the connections that carried their answers."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    streams: list[object] = field(default_factory=list)

    def on_request(self, request: httpx.Request) -> None:
        self.requests.append((request.method, request.url.path))

    def on_response(self, response: httpx.Response) -> None:
        self.statuses.append(response.status_code)
        self.streams.append(response.extensions.get("network_stream"))

    async def on_request_async(self, request: httpx.Request) -> None:
        self.on_request(request)

    async def on_response_async(self, response: httpx.Response) -> None:
        self.on_response(response)

    def count(self, method: str, path_suffix: str) -> int:
        """How many requests had this method and a path ending so."""
        return sum(1 for sent, path in self.requests if sent == method and path.endswith(path_suffix))


class Driver:
    """Builds clients of one kind (sync or async) and runs what they return, so one test serves both."""

    def __init__(self, mode: Mode, base_url: str) -> None:
        self.mode = mode
        self.base_url = base_url
        self._runner = asyncio.Runner() if mode == "async" else None
        self._to_close: list[Client | httpx.Client | httpx.AsyncClient] = []

    @property
    def is_async(self) -> bool:
        return self._runner is not None

    # --- running ------------------------------------------------------------------------------

    def wait(self, awaitable: Awaitable[T]) -> T:
        """Await on this test's event loop (async mode only)."""
        assert self._runner is not None, "the sync driver has no event loop"

        async def waiting() -> T:
            return await awaitable

        return self._runner.run(waiting())

    @overload
    def run(self, value: Awaitable[T]) -> T: ...
    @overload
    def run(self, value: T) -> T: ...
    def run(self, value: Any) -> Any:
        """The result of a client call: the value itself (sync), or what the coroutine gives (async)."""
        if self.is_async:
            assert isinstance(value, Awaitable), f"the async client returned {value!r}, not an awaitable"
            return self.wait(value)
        assert not isinstance(value, Awaitable), "the sync client returned an awaitable"
        return value

    def pages(self, paginator: SyncPaginator[T] | AsyncPaginator[T]) -> list[Page[T]]:
        """Every page of a paginator, through `.pages()`."""
        if isinstance(paginator, AsyncPaginator):
            return self._collect(paginator.pages())
        return list(paginator.pages())

    def first_page(self, paginator: SyncPaginator[T] | AsyncPaginator[T]) -> Page[T]:
        """The first page of a paginator, without fetching the others."""
        if isinstance(paginator, AsyncPaginator):

            async def first() -> Page[T]:
                async for page in paginator.pages():
                    return page
                raise AssertionError("no page at all")

            return self.wait(first())
        return next(iter(paginator.pages()))

    def items(self, paginator: SyncPaginator[T] | AsyncPaginator[T]) -> list[T]:
        """Every item of a paginator, by iterating over it."""
        if isinstance(paginator, AsyncPaginator):
            return self._collect(paginator)
        return list(paginator)

    def _collect(self, iterable: AsyncIterable[T]) -> list[T]:
        async def collect() -> list[T]:
            return [item async for item in iterable]

        return self.wait(collect())

    # --- clients ------------------------------------------------------------------------------

    def http_client(self, recorder: Recorder) -> httpx.Client | httpx.AsyncClient:
        """An http client of the driver's kind that reports to the recorder (closed at teardown)."""
        http: httpx.Client | httpx.AsyncClient
        if self.is_async:
            http = httpx.AsyncClient(
                event_hooks={"request": [recorder.on_request_async], "response": [recorder.on_response_async]}
            )
        else:
            http = httpx.Client(event_hooks={"request": [recorder.on_request], "response": [recorder.on_response]})
        self._to_close.append(http)
        return http

    def _options(self, recorder: Recorder | None, base_url: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        options = {"base_url": base_url or self.base_url, **kwargs}
        if recorder is not None:
            options["http_client"] = self.http_client(recorder)
        return options

    def _keep(self, client: Client) -> Client:
        self._to_close.append(client)
        return client

    def client(self, *, recorder: Recorder | None = None, base_url: str | None = None, **kwargs: Any) -> Client:
        """A client (the demo account's API key unless credentials are given), closed at teardown."""
        if not {"token", "user_id", "api_key"} & set(kwargs):
            kwargs.update(user_id=DEMO_ACCOUNT.user_id, api_key=DEMO_ACCOUNT.api_key)
        options = self._options(recorder, base_url, kwargs)
        return self._keep(AsyncCallMeBack(**options) if self.is_async else CallMeBack(**options))

    def login(
        self,
        email: str,
        password: str,
        *,
        recorder: Recorder | None = None,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> Client:
        """A client made by `login()` (closed at teardown)."""
        options = self._options(recorder, base_url, kwargs)
        if self.is_async:
            return self._keep(self.wait(AsyncCallMeBack.login(email, password, **options)))
        return self._keep(CallMeBack.login(email, password, **options))

    def from_env(self, **kwargs: Any) -> Client:
        """A client made by `from_env()` (closed at teardown)."""
        return self._keep(AsyncCallMeBack.from_env(**kwargs) if self.is_async else CallMeBack.from_env(**kwargs))

    def close(self, client: Client) -> None:
        """Close a client, as `close()` does."""
        self.run(client.close())

    def enter(self, client: Client) -> Client:
        """Enter the client's context manager (`with`, or `async with`)."""
        if isinstance(client, AsyncCallMeBack):
            return self.wait(client.__aenter__())
        return client.__enter__()

    def exit(self, client: Client) -> None:
        """Leave the client's context manager without an error."""
        if isinstance(client, AsyncCallMeBack):
            self.wait(client.__aexit__(None, None, None))
        else:
            client.__exit__(None, None, None)

    def teardown(self) -> None:
        try:
            for item in reversed(self._to_close):
                if isinstance(item, httpx.AsyncClient):
                    self.wait(item.aclose())
                else:
                    self.run(item.close())
        finally:
            if self._runner is not None:
                self._runner.close()


@pytest.fixture(params=["sync", "async"])
def cmb(request: pytest.FixtureRequest, live_sandbox: RunningServer) -> Iterator[Driver]:
    """A driver of CallMeBack or AsyncCallMeBack against the live sandbox: the test runs once with each."""
    driver = Driver(request.param, live_sandbox.url)
    yield driver
    driver.teardown()


@pytest.fixture
def sandbox_env(live_sandbox: RunningServer) -> dict[str, str]:
    """The environment of a process that uses the live sandbox with the demo account."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("VOIPSTUDIO_")}
    env.update(
        VOIPSTUDIO_BASE_URL=live_sandbox.url,
        VOIPSTUDIO_USER_ID=str(DEMO_ACCOUNT.user_id),
        VOIPSTUDIO_API_KEY=DEMO_ACCOUNT.api_key,
        VOIPSTUDIO_EMAIL=DEMO_ACCOUNT.email,
        VOIPSTUDIO_PASSWORD=DEMO_ACCOUNT.password,
    )
    return env
