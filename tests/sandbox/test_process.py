"""The sandbox's command line as people run it: what it prints, how it logs, how it stops, what it refuses."""

from __future__ import annotations

import copy
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, running_sandbox, sandbox_command
from voipstudio_callmeback_sandbox._process import banner_url

from conftest import load_spec

from .support import DEMO_AUTH, SETTINGS

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
    """Each request writes one line to standard error (method, path, status, time); --quiet writes none."""
    log = tmp_path / "loud"
    with log.open("w") as stderr, running_sandbox("--db", ":memory:", "--cdrs", "5", stderr=stderr) as sandbox:
        httpx.get(sandbox.url + SETTINGS, params={"limit": 1}, auth=DEMO_AUTH, timeout=10)
        httpx.get(sandbox.url + SETTINGS + "/999999", auth=DEMO_AUTH, timeout=10)
    lines = [line for line in log.read_text().splitlines() if '"GET ' in line]
    assert len(lines) == 2, lines
    assert lines[0].startswith('127.0.0.1 "GET /v1.1/voipstudio/callmeback/settings?limit=1" 200 ')
    assert lines[1].startswith('127.0.0.1 "GET /v1.1/voipstudio/callmeback/settings/999999" 404 ')
    assert DEMO_ACCOUNT.api_key not in log.read_text()
    quiet = tmp_path / "quiet"
    with (
        quiet.open("w") as stderr,
        running_sandbox("--db", ":memory:", "--cdrs", "5", "--quiet", stderr=stderr) as sandbox,
    ):
        httpx.get(sandbox.url + SETTINGS, auth=DEMO_AUTH, timeout=10)
    assert quiet.read_text() == ""


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
        "parameters": item["parameters"],
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


def test_the_module_runs_as_the_console_script() -> None:
    """`python -m voipstudio_callmeback_sandbox` is what running_sandbox() starts; --help works."""
    found = subprocess.run(
        [sys.executable, "-m", "voipstudio_callmeback_sandbox", "--help"], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0
    assert "--quiet" in found.stdout
