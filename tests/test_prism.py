"""The overlay client through Stoplight Prism: a validating proxy before the sandbox, and a mock of openapi.yaml.

Proxy: `prism proxy openapi.yaml <sandbox> --errors` checks every request the client sends
and every answer the sandbox gives against the spec; a violation turns into Prism's own
problem+json error (and an `sl-violations` header) and a log line. Every overlay method,
and every error status the spec declares, must pass with none.

Mock: `prism mock openapi.yaml --dynamic` answers with data made up from the schemas, the
most liberal answers the spec allows; the client must parse every one (no
UnexpectedResponseError), and map every declared error status to its exception.

The calls are made from the spec: every operation with a resource method
(`OPERATION_METHODS`) is called through it, with the spec's examples for its path
parameters, query parameters and request body (on the sandbox, with the ids of the items
it lists or creates). Only the login operations, which `CallMeBack.login()` sends, are
called by hand.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from voipstudio_callmeback import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    CallMeBack,
    Filter,
    InternalServerError,
    NotFoundError,
    Page,
    PermissionDeniedError,
    RateLimitError,
    SyncPaginator,
)
from voipstudio_callmeback._client import TWO_FACTOR_STATUS
from voipstudio_callmeback._resource_base import FILTER_PARAMETER, PAGE_PARAMETER, method_keyword
from voipstudio_callmeback._resources import OPERATION_METHODS, RESOURCE_ITEMS
from voipstudio_callmeback_client.operations import OPERATIONS, Parameter
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, Account, SandboxConfig
from voipstudio_callmeback_sandbox._store import MAX_FAILED_LOGINS

from conftest import ROOT, load_spec, operations
from prism_server import RunningPrism, ViolationRecorder, run_prism
from sandbox.support import SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT, RunningServer, accounts_file, run_cli

# The longest string a filter condition's value may be (FilterCondition.value's string branch).
LONGEST_FILTER_VALUE = next(
    branch["maxLength"]
    for branch in load_spec()["components"]["schemas"]["FilterCondition"]["properties"]["value"]["anyOf"]
    if branch.get("type") == "string"
)

T = TypeVar("T")
THIS_FILE = Path(__file__).resolve().relative_to(ROOT)
SPEC = load_spec()
SPEC_OPERATIONS = operations(SPEC)
MOCK_ROUNDS = 3
# The exception each declared error status becomes (413 has no class of its own).
ERROR_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: APIStatusError,
    429: RateLimitError,
}
# The request bodies that the sandbox refuses with 413: one byte over what it accepts.
OVERSIZED = SandboxConfig().max_body_bytes + 1


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


def _assert_every_operation_sent(seen: set[str], where: str) -> None:
    """Every operation of the spec went through Prism; a missing one names the function to add its call to."""
    missing = sorted(_all_operation_ids() - seen)
    assert not missing, "; ".join(
        f"add a call for {operation_id} to {where} in {THIS_FILE}" for operation_id in missing
    )


def _error_class(operation_id: str, status: int) -> type[APIStatusError]:
    """The exception a declared error status becomes, from ERROR_CLASSES."""
    found = ERROR_CLASSES.get(status)
    if found is None:
        pytest.fail(
            f"openapi.yaml declares {status} for {operation_id}, and ERROR_CLASSES in {THIS_FILE} maps no exception "
            f"class to it: add {status} to ERROR_CLASSES with the class the client raises for it"
        )
    return found


def _report(prism: RunningPrism, recorder: ViolationRecorder) -> str:
    flagged = "\n".join(f"{e.method} {e.path} -> {e.status}: {e.violations}" for e in recorder.flagged())
    problems = "\n".join(prism.problems())
    return f"flagged by Prism:\n{flagged}\nPrism's log:\n{problems}"


# --- calls made from the spec ------------------------------------------------------------------


def _resolve(node: Any) -> Any:
    """A node of openapi.yaml with its `$ref` followed."""
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = SPEC
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _spec_operation(operation_id: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The path item and the operation of openapi.yaml with this operationId."""
    for (_, path), operation in SPEC_OPERATIONS.items():
        if operation["operationId"] == operation_id:
            return SPEC["paths"][path], operation
    raise AssertionError(f"{operation_id} is no operation of openapi.yaml")


def _first_example(node: Mapping[str, Any]) -> Any:
    """The `example` of a parameter, media type or schema, else the first of its `examples`; LookupError: none."""
    if "example" in node:
        return node["example"]
    for example in node.get("examples", {}).values():
        return _resolve(example)["value"]
    raise LookupError("no example")


