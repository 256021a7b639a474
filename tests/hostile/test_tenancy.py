"""Tenancy holds through the open sort and filter names: whatever name the visitors' `sort` and `filter` are
given (the columns the store keeps to itself, SQLite's row aliases, the sandbox's own tables' columns),
nothing of another account is ever listed. Each such name is refused with 400 (no visitor has it), and the
names a visitor has (id and the fields the spec declares) list the caller's own items only. The names are
read from the store's schema and the spec, not written here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from hostile.corpus import OPEN_SORTED
from sandbox.support import MAX_LIMIT, SECOND_ACCOUNT, Client, FakeClock, InProcessSandbox, api_key_auth

# SQLite's names of a table's row id, besides a declared INTEGER PRIMARY KEY.
ROW_ID_ALIASES = ("rowid", "oid", "_rowid_")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[InProcessSandbox]:
    instance = InProcessSandbox(clock=FakeClock())
    yield instance
    instance.close()


def internal_names(sandbox: InProcessSandbox, path: str) -> list[str]:
    """Every column name of the store's database that is no field of this collection's items (the owner,
    each row's JSON, the accounts' and sessions' columns, other collections' fields), and SQLite's row id
    aliases."""
    copy = sandbox.store.snapshot()
    try:
        tables = [row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        columns = {
            row[0] for table in tables for row in copy.execute("SELECT name FROM pragma_table_info(?)", (table,))
        }
    finally:
        copy.close()
    resource = sandbox.store.model.resources[path.rsplit("/", 1)[-1]]
    declared = {found.name for found in resource.fields}
    return sorted(columns - declared - {"id"}) + list(ROW_ID_ALIASES)


def held_names(sandbox: InProcessSandbox, path: str) -> list[str]:
    """The names a collection's items have: id and the fields the spec declares."""
    resource = sandbox.store.model.resources[path.rsplit("/", 1)[-1]]
    return ["id", *(found.name for found in resource.fields)]


def refused(client: Client, path: str, field: str, **query: Any) -> None:
    """The list is refused with 400 and the API's error body naming `field`: nothing is listed."""
    response = client.get(path, {"limit": MAX_LIMIT, **query})
    assert response.status_code == 400, (query, response.text[:300])
    found = response.json()
    assert isinstance(found["message"], str)
    assert "data" not in found
    assert [entry["field"] for entry in found["errors"]] == [field], found


def listed(client: Client, path: str, **query: Any) -> tuple[int, set[int]]:
    response = client.get(path, {"limit": MAX_LIMIT, **query})
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        assert response.status_code == 400, response.text
        assert isinstance(response.json()["message"], str)
        return 400, set()
    return 200, {item["id"] for item in response.json()["data"]}


@pytest.fixture(scope="module")
def accounts(sandbox: InProcessSandbox) -> tuple[Client, set[int], set[int]]:
    """The demo account's client, its visitors' ids and the second account's (which both hold)."""
    demo, other = sandbox.client(), sandbox.client(api_key_auth(SECOND_ACCOUNT))
    mine = {path: listed(demo, path)[1] for path in OPEN_SORTED}
    theirs = {path: listed(other, path)[1] for path in OPEN_SORTED}
    for path in OPEN_SORTED:
        assert mine[path], path
        assert theirs[path], path
        assert not mine[path] & theirs[path]
    return demo, set().union(*mine.values()), set().union(*theirs.values())


def test_the_internal_names_are_found(sandbox: InProcessSandbox) -> None:
    """The store's schema gives the owner column, each row's JSON and the credentials' columns."""
    assert OPEN_SORTED, "the spec has no collection with an open sort: nothing to test"
    for path in OPEN_SORTED:
        names = internal_names(sandbox, path)
        for expected in ("account_id", "item:json", "email", "password", "api_key", "token", *ROW_ID_ALIASES):
            assert expected in names


@pytest.mark.parametrize("path", OPEN_SORTED)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_sort_by_internal_names(
    sandbox: InProcessSandbox, accounts: tuple[Client, set[int], set[int]], path: str, direction: str
) -> None:
    """Sorting by any internal name is refused with 400 naming `sort`; by each name the items have, it lists
    the caller's own items only, all of them."""
    demo, _mine, theirs = accounts
    own = listed(demo, path)[1]
    for name in internal_names(sandbox, path):
        refused(demo, path, "sort", sort=name, dir=direction)
    for name in held_names(sandbox, path):
        status, found = listed(demo, path, sort=name, dir=direction)
        assert status == 200, name
        assert found == own, name
        assert not found & theirs, name


def filters(names: list[str]) -> Iterator[list[dict[str, Any]]]:
    """Conditions on these names that would match another account's rows if they reached them."""
    other = SECOND_ACCOUNT.user_id
    for name in names:
        for operator, value in (("eq", other), ("gt", 0), ("lt", 2**62), ("gte", other), ("like", "%"), ("eq", "%")):
            yield [{"property": name, "operator": operator, "value": value}]


def stranger_filters() -> Iterator[list[dict[str, Any]]]:
    """The owner and row id together, and beside a condition on id, as a stranger would try them."""
    other = SECOND_ACCOUNT.user_id
    owner = {"property": "account_id", "operator": "eq", "value": other}
    yield [owner, {"property": "rowid", "operator": "gt", "value": 0}]
    yield [{"property": "id", "operator": "gt", "value": 0}, owner]


@pytest.mark.parametrize("path", OPEN_SORTED)
def test_filter_on_internal_names(
    sandbox: InProcessSandbox, accounts: tuple[Client, set[int], set[int]], path: str
) -> None:
    """Filters on the owner, the row id and every other internal name are refused with 400 naming `filter`;
    the same conditions on each name the items have find nothing of another account."""
    demo, mine, theirs = accounts
    for conditions in [*filters(internal_names(sandbox, path)), *stranger_filters()]:
        refused(demo, path, "filter", filter=json.dumps(conditions))
    served = 0
    for conditions in filters(held_names(sandbox, path)):
        status, found = listed(demo, path, filter=json.dumps(conditions))
        assert status == 200, conditions
        assert found <= mine, conditions
        assert not found & theirs, conditions
        served += bool(found)
    assert served, "no filter on a name the items have found anything: the test proves nothing"


@pytest.mark.parametrize("path", OPEN_SORTED)
def test_filter_on_the_other_accounts_ids(accounts: tuple[Client, set[int], set[int]], path: str) -> None:
    """Filtering on the other account's item ids, one by one and by range, finds none of them."""
    demo, _mine, theirs = accounts
    for item_id in sorted(theirs)[:5]:
        for operator in ("eq", "gte", "lte"):
            conditions = [{"property": "id", "operator": operator, "value": item_id}]
            assert not listed(demo, path, filter=json.dumps(conditions))[1] & theirs
