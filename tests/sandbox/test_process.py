"""The sandbox's command line as people run it: what it prints, how it logs, how it stops, what it refuses."""

from __future__ import annotations

import copy
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, running_sandbox, sandbox_command
from voipstudio_callmeback_sandbox._app import logged_target
from voipstudio_callmeback_sandbox._process import banner_url

from conftest import load_spec

from .support import DEMO_AUTH, SECOND_ACCOUNT, SETTINGS

STOP_SECONDS = 15


def test_banner_names_the_docs_and_the_demo_credentials(tmp_path: Path) -> None:
    """The banner's first line is the URL; it names /docs, the demo login and API key; the URL answers at once."""
    with (
        (tmp_path / "stderr").open("w") as stderr,
        running_sandbox("--db", ":memory:", "--cdrs", "5", stderr=stderr) as sandbox,
    ):
        text = "\n".join(sandbox.banner)
        assert sandbox.banner[0].startswith(f"VoIPstudio Call Me Back sandbox: {sandbox.url} ")
        assert f"{sandbox.address}/docs" in text
        assert f"{DEMO_ACCOUNT.email} / {DEMO_ACCOUNT.password}" in text
        assert DEMO_ACCOUNT.api_key in text
        # Listening before the banner: the first request needs no retry.
        assert httpx.get(sandbox.url + SETTINGS, auth=DEMO_AUTH, timeout=10).status_code == 200


def test_banner_url() -> None:
    """The base URL comes from the banner's first line; anything else is refused."""
    line = "VoIPstudio Call Me Back sandbox: http://127.0.0.1:41301/v1.1/voipstudio (and /v1.2/voipstudio)"
    assert banner_url(line) == "http://127.0.0.1:41301/v1.1/voipstudio"
    with pytest.raises(Exception, match="unexpected first line"):
        banner_url("Traceback (most recent call last):")


def test_one_access_line_per_request_and_quiet(tmp_path: Path) -> None:
    """Each request writes one line to standard error (method, path, status, time); --quiet writes none.
    A credential sent as a query parameter is not written, and an encoded line break forges no line."""
    log = tmp_path / "loud"
    forged = '%0A127.0.0.1 "GET /forged" 200 0.1ms'
    with log.open("w") as stderr, running_sandbox("--db", ":memory:", "--cdrs", "5", stderr=stderr) as sandbox:
        httpx.get(sandbox.url + SETTINGS, params={"limit": 1}, auth=DEMO_AUTH, timeout=10)
        httpx.get(sandbox.url + SETTINGS + "/999999", auth=DEMO_AUTH, timeout=10)
        httpx.get(sandbox.url + SETTINGS, params={"api_key": DEMO_ACCOUNT.api_key, "limit": 1}, timeout=10)
        httpx.get(sandbox.url + "/x" + forged, auth=DEMO_AUTH, timeout=10)
    lines = [line for line in log.read_text().splitlines() if '"GET ' in line]
    assert len(lines) == 4, lines
    assert lines[0].startswith('127.0.0.1 "GET /v1.1/voipstudio/callmeback/settings?limit=1" 200 ')
    assert lines[1].startswith('127.0.0.1 "GET /v1.1/voipstudio/callmeback/settings/999999" 404 ')
    assert lines[2].startswith('127.0.0.1 "GET /v1.1/voipstudio/callmeback/settings?api_key=***&limit=1" 401 ')
    assert lines[3].startswith(
        '127.0.0.1 "GET /v1.1/voipstudio/x%0A127.0.0.1%20%22GET%20/forged%22%20200%200.1ms" 404 '
    )
    assert DEMO_ACCOUNT.api_key not in log.read_text()
    quiet = tmp_path / "quiet"
    with (
        quiet.open("w") as stderr,
        running_sandbox("--db", ":memory:", "--cdrs", "5", "--quiet", stderr=stderr) as sandbox,
    ):
        httpx.get(sandbox.url + SETTINGS, auth=DEMO_AUTH, timeout=10)
    assert quiet.read_text() == ""


@pytest.mark.parametrize(
    ("scope", "logged"),
    [
        ({"raw_path": b"/a%0Ab", "path": "/a\nb"}, "/a%0Ab"),
        ({"path": "/a\r\nb\x00"}, "/a%0D%0Ab%00"),
        ({"raw_path": b'/a"b', "path": '/a"b'}, "/a%22b"),
        ({"raw_path": b"/a?x=1", "path": "/a", "query_string": b"x=1"}, "/a?x=1"),
        ({"raw_path": b"/a", "query_string": b"x=%0A&t=\n"}, "/a?x=%0A&t=%0A"),
        (
            {"raw_path": b"/a", "query_string": b"user_token=s1&X-Auth-Token=s2&apiKey=s3&password&limit=5"},
            "/a?user_token=***&X-Auth-Token=***&apiKey=***&password&limit=5",
        ),
        ({"raw_path": b"/caf\xc3\xa9", "path": "/caf\u00e9"}, "/caf%C3%A9"),
        ({"path": "/caf\u00e9"}, "/caf%C3%A9"),
    ],
    ids=[
        "encoded-newline",
        "raw-controls",
        "quote",
        "query-in-raw-path",
        "query-controls",
        "credentials",
        "utf-8",
        "utf-8-decoded-path",
    ],
)
def test_logged_target(scope: dict[str, Any], logged: str) -> None:
    """The access log writes the path as sent, no control character or quote, and no credential's value."""
    assert logged_target(scope) == logged


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_stops_it_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    """Ctrl-C (SIGINT) and SIGTERM stop it with status 0, no traceback, and it says so."""
    log = tmp_path / "stderr"
    with log.open("w") as stderr, running_sandbox("--db", ":memory:", "--cdrs", "5", stderr=stderr) as sandbox:
        httpx.get(sandbox.url + SETTINGS, auth=DEMO_AUTH, timeout=10)
        sandbox.process.send_signal(stop)
        assert sandbox.process.wait(timeout=STOP_SECONDS) == 0
        assert sandbox.process.stdout is not None
        rest = sandbox.process.stdout.read()
    assert "Stopped." in rest
    assert "Traceback" not in log.read_text()
    assert "KeyboardInterrupt" not in log.read_text()


