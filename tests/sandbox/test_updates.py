"""Creates and partial updates store what was sent and answer with the stored state."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import load_spec

from .support import BUTTONS, MAX_LIMIT, SETTINGS, Client, FakeClock, body

SEEDED_DDI_E164 = 442038077456  # the number the demo account's seeded settings call from
_SPEC = load_spec()
_UPDATE = _SPEC["components"]["schemas"]["SettingUpdate"]["properties"]
_ITEM = _SPEC["components"]["schemas"]["Setting"]["properties"]
# The fields a settings PATCH writes and a GET reads back as they were sent: every field of the update body
# that the items declare too, but references (button_id: test_button_id, and tests/sandbox/test_spec_driven.py).
CHANGE_FIELDS = [name for name in _UPDATE if name in _ITEM and not name.endswith("_id")]


def new_value(field: str, current: Any) -> Any:
    """A value the field's schema allows that differs from `current`."""
    schema = _UPDATE[field]
    kind = schema.get("type")
    if kind == "boolean":
        return not current
    if kind == "integer":
        low = schema.get("minimum", 0)
        return low if current != low else low + 1
    if kind == "number":
        return round((current or 0) + 0.05, 2) if current is not None else 0.2
    if schema.get("format") == "uri":
        return (
            "https://example.org/privacy?lang=en"
            if current != "https://example.org/privacy?lang=en"
            else "https://example.org/"
        )
    return f"{current or field} (changed)"


def read(client: Client, path: str) -> dict[str, Any]:
    found = body(client.get(path))
    assert isinstance(found["data"], dict)
    return found["data"]


def patched(client: Client, path: str, fields: dict[str, Any]) -> dict[str, Any]:
    found = body(client.patch(path, fields))
    assert isinstance(found["data"], dict)
    return found["data"]


class TestPartialUpdates:
    """PATCH changes exactly the fields sent and answers with what is then stored."""

    @pytest.mark.parametrize("field", CHANGE_FIELDS)
    def test_one_field(self, demo: Client, clock: FakeClock, field: str) -> None:
        """PATCH of one field changes it alone; the answer equals a GET made afterwards."""
        before = demo.create_setting(
            name="Original",
            position=7,
            floating_icon=True,
            culture=1,
            allowed_countries="GB",
            show_to_allowed_countries_only=False,
            welcome_screen_msg="Hello",
            privacy_policy_url="https://example.com/privacy",
            max_call_rate=0.15,
        )
        value = new_value(field, before[field])
        assert before[field] != value
        url = f"{SETTINGS}/{before['id']}"
        clock.advance(3600)
        answer = patched(demo, url, {field: value})
        assert answer == {**before, field: value}
        assert read(demo, url) == answer

    def test_button_id(self, demo: Client) -> None:
        """PATCH of button_id points the settings at another button and leaves the rest."""
        before = demo.create_setting()
        button = demo.create_button()
        url = f"{SETTINGS}/{before['id']}"
        answer = patched(demo, url, {"button_id": button["id"]})
        assert answer == {**before, "button_id": button["id"]}
        assert read(demo, url) == answer

    def test_several_fields(self, demo: Client) -> None:
        """PATCH of several fields changes those and no other."""
        before = demo.create_setting(name="Several", culture=2, position=3)
        url = f"{SETTINGS}/{before['id']}"
        changes = {"name": "Several, renamed", "position": 5, "max_call_rate": 0.05, "floating_icon": False}
        answer = patched(demo, url, changes)
        assert answer == {**before, **changes}
        assert read(demo, url) == answer

    def test_successive_patches_accumulate(self, demo: Client) -> None:
        """Each PATCH builds on the previous one; nothing is reset to a default."""
        before = demo.create_setting(name="Step 0", culture=3)
        url = f"{SETTINGS}/{before['id']}"
        expected = dict(before)
        for field in CHANGE_FIELDS:
            expected[field] = new_value(field, expected[field])
            assert patched(demo, url, {field: expected[field]}) == expected
        assert read(demo, url) == expected

    def test_same_value_again(self, demo: Client) -> None:
        """PATCH with the stored value is accepted and changes nothing."""
        before = demo.create_setting(name="Same")
        url = f"{SETTINGS}/{before['id']}"
        assert patched(demo, url, {"name": "Same"}) == before
        assert read(demo, url) == before

    def test_other_settings_untouched(self, demo: Client) -> None:
        """PATCH of one setting leaves every other setting of the account as it was."""
        target = demo.create_setting(name="Target")
        others = [item for item in body(demo.get(SETTINGS, {"limit": MAX_LIMIT}))["data"] if item["id"] != target["id"]]
        patched(demo, f"{SETTINGS}/{target['id']}", {"name": "Changed", "position": 1})
        after = [item for item in body(demo.get(SETTINGS, {"limit": MAX_LIMIT}))["data"] if item["id"] != target["id"]]
        assert after == others

    def test_seeded_setting(self, demo: Client) -> None:
        """A seeded setting takes a PATCH like a created one."""
        before = read(demo, f"{SETTINGS}/1")
        answer = patched(demo, f"{SETTINGS}/1", {"welcome_screen_msg": "Changed"})
        assert answer == {**before, "welcome_screen_msg": "Changed"}
        assert read(demo, f"{SETTINGS}/1") == answer

    @pytest.mark.parametrize(
        ("field", "value"),
        [("name", "Call us"), ("data_online", '{"color":"#000"}'), ("data_offline", "")],
    )
    def test_button_field(self, demo: Client, field: str, value: str) -> None:
        """PATCH of one button field changes it alone; the answer equals a GET made afterwards."""
        before = demo.create_button(
            name="Button", data_online='{"color":"#2e7d32"}', data_offline='{"color":"#9e9e9e"}'
        )
        url = f"{BUTTONS}/{before['id']}"
        answer = patched(demo, url, {field: value})
        assert answer == {**before, field: value}
        assert read(demo, url) == answer