def _parameter_example(operation_id: str, name: str) -> Any:
    """The spec's example of a parameter of an operation (its own, else its schema's)."""
    item, operation = _spec_operation(operation_id)
    for parameter in map(_resolve, (*operation.get("parameters", ()), *item.get("parameters", ()))):
        if parameter["name"] == name:
            for node in (parameter, _resolve(parameter.get("schema", {}))):
                with suppress(LookupError):
                    return _first_example(node)
    pytest.fail(f"openapi.yaml gives no example of the parameter {name} of {operation_id}, which {THIS_FILE} sends")


def _body_example(operation_id: str) -> dict[str, Any]:
    """The spec's example of an operation's request body, by JSON names (what the overlay method takes)."""
    body = OPERATIONS[operation_id].body
    assert body is not None, f"{operation_id} takes no request body"
    _, operation = _spec_operation(operation_id)
    media = _resolve(operation["requestBody"])["content"][body.media_type]
    for node in (media, _resolve(media.get("schema", {}))):
        with suppress(LookupError):
            return dict(_first_example(node))
    pytest.fail(f"openapi.yaml gives no example of the request body of {operation_id}, which {THIS_FILE} sends")


def _path_parameters(operation_id: str) -> list[Parameter]:
    return [parameter for parameter in OPERATIONS[operation_id].parameters if parameter.location == "path"]


def _example_path(operation_id: str) -> tuple[Any, ...]:
    """The path arguments of an operation's method: the spec's examples."""
    return tuple(_parameter_example(operation_id, parameter.name) for parameter in _path_parameters(operation_id))


def _request_path(operation_id: str, arguments: Sequence[Any]) -> str:
    """The path of the request an operation's method sends with these path arguments."""
    values = {parameter.name: value for parameter, value in zip(_path_parameters(operation_id), arguments, strict=True)}
    return re.sub(r"\{([^}]+)\}", lambda found: str(values[found.group(1)]), OPERATIONS[operation_id].path)


def _item_path(operation_id: str, item: Any) -> tuple[Any, ...]:
    """The path arguments that name an item the sandbox answered with (its id)."""
    return tuple(getattr(item, parameter.name) for parameter in _path_parameters(operation_id))


def _is_list(operation_id: str) -> bool:
    """Whether the overlay method is a list, read page by page (the operation takes a page)."""
    return OPERATIONS[operation_id].parameter(PAGE_PARAMETER) is not None


def _list_examples(operation_id: str) -> dict[str, Any]:
    """The keyword arguments of a list method: the spec's example of each query parameter but the page
    (the paginator sets it), the filter's JSON example as Filter objects."""
    arguments: dict[str, Any] = {}
    for parameter in OPERATIONS[operation_id].parameters:
        if parameter.location != "query" or parameter.name == PAGE_PARAMETER:
            continue
        value = _parameter_example(operation_id, parameter.name)
        if parameter.name == FILTER_PARAMETER:
            value = [Filter(**condition) for condition in json.loads(value)]
        arguments[method_keyword(parameter)] = value
    return arguments


def _page_size(operation_id: str) -> Parameter:
    """The page size of a list: its integer query parameter besides the page."""
    found = [
        parameter
        for parameter in OPERATIONS[operation_id].parameters
        if parameter.location == "query"
        and parameter.name != PAGE_PARAMETER
        and parameter.schema.get("type") == "integer"
    ]
    assert len(found) == 1, f"{operation_id}: no one page size among {[p.name for p in found]}"
    return found[0]


def _send(
    client: CallMeBack,
    operation_id: str,
    path: Sequence[Any] | None = None,
    fields: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
) -> Any:
    """Call an operation's overlay method (cmb.<resource>.<method>); a list answers its first page.

    What is not given comes from the spec's examples: the path arguments, the body's fields
    and the list's query."""
    resource, method = OPERATION_METHODS[operation_id]
    bound = getattr(getattr(client, resource), method)
    arguments = _example_path(operation_id) if path is None else tuple(path)
    if _is_list(operation_id):
        return _first_page(bound(*arguments, **(_list_examples(operation_id) if query is None else query)))
    if fields is None:
        fields = _body_example(operation_id) if OPERATIONS[operation_id].body is not None else {}
    return bound(*arguments, **fields)


def _check_answer(operation_id: str, answer: Any) -> None:
    """What an overlay method returns: a first page of its resource's items, the item, or None (no body)."""
    model = RESOURCE_ITEMS[OPERATION_METHODS[operation_id][0]]
    if _is_list(operation_id):
        assert isinstance(answer, Page), (operation_id, answer)
        assert answer.number == 1, operation_id
        assert all(isinstance(item, model) for item in answer.items), (operation_id, answer.items)
        assert isinstance(answer.total, int), operation_id
    elif OPERATIONS[operation_id].response is None:
        assert answer is None, (operation_id, answer)
    else:
        assert isinstance(answer, model), (operation_id, answer)


