"""The overlay client through Stoplight Prism: a validating proxy before the sandbox, and a mock of openapi.yaml.

Proxy: `prism proxy openapi.yaml <sandbox> --errors` checks every request the client sends
and every answer the sandbox gives against the spec; a violation turns into Prism's own
problem+json error (and an `sl-violations` header) and a log line. Every overlay method,
and the error answers 400, 401, 403 and 404, must pass with none.

Mock: `prism mock openapi.yaml --dynamic` answers with data made up from the schemas, the
most liberal answers the spec allows; the client must parse every one (no
UnexpectedResponseError), and map every declared error status to its exception.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from voipstudio_callmeback import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    Button,
    CallMeBack,
    Cdr,
    Filter,
    InternalServerError,
    NotFoundError,
    Page,
    PermissionDeniedError,
    Setting,
    SyncPaginator,
    Visitor,
    Website,
)
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, Account

from conftest import load_spec, operations
from prism_server import RunningPrism, ViolationRecorder, run_prism
from sandbox.support import SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT, RunningServer, accounts_file, run_cli

T = TypeVar("T")
SPEC_OPERATIONS = operations(load_spec())
MOCK_ROUNDS = 3
# The exception each declared error status becomes (413 has no class of its own).
ERROR_CLASSES: dict[str, type[APIStatusError]] = {
    "400": BadRequestError,
    "401": AuthenticationError,
    "403": PermissionDeniedError,
    "404": NotFoundError,
    "413": APIStatusError,
}


def _operation_id(method: str, path: str) -> str:
    """The operationId a request's method and path belong to."""
    for (spec_method, template), operation in SPEC_OPERATIONS.items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if spec_method == method and re.match(pattern, path):
            return str(operation["operationId"])
    raise AssertionError(f"{method} {path} is no operation of the spec")


def _first_page(paginator: SyncPaginator[T]) -> Page[T]:
    """The first page only (a mock's totals are made up, so its pages may never end)."""
    return next(iter(paginator.pages()))


def _all_operation_ids() -> set[str]:
    return {str(operation["operationId"]) for operation in SPEC_OPERATIONS.values()}


def _report(prism: RunningPrism, recorder: ViolationRecorder) -> str:
    flagged = "\n".join(f"{e.method} {e.path} -> {e.status}: {e.violations}" for e in recorder.flagged())
    problems = "\n".join(prism.problems())
    return f"flagged by Prism:\n{flagged}\nPrism's log:\n{problems}"


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The sandbox command line with the demo account, a second account and a two-factor account."""
    directory = tmp_path_factory.mktemp("prism-sandbox")
    accounts = accounts_file(directory, (SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT))
    with run_cli(directory, "--db", ":memory:", "--accounts", str(accounts)) as server:
        yield server


@pytest.fixture(scope="module")
def proxy(sandbox: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPrism]:
    """prism proxy openapi.yaml <sandbox> --errors."""
    with run_prism("proxy", sandbox.url, tmp_path_factory.mktemp("prism-proxy")) as prism:
        yield prism


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPrism]:
    """prism mock openapi.yaml --dynamic."""
    with run_prism("mock", None, tmp_path_factory.mktemp("prism-mock")) as prism:
        yield prism


class Steering:
    """An httpx request hook that asks Prism's mock for a status (`Prefer: code=...`) on chosen paths."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    def __call__(self, request: httpx.Request) -> None:
        code = self.codes.get(request.url.path)
        if code is not None:
            request.headers["Prefer"] = f"code={code}"


@pytest.fixture
def recorder() -> ViolationRecorder:
    return ViolationRecorder()


@pytest.fixture
def http(recorder: ViolationRecorder) -> Iterator[httpx.Client]:
    """An http client that records every answer, for the clients of one test."""
    with httpx.Client(event_hooks={"response": [recorder]}) as client:
        yield client


def _client(prism: RunningPrism, http: httpx.Client, account: Account = DEMO_ACCOUNT, **kwargs: Any) -> CallMeBack:
    """A client of Prism with an account's API key, no retries (a retry could hide an answer)."""
    options: dict[str, Any] = {"user_id": account.user_id, "api_key": account.api_key}
    options.update(kwargs)
    return CallMeBack(base_url=prism.url, http_client=http, max_retries=0, **options)


