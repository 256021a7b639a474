"""Concurrent writers over loopback against the real server: no write is lost or duplicated."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, Account

from .support import MAX_LIMIT, SECOND_ACCOUNT, SETTINGS, RunningServer, body, run_cli

THREADS = 8
CREATES_PER_THREAD = 100


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The command line on a file database, with the second account from an accounts file."""
    directory = tmp_path_factory.mktemp("concurrency")
    accounts = directory / "accounts.json"
    entry = {
        "user_id": SECOND_ACCOUNT.user_id,
        "email": SECOND_ACCOUNT.email,
        "password": SECOND_ACCOUNT.password,
        "api_key": SECOND_ACCOUNT.api_key,
    }
    accounts.write_text(json.dumps({"accounts": [entry]}), encoding="utf-8")
    args = ("--db", str(directory / "concurrency.db"), "--accounts", str(accounts), "--cdrs", "20")
    with run_cli(directory, *args) as running:
        yield running
    assert "Traceback" not in running.stderr()


def client_for(server: RunningServer, account: Account) -> httpx.Client:
    return httpx.Client(base_url=server.url, auth=httpx.BasicAuth(str(account.user_id), account.api_key), timeout=30.0)


def settings_named(client: httpx.Client, prefix: str) -> dict[str, Any]:
    condition = [{"property": "name", "operator": "like", "value": f"{prefix}%"}]
    found = body(client.get(SETTINGS, params={"filter": json.dumps(condition), "limit": MAX_LIMIT}))
    assert isinstance(found, dict)
    return found


def create_many(
    server: RunningServer, account: Account, prefix: str, count: int, start: threading.Barrier
) -> list[int]:
    """Create `count` settings named prefix-0, prefix-1, ...; return their ids."""
    ids: list[int] = []
    with client_for(server, account) as client:
        start.wait()
        for number in range(count):
            response = client.post(SETTINGS, json={"name": f"{prefix}-{number}", "culture": number})
            ids.append(body(response, 201)["data"]["id"])
    return ids


class TestConcurrentWriters:
    """Settings created from many threads at once are all stored, once each."""

    def test_parallel_creates(self, server: RunningServer) -> None:
        """8 threads x 100 creates: the total grows by exactly 800, ids are unique and every one is stored."""
        with client_for(server, DEMO_ACCOUNT) as client:
            before = body(client.get(SETTINGS, params={"limit": 1}))["total"]
            start = threading.Barrier(THREADS)
            with ThreadPoolExecutor(THREADS) as pool:
                futures = [
                    pool.submit(create_many, server, DEMO_ACCOUNT, f"parallel-{thread}", CREATES_PER_THREAD, start)
                    for thread in range(THREADS)
                ]
                results = [future.result(timeout=60) for future in futures]
            created = [item_id for ids in results for item_id in ids]
            assert len(created) == len(set(created)) == THREADS * CREATES_PER_THREAD
            assert body(client.get(SETTINGS, params={"limit": 1}))["total"] == before + THREADS * CREATES_PER_THREAD
            stored = settings_named(client, "parallel-")
            assert stored["total"] == THREADS * CREATES_PER_THREAD
            by_id = {item["id"]: item for item in stored["data"]}
            assert set(by_id) == set(created)
            for thread, ids in enumerate(results):
                for number, item_id in enumerate(ids):
                    assert by_id[item_id]["name"] == f"parallel-{thread}-{number}"
                    assert by_id[item_id]["culture"] == number

    def test_parallel_creates_of_two_accounts(self, server: RunningServer) -> None:
        """Two accounts creating at once each gain exactly their own settings, and none of the other's."""
        accounts = (DEMO_ACCOUNT, SECOND_ACCOUNT)
        per_thread, threads_per_account = 25, 4
        clients = [client_for(server, account) for account in accounts]
        try:
            before = [body(client.get(SETTINGS, params={"limit": 1}))["total"] for client in clients]
            start = threading.Barrier(threads_per_account * len(accounts))
            with ThreadPoolExecutor(threads_per_account * len(accounts)) as pool:
                futures = {
                    (index, thread): pool.submit(
                        create_many, server, account, f"mixed-{index}-{thread}", per_thread, start
                    )
                    for index, account in enumerate(accounts)
                    for thread in range(threads_per_account)
                }
                results = {key: future.result(timeout=60) for key, future in futures.items()}
            for index, client in enumerate(clients):
                mine = {item_id for (owner, _), ids in results.items() if owner == index for item_id in ids}
                assert len(mine) == per_thread * threads_per_account
                after = body(client.get(SETTINGS, params={"limit": MAX_LIMIT}))
                assert after["total"] == before[index] + len(mine)
                listed = {item["id"] for item in after["data"]}
                assert mine <= listed
                theirs = {item_id for (owner, _), ids in results.items() if owner != index for item_id in ids}
                assert not theirs & listed
        finally:
            for client in clients:
                client.close()
