"""How the store reads pages cheaply, and stays right: each item's JSON kept by triggers, totals and
page boundaries remembered per version of the table, and forgotten on any write."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from voipstudio_callmeback_sandbox._store import ITEM_JSON, VERSIONS, quoted

from .support import CDRS, SETTINGS, Client, FakeClock, InProcessSandbox, body

LIMIT = 7


@pytest.fixture
def sandbox() -> Iterator[InProcessSandbox]:
    instance = InProcessSandbox(clock=FakeClock(), cdrs_per_account=60)
    yield instance
    instance.close()


def pages(client: Client, path: str, numbers: list[int], **order: str) -> dict[int, list[int]]:
    return {
        number: [item["id"] for item in body(client.get(path, {"limit": LIMIT, "page": number, **order}))["data"]]
        for number in numbers
    }


@pytest.mark.parametrize("order", [{}, {"dir": "DESC"}, {"sort": "id", "dir": "ASC"}, {"sort": "duration"}])
def test_pages_read_in_any_order_hold_the_same_items(sandbox: InProcessSandbox, order: dict[str, str]) -> None:
    """Pages read in order (each after the last id of the one before) equal pages read backwards (by offset)."""
    numbers = list(range(1, 60 // LIMIT + 2))
    forwards = pages(sandbox.client(), CDRS, numbers, **order)
    sandbox.store._boundaries.clear()
    backwards = pages(sandbox.client(), CDRS, numbers[::-1], **order)
    assert forwards == backwards
    flat = [item for number in numbers for item in forwards[number]]
    assert len(flat) == len(set(flat)) == 60


def test_a_write_between_pages_moves_the_next_page(sandbox: InProcessSandbox) -> None:
    """A delete after page 1 was read: page 2 is the second slice of the list as it is now, and the total drops."""
    client = sandbox.client()
    for index in range(3 * LIMIT):
        body(client.post(SETTINGS, {"name": f"paged {index}"}), 201)
    everything = [item["id"] for item in body(client.get(SETTINGS, {"limit": 100}))["data"]]
    first = pages(client, SETTINGS, [1])[1]
    assert first == everything[:LIMIT]
    assert client.delete(f"{SETTINGS}/{first[0]}").status_code == 204
    now = body(client.get(SETTINGS, {"limit": LIMIT, "page": 2}))
    assert [item["id"] for item in now["data"]] == everything[1:][LIMIT : 2 * LIMIT]
    assert now["total"] == len(everything) - 1


def test_a_create_and_an_update_are_seen_by_the_next_read(sandbox: InProcessSandbox) -> None:
    """Totals and items read once are read again after a write: the new item counts, the changed one shows."""
    client = sandbox.client()
    before = body(client.get(SETTINGS, {"limit": 100}))
    created = body(client.post(SETTINGS, {"name": "new"}), 201)["data"]
    after = body(client.get(SETTINGS, {"limit": 100}))
    assert after["total"] == before["total"] + 1
    assert created in after["data"]
    body(client.patch(f"{SETTINGS}/{created['id']}", {"name": "renamed"}))
    listed = {item["id"]: item for item in body(client.get(SETTINGS, {"limit": 100}))["data"]}
    assert listed[created["id"]]["name"] == "renamed"


def test_each_rows_json_is_what_its_columns_say(sandbox: InProcessSandbox) -> None:
    """The JSON kept for each row is json_object() of its columns now, after the seed, a create and an update,
    and after a write that bypasses the store (triggers, not the store's code, keep it)."""
    client = sandbox.client()
    created = body(client.post(SETTINGS, {"name": "kept"}), 201)["data"]
    body(client.patch(f"{SETTINGS}/{created['id']}", {"name": "kept again"}))
    db = sandbox.store._db
    table = sandbox.store.tables["settings"]
    db.execute(f"UPDATE {table.name} SET name = 'by hand' WHERE id = ?", (created["id"],))  # noqa: S608 - a test
    for found in sandbox.store.tables.values():
        rows = db.execute(f"SELECT {quoted(ITEM_JSON)}, {found.item_json} FROM {found.name}").fetchall()  # noqa: S608
        assert rows
        assert all(json.loads(kept) == json.loads(now) for kept, now in rows), found.name
    assert body(client.get(f"{SETTINGS}/{created['id']}"))["data"]["name"] == "by hand"


def test_every_write_raises_the_tables_version(sandbox: InProcessSandbox) -> None:
    client = sandbox.client()

    def version() -> Any:
        query = f"SELECT version FROM {quoted(VERSIONS)} WHERE name = 'r_settings'"  # noqa: S608 - a test
        return sandbox.store._db.execute(query).fetchone()[0]

    seen = [version()]
    created = body(client.post(SETTINGS, {"name": "versioned"}), 201)["data"]
    seen.append(version())
    body(client.patch(f"{SETTINGS}/{created['id']}", {"name": "v2"}))
    seen.append(version())
    assert client.delete(f"{SETTINGS}/{created['id']}").status_code == 204
    seen.append(version())
    assert seen == sorted(set(seen)), seen
