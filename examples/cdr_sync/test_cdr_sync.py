"""The tests of the CDR sync, as its authors would write them with the test kit: only its fixtures,
nothing patched, no real waits."""

from __future__ import annotations

import datetime
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cdr_sync import open_db, sync_day, yesterday
from voipstudio_callmeback import APIConnectionError, CallMeBack, InternalServerError
from voipstudio_callmeback_testing import Sandbox, Served

HERE = Path(__file__).resolve().parent


def add_calls(sandbox: Sandbox, day: datetime.date, count: int) -> list[int]:
    start = datetime.datetime.combine(day, datetime.time(8))
    calls = [
        {"calldate": start + datetime.timedelta(seconds=30 * index), "src": "441234567890", "billsec": index}
        for index in range(count)
    ]
    return [item["id"] for item in sandbox.add("cdrs", *calls)]


@pytest.fixture
def db(tmp_path: Path) -> sqlite3.Connection:
    return open_db(str(tmp_path / "calls.db"))


def stored(db: sqlite3.Connection) -> list[int]:
    return [row[0] for row in db.execute("SELECT id FROM cdrs ORDER BY id")]


def test_copies_yesterdays_calls_only(cmb: CallMeBack, callmeback_sandbox: Sandbox, db: sqlite3.Connection) -> None:
    wanted = add_calls(callmeback_sandbox, yesterday(), 3)
    add_calls(callmeback_sandbox, yesterday() - datetime.timedelta(days=1), 2)  # the day before: not copied
    assert sync_day(cmb, db, yesterday()) == 3
    assert stored(db) == wanted


def test_rides_out_rate_limits_and_a_dropped_connection(
    cmb: CallMeBack, callmeback_sandbox: Sandbox, callmeback_waits: list[float], db: sqlite3.Connection
) -> None:
    wanted = add_calls(callmeback_sandbox, yesterday(), 1200)
    callmeback_sandbox.fault("listCdrs", status=429, headers={"Retry-After": "20"}, after=1)
    callmeback_sandbox.fault("listCdrs", drop="after_headers", after=2)
    assert sync_day(cmb, db, yesterday()) == 1200
    assert stored(db) == wanted
    assert callmeback_waits[0] == 20.0  # waited as the service asked, in no real time


def test_resumes_after_a_failure(cmb: CallMeBack, callmeback_sandbox: Sandbox, db: sqlite3.Connection) -> None:
    wanted = add_calls(callmeback_sandbox, yesterday(), 1200)
    callmeback_sandbox.fault("listCdrs", status=500, after=1)  # page 2 of the first run: not retried
    with pytest.raises(InternalServerError):
        sync_day(cmb, db, yesterday())
    assert stored(db) == wanted[:500]
    assert sync_day(cmb, db, yesterday()) == 700
    assert stored(db) == wanted
    second_run = [request.query for request in callmeback_sandbox.requests if request.operation == "listCdrs"][2]
    assert {"property": "id", "operator": "gt", "value": wanted[499]} in json.loads(second_run["filter"])


def test_a_connection_that_stays_down_raises(
    cmb: CallMeBack, callmeback_sandbox: Sandbox, db: sqlite3.Connection
) -> None:
    add_calls(callmeback_sandbox, yesterday(), 1)
    callmeback_sandbox.fault("listCdrs", drop="before_headers", times=None)
    with pytest.raises(APIConnectionError):
        sync_day(cmb, db, yesterday())


def test_the_command_against_the_served_sandbox(
    callmeback_server: Served, callmeback_sandbox: Sandbox, tmp_path: Path
) -> None:
    add_calls(callmeback_sandbox, yesterday(), 2)
    account = callmeback_sandbox.account
    env = {
        **os.environ,
        "VOIPSTUDIO_BASE_URL": callmeback_server.url,
        "VOIPSTUDIO_USER_ID": str(account.user_id),
        "VOIPSTUDIO_API_KEY": account.api_key,
    }
    command = [sys.executable, str(HERE / "cdr_sync.py"), str(tmp_path / "out.db")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, f"cdr_sync: 2 call records of {yesterday()} copied")
    callmeback_sandbox.fault("listCdrs", status=500)
    again = subprocess.run(
        [*command[:2], str(tmp_path / "other.db")], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert again.returncode == 1
    assert again.stderr.startswith("cdr_sync: stopped: GET /v1.1/voipstudio/callmeback/cdrs: 500")
