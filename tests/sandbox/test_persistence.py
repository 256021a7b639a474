"""The command line keeps its data in the database file across a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT

from .support import BUTTONS, CDRS, SETTINGS, VISITORS, WEBSITES, body, run_cli

CDRS_PER_ACCOUNT = 120
COUNTED = (SETTINGS, WEBSITES, VISITORS, CDRS)


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
