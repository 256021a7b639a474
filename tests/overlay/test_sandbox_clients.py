"""The overlay's clients against a real sandbox server: every method, sync and async through the same tests."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
import voipstudio_callmeback
import voipstudio_callmeback_client.models
from voipstudio_callmeback import (
    AsyncCallMeBack,
    AuthenticationError,
    BadRequestError,
    Button,
    CallMeBack,
    Cdr,
    Filter,
    NotFoundError,
    PermissionDeniedError,
    Setting,
    Visitor,
    Website,
    parse_timestamp,
)
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT

from conftest import load_spec
from sandbox.support import SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT, RunningServer

from .conftest import Client, Driver, Recorder

# The sample data every account of the live sandbox starts with (read-only collections).
WEBSITES = 3
VISITORS = 420
CDRS = 2600
MISSING_ID = 999_999_999
# Long enough for a one-second session token to expire.
PAST_EXPIRY = 1.5


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def second_account(cmb: Driver) -> Client:
    """A client of the live sandbox's second account, by API key."""
    return cmb.client(user_id=SECOND_ACCOUNT.user_id, api_key=SECOND_ACCOUNT.api_key)


def login_token(server: RunningServer) -> str:
    """A session token of the demo account, from a plain POST /login."""
    response = httpx.post(
        server.url + "/login", json={"email": DEMO_ACCOUNT.email, "password": DEMO_ACCOUNT.password}, timeout=10
    )
    assert response.status_code == 200, response.text
    token = response.json()["user_token"]
    assert isinstance(token, str)
    return token


def calldates(cdrs: list[Cdr]) -> list[str]:
    """The call dates of records, which the sandbox always fills in."""
    found = [cdr.calldate for cdr in cdrs]
    assert all(isinstance(value, str) for value in found), found
    return [value for value in found if isinstance(value, str)]


# --- settings -----------------------------------------------------------------------------------


def test_settings_create_returns_the_stored_settings(cmb: Driver) -> None:
    """create() sends the fields given and returns the settings as stored; get() reads the same."""
    client = cmb.client()
    name = unique("create")
    created = cmb.run(
        client.settings.create(
            name=name,
            position=3,
            floating_icon=False,
            welcome_screen_msg="Hello",
            privacy_policy_url="https://example.com/privacy",
            max_call_rate=0.5,
        )
    )
    assert isinstance(created, Setting)
    assert created.id > 0
    assert (created.name, created.position, created.floating_icon) == (name, 3, False)
    assert (created.welcome_screen_msg, created.privacy_policy_url) == ("Hello", "https://example.com/privacy")
    assert created.max_call_rate == 0.5
    assert isinstance(created.created_at, str)
    assert isinstance(parse_timestamp(created.created_at), datetime)
    fetched = cmb.run(client.settings.get(created.id))
    assert fetched.to_dict() == created.to_dict()


def test_settings_update_changes_only_the_fields_given(cmb: Driver) -> None:
    """update() changes the fields given and no other, and returns what is stored."""
    client = cmb.client()
    created = cmb.run(client.settings.create(name=unique("update"), position=3, welcome_screen_msg="Before"))
    updated = cmb.run(client.settings.update(created.id, welcome_screen_msg="After", floating_icon=False))
    expected = {**created.to_dict(), "welcome_screen_msg": "After", "floating_icon": False}
    assert updated.to_dict() == expected
    assert cmb.run(client.settings.get(created.id)).to_dict() == expected
    renamed = cmb.run(client.settings.update(created.id, name="Renamed"))
    assert renamed.to_dict() == {**expected, "name": "Renamed"}


def test_settings_update_needs_a_field(cmb: Driver) -> None:
    """An update with no field is refused before any request."""
    recorder = Recorder()
    client = cmb.client(recorder=recorder)
    with pytest.raises(ValueError, match="at least one field"):
        cmb.run(client.settings.update(1))
    assert recorder.requests == []


