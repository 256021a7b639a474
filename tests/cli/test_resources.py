"""The commands on settings, buttons, websites, visitors and call records, against a real sandbox:
tables, --json (compared with what the Python client reads), paging, sorting, filters, exit statuses."""

from __future__ import annotations

import json
import re
import socket
from typing import Any

import pytest
from voipstudio_callmeback import Filter, NotFoundError, Page
from voipstudio_callmeback_client.operations import OPERATIONS

from sandbox.support import SECOND_ACCOUNT, RunningServer

from .conftest import SANDBOX_CDRS, Cli, address, client, fields, plain, table

MISSING_ID = 999_999_999


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def item_schema(operation_id: str) -> dict[str, Any]:
    """The JSON schema of the items a list operation pages through, as the operation table holds it."""
    schema = OPERATIONS[operation_id].response_schema
    assert schema is not None
    return dict(schema["properties"]["data"]["items"])


def first_page(paginator: Any) -> Page[Any]:
    page = next(iter(paginator.pages()))
    assert isinstance(page, Page)
    return page


def dicts(items: list[Any]) -> list[dict[str, Any]]:
    return [item.to_dict() for item in items]


def all_cdrs(server: RunningServer) -> list[dict[str, Any]]:
    """Every call record of the demo account, by id, through the Python client."""
    with client(server) as python:
        return dicts(list(python.cdrs.list(limit=5000)))


# --- settings ----------------------------------------------------------------------------------


def test_settings_list_json_is_what_the_service_holds(cli: Cli, cli_sandbox: RunningServer) -> None:
    found = cli.invoke("--sandbox", cli_sandbox.url, "settings", "list", "--json")
    assert found.exit_code == 0, found.stderr
    with client(cli_sandbox) as python:
        page = first_page(python.settings.list(limit=50))
    assert found.json() == {"data": dicts(page.items), "total": page.total, "page": 1, "limit": 50}
    assert page.total >= 2


def test_settings_list_table(cli: Cli, cli_sandbox: RunningServer) -> None:
    found = cli.invoke("--sandbox", cli_sandbox.url, "settings", "list")
    assert found.exit_code == 0, found.stderr
    rows = table(found.stdout)
    with client(cli_sandbox) as python:
        page = first_page(python.settings.list(limit=50))
    assert list(rows[0]) == ["id", "name", "button_id", "position", "culture", "floating_icon", "ddi"]
    expected = [
        {name: plain(item.to_dict().get(name)) for name in rows[0]}
        for item in page.items  # every column, the ddi included, shows the stored value
    ]
    assert rows == expected
    assert any(row["ddi"] for row in rows), rows  # the sample settings have one
    assert f"1 to {page.total} of {page.total} (page 1 of 1" in found.stderr


