"""The client reads at most max_response_bytes of an answer, counted once decompressed.

A real server on 127.0.0.1 serves a gzip "bomb" (100 MiB of zeros in about 100 KB) and
bodies of known sizes: the client stops with ResponseTooLargeError, whose message names the
limit and the option that raises it, without holding the bomb in memory; an answer of
exactly the limit is read whole. The CLI's export client (httpx over aiohttp) is covered too.
"""

from __future__ import annotations

import asyncio
import gzip
import http.server
import tracemalloc
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from voipstudio_callmeback import (
    DEFAULT_MAX_RESPONSE_BYTES,
    AsyncCallMeBack,
    CallMeBack,
    CallMeBackError,
    ResponseTooLargeError,
)
from voipstudio_callmeback._cli._http import export_http_client

from conftest import ROOT, serving

MIB = 1024 * 1024
BOMB_SIZE = 100 * MIB
TOKEN = "size-test-token"  # noqa: S105 - a made-up token of a local server
LIMIT = MIB


def gzip_bomb(size: int) -> bytes:
    """`size` zero bytes, gzip-compressed a MiB at a time (never all in memory at once)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(MIB)
    parts = [compressor.compress(zeros) for _ in range(size // MIB)]
    parts.append(compressor.flush())
    return b"".join(parts)


def json_of_size(size: int) -> bytes:
    """A JSON object of exactly `size` bytes."""
    head, tail = b'{"id":7,"name":"', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


BOMB = gzip_bomb(BOMB_SIZE)
# path -> (body, headers); "length" False sends the body without Content-Length (the connection closes).
ROUTES: dict[str, tuple[bytes, dict[str, str], bool]] = {
    "/bomb": (BOMB, {"Content-Encoding": "gzip"}, True),
    "/bomb-unframed": (BOMB, {"Content-Encoding": "gzip"}, False),
    "/exact": (json_of_size(LIMIT), {}, True),
    "/exact-gzip": (gzip.compress(json_of_size(LIMIT)), {"Content-Encoding": "gzip"}, True),
    "/exact-unframed": (json_of_size(LIMIT), {}, False),
    "/over": (json_of_size(LIMIT + 1), {}, True),
    "/over-gzip": (gzip.compress(json_of_size(LIMIT + 1)), {"Content-Encoding": "gzip"}, True),
    "/over-unframed": (json_of_size(LIMIT + 1), {}, False),
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        name = self.path.rsplit("/", 1)[-1].split("?")[0]
        body, headers, framed = ROUTES["/" + name]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        for key, value in headers.items():
            self.send_header(key, value)
        if framed:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            for start in range(0, len(body), 64 * 1024):
                self.wfile.write(body[start : start + 64 * 1024])
        except (BrokenPipeError, ConnectionResetError):  # the client stopped reading: what it should do
            self.close_connection = True

    def do_POST(self) -> None:  # POST /login: the bomb, whatever was sent
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.path = "/bomb"
        self.do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # A client that stops reading resets the connection: expected here, not worth a traceback on stderr.
    server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
    with serving(server, poll_interval=0.05):
        yield f"http://127.0.0.1:{server.server_address[1]}/v1.1/voipstudio"


def sync_get(base_url: str, path: str, **options: Any) -> Any:
    with CallMeBack(token=TOKEN, base_url=base_url, max_retries=0, timeout=30, **options) as client:
        return client.get(path)


def async_get(base_url: str, path: str, *, export: bool = False, **options: Any) -> Any:
    async def main() -> Any:
        http_client = export_http_client() if export else None
        if export:
            assert http_client is not None, "a proxy in the environment: the export uses httpx's transport"
            options["http_client"] = http_client
        try:
            async with AsyncCallMeBack(token=TOKEN, base_url=base_url, max_retries=0, timeout=30, **options) as client:
                return await client.get(path)
        finally:
            if http_client is not None:
                await http_client.aclose()

    return asyncio.run(main())


GETS = {
    "sync": sync_get,
    "async": async_get,
    "export": lambda base_url, path, **options: async_get(base_url, path, export=True, **options),
}


@pytest.fixture(params=sorted(GETS))
def get(request: pytest.FixtureRequest) -> Any:
    return GETS[request.param]


def peak_while(call: Any) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        try:
            call()
        except CallMeBackError as exc:
            return exc, tracemalloc.get_traced_memory()[1]
        return None, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("path", ["/bomb", "/bomb-unframed"])
def test_a_gzip_bomb_stops_at_the_limit_in_bounded_memory(get: Any, base_url: str, path: str) -> None:
    assert len(BOMB) < BOMB_SIZE // 500  # it is a bomb: ~100 KB that inflate to 100 MiB
    error, peak = peak_while(lambda: get(base_url, path, max_response_bytes=LIMIT))
    assert isinstance(error, ResponseTooLargeError), error
    assert error.limit == LIMIT
    message = str(error)
    assert f"{LIMIT} bytes" in message
    assert "max_response_bytes" in message
    assert TOKEN not in message
    assert error.__cause__ is None
    # The bomb is 100 MiB inflated; reading stops a step past 1 MiB. Generous: 16 MiB.
    assert peak < 16 * MIB, f"peak {peak / MIB:.1f} MiB"


def test_the_default_limit_stops_the_bomb(base_url: str) -> None:
    assert BOMB_SIZE > DEFAULT_MAX_RESPONSE_BYTES
    with pytest.raises(ResponseTooLargeError, match=f"{DEFAULT_MAX_RESPONSE_BYTES} bytes"):
        sync_get(base_url, "/bomb")


@pytest.mark.parametrize("path", ["/exact", "/exact-gzip", "/exact-unframed"])
def test_an_answer_of_exactly_the_limit_is_read(get: Any, base_url: str, path: str) -> None:
    body = get(base_url, path, max_response_bytes=LIMIT)
    assert body["id"] == 7
    assert len(body["name"]) == LIMIT - len(b'{"id":7,"name":""}')


@pytest.mark.parametrize("path", ["/over", "/over-gzip", "/over-unframed"])
def test_one_byte_over_the_limit_is_refused(get: Any, base_url: str, path: str) -> None:
    with pytest.raises(ResponseTooLargeError, match="max_response_bytes"):
        get(base_url, path, max_response_bytes=LIMIT)


def test_with_options_changes_the_limit(base_url: str) -> None:
    with CallMeBack(token=TOKEN, base_url=base_url, max_retries=0, max_response_bytes=LIMIT) as client:
        assert client.max_response_bytes == LIMIT
        with pytest.raises(ResponseTooLargeError):
            client.get("/over")
        larger = client.with_options(max_response_bytes=LIMIT + 1)
        assert larger.max_response_bytes == LIMIT + 1
        assert larger.get("/over")["id"] == 7


@pytest.mark.parametrize("bad", [0, -1, 1.5, "1", True, None])
def test_the_limit_is_checked(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError), match=r"^max_response_bytes must be"):
        CallMeBack(token=TOKEN, base_url="http://127.0.0.1:9", max_response_bytes=bad)


def test_a_mocked_answer_given_whole_is_held_to_the_limit() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=json_of_size(LIMIT + 1)))
    with (
        CallMeBack(
            token=TOKEN,
            base_url="http://127.0.0.1:9",
            http_client=httpx.Client(transport=transport),
            max_response_bytes=LIMIT,
        ) as client,
        pytest.raises(ResponseTooLargeError),
    ):
        client.get("/x")


def test_the_default_holds_the_largest_page_the_spec_allows() -> None:
    """64 MiB: the spec's largest `limit` at 13 KiB an item (the items it describes are well under 1 KiB)."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    limits = [
        parameter["schema"]["maximum"]
        for parameter in spec["components"]["parameters"].values()
        if parameter.get("name") == "limit"
    ]
    assert limits
    assert max(limits) * 13 * 1024 <= DEFAULT_MAX_RESPONSE_BYTES


def test_from_env_takes_the_limit(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOIPSTUDIO_API_TOKEN", TOKEN)
    with CallMeBack.from_env(base_url=base_url, max_retries=0, max_response_bytes=LIMIT) as client:
        assert client.max_response_bytes == LIMIT
        with pytest.raises(ResponseTooLargeError):
            client.get("/over-gzip")


def test_login_takes_the_limit_and_its_answer_is_held_to_it(base_url: str) -> None:
    with pytest.raises(ResponseTooLargeError, match=f"{LIMIT} bytes") as caught:
        CallMeBack.login("alice@example.com", "correct horse", base_url=base_url, max_response_bytes=LIMIT)
    assert "correct horse" not in str(caught.value)