def test_settings_delete_removes_them(cmb: Driver) -> None:
    """delete() returns None, and the settings are gone: get() and a second delete() raise NotFoundError."""
    client = cmb.client()
    created = cmb.run(client.settings.create(name=unique("delete")))
    assert cmb.run(client.settings.delete(created.id)) is None
    with pytest.raises(NotFoundError):
        cmb.run(client.settings.get(created.id))
    with pytest.raises(NotFoundError):
        cmb.run(client.settings.delete(created.id))


def test_settings_list_pages_by_limit_with_total(cmb: Driver) -> None:
    """`.pages()` gives pages of `limit` items, numbered from 1, each with the total; iteration gives the items."""
    client = cmb.client()
    prefix = unique("pages")
    ids = [cmb.run(client.settings.create(name=f"{prefix}-{index}")).id for index in range(5)]
    listing = client.settings.list(limit=2, filter=[Filter("name", "like", f"{prefix}-%")])
    pages = cmb.pages(listing)
    assert [page.number for page in pages] == [1, 2, 3]
    assert [len(page.items) for page in pages] == [2, 2, 1]
    assert {page.total for page in pages} == {5}
    assert [item.id for page in pages for item in page.items] == ids
    items = cmb.items(listing)
    assert all(isinstance(item, Setting) for item in items)
    assert [item.id for item in items] == ids


def test_settings_list_defaults_to_every_setting_of_the_account(cmb: Driver) -> None:
    """Without arguments list() yields every setting of the account, the new one included, each once."""
    client = cmb.client()
    created = cmb.run(client.settings.create(name=unique("all")))
    pages = cmb.pages(client.settings.list())
    ids = [item.id for page in pages for item in page.items]
    assert created.id in ids
    assert len(ids) == len(set(ids)) == pages[0].total


def test_list_is_lazy_and_each_iteration_starts_again(cmb: Driver) -> None:
    """No request is sent before iteration; then one per page, and a second iteration fetches them again."""
    recorder = Recorder()
    client = cmb.client(recorder=recorder)
    listing = client.websites.list(limit=2)
    assert recorder.requests == []
    pages = cmb.pages(listing)
    assert len(pages) == 2
    assert recorder.count("GET", "/callmeback/websites") == 2
    assert len(cmb.items(listing)) == WEBSITES
    assert recorder.count("GET", "/callmeback/websites") == 4
    first = cmb.first_page(client.cdrs.list(limit=1))
    assert (len(first.items), first.total) == (1, CDRS)
    assert recorder.count("GET", "/callmeback/cdrs") == 1


def test_list_checks_the_limit_before_any_request(cmb: Driver) -> None:
    """A limit outside 1..5000 raises ValueError when list() is called, before any request."""
    recorder = Recorder()
    client = cmb.client(recorder=recorder)
    for limit in (0, 5001):
        with pytest.raises(ValueError, match="limit"):
            client.cdrs.list(limit=limit)
    assert recorder.requests == []


# --- buttons --------------------------------------------------------------------------------------


def test_buttons_create_get_update_delete(cmb: Driver) -> None:
    """Buttons are created, read, updated (only the fields given) and deleted."""
    client = cmb.client()
    name = unique("button")
    created = cmb.run(client.buttons.create(name=name, data_online='{"color":"#00ff00"}'))
    assert isinstance(created, Button)
    assert (created.name, created.data_online) == (name, '{"color":"#00ff00"}')
    assert cmb.run(client.buttons.get(created.id)).to_dict() == created.to_dict()
    updated = cmb.run(client.buttons.update(created.id, data_offline='{"color":"#999999"}'))
    expected = {**created.to_dict(), "data_offline": '{"color":"#999999"}'}
    assert updated.to_dict() == expected
    assert cmb.run(client.buttons.get(created.id)).to_dict() == expected
    assert cmb.run(client.buttons.delete(created.id)) is None
    with pytest.raises(NotFoundError):
        cmb.run(client.buttons.get(created.id))


# --- read-only collections ------------------------------------------------------------------------