def test_settings_create_get_update_delete(cli: Cli, cli_sandbox: RunningServer) -> None:
    url = cli_sandbox.url
    with client(cli_sandbox) as python:
        button_id = first_page(python.settings.list(limit=1)).items[0].to_dict()["button_id"]
        created = cli.invoke(
            "--sandbox", url, "settings", "create", "--name", "Checkout widget", "--button-id", str(button_id),
            "--position", "2", "--culture", "1", "--allowed-countries", "GB,FR",
            "--welcome-screen-msg", "Hello", "--privacy-policy-url", "https://shop.example.com/privacy",
            "--ddi-e164", "442038077999", "--max-call-rate", "0.25",
            "--no-floating-icon", "--show-to-allowed-countries-only", "--json",
        )  # fmt: skip
        assert created.exit_code == 0, created.stderr
        data = created.json()
        setting_id = data["id"]
        assert python.settings.get(setting_id).to_dict() == data
        assert data["name"] == "Checkout widget"
        assert data["button_id"] == button_id
        assert (data["position"], data["culture"], data["max_call_rate"]) == (2, 1, 0.25)
        assert (data["floating_icon"], data["show_to_allowed_countries_only"]) == (False, True)
        assert data["allowed_countries"] == "GB,FR"

        shown = cli.invoke("--sandbox", url, "settings", "get", str(setting_id))
        assert shown.exit_code == 0, shown.stderr
        assert fields(shown.stdout) == {name: plain(value) for name, value in data.items()}

        as_json = cli.invoke("--sandbox", url, "settings", "get", str(setting_id), "--json")
        assert as_json.exit_code == 0, as_json.stderr
        assert as_json.json() == data

        updated = cli.invoke(
            "--sandbox", url, "settings", "update", str(setting_id), "--name", "Basket widget", "--position", "5",
            "--floating-icon", "--json",
        )  # fmt: skip
        assert updated.exit_code == 0, updated.stderr
        after = python.settings.get(setting_id).to_dict()
        assert updated.json() == after
        assert (after["name"], after["position"], after["floating_icon"]) == ("Basket widget", 5, True)
        assert after["culture"] == 1  # untouched

        table_update = cli.invoke("--sandbox", url, "settings", "update", str(setting_id), "--culture", "2")
        assert table_update.exit_code == 0, table_update.stderr
        assert fields(table_update.stdout)["culture"] == "2"
        assert python.settings.get(setting_id).to_dict()["culture"] == 2

        deleted = cli.invoke("--sandbox", url, "settings", "delete", str(setting_id))
        assert deleted.exit_code == 0, deleted.stderr
        assert f"Deleted setting {setting_id}" in deleted.stderr
        with pytest.raises(NotFoundError):
            python.settings.get(setting_id)

    gone = cli.invoke("--sandbox", url, "settings", "get", str(setting_id))
    assert gone.exit_code == 1
    assert "404" in gone.stderr
    assert gone.stdout == ""
    again = cli.invoke("--sandbox", url, "settings", "delete", str(setting_id))
    assert again.exit_code == 1
    assert "404" in again.stderr


def test_text_is_shown_as_written_not_as_markup(cli: Cli, cli_sandbox: RunningServer) -> None:
    """Square brackets and :codes: in the service's data are text, not console markup or emoji."""
    name = "[bold]VIP[/bold] widget :thumbs_up: [x]"
    created = cli.invoke("--sandbox", cli_sandbox.url, "settings", "create", "--name", name, "--json")
    assert created.exit_code == 0, created.stderr
    setting_id = created.json()["id"]
    try:
        shown = cli.invoke("--sandbox", cli_sandbox.url, "settings", "get", str(setting_id))
        assert fields(shown.stdout)["name"] == name
        listed = cli.invoke("--sandbox", cli_sandbox.url, "settings", "list", "--filter", f"id = {setting_id}")
        assert [row["name"] for row in table(listed.stdout)] == [name]
    finally:
        with client(cli_sandbox) as python:
            python.settings.delete(setting_id)


# --- buttons -----------------------------------------------------------------------------------