# --- proxy: real answers of the sandbox, validated both ways -------------------------------------


def test_every_overlay_method_passes_the_proxy_without_violation(
    proxy: RunningPrism, http: httpx.Client, recorder: ViolationRecorder
) -> None:
    """Every overlay method, through prism proxy --errors in front of the sandbox: no violation either way."""
    log_start, notices_start = len(proxy.problems()), proxy.no_content_notices()
    cmb = _client(proxy, http)

    # Settings: list (several pages, sorted, filtered), create, get, update, delete.
    every = list(cmb.settings.list(limit=1, sort="id", dir="DESC"))
    assert len(every) >= 2
    assert all(isinstance(setting, Setting) for setting in every)
    created = cmb.settings.create(
        name="Prism shop",
        button_id=1,
        position=3,
        floating_icon=True,
        culture=2,
        allowed_countries="GB,IE",
        show_to_allowed_countries_only=False,
        welcome_screen_msg="Hello",
        privacy_policy_url="https://shop.example.com/privacy",
        ddi_e164=442038077001,
        max_call_rate=0.15,
    )
    assert cmb.settings.get(created.id).name == "Prism shop"
    assert cmb.settings.update(created.id, welcome_screen_msg="Hi", max_call_rate=0.2).welcome_screen_msg == "Hi"
    named = list(cmb.settings.list(filter=[Filter("name", "eq", "Prism shop")]))
    assert [setting.id for setting in named] == [created.id]
    cmb.settings.delete(created.id)
    with pytest.raises(NotFoundError):
        cmb.settings.get(created.id)

    # Buttons: create, get, update, delete.
    button = cmb.buttons.create(name="Prism button", data_online='{"c":"green"}', data_offline='{"c":"grey"}')
    assert isinstance(cmb.buttons.get(button.id), Button)
    assert cmb.buttons.update(button.id, name="Call us").name == "Call us"
    cmb.buttons.delete(button.id)
    with pytest.raises(NotFoundError):
        cmb.buttons.delete(button.id)

    # Read-only collections, with filters and paging.
    websites = list(cmb.websites.list(filter=[Filter("name", "like", "%")], sort="name", dir="ASC"))
    assert websites
    assert all(isinstance(website, Website) for website in websites)
    march = [Filter("calldate", "gte", datetime(2026, 3, 1)), Filter("calldate", "lt", datetime(2026, 4, 1))]
    pages = list(cmb.cdrs.list(filter=march, sort="calldate", dir="ASC", limit=200).pages())
    assert len(pages) >= 2
    cdrs = [cdr for page in pages for cdr in page.items]
    assert len(cdrs) == pages[0].total
    assert all(isinstance(cdr, Cdr) for cdr in cdrs)
    visitors = list(cmb.visitors.list(limit=150, filter=[Filter("id", "gt", 0)]))
    assert len(visitors) > 150
    assert all(isinstance(visitor, Visitor) for visitor in visitors)

    # Error answers: 400 (bad filter), 403 (another account's settings), 401 (wrong key), 404 (above).
    with pytest.raises(BadRequestError):
        list(cmb.settings.list(filter=[Filter("no_such_field", "eq", 1)]))
    other = _client(proxy, http, SECOND_ACCOUNT)
    mine = cmb.settings.create(name="Not yours")
    with pytest.raises(PermissionDeniedError):
        other.settings.get(mine.id)
    with pytest.raises(PermissionDeniedError):
        other.settings.update(mine.id, name="Mine now")
    with pytest.raises(PermissionDeniedError):
        other.settings.delete(mine.id)
    cmb.settings.delete(mine.id)
    with pytest.raises(AuthenticationError):
        _client(proxy, http, api_key="0" * 40).settings.get(1)

    # Logging in, with and without a two-factor code.
    session = CallMeBack.login(DEMO_ACCOUNT.email, DEMO_ACCOUNT.password, base_url=proxy.url, http_client=http)
    assert _first_page(session.settings.list(limit=1)).total >= 2
    two_factor = CallMeBack.login(
        TWO_FACTOR_ACCOUNT.email,
        TWO_FACTOR_ACCOUNT.password,
        otp=TWO_FACTOR_ACCOUNT.two_factor_code,
        base_url=proxy.url,
        http_client=http,
    )
    assert isinstance(list(two_factor.websites.list()), list)

    assert recorder.flagged() == [], _report(proxy, recorder)
    assert proxy.problems()[log_start:] == [], _report(proxy, recorder)
    assert proxy.no_content_notices() == notices_start
    seen = {_operation_id(e.method, e.path) for e in recorder.exchanges}
    assert seen == _all_operation_ids()
    assert {e.status for e in recorder.exchanges} >= {200, 201, 202, 204, 400, 401, 403, 404}