def test_websites_page_one_at_a_time(cmb: Driver) -> None:
    """With limit=1 the account's websites come one a page, each page with the total."""
    client = cmb.client()
    pages = cmb.pages(client.websites.list(limit=1))
    assert [page.number for page in pages] == [1, 2, 3]
    assert [(len(page.items), page.total) for page in pages] == [(1, WEBSITES)] * 3
    websites = [item for page in pages for item in page.items]
    assert all(isinstance(item, Website) for item in websites)
    assert len({item.id for item in websites}) == WEBSITES


def test_visitors_page_through_every_visitor(cmb: Driver) -> None:
    """420 visitors come in five pages of at most 100, in id order, with no repeat."""
    client = cmb.client()
    pages = cmb.pages(client.visitors.list(limit=100))
    assert [len(page.items) for page in pages] == [100, 100, 100, 100, 20]
    assert {page.total for page in pages} == {VISITORS}
    ids = [item.id for page in pages for item in page.items]
    assert ids == sorted(set(ids))
    assert all(isinstance(item, Visitor) for page in pages for item in page.items)


def test_cdrs_page_through_every_record(cmb: Driver) -> None:
    """2,600 call records come in pages of 1,000, each a Cdr, none repeated."""
    client = cmb.client()
    items = cmb.items(client.cdrs.list(limit=1000))
    assert len(items) == CDRS
    assert len({item.id for item in items}) == CDRS
    assert all(isinstance(item, Cdr) for item in items)


def test_cdr_calldate_parses_to_a_datetime(cmb: Driver) -> None:
    """parse_timestamp() turns a record's calldate into a naive datetime of 2026."""
    client = cmb.client()
    first = cmb.first_page(client.cdrs.list(limit=5)).items[0]
    assert isinstance(first.calldate, str)
    moment = parse_timestamp(first.calldate)
    assert isinstance(moment, datetime)
    assert moment.tzinfo is None
    assert moment.year == 2026


# --- filters and sorting --------------------------------------------------------------------------


def test_datetime_filter_equals_its_string_form(cmb: Driver) -> None:
    """A datetime filter value selects exactly what its `YYYY-MM-DD HH:MM:SS` string does."""
    client = cmb.client()
    as_datetime = Filter("calldate", "gte", datetime(2026, 6, 1))
    as_string = Filter("calldate", "gte", "2026-06-01 00:00:00")
    assert as_datetime.to_dict() == as_string.to_dict()
    by_datetime = cmb.items(client.cdrs.list(limit=5000, filter=[as_datetime]))
    by_string = cmb.items(client.cdrs.list(limit=5000, filter=[as_string]))
    assert 0 < len(by_datetime) < CDRS
    assert [cdr.id for cdr in by_datetime] == [cdr.id for cdr in by_string]
    assert min(calldates(by_datetime)) >= "2026-06-01 00:00:00"


def test_like_filter_matches_a_pattern(cmb: Driver) -> None:
    """`like` with `%` selects the call records whose called party's name starts with the pattern, and no other."""
    client = cmb.client()
    everyone = cmb.items(client.cdrs.list(limit=5000))
    expected = [cdr.id for cdr in everyone if str(cdr.dst_name).startswith("Li")]
    assert 0 < len(expected) < len(everyone)
    matching = cmb.items(client.cdrs.list(limit=5000, filter=[Filter("dst_name", "like", "Li%")]))
    assert [cdr.id for cdr in matching] == expected


def test_several_conditions_all_apply(cmb: Driver) -> None:
    """Several conditions are combined with AND: answered calls of March 2026."""
    client = cmb.client()
    march = [Filter("calldate", "gte", datetime(2026, 3, 1)), Filter("calldate", "lt", datetime(2026, 4, 1))]
    in_march = cmb.items(client.cdrs.list(limit=5000, filter=march))
    answered = cmb.items(client.cdrs.list(limit=200, filter=[*march, Filter("disposition", "eq", "ANSWERED")]))
    assert 0 < len(answered) < len(in_march) < CDRS
    assert all("2026-03-01 00:00:00" <= date < "2026-04-01 00:00:00" for date in calldates(in_march))
    assert [cdr.id for cdr in answered] == [cdr.id for cdr in in_march if cdr.disposition == "ANSWERED"]