def test_buttons_create_get_update_delete(cli: Cli, cli_sandbox: RunningServer) -> None:
    url = cli_sandbox.url
    created = cli.invoke(
        "--sandbox", url, "buttons", "create", "--name", "Call us", "--data-online", "<b>We are here</b>",
        "--data-offline", "Back at nine", "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    data = created.json()
    button_id = data["id"]
    with client(cli_sandbox) as python:
        assert python.buttons.get(button_id).to_dict() == data
        assert (data["name"], data["data_online"], data["data_offline"]) == (
            "Call us",
            "<b>We are here</b>",
            "Back at nine",
        )

        shown = cli.invoke("--sandbox", url, "buttons", "get", str(button_id))
        assert shown.exit_code == 0, shown.stderr
        assert fields(shown.stdout) == {name: plain(value) for name, value in data.items()}

        as_json = cli.invoke("--sandbox", url, "buttons", "get", str(button_id), "--json")
        assert as_json.json() == data

        updated = cli.invoke("--sandbox", url, "buttons", "update", str(button_id), "--data-online", "Online", "--json")
        assert updated.exit_code == 0, updated.stderr
        after = python.buttons.get(button_id).to_dict()
        assert updated.json() == after
        assert (after["name"], after["data_online"]) == ("Call us", "Online")

        renamed = cli.invoke("--sandbox", url, "buttons", "update", str(button_id), "--name", "Ring me")
        assert renamed.exit_code == 0, renamed.stderr
        assert fields(renamed.stdout)["name"] == "Ring me"

        nothing = cli.invoke("--sandbox", url, "buttons", "update", str(button_id))
        assert nothing.exit_code == 2
        assert "give at least one field" in nothing.stderr

        deleted = cli.invoke("--sandbox", url, "buttons", "delete", str(button_id))
        assert deleted.exit_code == 0, deleted.stderr
        assert f"Deleted button {button_id}" in deleted.stderr
        with pytest.raises(NotFoundError):
            python.buttons.get(button_id)

    gone = cli.invoke("--sandbox", url, "buttons", "get", str(button_id))
    assert gone.exit_code == 1
    assert "404" in gone.stderr


def test_buttons_create_needs_a_name(cli: Cli, cli_sandbox: RunningServer) -> None:
    found = cli.invoke("--sandbox", cli_sandbox.url, "buttons", "create", "--data-online", "x")
    assert found.exit_code == 2
    assert "--name" in found.stderr


def test_another_accounts_items_are_not_found(cli: Cli, cli_sandbox: RunningServer) -> None:
    with client(cli_sandbox, SECOND_ACCOUNT) as python:
        theirs = first_page(python.settings.list(limit=1)).items[0].to_dict()["id"]
    found = cli.invoke("--sandbox", cli_sandbox.url, "settings", "get", str(theirs))
    assert found.exit_code == 1
    assert found.stdout == ""
    assert "404" in found.stderr or "403" in found.stderr


# --- websites and visitors ---------------------------------------------------------------------


def test_websites_list(cli: Cli, cli_sandbox: RunningServer) -> None:
    as_json = cli.invoke("--sandbox", cli_sandbox.url, "websites", "list", "--json")
    assert as_json.exit_code == 0, as_json.stderr
    with client(cli_sandbox) as python:
        page = first_page(python.websites.list(limit=50))
    assert as_json.json() == {"data": dicts(page.items), "total": page.total, "page": 1, "limit": 50}
    assert page.total > 0

    shown = cli.invoke("--sandbox", cli_sandbox.url, "websites", "list")
    assert shown.exit_code == 0, shown.stderr
    rows = table(shown.stdout)
    # No preferred columns: every field the spec declares for a website, in its order (not a terminal: none hidden).
    declared = list(item_schema("listWebsites")["properties"])
    assert list(rows[0]) == declared
    assert rows == [{name: plain(item.get(name)) for name in rows[0]} for item in dicts(page.items)]


def test_visitors_list_pages(cli: Cli, cli_sandbox: RunningServer) -> None:
    with client(cli_sandbox) as python:
        everyone = dicts(list(python.visitors.list(limit=5000)))
    as_json = cli.invoke("--sandbox", cli_sandbox.url, "visitors", "list", "--limit", "4", "--page", "3", "--json")
    assert as_json.exit_code == 0, as_json.stderr
    assert as_json.json() == {"data": everyone[8:12], "total": len(everyone), "page": 3, "limit": 4}

    shown = cli.invoke("--sandbox", cli_sandbox.url, "visitors", "list", "--limit", "4", "--page", "3")
    assert shown.exit_code == 0, shown.stderr
    rows = table(shown.stdout)
    assert [row["id"] for row in rows] == [str(visitor["id"]) for visitor in everyone[8:12]]
    assert list(rows[0]) == list(item_schema("listVisitors")["properties"])
    pages = -(-len(everyone) // 4)
    assert f"visitors: 9 to 12 of {len(everyone):,} (page 3 of {pages}" in shown.stderr


# --- call records: paging, sorting, filters ------------------------------------------------------


def test_cdrs_list_table_and_pages(cli: Cli, cli_sandbox: RunningServer) -> None:
    records = all_cdrs(cli_sandbox)
    assert len(records) == SANDBOX_CDRS
    found = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "list", "--limit", "7", "--page", "3")
    assert found.exit_code == 0, found.stderr
    rows = table(found.stdout)
    assert list(rows[0]) == [
        "id", "calldate", "type", "src", "dst", "dst_name", "duration", "billsec", "disposition", "charge",
    ]  # fmt: skip
    assert rows == [{name: plain(record[name]) for name in rows[0]} for record in records[14:21]]
    assert f"cdrs: 15 to 21 of {SANDBOX_CDRS} (page 3 of {-(-SANDBOX_CDRS // 7)}" in found.stderr

    as_json = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "list", "--limit", "7", "--page", "3", "--json")
    assert as_json.json() == {"data": records[14:21], "total": SANDBOX_CDRS, "page": 3, "limit": 7}

    default = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "list", "--json")
    assert default.json()["data"] == records[:50]
    assert default.json()["limit"] == 50

    beyond = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "list", "--page", "1000", "--json")
    assert beyond.exit_code == 0, beyond.stderr
    assert beyond.json() == {"data": [], "total": SANDBOX_CDRS, "page": 1000, "limit": 50}
    beyond_table = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "list", "--page", "1000")
    pages = -(-SANDBOX_CDRS // 50)
    assert f"cdrs: page 1,000 is past the last page ({pages} pages of 50; {SANDBOX_CDRS} in all)" in beyond_table.stderr


@pytest.mark.parametrize("direction", ["ASC", "DESC", "desc"])
def test_cdrs_list_sorted(cli: Cli, cli_sandbox: RunningServer, direction: str) -> None:
    records = all_cdrs(cli_sandbox)
    found = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "list", "--sort", "duration", "--dir", direction, "--limit", "30",
        "--json",
    )  # fmt: skip
    assert found.exit_code == 0, found.stderr
    durations = [row["duration"] for row in found.json()["data"]]
    expected = sorted((record["duration"] for record in records), reverse=direction.upper() == "DESC")[:30]
    assert durations == expected
    assert len(set(durations)) > 1


