"""`voipstudio-callmeback api METHOD PATH`: authenticated requests to any path, as `gh api` makes them; `--timeout`."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.support import RunningServer

from .conftest import Cli, address, client
from .test_terminal import in_terminal


def test_get_prints_the_answer_s_json(cli: Cli, cli_sandbox: RunningServer) -> None:
    outcome = cli.run("--sandbox", address(cli_sandbox), "api", "GET", "/callmeback/settings", "-f", "limit=1")
    assert outcome.exit_code == 0, outcome.stderr
    found = outcome.json()
    assert len(found["data"]) == 1
    with client(cli_sandbox) as cmb:
        assert found["total"] == cmb.settings.list(limit=1).page(1).total
    assert outcome.stdout.startswith('{\n  "data"'), "indented JSON"


def test_post_sends_typed_fields_as_a_json_body_and_delete_removes(cli: Cli, cli_sandbox: RunningServer) -> None:
    target = ("--sandbox", address(cli_sandbox))
    created = cli.run(*target, "api", "post", "callmeback/settings", "-f", "name=From api", "-F", "position=3")
    assert created.exit_code == 0, created.stderr
    setting = created.json()["data"]
    assert (setting["name"], setting["position"]) == ("From api", 3)
    deleted = cli.run(*target, "api", "DELETE", f"/callmeback/settings/{setting['id']}", "-i")
    assert deleted.exit_code == 0, deleted.stderr
    assert deleted.stdout.startswith("HTTP/1.1 204 No Content\n")
    missing = cli.run(*target, "api", "GET", f"/callmeback/settings/{setting['id']}")
    assert missing.exit_code == 1
    assert missing.json()["message"], "the error's JSON body is printed too, as gh api does"
    assert "404" in missing.stderr


def test_input_gives_the_body(cli: Cli, cli_sandbox: RunningServer, tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"name": "From a file", "floating_icon": True}), encoding="utf-8")
    outcome = cli.run("--sandbox", address(cli_sandbox), "api", "POST", "/callmeback/settings", "--input", str(body))
    assert outcome.exit_code == 0, outcome.stderr
    created = outcome.json()["data"]
    assert (created["name"], created["floating_icon"]) == ("From a file", True)
    with client(cli_sandbox) as cmb:
        cmb.settings.delete(created["id"])


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("GET", "https://elsewhere.example/x"), "path under the base URL"),
        (("GET", "/x", "-f", "novalue"), "-f takes key=value"),
        (("GET", "/x", "-H", "nocolon"), "-H takes 'Name: value'"),
        (("GET", "/x", "-H", "X-Auth-Token: other"), "credentials"),
        (("GET", "/x", "--input", "-"), "GET sends no body"),
        (("PATCH", "/x", "--input", "/no/such/file"), "--input /no/such/file"),
        (("TRACE", "/x"), "Invalid value for 'METHOD'"),
    ],
)
def test_usage_errors(cli: Cli, cli_sandbox: RunningServer, args: tuple[str, ...], said: str) -> None:
    outcome = cli.run("--sandbox", address(cli_sandbox), "api", *args, input="{}")
    assert outcome.exit_code == 2, outcome
    assert said in outcome.stderr


def test_help_says_how_fields_travel(cli: Cli) -> None:
    outcome = cli.invoke("api", "--help")
    assert outcome.exit_code == 0
    for words in ("METHOD PATH", "--raw-field", "--field", "--header", "--input", "--include", "query parameters"):
        assert words in outcome.stdout


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and never answers (closed after the test)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for connection in held:
        connection.close()
    listener.close()


@pytest.mark.parametrize("command", [("settings", "get", "7"), ("api", "GET", "/callmeback/settings/7")])
def test_timeout_bounds_each_request(cli: Cli, silent_server: int, command: tuple[str, ...]) -> None:
    """--timeout 0.3 against a server that never answers: a timeout error after about 3 attempts of 0.3 s,
    not the 30 s default (the GET is retried twice)."""
    started = time.monotonic()
    outcome = cli.run("--sandbox", f"http://127.0.0.1:{silent_server}", "--timeout", "0.3", *command)
    took = time.monotonic() - started
    assert outcome.exit_code == 1, outcome
    assert "ReadTimeout" in outcome.stderr or "timed out" in outcome.stderr.lower()
    assert took < 20, f"{took:.1f} s: the timeout was not applied"


def test_a_bad_timeout_is_a_usage_error(cli: Cli) -> None:
    outcome = cli.invoke("--timeout", "0", "settings", "list")
    assert outcome.exit_code == 2
    assert "--timeout" in outcome.stderr


def test_api_in_a_terminal(cli_sandbox: RunningServer) -> None:
    """In a real pseudo-terminal: the answer's JSON, indented, as with captured output."""
    screen = in_terminal("--sandbox", address(cli_sandbox), "api", "GET", "/callmeback/settings", "-f", "limit=1")
    assert screen.status == 0, screen.plain
    assert screen.plain.startswith('{\n  "data": [\n')
    assert json.loads(screen.plain)["total"] >= 1
