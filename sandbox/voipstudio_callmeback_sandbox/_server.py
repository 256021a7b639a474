"""The sandbox on a socket: uvicorn, pinned to its h11 implementation, with the framing limits a stranger
meets before the application sees a request (_limits.py says what each bounds).

uvicorn picks httptools when it is installed (`http="auto"`), and httptools buffers a request head of any
size: the review took the sandbox from 90 to 410 MiB so. h11 refuses a head over a set size, and this
protocol answers that refusal, and its other own ones, in VoIPstudio's error shape (`ErrorResponse`)
instead of uvicorn's plain text:

- a request head over MAX_HEADER_BYTES: 431;
- a request head not complete within the header timeout: 408 (or a silent close when nothing of a
  request came: an idle connection);
- a request that is not HTTP/1.1: 400;
- a request on a connection beyond the connection limit: 503 with Retry-After, the connection closed.

The body timeout and the header count are the application's (BodyLimit and Guard in _app.py), so that
they hold in process too.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any

import h11
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from ._config import SandboxConfig
from ._http import NOSNIFF, error_body, field_error
from ._limits import BUSY_RETRY_AFTER, MAX_HEADER_BYTES, REFUSED_LINGER


def raw_answer(status: int, body: dict[str, Any], *headers: tuple[bytes, bytes]) -> bytes:
    """A whole HTTP/1.1 answer of JSON that closes its connection, as bytes (written before any request
    was read, or after h11 refused one: it cannot send those itself)."""
    data = json.dumps(body).encode()
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}".encode(),
        b"content-type: application/json",
        b"content-length: %d" % len(data),
        b"connection: close",
        *(b"%s: %s" % header for header in (NOSNIFF, *headers)),
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n" + data


def _head_too_large() -> bytes:
    message = f"the request line and headers may have at most {MAX_HEADER_BYTES} bytes"
    return raw_answer(431, error_body(431, None, [field_error("headers", message, "too_large")]))


def _head_too_slow(seconds: float) -> bytes:
    message = f"the request line and headers must arrive within {seconds:g} seconds"
    return raw_answer(408, error_body(408, None, [field_error("headers", message, "timeout")]))


NOT_HTTP = raw_answer(400, error_body(400, None, [field_error("request", "the request is not valid HTTP/1.1", "http")]))
HEAD_TOO_LARGE = _head_too_large()


def _busy_body(limit: int) -> bytes:
    message = f"the sandbox serves at most {limit} connections at once; retry in {BUSY_RETRY_AFTER} s"
    return json.dumps(error_body(503, None, [{"message": message}])).encode()


class _Connection(h11.Connection):
    """h11's connection, keeping the error it refused the request with (its status hint: 400 or 431)."""

    refusal: h11.RemoteProtocolError | None = None

    def next_event(self) -> Any:
        try:
            return super().next_event()
        except h11.RemoteProtocolError as exc:
            self.refusal = exc
            raise


class SandboxProtocol(H11Protocol):
    """uvicorn's h11 protocol with a header timeout, a connection limit and JSON refusals."""

    header_timeout: float
    max_connections: int
    head_too_slow: bytes
    busy_app: ASGIApp

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = self.framed = _Connection(h11.SERVER, MAX_HEADER_BYTES)
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False

    # --- the request head's deadline -------------------------------------------------------------

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.conn.trailing_data[0]:  # part of a head came (h11 holds it until the head is whole)
            self._refuse(self.head_too_slow)
        else:  # an idle connection: nothing to answer
            self._unset_keepalive_if_required()
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self.app = self.busy_app  # its request is answered 503, and the connection closed
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # read and dropped until the connection closes: the client reads our answer
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
            self._cancel_head_timer()  # the head came (or was refused)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._head_timer is None and self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._arm_head_timer()  # the next request's head

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    # --- refusals ------------------------------------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        """h11 refused the request (uvicorn answers it in plain text): 431 for a head too large, else 400."""
        refusal = self.framed.refusal
        self._refuse(HEAD_TOO_LARGE if refusal is not None and refusal.error_status_hint == 431 else NOT_HTTP)

    def _refuse(self, answer: bytes) -> None:
        """Answer, stop sending, and drop what still comes for a little while before closing: closing a
        socket with unread data resets the connection, and the client may lose the answer with it."""
        self._refused = True
        self._cancel_head_timer()
        self._unset_keepalive_if_required()
        self.transport.write(answer)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.transport.resume_reading()
        self.loop.call_later(REFUSED_LINGER, self.transport.close)

    def eof_received(self) -> None:
        if self._refused:
            self.transport.close()

    def shutdown(self) -> None:
        if self._refused:
            self.transport.close()
            return
        super().shutdown()

    def timeout_keep_alive_handler(self) -> None:
        if not self._refused:
            super().timeout_keep_alive_handler()


def busy_app(limit: int) -> ASGIApp:
    """What a connection beyond the limit is answered: 503 with Retry-After, the connection closed."""
    body = _busy_body(limit)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        (b"retry-after", b"%d" % BUSY_RETRY_AFTER),
        (b"connection", b"close"),
        NOSNIFF,
    ]

    async def busy(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return busy


def protocol(config: SandboxConfig) -> type[SandboxProtocol]:
    """The protocol class of a server of this configuration (its timeouts and connection limit)."""
    return type(
        "SandboxProtocol",
        (SandboxProtocol,),
        {
            "header_timeout": config.header_timeout,
            "max_connections": config.max_connections,
            "head_too_slow": _head_too_slow(config.header_timeout),
            "busy_app": staticmethod(busy_app(config.max_connections)),
        },
    )


def server_config(app: ASGIApp, config: SandboxConfig, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for serving `app` with this configuration's framing limits (`options`:
    more of uvicorn's settings, such as lifespan)."""
    return uvicorn.Config(
        app,
        http=protocol(config),
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        log_level="warning",
        **options,
    )
