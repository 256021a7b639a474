"""The HTTP client of the command line's exports: httpx's API over aiohttp's connections
(httpx-aiohttp, which the [cli] extra installs), as openai-python's DefaultAioHttpClient.

aiohttp parses answers in C: an export spends about a fifth less CPU a page than over httpx's
own transport, whose reads pass through httpcore, h11 and anyio (docs/benchmarks.md). The
requests, the retries, the timeouts and the errors are the client's as ever: httpx-aiohttp
hands httpx's requests to aiohttp and its answers back as httpx responses.

One thing is corrected here: httpx-aiohttp reports a refused connection, a server that hangs
up and a reset connection as httpx.ConnectTimeout (aiohttp's ClientConnectionError is their
common base). The client would call them timeouts, and would retry a POST the server may have
received; `Transport` raises what httpcore raises for each instead. And aiohttp's own second
attempt at an idempotent request on a dropped connection is turned off: retries are the
client's to make.
"""

from __future__ import annotations

import asyncio
import urllib.request

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport


def export_http_client() -> httpx.AsyncClient | None:
    """An httpx.AsyncClient over aiohttp (the caller closes it), or None when the environment
    names a proxy (HTTPS_PROXY, ALL_PROXY ...): httpx's own transport, which the client makes when
    given none, goes through it; this one would not."""
    if any(scheme != "no" for scheme in urllib.request.getproxies()):
        return None
    return httpx.AsyncClient(transport=Transport())


def corrected(error: httpx.TransportError, request: httpx.Request) -> httpx.TransportError:
    """The httpx error httpcore raises for the aiohttp error behind `error` (`error` itself when
    httpx-aiohttp chose right)."""
    cause = error.__cause__
    if not isinstance(error, httpx.ConnectTimeout) or isinstance(cause, asyncio.TimeoutError):
        return error  # aiohttp's timeouts are asyncio.TimeoutError; the mapping is right for them
    message = str(error)
    if isinstance(cause, aiohttp.ClientConnectorError):  # refused, no route, no such host: nothing was sent
        return httpx.ConnectError(message, request=request)
    if isinstance(cause, aiohttp.ServerDisconnectedError):  # the server closed without answering
        return httpx.RemoteProtocolError(message, request=request)
    return httpx.ReadError(message, request=request)  # reset, broken pipe: the request may have arrived


class Transport(AiohttpTransport):
    """httpx-aiohttp's transport, with its errors corrected (see the module). A body cut short
    (or malformed once the answer has begun) is aiohttp's ClientPayloadError, which httpx-aiohttp
    reports rightly as httpx.ReadError;
    an answer that is not HTTP (a bad status line, header or chunk size, which aiohttp finds
    before it returns the response) is an aiohttp error it does not map at all, here httpx's
    RemoteProtocolError, as over httpx's own transport."""

    def get_client(self) -> aiohttp.ClientSession:
        session: aiohttp.ClientSession = super().get_client()
        # aiohttp sends a GET, PUT or DELETE again, once, when its connection drops: the client's
        # retry policy decides that, with its count and its waits, as over httpx's transport.
        # (A private switch, since aiohttp 3.11: the [cli] extra wants that; tests/overlay/test_faults.py
        # counts the attempts if it changes.)
        session._retry_connection = False
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response: httpx.Response = await super().handle_async_request(request)
        except httpx.TransportError as exc:
            fixed = corrected(exc, request)
            if fixed is exc:
                raise
            raise fixed from exc.__cause__
        except aiohttp.ClientError as exc:  # unmapped: an answer that is not HTTP (a bad status line, header)
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        return response