def test_an_unknown_operator_is_refused_before_any_request(cmb: Driver) -> None:
    """An operator outside eq/like/gt/gte/lt/lte raises ValueError, and nothing is sent."""
    recorder = Recorder()
    client = cmb.client(recorder=recorder)
    operator: Any = "between"
    with pytest.raises(ValueError, match="unknown filter operator"):
        client.cdrs.list(filter=[Filter("calldate", operator, "2026-01-01 00:00:00")])
    assert recorder.requests == []


def test_like_with_a_number_is_a_type_error(cmb: Driver) -> None:
    """`like` takes a string pattern: a number raises TypeError, and nothing is sent."""
    recorder = Recorder()
    client = cmb.client(recorder=recorder)
    with pytest.raises(TypeError, match="like"):
        client.visitors.list(filter=[Filter("id", "like", 5)])
    assert recorder.requests == []


def test_a_filter_that_is_not_a_filter_is_refused(cmb: Driver) -> None:
    """filter= takes Filter objects: a plain dict raises TypeError when list() is called, before any request."""
    recorder = Recorder()
    client = cmb.client(recorder=recorder)
    conditions: Any = [{"property": "id", "operator": "eq", "value": 1}]
    with pytest.raises(TypeError, match="Filter objects"):
        client.settings.list(filter=conditions)
    assert recorder.requests == []


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_sort_and_dir_order_the_records(cmb: Driver, direction: str) -> None:
    """sort= and dir= order every page: call dates ascending or descending across page boundaries."""
    client = cmb.client()
    pages = cmb.pages(
        client.cdrs.list(
            limit=50,
            sort="calldate",
            dir="ASC" if direction == "ASC" else "DESC",
            filter=[Filter("calldate", "lt", datetime(2026, 1, 10))],
        )
    )
    assert len(pages) > 1
    dates = calldates([cdr for page in pages for cdr in page.items])
    assert dates == sorted(dates, reverse=direction == "DESC")


def test_sort_by_id_descending_lists_the_newest_settings_first(cmb: Driver) -> None:
    """sort="id", dir="DESC" puts the settings created last first."""
    client = cmb.client()
    older = cmb.run(client.settings.create(name=unique("older")))
    newer = cmb.run(client.settings.create(name=unique("newer")))
    first_page = cmb.first_page(client.settings.list(sort="id", dir="DESC", limit=2))
    assert [item.id for item in first_page.items] == [newer.id, older.id]


# --- errors ---------------------------------------------------------------------------------------


def test_a_missing_id_raises_not_found(cmb: Driver) -> None:
    """get(), update() and delete() of an id no account has raise NotFoundError with status 404."""
    client = cmb.client()
    with pytest.raises(NotFoundError) as caught:
        cmb.run(client.settings.get(MISSING_ID))
    assert caught.value.status_code == 404
    assert caught.value.method == "GET"
    with pytest.raises(NotFoundError):
        cmb.run(client.settings.update(MISSING_ID, name="Nobody"))
    with pytest.raises(NotFoundError):
        cmb.run(client.buttons.delete(MISSING_ID))


def test_another_accounts_setting_raises_permission_denied(cmb: Driver) -> None:
    """The demo account may not read, change or delete the second account's settings (403)."""
    theirs = cmb.run(second_account(cmb).settings.create(name=unique("theirs")))
    client = cmb.client()
    with pytest.raises(PermissionDeniedError) as caught:
        cmb.run(client.settings.get(theirs.id))
    assert caught.value.status_code == 403
    with pytest.raises(PermissionDeniedError):
        cmb.run(client.settings.update(theirs.id, name="Mine now"))
    with pytest.raises(PermissionDeniedError):
        cmb.run(client.settings.delete(theirs.id))
    assert cmb.run(second_account(cmb).settings.get(theirs.id)).to_dict() == theirs.to_dict()


