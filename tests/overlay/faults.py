"""Fault injection for the overlay's tests: scripted transports, a misbehaving TCP server, recorded waits.

`Script` is an `httpx.MockTransport` handler that answers each attempt with the next of
its actions (the last one repeats) and counts the attempts. `run` drives one operation of
`CallMeBack` or `AsyncCallMeBack` through a transport. `MisbehavingServer` is a raw
socket server on 127.0.0.1 that reads each request and then closes, resets, stalls, cuts
the answer short or answers properly. `record_waits` replaces the sleeps of the retry
policy (httpx_retries) by a list of the waits it asked for, so that nothing really sleeps.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import pytest
import voipstudio_callmeback._base
from voipstudio_callmeback import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncCallMeBack,
    AuthenticationError,
    BadRequestError,
    CallMeBack,
    CallMeBackError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Setting,
    UnexpectedResponseError,
)
from voipstudio_callmeback._cli._http import Transport

Mode = Literal["sync", "async"]
MODES: tuple[Mode, ...] = ("sync", "async")
Operation = Literal["get", "list", "create", "update", "delete"]
Action = Callable[[httpx.Request], httpx.Response]

BASE_URL = "https://api.test/v1.1/voipstudio"
TOKEN = "fault-injection-token"  # noqa: S105 - a made-up token of a mock transport
SETTING = {"id": 7, "name": "Shop"}
SETTING_PATH = "/v1.1/voipstudio/callmeback/settings"
# What each operation sends: its method and the path under the base URL.
REQUESTS: dict[Operation, tuple[str, str]] = {
    "get": ("GET", f"{SETTING_PATH}/7"),
    "list": ("GET", SETTING_PATH),
    "create": ("POST", SETTING_PATH),
    "update": ("PATCH", f"{SETTING_PATH}/7"),
    "delete": ("DELETE", f"{SETTING_PATH}/7"),
}


# --- scripted answers ---------------------------------------------------------------------------


def respond(
    status: int,
    body: Any = None,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Action:
    """An answer: `body` as JSON, or `content` as it is (with the headers given)."""

    def answer(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        if body is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return answer


def succeed(operation: Operation) -> Action:
    """The answer the spec promises for a successful operation."""
    if operation == "create":
        return respond(201, {"data": SETTING})
    if operation == "delete":
        return respond(204)
    if operation == "list":
        return respond(200, {"data": [SETTING], "total": 1})
    return respond(200, {"data": SETTING})


def fail(kind: type[httpx.TransportError], message: str = "") -> Action:
    """An attempt that ends with this transport error (as httpx raises it) instead of an answer."""

    def raise_error(request: httpx.Request) -> httpx.Response:
        raise kind(message or kind.__name__, request=request)

    return raise_error


class BrokenBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body whose connection is reset after its first bytes."""

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"data": {"id"'
        raise httpx.ReadError("[Errno 104] Connection reset by peer")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"data": {"id"'
        raise httpx.ReadError("[Errno 104] Connection reset by peer")


def reset_mid_body(request: httpx.Request) -> httpx.Response:
    """A 200 whose body breaks off: the connection is reset while it is read."""
    return httpx.Response(200, headers={"content-type": "application/json"}, stream=BrokenBody())


@dataclass
class Script:
    """A MockTransport handler answering attempt n with actions[n] (the last action repeats)."""

    actions: tuple[Action, ...]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        action = self.actions[min(len(self.requests), len(self.actions) - 1)]
        self.requests.append(request)
        return action(request)

    @property
    def attempts(self) -> int:
        return len(self.requests)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def script(*actions: Action) -> Script:
    return Script(actions)


# --- the matrix ---------------------------------------------------------------------------------

HTML_PAGE = b"<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
NOT_FOUND = {"message": "Setting not found", "code": 404}
BAD_REQUEST = {
    "message": "Validation failed",
    "errors": [{"field": "name", "message": "name must not be blank"}],
}


@dataclass(frozen=True)
class Case:
    """One fault: the operation, what each attempt meets, and what must come of it."""

    name: str
    operation: Operation
    actions: tuple[Action, ...]
    attempts: int
    error: type[CallMeBackError] | None  # None: the operation succeeds
    client_options: dict[str, Any] = field(default_factory=dict)


def case(
    name: str,
    operation: Operation,
    attempts: int,
    error: type[CallMeBackError] | None,
    *actions: Action,
    **client_options: Any,
) -> Any:
    """A pytest parameter of the matrix, with the case's name as its id."""
    return pytest.param(Case(name, operation, actions, attempts, error, dict(client_options)), id=name)


def json_answer(status: int, body: Any, **headers: str) -> Action:
    return respond(status, body, headers=headers)


REFUSED = fail(httpx.ConnectError, "[Errno 111] Connection refused")
DISCONNECTED = fail(httpx.RemoteProtocolError, "Server disconnected without sending a response.")
SLOW_DOWN = json_answer(429, {"message": "slow down"})
SLOW_DOWN_2S = json_answer(429, {"message": "slow down"}, **{"Retry-After": "2"})
MAINTENANCE = json_answer(503, {"message": "maintenance"})
BAD_GATEWAY_PAGE = respond(502, content=HTML_PAGE, headers={"content-type": "text/html"})
OK_HTML_PAGE = respond(200, content=HTML_PAGE, headers={"content-type": "text/html"})
MALFORMED_JSON = respond(200, content=b'{"data": {"id": 7,', headers={"content-type": "application/json"})
EMPTY_JSON = respond(200, content=b"", headers={"content-type": "application/json"})

CASES = [
    # Connection failures: before the request was sent (retried, POST too) or after it (POST is not).
    case("connect-refused-get", "get", 3, APIConnectionError, REFUSED),
    case("connect-refused-post", "create", 3, APIConnectionError, REFUSED),
    case("connect-refused-then-ok-post", "create", 2, None, REFUSED, succeed("create")),
    case("connect-timeout-post", "create", 3, APITimeoutError, fail(httpx.ConnectTimeout)),
    case("pool-timeout-post", "create", 3, APITimeoutError, fail(httpx.PoolTimeout)),
    case("read-timeout-get", "get", 3, APITimeoutError, fail(httpx.ReadTimeout)),
    case("read-timeout-list", "list", 3, APITimeoutError, fail(httpx.ReadTimeout)),
    case("read-timeout-post", "create", 1, APITimeoutError, fail(httpx.ReadTimeout)),
    case("write-timeout-post", "create", 1, APITimeoutError, fail(httpx.WriteTimeout)),
    case("read-timeout-then-ok-delete", "delete", 2, None, fail(httpx.ReadTimeout), succeed("delete")),
    case("disconnected-get", "get", 3, APIConnectionError, DISCONNECTED),
    case("disconnected-post", "create", 1, APIConnectionError, DISCONNECTED),
    case("read-error-then-ok-get", "get", 2, None, fail(httpx.ReadError, "Connection reset by peer"), succeed("get")),
    case("reset-mid-body-get", "get", 3, APIConnectionError, reset_mid_body),
    case("reset-mid-body-then-ok-update", "update", 2, None, reset_mid_body, succeed("update")),
    case("reset-mid-body-post", "create", 1, APIConnectionError, reset_mid_body),
    # Retryable statuses (408, 429, 502, 503, 504), for GET, PATCH and DELETE (and 429 for POST).
    case("429-retry-after-then-ok", "get", 2, None, SLOW_DOWN_2S, succeed("get")),
    case("429-three-times", "get", 3, RateLimitError, SLOW_DOWN),
    # A 429 says the request was refused, not acted on: a POST is retried too.
    case("429-post", "create", 3, RateLimitError, SLOW_DOWN_2S),
    case("429-then-ok-post", "create", 2, None, SLOW_DOWN, succeed("create")),
    case("408-then-ok-list", "list", 2, None, json_answer(408, {"message": "timeout"}), succeed("list")),
    case("503-then-ok", "get", 2, None, MAINTENANCE, succeed("get")),
    case("503-post", "create", 1, InternalServerError, MAINTENANCE),
    case("502-patch", "update", 3, InternalServerError, json_answer(502, {"message": "bad gateway"})),
    case("504-delete", "delete", 3, InternalServerError, json_answer(504, {"message": "gateway timeout"})),
    case("502-html-get", "get", 3, InternalServerError, BAD_GATEWAY_PAGE),
    # Error statuses that are not retried.
    case("500-post", "create", 1, InternalServerError, json_answer(500, {"message": "boom"})),
    case("500-get", "get", 1, InternalServerError, json_answer(500, {"message": "boom"})),
    case("501-get", "get", 1, InternalServerError, json_answer(501, {"message": "not implemented"})),
    case("400-post", "create", 1, BadRequestError, json_answer(400, BAD_REQUEST)),
    case("401-get", "get", 1, AuthenticationError, json_answer(401, {"message": "Unauthorized"})),
    case("403-delete", "delete", 1, PermissionDeniedError, json_answer(403, {"message": "Forbidden"})),
    case("404-get", "get", 1, NotFoundError, json_answer(404, NOT_FOUND)),
    case("409-update", "update", 1, APIStatusError, json_answer(409, {"message": "conflict"})),
    # Success statuses whose answer does not match the spec.
    case("200-malformed-json", "get", 1, UnexpectedResponseError, MALFORMED_JSON),
    case("200-html", "get", 1, UnexpectedResponseError, OK_HTML_PAGE),
    case("200-empty", "get", 1, UnexpectedResponseError, respond(200, content=b"")),
    case("200-empty-json", "get", 1, UnexpectedResponseError, EMPTY_JSON),
    case("200-missing-fields", "get", 1, UnexpectedResponseError, json_answer(200, {"data": {"name": "no id"}})),
    case("201-instead-of-200", "get", 1, UnexpectedResponseError, json_answer(201, {"data": SETTING})),
    case("200-instead-of-204", "delete", 1, UnexpectedResponseError, json_answer(200, {"data": SETTING})),
    # The number of retries is the client's choice.
    case("no-retries-503", "get", 1, InternalServerError, MAINTENANCE, max_retries=0),
    case("no-retries-connect-refused-post", "create", 1, APIConnectionError, REFUSED, max_retries=0),
    case("no-retries-read-timeout", "get", 1, APITimeoutError, fail(httpx.ReadTimeout), max_retries=0),
    case("one-retry-429", "get", 2, RateLimitError, SLOW_DOWN, max_retries=1),
    case("five-retries-connect-refused", "list", 6, APIConnectionError, REFUSED, max_retries=5),
]


def check_success(operation: Operation, result: object) -> None:
    """What a successful operation returns: the setting, the listed settings, or None for a delete."""
    if operation == "delete":
        assert result is None
    elif operation == "list":
        assert isinstance(result, list)
        assert [item.id for item in result] == [SETTING["id"]]
        assert all(isinstance(item, Setting) for item in result)
    else:
        assert isinstance(result, Setting)
        assert result.id == SETTING["id"]


# --- driving the clients ------------------------------------------------------------------------


def call_sync(client: CallMeBack, operation: Operation) -> object:
    if operation == "get":
        return client.settings.get(7)
    if operation == "list":
        return list(client.settings.list())
    if operation == "create":
        return client.settings.create(name="Shop")
    if operation == "update":
        return client.settings.update(7, name="Shop")
    client.settings.delete(7)
    return None


async def call_async(client: AsyncCallMeBack, operation: Operation) -> object:
    if operation == "get":
        return await client.settings.get(7)
    if operation == "list":
        return [item async for item in client.settings.list()]
    if operation == "create":
        return await client.settings.create(name="Shop")
    if operation == "update":
        return await client.settings.update(7, name="Shop")
    await client.settings.delete(7)
    return None


class CountingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """httpx's own network transport (sync or async, made when first used), counting the attempts;
    with `aiohttp`, the async one is the command line's exports' (httpx-aiohttp's, corrected)."""

    def __init__(self, *, aiohttp: bool = False) -> None:
        self.attempts = 0
        self.aiohttp = aiohttp
        self._sync: httpx.HTTPTransport | None = None
        self._async: httpx.AsyncBaseTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self._sync is None:
            self._sync = httpx.HTTPTransport()
        return self._sync.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self._async is None:
            self._async = Transport() if self.aiohttp else httpx.AsyncHTTPTransport()
        return await self._async.handle_async_request(request)

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()


@dataclass(frozen=True)
class Network:
    """A client (sync or async) and the network transport under it: httpx's own, or for the
    async client also the aiohttp one that the command line's exports use."""

    mode: Mode
    aiohttp: bool = False

    def transport(self) -> CountingTransport:
        return CountingTransport(aiohttp=self.aiohttp)

    def __str__(self) -> str:
        return f"{self.mode}-aiohttp" if self.aiohttp else self.mode


NETWORKS = (Network("sync"), Network("async"), Network("async", aiohttp=True))

AnyTransport = httpx.MockTransport | CountingTransport


def run(
    mode: Mode,
    operation: Operation,
    transport: AnyTransport,
    *,
    clients: list[CallMeBack | AsyncCallMeBack] | None = None,
    **client_options: Any,
) -> object:
    """Run one operation with a client of this mode over the transport; the client goes to `clients`.

    The client sends TOKEN to BASE_URL unless the options say otherwise.
    """
    options: dict[str, Any] = {"base_url": BASE_URL, **client_options}
    if "token" not in options and "user_id" not in options:
        options["token"] = TOKEN
    if mode == "sync":
        with httpx.Client(transport=transport) as http, CallMeBack(http_client=http, **options) as client:
            if clients is not None:
                clients.append(client)
            return call_sync(client, operation)

    async def main() -> object:
        async with (
            httpx.AsyncClient(transport=transport) as http,
            AsyncCallMeBack(http_client=http, **options) as client,
        ):
            if clients is not None:
                clients.append(client)
            return await call_async(client, operation)

    return asyncio.run(main())


def record_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait the clients ask for between attempts, in order; their sleeps (sync and async) return at once.

    Only the clients' own wait (voipstudio_callmeback._base.sleep and asleep) is replaced, so
    nothing else in the process (the test servers' threads) stops sleeping.
    """
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(voipstudio_callmeback._base, "sleep", sleep)
    monkeypatch.setattr(voipstudio_callmeback._base, "asleep", asleep)
    return waits


# --- a real server on loopback ------------------------------------------------------------------

Behaviour = Literal["answer", "close", "reset", "partial", "garbled", "bad_chunk", "silent"]
_ANSWER_BODY = json.dumps({"data": SETTING}).encode()
_ANSWER = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
    + f"content-length: {len(_ANSWER_BODY)}\r\n\r\n".encode()
    + _ANSWER_BODY
)
_PARTIAL = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n" + _ANSWER_BODY[:10]
_GARBLED = b"HTTP/1.1 2OO OK\r\ncontent-length: 0\r\n\r\n"
_BAD_CHUNK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n"


class MisbehavingServer:
    """A raw HTTP/1.1 server on 127.0.0.1 that reads each request and then does what it is told.

    Request n meets behaviours[n] (the last one repeats): `answer` sends a 200 with a
    setting; `close` closes the connection without a word; `reset` resets it (RST);
    `partial` sends the head and a few bytes of a longer body, then closes; `garbled`
    sends a status line that is not HTTP's; `bad_chunk` a chunked body whose chunk size
    is no number; `silent` holds the connection open and never answers. `requests`
    counts the requests read.
    """

    def __init__(self, *behaviours: Behaviour) -> None:
        self.behaviours = behaviours or ("answer",)
        self.requests = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._threads: list[threading.Thread] = []
        self.port: int = self._listener.getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1.1/voipstudio"

    def __enter__(self) -> MisbehavingServer:
        self._start(self._accept)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _start(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._start(self._serve, connection)

    def _read_request(self, connection: socket.socket, buffer: bytearray) -> bool:
        """Read one request (head and Content-Length body) off the buffer; False when the peer is gone."""
        while b"\r\n\r\n" not in buffer or len(buffer) < self._request_length(buffer):
            if self._stopping.is_set():
                return False
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return False
            if not chunk:
                return False
            buffer += chunk
        del buffer[: self._request_length(buffer)]
        return True

    @staticmethod
    def _request_length(buffer: bytearray) -> int:
        head, _, _ = bytes(buffer).partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return len(head) + 4 + length

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(0.05)
        buffer = bytearray()
        with connection:
            while self._read_request(connection, buffer):
                with self._lock:
                    behaviour = self.behaviours[min(self.requests, len(self.behaviours) - 1)]
                    self.requests += 1
                if behaviour == "answer":
                    connection.sendall(_ANSWER)
                    continue
                if behaviour == "reset":
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                elif behaviour == "partial":
                    connection.sendall(_PARTIAL)
                elif behaviour == "garbled":
                    connection.sendall(_GARBLED)
                elif behaviour == "bad_chunk":
                    connection.sendall(_BAD_CHUNK)
                elif behaviour == "silent":
                    self._stopping.wait()
                return


class ClosedPort:
    """A loopback port that refuses connections: bound (so no one else takes it) but not listening."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1.1/voipstudio"

    def __enter__(self) -> ClosedPort:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._socket.close()
