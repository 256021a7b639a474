"""Fixtures of the sandbox tests: in-process sandboxes on in-memory databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support import Client, FakeClock, InProcessSandbox


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when the test advances it."""
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Iterator[InProcessSandbox]:
    """A fresh sandbox with the demo, second and two-factor accounts, on the fake clock."""
    instance = InProcessSandbox(clock=clock)
    yield instance
    instance.close()


@pytest.fixture
def demo(sandbox: InProcessSandbox) -> Client:
    """The demo account, authenticated with its API key."""
    return sandbox.client()