class TestCreates:
    """POST stores the fields sent and answers with the stored resource."""

    def test_create_then_get(self, demo: Client) -> None:
        """The 201 answer equals a GET of the new id, holds the fields sent, and the list grows by one."""
        total = demo.total()
        fields = {field: new_value(field, None) for field in CHANGE_FIELDS}
        created = demo.create_setting(**fields)
        assert {field: created[field] for field in fields} == fields
        assert read(demo, f"{SETTINGS}/{created['id']}") == created
        assert demo.total() == total + 1

    def test_create_defaults(self, demo: Client) -> None:
        """Settings created with a name only come back with a value (or null) for every field."""
        created = demo.create_setting(name="Defaults")
        assert created["name"] == "Defaults"
        assert isinstance(created["id"], int)
        assert isinstance(created["created_at"], str)
        assert read(demo, f"{SETTINGS}/{created['id']}") == created

    def test_create_button_then_get(self, demo: Client) -> None:
        """A created button is read back unchanged."""
        created = demo.create_button(name="New", data_online="on", data_offline="off")
        assert (created["name"], created["data_online"], created["data_offline"]) == ("New", "on", "off")
        assert read(demo, f"{BUTTONS}/{created['id']}") == created

    def test_delete(self, demo: Client) -> None:
        """DELETE answers 204 with no body, the list shrinks by one and the id is gone."""
        created = demo.create_setting()
        total = demo.total()
        response = demo.delete(f"{SETTINGS}/{created['id']}")
        assert response.status_code == 204
        assert response.content == b""
        assert demo.total() == total - 1
        assert demo.get(f"{SETTINGS}/{created['id']}").status_code == 404


class TestDdiNumbers:
    """`ddi_e164` is written as a number and read back as the id of that number, in `ddi`."""

    def test_patch_ddi_e164(self, demo: Client) -> None:
        """PATCH with ddi_e164 answers with an integer ddi and no ddi_e164, and changes nothing else."""
        before = demo.create_setting()
        url = f"{SETTINGS}/{before['id']}"
        answer = patched(demo, url, {"ddi_e164": 442038077001})
        assert "ddi_e164" not in answer
        assert isinstance(answer["ddi"], int)
        assert answer == {**before, "ddi": answer["ddi"]}
        assert read(demo, url) == answer

    def test_create_with_ddi_e164(self, demo: Client) -> None:
        """POST with ddi_e164 answers with an integer ddi and no ddi_e164."""
        created = demo.create_setting(ddi_e164=442038077002)
        assert "ddi_e164" not in created
        assert isinstance(created["ddi"], int)
        assert read(demo, f"{SETTINGS}/{created['id']}") == created

    def test_same_number_same_id(self, demo: Client) -> None:
        """One number maps to one ddi id; another number to another id."""
        first = demo.create_setting(ddi_e164=442038077003)
        second = demo.create_setting(ddi_e164=442038077003)
        third = demo.create_setting(ddi_e164=442038077004)
        assert first["ddi"] == second["ddi"]
        assert third["ddi"] != first["ddi"]
        again = patched(demo, f"{SETTINGS}/{third['id']}", {"ddi_e164": 442038077003})
        assert again["ddi"] == first["ddi"]

    def test_seeded_number(self, demo: Client) -> None:
        """The number of the seeded settings maps to the ddi id they already show."""
        seeded = read(demo, f"{SETTINGS}/1")
        created = demo.create_setting(ddi_e164=SEEDED_DDI_E164)
        assert created["ddi"] == seeded["ddi"]

    def test_largest_number(self, demo: Client) -> None:
        """A 15-digit number, the largest E.164 allows, is accepted."""
        created = demo.create_setting(ddi_e164=_UPDATE["ddi_e164"]["maximum"])
        assert isinstance(created["ddi"], int)
