"""The sandbox's command line as a child process of the scripts (demo, bench): started on a
free port of 127.0.0.1, waited for until it answers, and stopped."""

from __future__ import annotations

import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

EXECUTABLE = Path(sys.executable).with_name("voipstudio-callmeback-sandbox")
BANNER = re.compile(r"VoIPstudio Call Me Back sandbox: (http://\S+/v1\.1/voipstudio) ")
STOP_SECONDS = 15.0


class SandboxError(Exception):
    """The sandbox did not start, or did not answer in time."""


@dataclass(frozen=True)
class RunningSandbox:
    url: str  # its base URL, such as http://127.0.0.1:41301/v1.1/voipstudio
    banner: str  # the first line it printed
    process: subprocess.Popen[str]


def sandbox_command(*args: str) -> list[str]:
    """The command line of a sandbox on 127.0.0.1 and a free port, with more options."""
    return [str(EXECUTABLE), "--host", "127.0.0.1", "--port", "0", *args]


def banner_url(line: str) -> str:
    """The base URL the sandbox prints on its first line."""
    found = BANNER.match(line)
    if found is None:
        raise SandboxError(f"unexpected first line from the sandbox: {line!r}")
    return found.group(1)


def _first_line(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None  # noqa: S101 - piped by running_sandbox
    while True:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            return process.stdout.readline()
        if process.poll() is not None or time.monotonic() > deadline:
            return ""


@contextmanager
def running_sandbox(
    command: list[str], *, stderr: IO[str] | None = None, start_seconds: float = 60.0
) -> Iterator[RunningSandbox]:
    """Run `command` (see sandbox_command) until the block ends; yield once the sandbox answers.

    It prints its address before it listens, so the address alone does not say it is ready:
    an unauthenticated request is polled until it gets the sandbox's 401.
    """
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True, encoding="utf-8")
    try:
        deadline = time.monotonic() + start_seconds
        line = _first_line(process, deadline)
        if not line:
            raise SandboxError("the sandbox did not start")
        url = banner_url(line)
        while True:
            try:
                if httpx.get(url + "/callmeback/settings", timeout=2.0).status_code == 401:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SandboxError("the sandbox did not answer")
            time.sleep(0.05)
        yield RunningSandbox(url, line, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
