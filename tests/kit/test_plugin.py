"""The pytest plugin from outside: a project of its own (no conftest of ours) that only installs the package.

Its tests use the documented fixtures and nothing private, sync and async (anyio's marker,
as an application's async tests would), for what the kit promises: rate limiting, a 5xx in
the middle of paging, a timeout, a dropped connection, an expired session, 401/403/404,
yesterday's call records, and the command line against the served sandbox. pytest runs in a
child process, in a directory outside the repository, with the plugin found through its
entry point.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_blocks() -> list[str]:
    """The python blocks of the README's "Testing your application", in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Testing your application", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


PROJECT_TESTS = """
import asyncio
import datetime
import json
import os
import subprocess
import sys

import httpx
import pytest
from voipstudio_callmeback import (
    APIConnectionError, APITimeoutError, AuthenticationError, Filter, InternalServerError,
    NotFoundError, PermissionDeniedError,
)


def test_rate_limiting(cmb, callmeback_sandbox, callmeback_waits):
    callmeback_sandbox.fault("listSettings", status=429, headers={"Retry-After": "30"}, times=2)
    assert cmb.settings.list().page(1).total >= 1
    assert callmeback_waits == [30.0, 30.0]


def test_a_5xx_in_the_middle_of_paging(cmb, callmeback_sandbox):
    callmeback_sandbox.fault("listCdrs", status=502, after=2)
    assert len(list(cmb.cdrs.list(limit=50))) == 300
    callmeback_sandbox.fault("listCdrs", status=500, after=1)
    with pytest.raises(InternalServerError):
        list(cmb.cdrs.list(limit=50))


def test_a_timeout_and_a_dropped_connection(cmb, callmeback_sandbox):
    callmeback_sandbox.fault("getSetting", delay=1.0)
    with pytest.raises(APITimeoutError):
        cmb.settings.get(1, timeout=0.1, max_retries=0)
    callmeback_sandbox.fault("getSetting", drop="before_headers", times=None)
    with pytest.raises(APIConnectionError):
        cmb.settings.get(1)


def test_an_expired_session_and_errors(cmb, callmeback_sandbox):
    callmeback_sandbox.advance(datetime.timedelta(hours=2))
    cmb.settings.list().page(1)
    assert [r.operation for r in callmeback_sandbox.requests] == ["listSettings", "logIn", "listSettings"]
    callmeback_sandbox.fault("getSetting", status=401, times=None)
    with pytest.raises(AuthenticationError):
        cmb.settings.get(1)
    callmeback_sandbox.clear_faults()
    callmeback_sandbox.fault("getSetting", status=403)
    with pytest.raises(PermissionDeniedError):
        cmb.settings.get(1)
    with pytest.raises(NotFoundError):
        cmb.settings.get(987654321)


def test_yesterdays_cdrs(cmb, callmeback_sandbox):
    today = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    yesterday = today - datetime.timedelta(days=1)
    callmeback_sandbox.add("cdrs", {"calldate": yesterday + datetime.timedelta(hours=9), "billsec": 61})
    found = list(cmb.cdrs.list(filter=[Filter("calldate", "gte", yesterday), Filter("calldate", "lt", today)]))
    assert [cdr.billsec for cdr in found] == [61]


@pytest.mark.anyio
async def test_async(async_cmb, callmeback_sandbox, callmeback_waits):
    callmeback_sandbox.fault("listCdrs", status=503, after=1)
    assert len([cdr async for cdr in async_cmb.cdrs.list(limit=100)]) == 300
    assert len(callmeback_waits) == 1
    callmeback_sandbox.fault("listSettings", expire_session=True)
    assert (await async_cmb.settings.list().page(1)).total >= 1


def test_the_command_line_on_the_served_sandbox(callmeback_server, callmeback_sandbox):
    account = callmeback_sandbox.account
    env = {**os.environ, "VOIPSTUDIO_BASE_URL": callmeback_server.url,
           "VOIPSTUDIO_USER_ID": str(account.user_id), "VOIPSTUDIO_API_KEY": account.api_key}
    command = os.path.join(os.path.dirname(sys.executable), "voipstudio-callmeback")
    done = subprocess.run([command, "settings", "list", "--json"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] >= 1
    assert [r.operation for r in callmeback_sandbox.requests] == ["listSettings"]
    faults = httpx.post(callmeback_server.control_url + "/faults", json={"status": 503, "times": None})
    assert faults.status_code == 201
"""


def outside_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith(("VOIPSTUDIO_", "PYTEST_"))}


def test_a_project_of_its_own_tests_with_the_fixtures(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_app.py").write_text(textwrap.dedent(PROJECT_TESTS), encoding="utf-8")
    (project / "test_readme.py").write_text(readme_blocks()[0], encoding="utf-8")
    env = outside_env()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", "--durations=3"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "12 passed" in done.stdout, done.stdout  # its own 7 and the README's 5


def test_the_readmes_sandbox_without_pytest(tmp_path: Path) -> None:
    script = tmp_path / "without_pytest.py"
    script.write_text(readme_blocks()[1], encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        cwd=tmp_path,
        env=outside_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 1
