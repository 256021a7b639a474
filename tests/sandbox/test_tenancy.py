"""Each account sees and changes only its own resources."""

from __future__ import annotations

from typing import Any

import pytest

from .support import (
    BUTTONS,
    COLLECTIONS,
    MAX_LIMIT,
    SECOND_ACCOUNT,
    SETTINGS,
    Client,
    InProcessSandbox,
    api_key_auth,
    body,
    error,
)

ACCESS_DENIED = {"message": "Access denied"}
NOT_FOUND = {"message": "Resource not found"}


def all_ids(client: Client, path: str) -> set[int]:
    """The ids of every item of a collection (they all fit on one page)."""
    found = body(client.get(path, {"limit": MAX_LIMIT}))
    ids = {item["id"] for item in found["data"]}
    assert len(ids) == found["total"], "the collection does not fit on one page"
    return ids


def stored(client: Client, path: str) -> dict[str, Any]:
    found = body(client.get(path))["data"]
    assert isinstance(found, dict)
    return found


def seeded_ids(client: Client) -> dict[str, set[int]]:
    """The ids of an account's seeded settings and of the buttons they show."""
    settings = body(client.get(SETTINGS, {"limit": MAX_LIMIT}))["data"]
    return {SETTINGS: {item["id"] for item in settings}, BUTTONS: {item["button_id"] for item in settings}}


@pytest.fixture
def other(sandbox: InProcessSandbox) -> Client:
    """The second account, authenticated with its API key."""
    return sandbox.client(api_key_auth(SECOND_ACCOUNT))


@pytest.fixture
def other_by_token(sandbox: InProcessSandbox) -> Client:
    """The second account, authenticated with a session token."""
    return sandbox.client(None, headers={"X-Auth-Token": sandbox.login(SECOND_ACCOUNT)})


class TestTenancy:
    """Another account's settings and buttons are out of reach; missing ones are not found."""

    @pytest.mark.parametrize("path", [SETTINGS, BUTTONS])
    @pytest.mark.parametrize("credentials", ["api key", "session token"])
    def test_other_account_is_denied(
        self, demo: Client, other: Client, other_by_token: Client, path: str, credentials: str
    ) -> None:
        """GET, PATCH and DELETE of another account's resource answer 403 "Access denied"."""
        intruder = other if credentials == "api key" else other_by_token
        item = demo.create_setting() if path == SETTINGS else demo.create_button()
        url = f"{path}/{item['id']}"
        assert error(intruder.get(url), 403) == ACCESS_DENIED
        assert error(intruder.patch(url, {"name": "Taken over"}), 403) == ACCESS_DENIED
        assert error(intruder.delete(url), 403) == ACCESS_DENIED

    @pytest.mark.parametrize("path", [SETTINGS, BUTTONS])
    def test_resource_unchanged_after_denied_writes(self, demo: Client, other: Client, path: str) -> None:
        """After another account's refused PATCH and DELETE the resource is still there, unchanged."""
        item = demo.create_setting() if path == SETTINGS else demo.create_button()
        url = f"{path}/{item['id']}"
        error(other.patch(url, {"name": "Taken over"}), 403)
        error(other.delete(url), 403)
        assert stored(demo, url) == item

    def test_seeded_resources_are_denied_too(self, demo: Client, other: Client) -> None:
        """The seeded settings and buttons of each account are refused to the other."""
        for owner, intruder in ((demo, other), (other, demo)):
            for path, item_ids in seeded_ids(owner).items():
                assert item_ids
                for item_id in item_ids:
                    assert error(intruder.get(f"{path}/{item_id}"), 403) == ACCESS_DENIED
                    assert stored(owner, f"{path}/{item_id}")["id"] == item_id

    @pytest.mark.parametrize("path", [SETTINGS, BUTTONS])
    def test_missing_resource_is_not_found(self, demo: Client, other: Client, path: str) -> None:
        """GET, PATCH and DELETE of an id nobody has answer 404 "Resource not found", for every account."""
        item = demo.create_setting() if path == SETTINGS else demo.create_button()
        missing = item["id"] + 1000
        for client in (demo, other):
            url = f"{path}/{missing}"
            assert error(client.get(url), 404) == NOT_FOUND
            assert error(client.patch(url, {"name": "Nobody's"}), 404) == NOT_FOUND
            assert error(client.delete(url), 404) == NOT_FOUND

    @pytest.mark.parametrize("path", [SETTINGS, BUTTONS])
    def test_deleted_resource_is_not_found(self, demo: Client, other: Client, path: str) -> None:
        """Once its owner deletes a resource, it is not found, for the owner and for anyone else."""
        item = demo.create_setting() if path == SETTINGS else demo.create_button()
        url = f"{path}/{item['id']}"
        assert demo.delete(url).status_code == 204
        assert error(demo.get(url), 404) == NOT_FOUND
        assert error(other.get(url), 404) == NOT_FOUND

    @pytest.mark.parametrize("path", COLLECTIONS)
    def test_lists_hold_only_own_items(self, demo: Client, other: Client, path: str) -> None:
        """Each account's collections hold none of the other account's ids."""
        if path == SETTINGS:
            demo.create_setting(name="Demo's own")
            other.create_setting(name="Other's own")
        mine, theirs = all_ids(demo, path), all_ids(other, path)
        assert mine
        assert theirs
        assert not mine & theirs

    def test_filter_cannot_reach_other_account(self, demo: Client, other: Client) -> None:
        """Filtering on another account's setting id finds nothing."""
        item = demo.create_setting()
        condition = f'[{{"property":"id","operator":"eq","value":{item["id"]}}}]'
        assert body(other.get(SETTINGS, {"filter": condition})) == {"data": [], "total": 0}
        assert body(demo.get(SETTINGS, {"filter": condition}))["total"] == 1

    def test_cdrs_belong_to_the_caller(self, demo: Client, other: Client) -> None:
        """Every call record listed to an account carries that account's user id."""
        for client, user_id in ((demo, 123456), (other, SECOND_ACCOUNT.user_id)):
            records = body(client.get("/callmeback/cdrs", {"limit": MAX_LIMIT}))["data"]
            assert records
            assert {record["user_id"] for record in records} == {user_id}

    def test_creates_do_not_change_other_lists(self, demo: Client, other: Client) -> None:
        """Creating settings in one account leaves the other account's total as it was."""
        before = other.total()
        created = demo.create_setting()
        assert other.total() == before
        assert created["id"] not in all_ids(other, SETTINGS)
