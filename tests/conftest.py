"""Fixtures shared by the test suite."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from socketserver import BaseServer
from typing import Any

import pytest
import yaml

from reference_page import DocumentedOperation, read_page

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load_spec() -> dict[str, Any]:
    """openapi.yaml as plain data."""
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation of the spec, keyed by (METHOD, path)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                found[(method.upper(), path)] = item[method]
    return found


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """openapi.yaml as plain data."""
    return load_spec()


@pytest.fixture(scope="session")
def page() -> list[DocumentedOperation]:
    """The operations of VoIPstudio's reference page."""
    return read_page()


# Tests that name addresses beyond this machine take `loopback_only`: nothing may connect to them.
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every outgoing connection's address; one to anywhere but loopback fails the test before it is made."""
    attempts: list[Any] = []
    connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOOPBACK_ADDRESSES:
            raise AssertionError(f"a connection to {address} was attempted")
        connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts


@contextmanager
def serving(server: BaseServer, poll_interval: float = 0.5) -> Iterator[None]:
    """A test's own server (http.server's, on 127.0.0.1) answering in a thread; shut down and closed after."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