def test_cdrs_list_filters(cli: Cli, cli_sandbox: RunningServer) -> None:
    records = all_cdrs(cli_sandbox)
    found = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "list", "--filter", "disposition = ANSWERED",
        "--filter", "duration >= 600", "--limit", "5000", "--json",
    )  # fmt: skip
    assert found.exit_code == 0, found.stderr
    expected = [record for record in records if record["disposition"] == "ANSWERED" and record["duration"] >= 600]
    assert 0 < len(expected) < len(records)
    assert found.json()["data"] == expected
    assert found.json()["total"] == len(expected)

    like = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "list", "--filter", "dst_name ~ Li%", "--limit", "5000", "--json"
    )
    expected_like = [record for record in records if (record["dst_name"] or "").startswith("Li")]
    assert 0 < len(expected_like) < len(records)
    assert like.json()["data"] == expected_like

    one = records[10]
    by_id = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "list", "--filter", f"id = {one['id']}")
    assert [row["id"] for row in table(by_id.stdout)] == [str(one["id"])]
    assert "1 to 1 of 1 " in by_id.stderr

    quoted = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "list", "--filter", f'calldate = "{one["calldate"]}"', "--json"
    )
    assert [row["id"] for row in quoted.json()["data"]] == [
        record["id"] for record in records if record["calldate"] == one["calldate"]
    ]


def test_filter_matches_the_python_clients_filter(cli: Cli, cli_sandbox: RunningServer) -> None:
    found = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "list", "--filter", "billsec < 100", "--filter", "charge > 0.01",
        "--limit", "5", "--json",
    )  # fmt: skip
    with client(cli_sandbox) as python:
        page = first_page(
            python.cdrs.list(limit=5, filter=[Filter("billsec", "lt", 100), Filter("charge", "gt", 0.01)])
        )
    assert found.json() == {"data": dicts(page.items), "total": page.total, "page": 1, "limit": 5}


