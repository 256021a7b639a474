"""The HTTP client of exports: httpx's API over aiohttp (voipstudio_callmeback._cli._http), unless
the environment names a proxy. Its error handling is tested with the overlay's faults
(tests/overlay/test_faults.py, the async-aiohttp network)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest
from voipstudio_callmeback._cli import _http
from voipstudio_callmeback._cli._spec import resources

from sandbox.support import RunningServer

from .conftest import Cli


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_exports_send_through_aiohttp(
    cli: Cli, cli_sandbox: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cdrs export` sends every page through the aiohttp transport, and closes it."""
    sent: list[httpx.Request] = []
    closed: list[bool] = []
    handle, close = _http.Transport.handle_async_request, _http.Transport.aclose

    async def counting(self: _http.Transport, request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return await handle(self, request)

    async def closing(self: _http.Transport) -> None:
        closed.append(True)
        await close(self)

    monkeypatch.setattr(_http.Transport, "handle_async_request", counting)
    monkeypatch.setattr(_http.Transport, "aclose", closing)
    out = tmp_path / "cdrs.csv"
    found = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", str(out), "--limit", "150")
    assert found.exit_code == 0, found.stderr
    rows = out.read_text(encoding="utf-8").count("\n") - 1
    assert rows > 150
    assert len(sent) == -(-rows // 150)
    cdrs = next(found for found in resources() if found.name == "cdrs").operations["list"]
    assert all(request.url.path.endswith(cdrs.path) for request in sent)
    assert closed == [True]


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "HTTP_PROXY"])
def test_a_proxy_in_the_environment_keeps_httpx_transport(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    """httpx's own transport goes through the environment's proxy; the aiohttp one would not."""
    monkeypatch.setenv(variable, "http://127.0.0.1:9")
    assert _http.export_http_client() is None


def test_no_proxy_alone_keeps_aiohttp(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "example.com")
    client = _http.export_http_client()
    assert client is not None
    assert isinstance(client._transport, _http.Transport)
    asyncio.run(client.aclose())


def test_an_export_to_a_closed_port_is_a_connection_failure(cli: Cli, tmp_path: Path) -> None:
    """Nothing listens: status 1, the message names where it tried, and the file is not touched.
    (That it is an APIConnectionError, not a timeout, and tried three times: test_faults.py.)"""
    port = closed_port()
    out = tmp_path / "cdrs.csv"
    found = cli.invoke("--base-url", f"http://127.0.0.1:{port}/v1.1/voipstudio", "--allow-http", "cdrs", "export",
                       "--out", str(out), env={"VOIPSTUDIO_API_TOKEN": "t" * 40})  # fmt: skip
    assert found.exit_code == 1, found.stderr
    assert f"127.0.0.1:{port}" in found.stderr
    assert not out.exists()