def test_proxy_reports_a_request_the_spec_refuses(proxy: RunningPrism, http: httpx.Client) -> None:
    """The proxy is not a blind pipe: a limit of 0 comes back as Prism's own 422 with the violation."""
    auth = (str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)
    response = http.get(f"{proxy.url}/callmeback/settings", params={"limit": 0}, auth=auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "limit" in response.text


class NonConformingUpstream:
    """A loopback HTTP server that answers every GET with a settings page missing `total` and with a text id."""

    BODY = b'{"data": [{"id": "not a number"}]}'

    def __init__(self) -> None:
        body = self.BODY

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1.1/voipstudio"

    def __enter__(self) -> NonConformingUpstream:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def test_proxy_reports_an_answer_the_spec_refuses(
    tmp_path: Path, http: httpx.Client, recorder: ViolationRecorder
) -> None:
    """The checks above can fail: an upstream answer that breaks the schema is flagged in the header and the log."""
    with NonConformingUpstream() as upstream, run_prism("proxy", upstream.url, tmp_path) as prism:
        with pytest.raises(InternalServerError):  # --errors: Prism answers 500 instead
            list(_client(prism, http).settings.list())
        problems = prism.problems()
    [flagged] = recorder.flagged()
    assert flagged.status == 500
    assert flagged.violations is not None
    assert "must have required property 'total'" in flagged.violations
    assert "data.0.id must be integer" in flagged.violations
    assert any("prism/errors#VIOLATIONS" in line for line in problems), problems


# --- mock: made-up answers, parsed -------------------------------------------------------------


def _every_method(cmb: CallMeBack) -> None:
    """Each overlay method once, reading the first page of each collection."""
    pages: list[tuple[Page[Any], type[Any]]] = [
        (_first_page(cmb.settings.list(limit=10, sort="id", dir="ASC", filter=[Filter("id", "gt", 0)])), Setting),
        (_first_page(cmb.websites.list(limit=10)), Website),
        (_first_page(cmb.cdrs.list(limit=10, filter=[Filter("calldate", "gte", datetime(2026, 1, 1))])), Cdr),
        (_first_page(cmb.visitors.list(limit=10, sort="id", dir="DESC")), Visitor),
    ]
    for page, model in pages:
        assert page.number == 1
        assert all(isinstance(item, model) for item in page.items), page.items
        assert isinstance(page.total, int)
    assert isinstance(cmb.settings.create(name="Mock shop", floating_icon=True, max_call_rate=0.1), Setting)
    assert isinstance(cmb.settings.get(1375), Setting)
    assert isinstance(cmb.settings.update(1375, welcome_screen_msg="Hi"), Setting)
    cmb.settings.delete(1375)
    assert isinstance(cmb.buttons.create(name="Mock button", data_online="{}"), Button)
    assert isinstance(cmb.buttons.get(3243), Button)
    assert isinstance(cmb.buttons.update(3243, name="Call us"), Button)
    cmb.buttons.delete(3243)


def test_every_overlay_method_parses_the_mock_answers(
    mock: RunningPrism, recorder: ViolationRecorder, http: httpx.Client
) -> None:
    """Every overlay method parses what prism mock --dynamic makes up, round after round (no unexpected response)."""
    log_start, notices_start = len(mock.problems()), mock.no_content_notices()
    steering = Steering()
    http.event_hooks["request"] = [steering]
    for _ in range(MOCK_ROUNDS):
        _every_method(_client(mock, http))
        steering.codes = {}
        _every_method(CallMeBack.login("demo@example.com", "demo", base_url=mock.url, http_client=http))
        steering.codes = {"/login": "202"}  # the account asks for a two-factor code
        codes = ["123456"]
        two_factor = CallMeBack.login("2fa@example.com", "secret", otp=codes.pop, base_url=mock.url, http_client=http)
        assert codes == []  # the code was asked for
        _every_method(two_factor)
        steering.codes = {}

    assert recorder.flagged() == [], _report(mock, recorder)
    assert mock.problems()[log_start:] == [], _report(mock, recorder)
    # Its one tolerated warning, once per answer without a body.
    assert mock.no_content_notices() - notices_start == sum(e.status == 204 for e in recorder.exchanges)
    assert {_operation_id(e.method, e.path) for e in recorder.exchanges} == _all_operation_ids()
    assert [e for e in recorder.exchanges if e.status >= 300] == []


def _operation_calls(
    prism: RunningPrism, http: httpx.Client
) -> dict[str, tuple[str, dict[str, str], Callable[[], object]]]:
    """Per operationId: the path to steer, the statuses other paths need first, and the overlay call that sends it."""
    cmb = _client(prism, http)

    def login() -> CallMeBack:
        return CallMeBack.login("2fa@example.com", "secret", otp="123456", base_url=prism.url, http_client=http)

    return {
        "logIn": ("/login", {}, login),
        "verifyTwoFactorCode": ("/login2fa", {"/login": "202"}, login),
        "listSettings": ("/callmeback/settings", {}, lambda: _first_page(cmb.settings.list())),
        "createSetting": ("/callmeback/settings", {}, lambda: cmb.settings.create(name="Mock shop")),
        "getSetting": ("/callmeback/settings/1375", {}, lambda: cmb.settings.get(1375)),
        "updateSetting": ("/callmeback/settings/1375", {}, lambda: cmb.settings.update(1375, name="Shop")),
        "deleteSetting": ("/callmeback/settings/1375", {}, lambda: cmb.settings.delete(1375)),
        "createButton": ("/callmeback/buttons", {}, lambda: cmb.buttons.create(name="Mock button")),
        "getButton": ("/callmeback/buttons/3243", {}, lambda: cmb.buttons.get(3243)),
        "updateButton": ("/callmeback/buttons/3243", {}, lambda: cmb.buttons.update(3243, name="Call us")),
        "deleteButton": ("/callmeback/buttons/3243", {}, lambda: cmb.buttons.delete(3243)),
        "listWebsites": ("/callmeback/websites", {}, lambda: _first_page(cmb.websites.list())),
        "listCdrs": ("/callmeback/cdrs", {}, lambda: _first_page(cmb.cdrs.list())),
        "listVisitors": ("/callmeback/visitors", {}, lambda: _first_page(cmb.visitors.list())),
    }


def test_every_declared_error_of_the_mock_becomes_its_exception(
    mock: RunningPrism, recorder: ViolationRecorder, http: httpx.Client
) -> None:
    """Each error status an operation declares, made up by the mock (Prefer: code=...), raises its exception class."""
    log_start, notices_start = len(mock.problems()), mock.no_content_notices()
    steering = Steering()
    http.event_hooks["request"] = [steering]
    calls = _operation_calls(mock, http)
    assert set(calls) == _all_operation_ids()
    tried: list[tuple[str, str]] = []
    for operation in SPEC_OPERATIONS.values():
        path, first, call = calls[operation["operationId"]]
        for status in sorted(str(code) for code in operation["responses"] if str(code) >= "400"):
            steering.codes = {**first, path: status}
            with pytest.raises(ERROR_CLASSES[status]) as caught:
                call()
            assert caught.value.status_code == int(status), (operation["operationId"], status)
            assert str(caught.value)  # a message, whatever the made-up body holds
            tried.append((operation["operationId"], status))
        steering.codes = dict(first)
        call()  # and the success answer parses

    assert len(tried) >= 2 * len(calls), tried
    assert recorder.flagged() == [], _report(mock, recorder)
    assert mock.problems()[log_start:] == [], _report(mock, recorder)
    # Its one tolerated warning, once per answer without a body.
    assert mock.no_content_notices() - notices_start == sum(e.status == 204 for e in recorder.exchanges)