# --- exit statuses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (("settings", "list", "--bogus"), 2, "No such option"),
        (("cdrs", "list", "--filter", "duration"), 2, "FIELD OP VALUE"),
        (("cdrs", "list", "--filter", "9lives = 1"), 2, "FIELD OP VALUE"),
        (("cdrs", "list", "--filter", "duration >"), 2, "FIELD OP VALUE"),
        (("cdrs", "list", "--limit", "0"), 2, "--limit"),
        (("cdrs", "list", "--dir", "UP"), 2, "--dir"),
        (("settings", "update", "1"), 2, "give at least one field"),
        (("settings", "create", "--name", "x", "--position", "8"), 2, "--position"),
        (("settings", "get", "0"), 2, "ID"),
        (("settings", "get", str(MISSING_ID)), 1, "404"),
        (("cdrs", "list", "--sort", "no_such_field"), 2, "--sort"),
        (("cdrs", "list", "--filter", "no_such_field = 1"), 2, "no_such_field is not a field this list can filter on"),
        (("cdrs", "list", "--filter", "duration>>5"), 2, "FIELD OP VALUE"),
        (("cdrs", "list", "--filter", "duration = sixty"), 2, "'sixty' is not a whole number"),
        (("cdrs", "list", "--filter", "calldate >= 2026-13-01"), 2, "no such date"),
    ],
)
def test_exit_status(cli: Cli, cli_sandbox: RunningServer, args: tuple[str, ...], status: int, message: str) -> None:
    found = cli.invoke("--sandbox", cli_sandbox.url, *args)
    assert found.exit_code == status, (found.stdout, found.stderr)
    assert message in found.stderr
    assert found.stdout == ""


def test_exit_statuses_of_the_console_script(cli: Cli, cli_sandbox: RunningServer) -> None:
    """The installed command's statuses: 0, 1 for the API's errors, 2 for usage errors."""
    url = cli_sandbox.url
    ok = cli.run("--sandbox", url, "settings", "list")
    assert ok.exit_code == 0, ok.stderr
    assert "Shop widget" in ok.stdout

    missing = cli.run("--sandbox", url, "settings", "get", str(MISSING_ID))
    assert missing.exit_code == 1
    assert "404" in missing.stderr
    assert missing.stderr.startswith("Error: ")
    assert len(missing.stderr.strip().splitlines()) == 1

    bad_option = cli.run("--sandbox", url, "settings", "list", "--bogus")
    assert bad_option.exit_code == 2
    bad_filter = cli.run("--sandbox", url, "cdrs", "list", "--filter", "duration is 5")
    assert bad_filter.exit_code == 2, bad_filter.stderr
    no_field = cli.run("--sandbox", url, "settings", "update", "1")
    assert no_field.exit_code == 2
    out_of_range = cli.run("--sandbox", url, "settings", "update", "1", "--position", "-1")
    assert out_of_range.exit_code == 2
    no_credentials = cli.run("--base-url", url, "settings", "list")
    assert no_credentials.exit_code == 2
    assert f"not logged in to {url}" in no_credentials.stderr
    two_servers = cli.run("--sandbox", address(cli_sandbox), "--base-url", url, "settings", "list")
    assert two_servers.exit_code == 2
    assert "--sandbox and --base-url" in two_servers.stderr


# --- lists whose sort parameter has no enum (visitors: the spec declares no field of theirs but id) ---------


def visitors_sort() -> dict[str, Any]:
    """The schema of the visitors' sort parameter, as the operation table holds it: a pattern, no enum."""
    parameter = OPERATIONS["listVisitors"].parameter("sort")
    assert parameter is not None
    schema = dict(parameter.schema)
    assert "enum" not in schema, schema
    assert schema.get("pattern"), schema
    return schema


