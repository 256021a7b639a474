"""The command line keeps its data in the database file across a restart."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, running_sandbox

from .support import BUTTONS, CDRS, COLLECTIONS, SETTINGS, body, run_cli

CDRS_PER_ACCOUNT = 120
WRITERS = 8
COUNTED = COLLECTIONS


def totals(client: httpx.Client) -> dict[str, int]:
    """The total of every collection."""
    return {path: body(client.get(path, params={"limit": 1}))["total"] for path in COUNTED}


def read(client: httpx.Client, path: str) -> dict[str, Any]:
    found = body(client.get(path))["data"]
    assert isinstance(found, dict)
    return found


def create(client: httpx.Client, path: str, fields: dict[str, Any]) -> dict[str, Any]:
    found = body(client.post(path, json=fields), 201)["data"]
    assert isinstance(found, dict)
    return found


class TestRestart:
    """Stopping the server and starting it again on the same file loses and duplicates nothing."""

    def test_data_survives_restart(self, tmp_path: Path) -> None:
        """A created setting and button are there after a restart, same ids and fields; the seed is not re-run."""
        db = tmp_path / "x.db"
        args = ("--db", str(db), "--cdrs", str(CDRS_PER_ACCOUNT))
        auth = httpx.BasicAuth(str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)
        with run_cli(tmp_path, *args) as server, httpx.Client(base_url=server.url, auth=auth) as client:
            seeded = totals(client)
            assert seeded[CDRS] == CDRS_PER_ACCOUNT
            setting = create(client, SETTINGS, {"name": "Kept", "position": 2, "ddi_e164": 442038077001})
            button = create(client, BUTTONS, {"name": "Kept button", "data_online": "on"})
            changed = body(client.patch(f"{SETTINGS}/1", json={"welcome_screen_msg": "Changed before restart"}))
            deleted = create(client, SETTINGS, {"name": "Deleted"})
            assert client.delete(f"{SETTINGS}/{deleted['id']}").status_code == 204
            before = totals(client)
            assert before == {**seeded, SETTINGS: seeded[SETTINGS] + 1}
            token = body(
                client.post("/login", json={"email": DEMO_ACCOUNT.email, "password": DEMO_ACCOUNT.password}),
            )["user_token"]
        assert "Traceback" not in server.stderr()
        assert server.process.poll() is not None, "the first server should have stopped"
        assert db.is_file()

        with run_cli(tmp_path, *args) as server, httpx.Client(base_url=server.url, auth=auth) as client:
            assert totals(client) == before
            assert read(client, f"{SETTINGS}/{setting['id']}") == setting
            assert read(client, f"{BUTTONS}/{button['id']}") == button
            assert read(client, f"{SETTINGS}/1") == changed["data"]
            assert client.get(f"{SETTINGS}/{deleted['id']}").status_code == 404
            after_restart = create(client, SETTINGS, {"name": "After restart"})
            assert after_restart["id"] > max(setting["id"], deleted["id"]), "ids must not be reused"
            with httpx.Client(base_url=server.url, headers={"X-Auth-Token": token}) as by_token:
                assert body(by_token.get(SETTINGS))["total"] == before[SETTINGS] + 1
        assert "Traceback" not in server.stderr()

    def test_changed_cdrs_option_does_not_reseed(self, tmp_path: Path) -> None:
        """Restarting an existing database with another --cdrs value keeps the records it has."""
        db = tmp_path / "y.db"
        auth = httpx.BasicAuth(str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)
        with (
            run_cli(tmp_path, "--db", str(db), "--cdrs", "30") as server,
            httpx.Client(base_url=server.url, auth=auth) as client,
        ):
            first = totals(client)
        with (
            run_cli(tmp_path, "--db", str(db), "--cdrs", "60") as server,
            httpx.Client(base_url=server.url, auth=auth) as client,
        ):
            assert totals(client) == first
        assert first[CDRS] == 30


class TestKilled:
    """SIGKILL in the middle of concurrent writes: every write that was answered is there, the file is intact."""

    def test_acknowledged_writes_survive_sigkill(self, tmp_path: Path) -> None:
        db = tmp_path / "killed.db"
        options = ("--db", str(db), "--cdrs", "10", "--quiet")
        acknowledged: list[int] = []
        lock = threading.Lock()
        stop = threading.Event()

        def writer(url: str, number: int) -> None:
            auth = httpx.BasicAuth(str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)
            with httpx.Client(base_url=url, auth=auth, timeout=10) as client:
                for index in range(10_000):
                    if stop.is_set():
                        return
                    try:
                        response = client.post(SETTINGS, json={"name": f"w{number}-{index}"})
                    except httpx.TransportError:
                        return  # the server is gone: this write was never answered
                    if response.status_code == 201:
                        with lock:
                            acknowledged.append(response.json()["data"]["id"])

        with (tmp_path / "stderr").open("w") as stderr, running_sandbox(*options, stderr=stderr) as sandbox:
            threads = [threading.Thread(target=writer, args=(sandbox.url, number)) for number in range(WRITERS)]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 30
            while len(acknowledged) < 200 and time.monotonic() < deadline:
                time.sleep(0.01)
            sandbox.process.kill()  # SIGKILL: no chance to tidy up
            sandbox.process.wait()
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        assert len(acknowledged) >= 200
        assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)
        with run_cli(tmp_path, *options) as server:
            auth = httpx.BasicAuth(str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)
            with httpx.Client(base_url=server.url, auth=auth, timeout=30) as client:
                stored = [item["id"] for item in body(client.get(SETTINGS, params={"limit": 5000}))["data"]]
        missing = sorted(set(acknowledged) - set(stored))
        assert not missing, f"{len(missing)} acknowledged writes were lost"
        assert len(stored) == len(set(stored))
