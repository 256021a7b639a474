"""One request straight to an ASGI application, as uvicorn would hand it over: no client in between,
so no limit of a client's on the URL, the headers or the framing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

Headers = Sequence[tuple[bytes, bytes]]


def asgi_call(
    app: Callable[..., Awaitable[None]],
    run: Callable[[Coroutine[Any, Any, None]], object],
    *,
    method: str,
    path: str,
    raw_path: bytes,
    query_string: bytes,
    headers: Headers,
    chunks: Sequence[bytes] = (b"",),
    server: tuple[str, int] = ("127.0.0.1", 80),
) -> tuple[int, bytes]:
    """The status and body `app` answers; `chunks` are the body's http.request messages, `run` runs a
    coroutine to its end (asyncio.run, or a sandbox's own loop)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": raw_path,
        "query_string": query_string,
        "root_path": "",
        "headers": list(headers),
        "client": ("127.0.0.1", 1),
        "server": server,
    }
    pieces = list(chunks) or [b""]
    messages = [{"type": "http.request", "body": c, "more_body": i < len(pieces) - 1} for i, c in enumerate(pieces)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def call() -> None:
        await app(scope, receive, send)

    run(call())
    return int(sent[0]["status"]), b"".join(m.get("body", b"") for m in sent[1:])