def test_visitors_sort_and_filter_on_the_fields_they_have(cli: Cli, cli_sandbox: RunningServer) -> None:
    """--sort and --filter take any field name the pattern of visitors' sort allows and send it (the command
    line cannot know a visitor's fields): on each field a visitor has (id and those the spec declares) the
    sandbox answers the rows the Python client gets for the same request."""
    held = list(item_schema("listVisitors")["properties"])
    assert held[0] == "id"
    with client(cli_sandbox) as python:
        for name in held:
            found = cli.invoke("--sandbox", cli_sandbox.url, "visitors", "list", "--sort", name, "--dir", "DESC",
                               "--json")  # fmt: skip
            assert found.exit_code == 0, found.stderr
            page = first_page(python.visitors.list(sort=name, dir="DESC", limit=50))
            assert found.json() == {"data": dicts(page.items), "total": page.total, "page": 1, "limit": 50}

            numbered = cli.invoke("--sandbox", cli_sandbox.url, "visitors", "export", "--filter", f"{name} <= 3",
                                  "--out", "-", "--format", "jsonl")  # fmt: skip
            assert numbered.exit_code == 0, numbered.stderr
            expected = dicts(list(python.visitors.list(filter=[Filter(name, "lte", 3)], limit=1000)))
            assert expected
            assert [json.loads(line) for line in numbered.stdout.splitlines()] == expected


def test_visitors_refuse_a_field_they_lack(cli: Cli, cli_sandbox: RunningServer) -> None:
    """A field name the pattern allows but no visitor has (created_at: the spec declares none) is sent, and the
    sandbox's 400 is reported naming sort, or the filter, and the name: no empty list, no empty file."""
    assert re.search(visitors_sort()["pattern"], "created_at")
    assert "created_at" not in item_schema("listVisitors")["properties"]
    found = cli.invoke("--sandbox", cli_sandbox.url, "visitors", "list", "--sort", "created_at", "--json")
    assert found.exit_code == 1
    assert found.stdout == ""
    assert "400 sort: 'created_at' is not a field visitors has: id" in found.stderr
    exported = cli.invoke(
        "--sandbox", cli_sandbox.url, "visitors", "export", "--filter", "created_at>=2026-01-01",
        "--out", "-", "--format", "jsonl",
    )  # fmt: skip
    assert exported.exit_code == 1
    assert exported.stdout == ""
    assert "'created_at' is not a field visitors has: id" in exported.stderr


def test_visitor_field_names_follow_the_pattern(cli: Cli) -> None:
    """A name the pattern refuses is a usage error before anything is sent (nothing listens at the base URL)."""
    schema = visitors_sort()
    too_long = "a" * (int(schema["maxLength"]) + 1)
    base = ("--base-url", f"https://127.0.0.1:{closed_port()}/v1.1/voipstudio", "visitors")
    token = {"VOIPSTUDIO_API_TOKEN": "t" * 40}
    for args, message in [
        (("list", "--sort", "Created_At"), "--sort"),
        (("list", "--sort", too_long), "--sort"),
        (("list", "--filter", "Created_At = 1"), "Created_At is not a field this list can filter on"),
        (("export", "--out", "-", "--filter", f"{too_long} = 1"), "is not a field this list can filter on"),
    ]:
        found = cli.invoke(*base, *args, env=token)
        assert found.exit_code == 2, (args, found.stderr)
        assert message in found.stderr
        assert str(schema["pattern"]) in found.stderr or str(schema["maxLength"]) in found.stderr
    shown = cli.invoke("visitors", "list", "--help").stdout
    assert str(schema["pattern"]) in " ".join(shown.split())


def test_lists_with_a_sort_enum_keep_their_fields(cli: Cli, cli_sandbox: RunningServer) -> None:
    """cdrs and settings sort and filter only on the fields their sort enums name."""
    for args, message in [
        (("cdrs", "list", "--sort", "nosuchfield"), "--sort"),
        (("cdrs", "export", "--out", "-", "--filter", "nosuchfield = 1"), "use one of id, "),
        (("settings", "list", "--filter", "nosuchfield = 1"), "use one of id, "),
        (("websites", "list", "--sort", "nosuchfield"), "--sort"),
    ]:
        found = cli.invoke("--sandbox", cli_sandbox.url, *args)
        assert found.exit_code == 2, (args, found.stderr)
        assert message in found.stderr
        assert found.stdout == ""
