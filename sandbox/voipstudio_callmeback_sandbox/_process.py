"""The sandbox as a child process: on a free port of 127.0.0.1, ready when its banner is printed, stopped on exit.

One way to run it, for the demo and the benchmarks (scripts/), the tests, and anyone who
wants a sandbox beside their own test suite::

    from voipstudio_callmeback_sandbox import running_sandbox

    with running_sandbox("--db", ":memory:") as sandbox:
        client = CallMeBack(user_id=123456, api_key="...", base_url=sandbox.url)

The sandbox listens before it prints its banner, so the URL on the banner's first line
can be used as soon as it is read.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

from ._config import BASE_PATH

BANNER = re.compile(r"VoIPstudio Call Me Back sandbox: (http://\S+/v1\.1/voipstudio) ")
LAST_BANNER_LINE = "Press Ctrl-C to stop."
STOP_SECONDS = 15.0


class SandboxError(Exception):
    """The sandbox did not start (the message says what it printed, when it was captured)."""


@dataclass
class RunningSandbox:
    """A sandbox process: its base URL (such as http://127.0.0.1:41301/v1.1/voipstudio) and its banner."""

    url: str
    banner: list[str]
    process: subprocess.Popen[str]
    returncode: int | None = field(default=None, init=False)

    @property
    def address(self) -> str:
        """Where it listens, without the API's path: http://127.0.0.1:41301."""
        return self.url.removesuffix(BASE_PATH)

    def stop(self, timeout: float = STOP_SECONDS) -> int:
        """Ask it to stop (SIGTERM), wait, kill it if it has not stopped in time; its exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.returncode = self.process.returncode
        return self.returncode


def sandbox_command(*options: str) -> list[str]:
    """The command of a sandbox on 127.0.0.1 and a free port, with more options."""
    return [sys.executable, "-m", "voipstudio_callmeback_sandbox", "--host", "127.0.0.1", "--port", "0", *options]


def banner_url(line: str) -> str:
    """The base URL the sandbox prints on its first line."""
    found = BANNER.match(line)
    if found is None:
        raise SandboxError(f"unexpected first line from the sandbox: {line!r}")
    return found.group(1)


def _banner(process: subprocess.Popen[str], deadline: float) -> list[str]:
    """The banner's lines, up to its last; fewer when the process ends or time runs out first.

    Read from the pipe's descriptor (not its buffered text stream, whose buffer select()
    cannot see), as much as has arrived each time.
    """
    assert process.stdout is not None  # noqa: S101 - piped by running_sandbox
    descriptor = process.stdout.fileno()
    received = b""
    while True:
        lines = received.decode("utf-8", errors="replace").splitlines()
        if LAST_BANNER_LINE in lines:
            return lines[: lines.index(LAST_BANNER_LINE) + 1]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return lines
        ready, _, _ = select.select([descriptor], [], [], min(remaining, 0.2))
        if ready:
            chunk = os.read(descriptor, 65536)
            if not chunk:  # the process closed its output: it ended
                return lines
            received += chunk
        elif process.poll() is not None:
            return lines


@contextmanager
def running_sandbox(
    *options: str, stderr: IO[str] | None = None, start_seconds: float = 60.0, command: list[str] | None = None
) -> Iterator[RunningSandbox]:
    """Run a sandbox (sandbox_command(*options), or `command`) until the block ends; yield once it listens.

    Its standard error goes to `stderr` (inherited when None): one line per request unless
    `--quiet` is among the options.
    """
    process = subprocess.Popen(  # noqa: S603 - a fixed command, or the caller's own
        command or sandbox_command(*options), stdout=subprocess.PIPE, stderr=stderr, text=True, encoding="utf-8"
    )
    sandbox = None
    try:
        lines = _banner(process, time.monotonic() + start_seconds)
        if not lines or lines[-1] != LAST_BANNER_LINE:
            status = process.poll()
            why = f"exited with {status}" if status is not None else f"printed no banner in {start_seconds:g} s"
            raise SandboxError(f"the sandbox {why}; it printed {chr(10).join(lines)!r}")
        sandbox = RunningSandbox(banner_url(lines[0]), lines, process)
        yield sandbox
    finally:
        if sandbox is not None:
            sandbox.stop()
        else:
            RunningSandbox("", [], process).stop()