def test_an_unknown_filter_property_raises_bad_request_with_errors(cmb: Driver) -> None:
    """A filter on a name the spec's pattern takes but the sandbox has not (visitors take any name) raises
    BadRequestError whose `.errors` name the filter and the name."""
    client = cmb.client()
    with pytest.raises(BadRequestError) as caught:
        cmb.pages(client.visitors.list(filter=[Filter("no_such_field", "eq", 1)]))
    error = caught.value
    assert error.status_code == 400
    assert error.errors
    assert error.errors[0]["field"] == "filter"
    assert "no_such_field" in error.errors[0]["message"]


def test_an_unknown_sort_field_is_refused_before_sending(cmb: Driver) -> None:
    """sort= names one of the fields the spec lists for the resource: another raises ValueError, unsent."""
    client = cmb.client()
    with pytest.raises(ValueError, match="sort must be one of id, ") as caught:
        cmb.pages(client.websites.list(sort="no_such_field"))  # type: ignore[arg-type]
    assert "no_such_field" in str(caught.value)


def test_an_unknown_filter_field_is_refused_before_sending(cmb: Driver) -> None:
    """A filter on a field the list's filter pattern does not name raises ValueError naming the field and the
    fields it filters on (the list's sort enum), before anything is sent."""
    client = cmb.client()
    fields = ", ".join(load_spec()["components"]["schemas"]["WebsiteSortField"]["enum"])
    with pytest.raises(ValueError, match=re.escape(f"no field 'no_such_field' to filter on; it filters on {fields}")):
        cmb.pages(client.websites.list(filter=[Filter("no_such_field", "eq", 1)]))


def test_a_wrong_api_key_raises_authentication_error(cmb: Driver) -> None:
    """A wrong API key gets AuthenticationError (401), for lists and single resources alike."""
    client = cmb.client(user_id=DEMO_ACCOUNT.user_id, api_key="0" * 40)
    with pytest.raises(AuthenticationError) as caught:
        cmb.pages(client.settings.list())
    assert caught.value.status_code == 401
    with pytest.raises(AuthenticationError):
        cmb.run(client.buttons.get(1))


# --- logging in -----------------------------------------------------------------------------------


def test_login_with_the_demo_account(cmb: Driver) -> None:
    """login() posts the credentials once and the client then works with the session token."""
    recorder = Recorder()
    client = cmb.login(DEMO_ACCOUNT.email, DEMO_ACCOUNT.password, recorder=recorder)
    assert recorder.count("POST", "/login") == 1
    assert "session token" in repr(client)
    created = cmb.run(client.settings.create(name=unique("login")))
    assert cmb.run(client.settings.get(created.id)).id == created.id
    assert recorder.count("POST", "/login") == 1


def test_login_with_a_wrong_password_raises_authentication_error(cmb: Driver) -> None:
    """A wrong password gets AuthenticationError with the service's message."""
    with pytest.raises(AuthenticationError, match="Invalid email or password"):
        cmb.login(DEMO_ACCOUNT.email, "wrong")


def test_two_factor_login_with_the_code(cmb: Driver) -> None:
    """otp="123456" answers the two-factor challenge: /login then /login2fa, and the client works."""
    recorder = Recorder()
    client = cmb.login(TWO_FACTOR_ACCOUNT.email, TWO_FACTOR_ACCOUNT.password, otp="123456", recorder=recorder)
    assert recorder.requests[:2] == [("POST", "/v1.1/voipstudio/login"), ("POST", "/v1.1/voipstudio/login2fa")]
    assert recorder.statuses[:2] == [202, 200]
    created = cmb.run(client.settings.create(name=unique("two-factor")))
    assert cmb.run(client.settings.get(created.id)).name == created.name


def test_two_factor_login_with_a_callable(cmb: Driver) -> None:
    """otp= may be a callable that returns the code; it is called once, when the challenge comes."""
    calls: list[str] = []

    def code() -> str:
        calls.append("called")
        return "123456"

    client = cmb.login(TWO_FACTOR_ACCOUNT.email, TWO_FACTOR_ACCOUNT.password, otp=code)
    assert calls == ["called"]
    assert cmb.pages(client.websites.list())[0].total == WEBSITES


