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


def test_a_restore_does_not_bring_back_an_old_count(sandbox: InProcessSandbox) -> None:
    """A snapshot, a delete, a read, the restore, a create: the totals are those of the table as it is
    now, not those read at the same version number before the restore."""
    client = sandbox.client()
    for index in range(2):
        body(client.post(SETTINGS, {"name": f"kept {index}"}), 201)
    start = body(client.get(SETTINGS, {"limit": 100}))
    snapshot = sandbox.store.snapshot()
    assert client.delete(f"{SETTINGS}/{start['data'][0]['id']}").status_code == 204
    assert body(client.get(SETTINGS, {"limit": 100}))["total"] == start["total"] - 1
    sandbox.store.restore(snapshot)
    body(client.post(SETTINGS, {"name": "after the restore"}), 201)
    now = body(client.get(SETTINGS, {"limit": 100}))
    assert now["total"] == len(now["data"]) == start["total"] + 1


def test_equal_numbers_of_other_types_are_other_queries(sandbox: InProcessSandbox) -> None:
    """Against a text field, 1 and 1.0 are different conditions to SQLite ('1' and '1.0'); a total read
    for one is not the other's."""
    client = sandbox.client()
    for name in ("1", "1", "1.0"):
        body(client.post(SETTINGS, {"name": name}), 201)

    def total(value: Any) -> int:
        condition = json.dumps([{"property": "name", "operator": "eq", "value": value}])
        found = body(client.get(SETTINGS, {"limit": 1, "filter": condition}))
        return int(found["total"])

    assert (total(1), total(1.0), total(1)) == (2, 1, 2)


def test_a_write_to_the_owner_or_the_id_is_seen(sandbox: InProcessSandbox) -> None:
    """Writes the API never makes, by hand: a row moved to another account leaves its count, and a row
    given another id is listed under it."""
    client = sandbox.client()
    created = body(client.post(SETTINGS, {"name": "moved"}), 201)["data"]
    before = body(client.get(SETTINGS, {"limit": 100}))
    table = sandbox.store.tables["settings"]
    db = sandbox.store._db
    db.execute(f"UPDATE {table.name} SET id = ? WHERE id = ?", (created["id"] + 1000, created["id"]))  # noqa: S608
    listed = [item["id"] for item in body(client.get(SETTINGS, {"limit": 100}))["data"]]
    assert created["id"] + 1000 in listed
    assert created["id"] not in listed
    db.execute(f"UPDATE {table.name} SET account_id = -1 WHERE id = ?", (created["id"] + 1000,))  # noqa: S608
    assert body(client.get(SETTINGS, {"limit": 100}))["total"] == before["total"] - 1
