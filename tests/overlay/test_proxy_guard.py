"""A plain-http proxy on another machine would carry the credentials in clear text: refused before any request.

No test here lets traffic leave this machine: a non-loopback proxy is only ever named (the refusal comes
from the constructor, and a guard on socket connections fails the test if anything tries to connect
anywhere but 127.0.0.1), and the proxy that requests do go through is one the test runs on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import http.client
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from voipstudio_callmeback import AsyncCallMeBack, CallMeBack
from voipstudio_callmeback._auth import InsecureTransportError
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT

from conftest import serving
from sandbox.support import RunningServer

# An address of TEST-NET-1 (RFC 5737): nothing answers there, and nothing is ever sent to it here.
FAR_PROXY = "http://192.0.2.10:3128"
PROXY_PASSWORD = "proxy-secret-password"  # noqa: S105 - made up, sent nowhere
LOOPBACK_BASE = "http://127.0.0.1:9/v1.1/voipstudio"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy")
KEY: dict[str, Any] = {"user_id": DEMO_ACCOUNT.user_id, "api_key": DEMO_ACCOUNT.api_key}


@pytest.fixture(autouse=True)
def no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def refused(make: Any) -> InsecureTransportError:
    with pytest.raises(InsecureTransportError) as caught:
        make()
    return caught.value


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
@pytest.mark.usefixtures("loopback_only")
def test_a_far_proxy_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, FAR_PROXY)
    error = refused(lambda: CallMeBack(base_url=LOOPBACK_BASE, **KEY))
    assert error.proxy == FAR_PROXY
    assert FAR_PROXY in str(error)
    assert "allow_insecure_http=True" in str(error)


def test_the_async_client_refuses_it_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", FAR_PROXY)
    made_up = "t0ken"
    assert refused(lambda: AsyncCallMeBack(base_url=LOOPBACK_BASE, token=made_up)).proxy == FAR_PROXY


def test_login_refuses_it_before_sending_the_password(
    monkeypatch: pytest.MonkeyPatch, loopback_only: list[Any]
) -> None:
    monkeypatch.setenv("HTTP_PROXY", FAR_PROXY)
    refused(lambda: CallMeBack.login(DEMO_ACCOUNT.email, DEMO_ACCOUNT.password, base_url=LOOPBACK_BASE))
    assert loopback_only == []


def test_the_proxy_s_own_credentials_are_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://user:{PROXY_PASSWORD}@192.0.2.10:3128")
    error = refused(lambda: CallMeBack(base_url=LOOPBACK_BASE, **KEY))
    for text in (str(error), repr(error), error.proxy or ""):
        assert PROXY_PASSWORD not in text
        assert "user:" not in text
    assert error.__cause__ is None
    assert error.__context__ is None


def test_a_proxy_given_to_an_injected_client_is_refused_and_the_client_left_open() -> None:
    http = httpx.Client(proxy=FAR_PROXY)
    refused(lambda: CallMeBack(base_url=LOOPBACK_BASE, http_client=http, **KEY))
    assert not http.is_closed
    http.close()


@pytest.mark.parametrize(
    ("variables", "base_url", "options"),
    [
        ({"HTTP_PROXY": FAR_PROXY}, "https://api.example.com/v1.1/voipstudio", {}),  # a CONNECT tunnel: encrypted
        ({"HTTP_PROXY": "http://127.0.0.1:3128"}, LOOPBACK_BASE, {}),  # a proxy on this machine
        ({"HTTP_PROXY": "http://localhost:3128"}, LOOPBACK_BASE, {}),
        ({"HTTP_PROXY": FAR_PROXY, "NO_PROXY": "127.0.0.1"}, LOOPBACK_BASE, {}),  # not used for this host
        ({"HTTP_PROXY": FAR_PROXY}, LOOPBACK_BASE, {"allow_insecure_http": True}),  # asked for
    ],
    ids=["https", "loopback-proxy", "localhost-proxy", "no-proxy", "allowed"],
)
def test_what_is_not_refused(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], base_url: str, options: dict[str, Any]
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    CallMeBack(base_url=base_url, **KEY, **options).close()


class ForwardingProxy(ThreadingHTTPServer):
    """A plain-http forward proxy on 127.0.0.1 that forwards to 127.0.0.1 alone and notes what it forwarded."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.forwarded: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: ForwardingProxy

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        target = urlsplit(self.path)  # a proxy is sent the absolute URL
        assert target.hostname == "127.0.0.1", target
        self.server.forwarded.append((self.command, target.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {name: value for name, value in self.headers.items() if name.lower() != "proxy-connection"}
        upstream = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
        try:
            upstream.request(self.command, target.path + (f"?{target.query}" if target.query else ""), body, headers)
            answer = upstream.getresponse()
            content = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        finally:
            upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = _forward


@pytest.fixture
def forwarding_proxy() -> Iterator[ForwardingProxy]:
    proxy = ForwardingProxy()
    with serving(proxy):
        yield proxy


def test_a_proxy_on_this_machine_carries_the_requests(
    monkeypatch: pytest.MonkeyPatch, forwarding_proxy: ForwardingProxy, live_sandbox: RunningServer
) -> None:
    monkeypatch.setenv("HTTP_PROXY", forwarding_proxy.url)
    with CallMeBack.login(DEMO_ACCOUNT.email, DEMO_ACCOUNT.password, base_url=live_sandbox.url) as cmb:
        assert list(cmb.settings.list())
    paths = [path for _, path in forwarding_proxy.forwarded]
    assert paths[0].endswith("/login"), paths
    assert paths[1].endswith("/callmeback/settings"), paths


def test_the_export_s_aiohttp_transport_with_a_far_proxy_is_refused() -> None:
    """The command line's exports send through httpx-aiohttp: its proxy= is read as httpx's is."""
    from voipstudio_callmeback._cli._http import Transport

    http = httpx.AsyncClient(transport=Transport(proxy=httpx.Proxy(FAR_PROXY)))
    try:
        assert refused(lambda: AsyncCallMeBack(base_url=LOOPBACK_BASE, http_client=http, **KEY)).proxy == FAR_PROXY
    finally:
        asyncio.run(http.aclose())