def test_two_factor_login_with_a_lambda(cmb: Driver) -> None:
    """otp=lambda: "123456" logs in too."""
    client = cmb.login(TWO_FACTOR_ACCOUNT.email, TWO_FACTOR_ACCOUNT.password, otp=lambda: "123456")
    assert cmb.pages(client.websites.list())[0].total == WEBSITES


def test_an_otp_callable_is_not_called_without_a_challenge(cmb: Driver) -> None:
    """An account without two-factor authentication never calls the otp callable."""
    calls: list[str] = []

    def code() -> str:
        calls.append("called")
        return "123456"

    cmb.login(DEMO_ACCOUNT.email, DEMO_ACCOUNT.password, otp=code)
    assert calls == []


def test_two_factor_login_without_otp_raises_authentication_error(cmb: Driver) -> None:
    """Without otp= a two-factor account's login raises AuthenticationError, which says otp= is needed."""
    with pytest.raises(AuthenticationError, match="otp="):
        cmb.login(TWO_FACTOR_ACCOUNT.email, TWO_FACTOR_ACCOUNT.password)


def test_two_factor_login_with_a_wrong_code_raises_authentication_error(cmb: Driver) -> None:
    """A wrong two-factor code gets AuthenticationError."""
    with pytest.raises(AuthenticationError):
        cmb.login(TWO_FACTOR_ACCOUNT.email, TWO_FACTOR_ACCOUNT.password, otp="000000")


def test_async_login_with_an_async_otp_callable(live_sandbox: RunningServer) -> None:
    """AsyncCallMeBack.login() also takes an async callable for otp=, awaited once."""
    calls: list[str] = []

    async def code() -> str:
        calls.append("called")
        return "123456"

    async def scenario() -> int:
        client = await AsyncCallMeBack.login(
            TWO_FACTOR_ACCOUNT.email, TWO_FACTOR_ACCOUNT.password, otp=code, base_url=live_sandbox.url
        )
        async with client:
            created = await client.settings.create(name=unique("async-otp"))
            return (await client.settings.get(created.id)).id - created.id

    assert asyncio.run(scenario()) == 0
    assert calls == ["called"]


# --- the environment ------------------------------------------------------------------------------


