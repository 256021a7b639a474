"""Fixtures of the command line tests: sandbox servers on loopback, and a runner of the command
line (a subprocess of the console script, or click's CliRunner in this process) that keeps
everything the commands printed, so that each test can check no credential was printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from voipstudio_callmeback import CallMeBack
from voipstudio_callmeback._cli._main import cli as cli_group
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, Account

from sandbox.support import EXTRA_ACCOUNTS, RunningServer, accounts_file, run_cli

COMMAND = Path(sys.executable).with_name("voipstudio-callmeback")
APP_FOLDER = "voipstudio-callmeback"
SESSIONS_FILE = "sessions.json"
COMMAND_SECONDS = 120.0

# Call records of every account of the shared sandbox: enough for several pages, few enough to
# read them all with the Python client to compare.
SANDBOX_CDRS = 400
# The slow sandbox: enough records that an export takes a while with the latency, and over
# 10,000 for the memory test.
SLOW_CDRS = 12_000
SLOW_LATENCY_MS = 40

# Environment variables that would change what the command line does or prints.
FOREIGN_VARIABLES = ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")


@pytest.fixture(scope="session")
def cli_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The sandbox with the demo, second and two-factor accounts, SANDBOX_CDRS call records each."""
    directory = tmp_path_factory.mktemp("cli-sandbox")
    accounts = accounts_file(directory, EXTRA_ACCOUNTS)
    args = ("--db", ":memory:", "--accounts", str(accounts), "--cdrs", str(SANDBOX_CDRS))
    with run_cli(directory, *args) as server:
        yield server


@pytest.fixture(scope="session")
def slow_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A sandbox that answers every request SLOW_LATENCY_MS late, with SLOW_CDRS call records for the demo."""
    directory = tmp_path_factory.mktemp("slow-sandbox")
    args = ("--db", ":memory:", "--cdrs", str(SLOW_CDRS), "--latency-ms", str(SLOW_LATENCY_MS))
    with run_cli(directory, *args) as server:
        yield server


def address(server: RunningServer) -> str:
    """The server's address without the API's path: http://127.0.0.1:PORT."""
    assert server.url.endswith("/v1.1/voipstudio"), server.url
    return server.url.removesuffix("/v1.1/voipstudio")


def client(server: RunningServer, account: Account = DEMO_ACCOUNT) -> CallMeBack:
    """The Python client, as an account (its API key), to compare the command line's output with."""
    return CallMeBack(user_id=account.user_id, api_key=account.api_key, base_url=server.url)


@dataclass(frozen=True)
class Outcome:
    """What a command did: its exit status and what it printed."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Cli:
    """Runs `voipstudio-callmeback` with this test's configuration folder, and keeps its output.

    Every command's stdout and stderr are kept, and every session token that was in the
    sessions file after a command is noted, with any other secret a test adds;
    `check_no_secret_printed` fails if any secret appears in any output.
    """

    def __init__(self, config_home: Path) -> None:
        self.config_home = config_home
        self.outputs: list[str] = []
        self.secrets: set[str] = set()

    @property
    def folder(self) -> Path:
        return self.config_home / APP_FOLDER

    @property
    def sessions_path(self) -> Path:
        return self.folder / SESSIONS_FILE

    def sessions(self) -> dict[str, Any]:
        """The sessions the file holds, by base URL (none when there is no file)."""
        if not self.sessions_path.exists():
            return {}
        content = json.loads(self.sessions_path.read_text(encoding="utf-8"))
        assert content["version"] == 1, content
        sessions = content["sessions"]
        assert isinstance(sessions, dict), content
        return sessions

    def record(self, outcome: Outcome) -> Outcome:
        """Keep what a command printed, and the tokens stored after it; no command may print a traceback."""
        self.outputs += [outcome.stdout, outcome.stderr]
        self.secrets.update(entry["token"] for entry in self.sessions().values())
        assert "Traceback" not in outcome.stderr, outcome.stderr
        assert "Traceback" not in outcome.stdout, outcome.stdout
        return outcome

    def run(
        self,
        *args: str,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Outcome:
        """The real console script, as a subprocess."""
        completed = subprocess.run(
            [str(COMMAND), *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            encoding="utf-8",
            env={**os.environ, **(env or {})},
            cwd=cwd,
            timeout=COMMAND_SECONDS,
            check=False,
        )
        return self.record(Outcome(completed.returncode, completed.stdout, completed.stderr))

    def invoke(self, *args: str, input: str | None = None, env: Mapping[str, str] | None = None) -> Outcome:
        """The click group in this process (CliRunner); an exception other than an exit is raised."""
        result = CliRunner().invoke(
            cli_group,
            list(args),
            input=input,
            env={"XDG_CONFIG_HOME": str(self.config_home), **(env or {})},
            prog_name="voipstudio-callmeback",
        )
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return self.record(Outcome(result.exit_code, result.stdout, result.stderr))

    def check_no_secret_printed(self) -> None:
        for secret in self.secrets:
            assert secret
            for output in self.outputs:
                assert secret not in output, "a secret was printed"


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own configuration folder (XDG_CONFIG_HOME), and no VOIPSTUDIO_* variables."""
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    for name in list(os.environ):
        if name.startswith("VOIPSTUDIO_") or name in FOREIGN_VARIABLES:
            monkeypatch.delenv(name)
    return home


@pytest.fixture
def cli(config_home: Path) -> Iterator[Cli]:
    """The command line of this test; after the test, no secret may have been printed."""
    runner = Cli(config_home)
    yield runner
    runner.check_no_secret_printed()


def table(text: str) -> list[dict[str, str]]:
    """The rows of a list table (a header line, no box): cells cut where the header's names start."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "no table at all"
    names = lines[0].split()
    starts = [found.start() for found in re.finditer(r"\S+", lines[0])]
    ends: list[int | None] = [*starts[1:], None]
    return [
        dict(zip(names, (line[start:end].strip() for start, end in zip(starts, ends, strict=True)), strict=True))
        for line in lines[1:]
    ]


def fields(text: str) -> dict[str, str]:
    """The name-value lines of one item's table."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip():
            match = re.fullmatch(r"(\S+)(?:\s+(.*?))?\s*", line)
            assert match is not None, line
            found[match.group(1)] = match.group(2) or ""
    return found


def plain(value: Any) -> str:
    """A value as the tables show it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