def test_a_spec_it_cannot_serve_is_refused_before_the_url(tmp_path: Path) -> None:
    """--spec with an operation no handler fits: status 2, one line naming it, and no URL printed."""
    spec = copy.deepcopy(load_spec())
    item = spec["paths"]["/callmeback/settings/{id}"]
    spec["paths"]["/callmeback/settings/{id}/copy"] = {
        **({"parameters": item["parameters"]} if "parameters" in item else {}),  # else its get declares them
        "post": {**copy.deepcopy(item["get"]), "operationId": "copySetting"},
    }
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    found = subprocess.run(
        sandbox_command("--db", ":memory:", "--spec", str(path)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert found.returncode == 2
    assert found.stdout == ""
    lines = found.stderr.strip().splitlines()
    assert len(lines) == 1, found.stderr
    assert "cannot serve copySetting" in lines[0]


def refused_start(*args: str) -> str:
    """The one line of standard error of a sandbox that refuses to start (status 2, nothing on standard output)."""
    found = subprocess.run(sandbox_command(*args), capture_output=True, text=True, timeout=60, check=False)
    assert (found.returncode, found.stdout) == (2, ""), found
    assert "Traceback" not in found.stderr
    lines = found.stderr.strip().splitlines()
    assert len(lines) == 1, found.stderr
    assert lines[0].startswith("voipstudio-callmeback-sandbox: ")
    return lines[0]


def write_accounts(directory: Path, entries: list[dict[str, Any]]) -> Path:
    path = directory / "accounts.json"
    path.write_text(json.dumps({"accounts": entries}), encoding="utf-8")
    return path


SECOND = {
    "user_id": SECOND_ACCOUNT.user_id,
    "email": SECOND_ACCOUNT.email,
    "password": SECOND_ACCOUNT.password,
    "api_key": SECOND_ACCOUNT.api_key,
}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"email": DEMO_ACCOUNT.email}, "email of user 234567 is the demo account's"),
        ({"api_key": DEMO_ACCOUNT.api_key}, "api_key of user 234567 is the demo account's"),
        ({"user_id": DEMO_ACCOUNT.user_id}, "user_id of user 123456 is the demo account's"),
        ({"user_id": "abc"}, 'user_id must be a whole number from 1 to 9223372036854775807, not "abc"'),
        ({"user_id": 0}, "user_id must be a whole number"),
        ({"user_id": True}, "user_id must be a whole number"),
        ({"user_id": 2**63}, "user_id must be a whole number"),
        ({"email": 5}, "email must be a non-empty string, not 5"),
        ({"api_key": ""}, 'api_key must be a non-empty string, not ""'),
        ({"two_factor_code": 123456}, "two_factor_code must be a non-empty string or null, not 123456"),
    ],
    ids=[
        "demo-email",
        "demo-api-key",
        "demo-user-id",
        "user-id-text",
        "user-id-zero",
        "user-id-boolean",
        "user-id-too-large",
        "email-number",
        "api-key-empty",
        "code-number",
    ],
)
def test_an_unusable_accounts_file_is_refused(tmp_path: Path, change: dict[str, Any], words: str) -> None:
    """An account of the wrong types, or sharing a user id, email or API key with the demo account: one line."""
    path = write_accounts(tmp_path, [{**SECOND, **change}])
    assert words in refused_start("--db", ":memory:", "--accounts", str(path))


def test_accounts_sharing_an_email_are_refused(tmp_path: Path) -> None:
    """Two accounts of the file with one email: one line naming the second."""
    path = write_accounts(tmp_path, [SECOND, {**SECOND, "user_id": 7, "api_key": "another"}])
    assert "email of user 7 is that of user 234567" in refused_start("--db", ":memory:", "--accounts", str(path))


def test_a_database_that_cannot_be_opened_is_refused(tmp_path: Path) -> None:
    """--db naming a directory: one line naming it."""
    assert f"cannot open the database {tmp_path}" in refused_start("--db", str(tmp_path))


def test_the_module_runs_as_the_console_script() -> None:
    """`python -m voipstudio_callmeback_sandbox` is what running_sandbox() starts; --help works."""
    found = subprocess.run(
        [sys.executable, "-m", "voipstudio_callmeback_sandbox", "--help"], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0
    assert "--quiet" in found.stdout