def _assert_holds(item: Any, fields: Mapping[str, Any], operation_id: str) -> None:
    """The item the sandbox answered holds the values of the fields sent that it returns."""
    returned = item.to_dict()
    sent = {name: value for name, value in fields.items() if name in returned}
    assert sent, f"{operation_id}: the answer returns none of the fields {sorted(fields)}"
    assert {name: returned[name] for name in sent} == sent, operation_id


def _oversized(operation_id: str) -> dict[str, Any] | None:
    """The spec's example body with its first text field over the size the sandbox accepts, or None."""
    body = OPERATIONS[operation_id].body
    assert body is not None, f"{operation_id} takes no request body"
    for name, schema in body.schema.get("properties", {}).items():
        if schema.get("type") == "string" and not {"enum", "format", "maxLength", "pattern"} & schema.keys():
            return {**_body_example(operation_id), name: "x" * OVERSIZED}
    return None


def _resources() -> dict[str, dict[str, str]]:
    """Per resource of the overlay (cmb.<resource>): its methods' names and operationIds."""
    found: dict[str, dict[str, str]] = {}
    for operation_id, (resource, method) in OPERATION_METHODS.items():
        found.setdefault(resource, {})[method] = operation_id
    return found


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


def _read_every_page(client: CallMeBack, operation_id: str) -> list[Any]:
    """Every item of a list, sorted and ordered as the spec's examples say, over two pages at least
    when there are two items (the page size is half the total)."""
    resource, method = OPERATION_METHODS[operation_id]
    total = _first_page(getattr(getattr(client, resource), method)()).total
    size = _page_size(operation_id)
    limit = min(max(1, -(-total // 2)), size.schema.get("maximum", total))
    query = {**_list_examples(operation_id), method_keyword(size): limit}
    query.pop(FILTER_PARAMETER, None)
    pages = list(getattr(getattr(client, resource), method)(**query).pages())
    items = [item for page in pages for item in page.items]
    assert items, f"{operation_id}: the sandbox's demo account has no {resource}; the proxy has nothing to check"
    assert len(items) == pages[0].total, operation_id
    assert all(isinstance(item, RESOURCE_ITEMS[resource]) for item in items), operation_id
    if total >= 2:
        assert len(pages) >= 2, (operation_id, total, limit)
    return items


def _walk_resource(
    cmb: CallMeBack, other: CallMeBack, intruder: CallMeBack, resource: str, methods: Mapping[str, str]
) -> None:
    """One resource of the overlay through the proxy, on the sandbox's data: its list page by page, an
    item created, read, updated and deleted, and the error answers the spec declares for them."""
    handled = ("list", "create", "get", "update", "delete")
    unknown = sorted(operation_id for method, operation_id in methods.items() if method not in handled)
    assert not unknown, "; ".join(f"add a call for {name} to _walk_resource in {THIS_FILE}" for name in unknown)
    listing, creating = methods.get("list"), methods.get("create")
    reading, updating, deleting = methods.get("get"), methods.get("update"), methods.get("delete")
    one = [operation_id for operation_id in (reading, updating, deleting) if operation_id is not None]

    def declares(operation_id: str, status: int) -> bool:
        return status in OPERATIONS[operation_id].responses

    listed: list[Any] = []
    if listing is not None:
        listed = _read_every_page(cmb, listing)
        _check_answer(listing, _send(cmb, listing))  # every query parameter, as the spec's examples give it
        if declares(listing, 400):  # a filter the pattern admits but whose value is longer than FilterCondition's
            with pytest.raises(_error_class(listing, 400)):
                _send(cmb, listing, query={FILTER_PARAMETER: [Filter("id", "eq", "x" * (LONGEST_FILTER_VALUE + 1))]})

    item: Any = listed[0] if listed else None
    if creating is not None:
        created = _body_example(creating)
        item = _send(cmb, creating)
        _check_answer(creating, item)
        _assert_holds(item, created, creating)
    path = _item_path(one[0], item) if one and item is not None else None

    if creating is not None and listing is not None and path is not None:
        body = OPERATIONS[creating].body
        assert body is not None
        required = [name for name in body.schema.get("required", ()) if name in created]
        if required:  # the created item is found by its first required field
            condition = Filter(required[0], "eq", created[required[0]])
            found = [_item_path(one[0], each) for each in _read_filtered(cmb, listing, condition)]
            assert path in found, (listing, condition, found)
    if reading is not None:
        answer = _send(cmb, reading, path)
        _check_answer(reading, answer)
        if creating is not None:
            _assert_holds(answer, created, reading)
    if updating is not None:
        answer = _send(cmb, updating, path)
        _check_answer(updating, answer)
        _assert_holds(answer, _body_example(updating), updating)

    # Another account's item: 403. A wrong API key: 401. A body over the size the sandbox accepts: 413.
    for operation_id in one:
        if declares(operation_id, 403):
            with pytest.raises(_error_class(operation_id, 403)):
                _send(other, operation_id, path)
    for operation_id in methods.values():
        if declares(operation_id, 401) and OPERATIONS[operation_id].authenticated:
            with pytest.raises(_error_class(operation_id, 401)):
                _send(intruder, operation_id, path if operation_id in one else None)
    for operation_id in (name for name in (creating, updating) if name is not None):
        if declares(operation_id, 413):
            oversized = _oversized(operation_id)
            if oversized is not None:
                with pytest.raises(_error_class(operation_id, 413)) as caught:
                    _send(cmb, operation_id, path if operation_id in one else None, oversized)
                assert caught.value.status_code == 413, operation_id

    # Deleted: then the item is not found.
    if deleting is not None:
        assert _send(cmb, deleting, path) is None
        for operation_id in one:
            if declares(operation_id, 404):
                with pytest.raises(_error_class(operation_id, 404)):
                    _send(cmb, operation_id, path)


def _read_filtered(client: CallMeBack, operation_id: str, condition: Filter) -> list[Any]:
    """Every item of a list that meets one condition."""
    resource, method = OPERATION_METHODS[operation_id]
    return list(getattr(getattr(client, resource), method)(**{FILTER_PARAMETER: [condition]}))


def _lock_out(proxy: RunningPrism, http: httpx.Client) -> None:
    """The two-factor account locked by wrong codes, last: a code sent with a nonce opened before the lock
    is refused 429 (verifyTwoFactorCode), and so is the next login (logIn). No retries: they would wait."""
    account = TWO_FACTOR_ACCOUNT

    def login(otp: str | Callable[[], str]) -> CallMeBack:
        return CallMeBack.login(
            account.email, account.password, otp=otp, base_url=proxy.url, http_client=http, max_retries=0
        )

    def lock_then_answer() -> str:
        for _ in range(MAX_FAILED_LOGINS):
            with pytest.raises(_error_class("verifyTwoFactorCode", 401)):
                login("000000")
        return account.two_factor_code or ""

    with pytest.raises(_error_class("verifyTwoFactorCode", 429)):
        login(lock_then_answer)
    with pytest.raises(_error_class("logIn", 429)):
        login(account.two_factor_code or "")


def test_every_overlay_method_passes_the_proxy_without_violation(
    proxy: RunningPrism, http: httpx.Client, recorder: ViolationRecorder
) -> None:
    """Every overlay method and every declared status, through prism proxy --errors before the sandbox: no violation."""
    log_start, notices_start = len(proxy.problems()), proxy.no_content_notices()
    cmb = _client(proxy, http)
    other = _client(proxy, http, SECOND_ACCOUNT)
    intruder = _client(proxy, http, api_key="0" * 40)
    for resource, methods in _resources().items():
        _walk_resource(cmb, other, intruder, resource, methods)

    # Logging in (logIn, verifyTwoFactorCode), with and without a two-factor code; the session lists.
    session = CallMeBack.login(DEMO_ACCOUNT.email, DEMO_ACCOUNT.password, base_url=proxy.url, http_client=http)
    two_factor = CallMeBack.login(
        TWO_FACTOR_ACCOUNT.email,
        TWO_FACTOR_ACCOUNT.password,
        otp=TWO_FACTOR_ACCOUNT.two_factor_code,
        base_url=proxy.url,
        http_client=http,
    )
    for client in (session, two_factor):
        for operation_id in filter(_is_list, OPERATION_METHODS):
            _check_answer(operation_id, _send(client, operation_id))
    _lock_out(proxy, http)

    assert recorder.flagged() == [], _report(proxy, recorder)
    assert proxy.problems()[log_start:] == [], _report(proxy, recorder)
    assert proxy.no_content_notices() == notices_start
    seen = {_operation_id(e.method, e.path) for e in recorder.exchanges}
    _assert_every_operation_sent(seen, "test_every_overlay_method_passes_the_proxy_without_violation")
    declared = {status for operation in OPERATIONS.values() for status in operation.responses}
    unseen = sorted(declared - {e.status for e in recorder.exchanges})
    assert not unseen, (
        f"openapi.yaml declares {unseen}, which no answer through the proxy had: "
        f"add a call that gets it to _walk_resource in {THIS_FILE}"
    )


def test_proxy_reports_a_request_the_spec_refuses(proxy: RunningPrism, http: httpx.Client) -> None:
    """The proxy is not a blind pipe: a page size below its minimum comes back as Prism's own 422 with the violation."""
    listing = next(filter(_is_list, OPERATIONS))
    size = _page_size(listing)
    auth = (str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)
    response = http.get(
        f"{proxy.url}{OPERATIONS[listing].path}", params={size.name: size.schema["minimum"] - 1}, auth=auth
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert size.name in response.text


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
    """Each overlay method once, with the spec's examples as its arguments, reading the first page of each list."""
    for operation_id in OPERATION_METHODS:
        _check_answer(operation_id, _send(cmb, operation_id))


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
        steering.codes = {OPERATIONS["logIn"].path: str(TWO_FACTOR_STATUS)}  # the account asks for a two-factor code
        codes = ["123456"]
        two_factor = CallMeBack.login("2fa@example.com", "secret", otp=codes.pop, base_url=mock.url, http_client=http)
        assert codes == []  # the code was asked for
        _every_method(two_factor)
        steering.codes = {}

    assert recorder.flagged() == [], _report(mock, recorder)
    assert mock.problems()[log_start:] == [], _report(mock, recorder)
    # Its one tolerated warning, once per answer without a body.
    assert mock.no_content_notices() - notices_start == sum(e.status == 204 for e in recorder.exchanges)
    seen = {_operation_id(e.method, e.path) for e in recorder.exchanges}
    _assert_every_operation_sent(seen, "test_every_overlay_method_parses_the_mock_answers")
    assert [e for e in recorder.exchanges if e.status >= 300] == []


def _operation_calls(
    prism: RunningPrism, http: httpx.Client
) -> dict[str, tuple[str, dict[str, str], Callable[[], object]]]:
    """Per operationId: the path to steer, the statuses other paths need first, and the overlay call that sends it."""
    cmb = _client(prism, http)

    def login() -> CallMeBack:
        return CallMeBack.login(
            "2fa@example.com", "secret", otp="123456", base_url=prism.url, http_client=http, max_retries=0
        )

    log_in = OPERATIONS["logIn"].path
    calls: dict[str, tuple[str, dict[str, str], Callable[[], object]]] = {
        "logIn": (log_in, {}, login),
        "verifyTwoFactorCode": (OPERATIONS["verifyTwoFactorCode"].path, {log_in: str(TWO_FACTOR_STATUS)}, login),
    }
    for operation_id in OPERATION_METHODS:
        path = _example_path(operation_id)
        calls[operation_id] = (_request_path(operation_id, path), {}, partial(_send, cmb, operation_id, path))
    missing = sorted(_all_operation_ids() - set(calls))
    assert not missing, "; ".join(f"add a call for {name} to _operation_calls in {THIS_FILE}" for name in missing)
    stale = sorted(set(calls) - _all_operation_ids())
    assert not stale, f"_operation_calls in {THIS_FILE} calls {stale}, which openapi.yaml does not have"
    return calls


def test_every_declared_error_of_the_mock_becomes_its_exception(
    mock: RunningPrism, recorder: ViolationRecorder, http: httpx.Client
) -> None:
    """Each error status an operation declares, made up by the mock (Prefer: code=...), raises its exception class."""
    log_start, notices_start = len(mock.problems()), mock.no_content_notices()
    steering = Steering()
    http.event_hooks["request"] = [steering]
    calls = _operation_calls(mock, http)
    tried: list[tuple[str, int]] = []
    for operation_id, operation in OPERATIONS.items():
        path, first, call = calls[operation_id]
        for status in sorted(code for code in operation.responses if code >= 400):
            steering.codes = {**first, path: str(status)}
            with pytest.raises(_error_class(operation_id, status)) as caught:
                call()
            assert caught.value.status_code == status, (operation_id, status)
            assert str(caught.value)  # a message, whatever the made-up body holds
            tried.append((operation_id, status))
        steering.codes = dict(first)
        call()  # and the success answer parses

    untried = sorted(set(calls) - {operation_id for operation_id, _ in tried})
    assert not untried, f"openapi.yaml declares no error status for {untried}"
    assert recorder.flagged() == [], _report(mock, recorder)
    assert mock.problems()[log_start:] == [], _report(mock, recorder)
    # Its one tolerated warning, once per answer without a body.
    assert mock.no_content_notices() - notices_start == sum(e.status == 204 for e in recorder.exchanges)
