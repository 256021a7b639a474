"""Stoplight Prism as a subprocess for tests: a validating proxy in front of a server, or a mock of openapi.yaml.

`run_prism("proxy", upstream)` or `run_prism("mock")` starts `node_modules/.bin/prism` on
127.0.0.1 and a free port, waits until it listens and stops it (terminate, then kill) on
exit. Its log goes to a file; `RunningPrism.problems()` lists the lines that report a
violation, an error or a warning. `ViolationRecorder` is an httpx response hook that keeps
every answer that passed through Prism and reports those Prism flagged.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from conftest import ROOT, SPEC_PATH
from sandbox.support import stop_process

PRISM = ROOT / "node_modules" / ".bin" / "prism"
STARTUP_SECONDS = 45.0
LOG_SETTLE_SECONDS = 0.25
LOG_SETTLE_LIMIT = 5.0
LISTENING = re.compile(r"Prism is listening on (http://127\.0\.0\.1:\d+)")
# Prism's log levels are words after a sign: "warning" after U+26A0, "error" and "fatal" after U+2716.
PROBLEM = re.compile(r"violation|✖|⚠|\b(warn|warning|error|fatal)\b", re.IGNORECASE)
# What the mock's negotiator says when an answer has no body (a 204) and the request
# accepted anything (httpx sends `Accept: */*`): a notice about the request, not the spec.
NO_CONTENT_NOTICE = re.compile(r"\[NEGOTIATOR\] ⚠  warning   Unable to find content for \*/\*$")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class RunningPrism:
    """A Prism process: where it listens, and its log."""

    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def log(self) -> str:
        """The log once Prism has stopped writing to it for a moment (it logs after it answers)."""
        deadline = time.monotonic() + LOG_SETTLE_LIMIT
        size = -1
        while size != self.log_path.stat().st_size and time.monotonic() < deadline:
            size = self.log_path.stat().st_size
            time.sleep(LOG_SETTLE_SECONDS)
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def problems(self) -> list[str]:
        """The log lines that report a violation, an error or a warning (but the no-content notice)."""
        lines = self.log().splitlines()
        return [line for line in lines if PROBLEM.search(line) and not NO_CONTENT_NOTICE.search(line)]

    def no_content_notices(self) -> int:
        """How many times the mock answered without a body to a request that accepted anything."""
        return sum(1 for line in self.log().splitlines() if NO_CONTENT_NOTICE.search(line))


def _wait_until_listening(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        log = log_path.read_text(encoding="utf-8", errors="replace")
        found = LISTENING.search(log)
        if found:
            url = found.group(1)
            try:
                with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=2.0):
                    return url
            except OSError:
                pass
        assert process.poll() is None, f"prism exited with {process.returncode}:\n{log}"
        assert time.monotonic() < deadline, f"prism did not listen within {STARTUP_SECONDS} s:\n{log}"
        time.sleep(0.1)


@contextmanager
def run_prism(mode: Literal["proxy", "mock"], upstream: str | None, log_dir: Path) -> Iterator[RunningPrism]:
    """Prism on 127.0.0.1 and a free port: `proxy` (with --errors) in front of `upstream`, or a `--dynamic` mock."""
    assert PRISM.is_file(), f"{PRISM} is not installed (scripts/bootstrap installs it)"
    port = free_port()
    if mode == "proxy":
        assert upstream is not None
        args = ["proxy", str(SPEC_PATH), upstream, "--errors"]
    else:
        assert upstream is None
        args = ["mock", str(SPEC_PATH), "--dynamic"]
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"prism-{mode}-{port}.log"
    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(PRISM), *args, "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield RunningPrism(process, _wait_until_listening(process, log_path), log_path)
    finally:
        stop_process(process, timeout=10)


@dataclass(frozen=True)
class Exchange:
    """One request that went through Prism and what Prism said about it."""

    method: str
    path: str
    status: int
    violations: str | None
    content_type: str


@dataclass
class ViolationRecorder:
    """An httpx response hook: every exchange, and those Prism flagged (sl-violations, or its own problem+json)."""

    exchanges: list[Exchange] = field(default_factory=list)

    def __call__(self, response: httpx.Response) -> None:
        self.exchanges.append(
            Exchange(
                method=response.request.method,
                path=response.request.url.path,
                status=response.status_code,
                violations=response.headers.get("sl-violations"),
                content_type=response.headers.get("content-type", ""),
            )
        )

    def flagged(self) -> list[Exchange]:
        """The exchanges Prism found a violation in."""
        return [
            exchange
            for exchange in self.exchanges
            if exchange.violations is not None or exchange.content_type.startswith("application/problem+json")
        ]
