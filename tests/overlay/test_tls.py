"""TLS is verified: a server whose certificate no trusted authority signed gets no request, and no credential.

The server is the test's own, on 127.0.0.1, with a certificate made for it by `openssl` (self-signed,
valid for IP:127.0.0.1 for a day). The client trusts it only when told to, through an injected
http client's `verify=`, as the README says for custom transports.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from voipstudio_callmeback import APIConnectionError, AsyncCallMeBack, CallMeBack

from conftest import serving

TOKEN = "tls-test-session-token-0123456789abcdef"  # noqa: S105 - made up, for a server of this test


class TlsServer(ThreadingHTTPServer):
    """An https server on 127.0.0.1 that answers every GET with `{}` and notes the requests it read."""

    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.context = context
        self.received: list[dict[str, str]] = []

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}/v1.1/voipstudio"


class _Answer(BaseHTTPRequestHandler):
    server: TlsServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        try:
            self.connection.do_handshake()
        except (ssl.SSLError, OSError):
            return  # the client refused the certificate: nothing was sent
        super().handle()

    def do_GET(self) -> None:
        self.server.received.append(dict(self.headers.items()))
        body = json.dumps({}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    assert openssl is not None, (
        "openssl is needed to make the test server's certificate (scripts/bootstrap installs it)"
    )
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def server(certificate: tuple[Path, Path]) -> Iterator[TlsServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    running = TlsServer(context)
    with serving(running):
        yield running


def test_an_untrusted_certificate_gets_no_request(server: TlsServer) -> None:
    with (
        CallMeBack(token=TOKEN, base_url=server.url, max_retries=0) as cmb,
        pytest.raises(APIConnectionError) as caught,
    ):
        cmb.get("/callmeback/settings", cast_to=dict)
    assert server.received == []
    assert TOKEN not in str(caught.value)
    assert "certificate" in str(caught.value.__cause__ or caught.value).lower()


def test_nor_from_the_async_client(server: TlsServer) -> None:
    async def call() -> None:
        async with AsyncCallMeBack(token=TOKEN, base_url=server.url, max_retries=0) as cmb:
            await cmb.get("/callmeback/settings", cast_to=dict)

    with pytest.raises(APIConnectionError):
        asyncio.run(call())
    assert server.received == []


def test_a_certificate_the_caller_trusts_is_taken(server: TlsServer, certificate: tuple[Path, Path]) -> None:
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    with (
        httpx.Client(verify=trusted) as http,
        CallMeBack(token=TOKEN, base_url=server.url, http_client=http, max_retries=0) as cmb,
    ):
        assert cmb.get("/callmeback/settings", cast_to=dict) == {}
    assert [headers.get("X-Auth-Token") for headers in server.received] == [TOKEN]
