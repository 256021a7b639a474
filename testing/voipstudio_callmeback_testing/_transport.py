"""httpx transports that serve a sandbox's ASGI application inside this process: no socket, no server.

The async transport runs the application on the caller's own event loop. The sync one runs it
on an event loop of the calling thread (made for it, one per thread), or, when that thread is
already running a loop (sync code called from an async test), on the sandbox's own loop
thread; handing every request to another thread would cost a fifth of a call (docs/testing.md).
One sandbox serves sync and async clients at once. Unlike Starlette's TestClient and httpx's
ASGITransport, they keep the request's timeouts (a read timeout ends the request with
httpx.ReadTimeout, as a socket's would) and turn a fault's dropped connection into the error
httpx raises for a real one.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar
from urllib.parse import unquote

import httpx
from starlette.types import ASGIApp, Message
from voipstudio_callmeback_sandbox import IN_PROCESS, ConnectionDropped

T = TypeVar("T")


class EventLoopThread:
    """An event loop running in a daemon thread until close()."""

    def __init__(self, name: str = "callmeback-sandbox") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def close(self) -> None:
        """Cancel what still runs on the loop (its callers get CancelledError), then stop and close it."""
        if self.loop.is_closed():
            return

        async def cancel_all() -> None:
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(TimeoutError, RuntimeError):  # a task that will not end: stop regardless
            asyncio.run_coroutine_threadsafe(cancel_all(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return float(value) if value is not None else None


async def serve(app: ASGIApp, request: httpx.Request, body: bytes) -> httpx.Response:
    """One request through the application: its answer, or the httpx error a socket would have given."""
    url = request.url
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "path": unquote(url.path),
        "raw_path": url.raw_path.split(b"?", 1)[0],
        "query_string": url.query,
        "root_path": "",
        "headers": [(name.lower(), value) for name, value in request.headers.raw],
        "client": ("127.0.0.1", 50000),
        "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
        "extensions": {IN_PROCESS: True},
    }
    sent_request = False
    finished = asyncio.Event()
    start: Message | None = None
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()  # as a server does: the client is gone only once the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    try:
        async with asyncio.timeout(_read_timeout(request)):
            await app(scope, receive, send)
    except TimeoutError:
        raise httpx.ReadTimeout("timed out", request=request) from None
    except ConnectionDropped as dropped:
        if start is None or not dropped.after_headers:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body", request=request
        ) from None
    finally:
        finished.set()
    if start is None:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    return httpx.Response(
        start["status"],
        headers=start.get("headers", []),
        content=b"".join(chunks),
        request=request,
        extensions={"http_version": b"HTTP/1.1"},
    )


class SandboxTransport(httpx.BaseTransport):
    """The sync transport: `httpx.Client(transport=sandbox.transport())`."""

    def __init__(self, app: ASGIApp, loops: ThreadLoops) -> None:
        self._app = app
        self._loops = loops

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        return self._loops.run(serve(self._app, request, body))


class AsyncSandboxTransport(httpx.AsyncBaseTransport):
    """The async transport: `httpx.AsyncClient(transport=sandbox.async_transport())`."""

    def __init__(self, app: ASGIApp, loops: ThreadLoops) -> None:
        self._app = app
        self._loops = loops

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._loops.check_open()
        body = await request.aread()
        return await serve(self._app, request, body)


class ThreadLoops:
    """Where the sync transport runs the application: an event loop of the calling thread, or the
    sandbox's loop thread when the calling thread runs a loop already. Closed with the sandbox."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._made: list[tuple[threading.Thread, asyncio.AbstractEventLoop]] = []
        self._thread: EventLoopThread | None = None
        self._lock = threading.Lock()
        self._closed = False

    def closed(self) -> bool:
        """Read anew at each call (another thread closes the sandbox while a call runs)."""
        return self._closed

    def check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this sandbox is closed")

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._run_here(coroutine)
        with self._lock:
            if self._closed:
                coroutine.close()
                raise RuntimeError("this sandbox is closed")
            if self._thread is None:
                self._thread = EventLoopThread()
            thread = self._thread
        future: Future[T] = thread.submit(coroutine)
        return future.result()

    def _run_here(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """On this thread's own loop, made the first time; the loops of threads that have ended are closed
        then, so an application that starts a thread per job does not pile them up."""
        if self._closed:
            coroutine.close()
            raise RuntimeError("this sandbox is closed")
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None:
            with self._lock:
                if self.closed():
                    coroutine.close()
                    raise RuntimeError("this sandbox is closed")
                ended = [(thread, made) for thread, made in self._made if not thread.is_alive()]
                self._made = [(thread, made) for thread, made in self._made if thread.is_alive()]
                loop = asyncio.new_event_loop()
                self._made.append((threading.current_thread(), loop))
            for _, made in ended:
                made.close()
            self._local.loop = loop
        try:
            return loop.run_until_complete(coroutine)
        finally:
            if self.closed() and not loop.is_closed():  # closed while this call ran: close() left it to us
                loop.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            made, self._made = self._made, []
            thread, self._thread = self._thread, None
        for _, loop in made:
            if not loop.is_running():  # a loop running a call now is closed by that call
                loop.close()
        if thread is not None:
            thread.close()
