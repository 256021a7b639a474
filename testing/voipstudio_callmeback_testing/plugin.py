"""The pytest plugin of the test kit (entry point `pytest11`, installed with the `[sandbox]` extra).

Fixtures:

- `callmeback_sandbox`: the session's in-process Sandbox, reset to its fresh state before each test;
- `cmb`, `async_cmb`: CallMeBack and AsyncCallMeBack of the demo account, bound to it, logged in;
- `callmeback_waits`: the waits the clients asked for between attempts in this test (none is slept);
- `callmeback_server`: the same sandbox served on 127.0.0.1, for the command line and other languages;
- `callmeback_sandbox_options`: the keywords the session's Sandbox is made with; override it in a
  conftest.py (session scope) for more call records, accounts beside the demo's (which the
  fixtures' clients log in as) or another spec.

The sandbox is made once per test session (making one costs far more than restoring one), on
first use: a test run that never asks for these fixtures never imports the sandbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from voipstudio_callmeback import AsyncCallMeBack, CallMeBack

    from ._sandbox import Sandbox, Served


@pytest.fixture(scope="session")
def callmeback_sandbox_options() -> dict[str, Any]:
    """Keywords of the session's Sandbox (accounts=, cdrs=, token_ttl=, spec=): override to change them."""
    return {}


@pytest.fixture(scope="session")
def _callmeback_session_sandbox(callmeback_sandbox_options: dict[str, Any]) -> Iterator[Sandbox]:
    from ._sandbox import Sandbox

    sandbox = Sandbox(**callmeback_sandbox_options)
    try:
        yield sandbox
    finally:
        sandbox.close()


@pytest.fixture
def callmeback_sandbox(_callmeback_session_sandbox: Sandbox) -> Sandbox:
    """The in-process sandbox, as it was when it started: its data, sessions and clock, no faults, no journal."""
    _callmeback_session_sandbox.reset()
    return _callmeback_session_sandbox


@pytest.fixture
def callmeback_waits() -> Iterator[list[float]]:
    """The seconds each client of this test asked to wait between attempts (retries, Retry-After), in
    order; none of them is slept. Any client waits so in the test, not only the fixtures' own."""
    from voipstudio_callmeback import record_waits

    with record_waits() as waits:
        yield waits


@pytest.fixture
def cmb(callmeback_sandbox: Sandbox, callmeback_waits: list[float]) -> Iterator[CallMeBack]:
    """A CallMeBack of the demo account on the in-process sandbox, logged in with its password (its session
    can expire and be renewed); its retries wait no real time. The journal starts after its login."""
    client = callmeback_sandbox.client()
    callmeback_sandbox.clear_requests()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def async_cmb(callmeback_sandbox: Sandbox, callmeback_waits: list[float]) -> Iterator[AsyncCallMeBack]:
    """An AsyncCallMeBack, as `cmb`. A plain fixture (no async plugin needed to make it): use it from the
    async tests of pytest-asyncio, anyio or any other runner."""
    client = asyncio.run(callmeback_sandbox.async_client())
    callmeback_sandbox.clear_requests()
    try:
        yield client
    finally:
        asyncio.run(client.close())


@pytest.fixture
def callmeback_server(callmeback_sandbox: Sandbox) -> Iterator[Served]:
    """The sandbox served on 127.0.0.1 and a free port for this test (its control API under /_sandbox/):
    `.url` is the base URL for the command line (VOIPSTUDIO_BASE_URL) or any HTTP client."""
    with callmeback_sandbox.serve() as served:
        yield served