def test_from_env_with_user_id_and_api_key(cmb: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    """from_env() reads VOIPSTUDIO_USER_ID, VOIPSTUDIO_API_KEY and VOIPSTUDIO_BASE_URL."""
    monkeypatch.delenv("VOIPSTUDIO_API_TOKEN", raising=False)
    monkeypatch.setenv("VOIPSTUDIO_USER_ID", str(SECOND_ACCOUNT.user_id))
    monkeypatch.setenv("VOIPSTUDIO_API_KEY", SECOND_ACCOUNT.api_key)
    monkeypatch.setenv("VOIPSTUDIO_BASE_URL", cmb.base_url)
    client = cmb.from_env()
    assert client.base_url == cmb.base_url
    created = cmb.run(client.settings.create(name=unique("from-env")))
    assert cmb.run(second_account(cmb).settings.get(created.id)).id == created.id


def test_from_env_with_a_session_token(
    cmb: Driver, monkeypatch: pytest.MonkeyPatch, live_sandbox: RunningServer
) -> None:
    """from_env() sends VOIPSTUDIO_API_TOKEN as the session token when it is set."""
    monkeypatch.delenv("VOIPSTUDIO_USER_ID", raising=False)
    monkeypatch.delenv("VOIPSTUDIO_API_KEY", raising=False)
    monkeypatch.setenv("VOIPSTUDIO_API_TOKEN", login_token(live_sandbox))
    monkeypatch.setenv("VOIPSTUDIO_BASE_URL", cmb.base_url)
    client = cmb.from_env()
    assert "session token" in repr(client)
    assert cmb.pages(client.websites.list())[0].total == WEBSITES


def test_from_env_without_credentials_is_a_value_error(cmb: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    """from_env() without any credential in the environment raises ValueError naming the variables."""
    for name in ("VOIPSTUDIO_API_TOKEN", "VOIPSTUDIO_USER_ID", "VOIPSTUDIO_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VOIPSTUDIO_BASE_URL", cmb.base_url)
    with pytest.raises(ValueError, match="VOIPSTUDIO_API_TOKEN"):
        cmb.from_env()


# --- sessions that expire -------------------------------------------------------------------------


def test_a_login_client_logs_in_again_once_after_expiry(cmb: Driver, expiring_sandbox: RunningServer) -> None:
    """A client made by login() outlives its token: after expiry it logs in once more and repeats the request."""
    recorder = Recorder()
    client = cmb.login(DEMO_ACCOUNT.email, DEMO_ACCOUNT.password, recorder=recorder, base_url=expiring_sandbox.url)
    created = cmb.run(client.settings.create(name=unique("expiry")))
    assert recorder.count("POST", "/login") == 1
    time.sleep(PAST_EXPIRY)
    assert cmb.run(client.settings.get(created.id)).id == created.id
    assert recorder.count("POST", "/login") == 2
    assert recorder.statuses[-3:] == [401, 200, 200]
    assert cmb.run(client.settings.get(created.id)).id == created.id
    assert recorder.count("POST", "/login") == 2


def test_a_token_client_fails_after_expiry(cmb: Driver, expiring_sandbox: RunningServer) -> None:
    """A client made with token= cannot log in again: after expiry it raises AuthenticationError."""
    recorder = Recorder()
    client = cmb.client(token=login_token(expiring_sandbox), recorder=recorder, base_url=expiring_sandbox.url)
    assert cmb.pages(client.websites.list())[0].total == WEBSITES
    time.sleep(PAST_EXPIRY)
    with pytest.raises(AuthenticationError):
        cmb.pages(client.websites.list())
    assert recorder.count("POST", "/login") == 0


# --- the connection pool --------------------------------------------------------------------------


def test_one_connection_serves_successive_calls(cmb: Driver) -> None:
    """Successive calls go through the client's one http client and reuse one connection."""
    recorder = Recorder()
    client = cmb.client(recorder=recorder)
    http = client._http
    created = cmb.run(client.settings.create(name=unique("pool")))
    cmb.run(client.settings.get(created.id))
    cmb.pages(client.websites.list())
    cmb.run(client.settings.delete(created.id))
    assert client._http is http
    assert len(recorder.streams) == 4
    assert recorder.streams[0] is not None
    assert all(stream is recorder.streams[0] for stream in recorder.streams)


def test_the_context_manager_closes_the_clients_own_pool(cmb: Driver) -> None:
    """Leaving the context manager closes the pool the client made, and only that."""
    client = cmb.client()
    assert cmb.enter(client) is client
    http = client._http
    assert not http.is_closed
    assert cmb.pages(client.websites.list())[0].total == WEBSITES
    cmb.exit(client)
    assert client._http is http
    assert http.is_closed


def test_close_leaves_an_injected_http_client_open(cmb: Driver) -> None:
    """close() does not close an http_client passed in: the caller owns it."""
    recorder = Recorder()
    client = cmb.client(recorder=recorder)
    http = client._http
    cmb.enter(client)
    cmb.pages(client.websites.list())
    cmb.exit(client)
    cmb.close(client)
    assert not http.is_closed


# --- models ---------------------------------------------------------------------------------------


def test_models_are_the_generated_attrs_classes() -> None:
    """The package's models are the generated package's classes, not copies."""
    generated = voipstudio_callmeback_client.models
    assert voipstudio_callmeback.Setting is generated.Setting
    assert voipstudio_callmeback.Button is generated.Button
    assert voipstudio_callmeback.Website is generated.Website
    assert voipstudio_callmeback.Visitor is generated.Visitor
    assert voipstudio_callmeback.Cdr is generated.Cdr


def test_the_clients_are_what_the_driver_builds(cmb: Driver) -> None:
    """The parametrized driver gives CallMeBack in sync mode and AsyncCallMeBack in async mode."""
    client = cmb.client()
    assert isinstance(client, AsyncCallMeBack if cmb.is_async else CallMeBack)
