"""scripts/demo, the README's first command: the tour runs against a sandbox it starts and stops."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_demo_tours_the_api_on_a_sandbox_of_its_own() -> None:
    """The demo logs in, creates, lists, updates and deletes settings, pages through March, and stops the sandbox."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "lib" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for line in (
        "logged in: CallMeBack(",
        "Created settings",
        "Updated settings",
        "Deleted settings",
        "Reading it again: 404 Resource not found",
        "Call detail records of March 2026, 200 a page:",
        "sandbox stopped",
    ):
        assert line in out, line
    assert "March 2026: 459 calls" in out
