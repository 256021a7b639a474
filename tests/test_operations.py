"""Every operation of openapi.yaml, called through the generated client over httpx.MockTransport.

CASES holds one row per operation: how its generated module is called and what must then go
over the wire (method, URL, query, headers). The JSON bodies a request must carry and the
bodies the fake service answers with are the examples in openapi.yaml itself, so the client
is checked against the documented contract rather than against a copy typed by hand.
Every request and response check runs through both `sync_detailed` and `asyncio_detailed`.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, cast

import httpx
import pytest
from voipstudio_callmeback_client import AuthenticatedClient, Client
from voipstudio_callmeback_client.api.authentication import log_in, verify_two_factor_code
from voipstudio_callmeback_client.api.buttons import create_button, delete_button, get_button, update_button
from voipstudio_callmeback_client.api.call_detail_records import list_cdrs
from voipstudio_callmeback_client.api.settings import (
    create_setting,
    delete_setting,
    get_setting,
    list_settings,
    update_setting,
)
from voipstudio_callmeback_client.api.visitors import list_visitors
from voipstudio_callmeback_client.api.websites import list_websites
from voipstudio_callmeback_client.models import (
    ButtonCreate,
    ButtonResponse,
    ButtonUpdate,
    CdrList,
    ErrorResponse,
    LoginRequest,
    LoginSuccess,
    SettingCreate,
    SettingList,
    SettingResponse,
    SettingUpdate,
    TwoFactorChallenge,
    TwoFactorRequest,
    VisitorList,
    WebsiteList,
)
from voipstudio_callmeback_client.types import Response

import schemas
from conftest import HTTP_METHODS, load_spec

# --- The spec ----------------------------------------------------------------------------

SPEC: dict[str, Any] = load_spec()
SERVER = "https://l7api.com/v1.1/voipstudio"


def resolve(node: Any) -> Any:
    """Follow local `$ref`s (`#/components/...`) until a node that is not a reference."""
    return schemas.resolve(SPEC, node)


@dataclass(frozen=True)
class SpecOperation:
    """One operation of openapi.yaml."""

    method: str
    path: str
    path_item: Mapping[str, Any]
    operation: Mapping[str, Any]

    @property
    def query_parameters(self) -> set[str]:
        """The names of the documented query parameters, path-item level included."""
        parameters = [*self.path_item.get("parameters", []), *self.operation.get("parameters", [])]
        return {p["name"] for p in map(resolve, parameters) if p["in"] == "query"}

    @property
    def security(self) -> list[dict[str, list[str]]]:
        """The security requirements in force: the operation's own, else the document's."""
        return cast(list[dict[str, list[str]]], self.operation.get("security", SPEC["security"]))

    def response_examples(self, status: int) -> dict[str, Any]:
        """Example name -> example value of the JSON body of the documented `status` response."""
        response = resolve(self.operation["responses"][str(status)])
        examples = response["content"]["application/json"]["examples"]
        return {name: resolve(example)["value"] for name, example in examples.items()}

    def request_example(self) -> Any:
        """The value of the single documented example of the JSON request body."""
        examples = resolve(self.operation["requestBody"])["content"]["application/json"]["examples"]
        assert len(examples) == 1, f"expected one request example, got {sorted(examples)}"
        return resolve(next(iter(examples.values())))["value"]


OPERATIONS: dict[str, SpecOperation] = {
    operation["operationId"]: SpecOperation(method.upper(), path, path_item, operation)
    for path, path_item in SPEC["paths"].items()
    for method, operation in path_item.items()
    if method in HTTP_METHODS
}


def only_example(operation_id: str, status: int) -> Any:
    """The value of the single documented example of a response."""
    examples = OPERATIONS[operation_id].response_examples(status)
    assert len(examples) == 1, f"expected one example for {operation_id} {status}, got {sorted(examples)}"
    return next(iter(examples.values()))


def snake_case(name: str) -> str:
    """How openapi-python-client names a module after an operationId or a tag."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).replace(" ", "_").lower()


# The token the documented login answers with; module operations send it as X-Auth-Token.
SESSION_TOKEN: str = only_example("logIn", 200)["user_token"]
USER_ID = "123456"
API_KEY = "4f6c1b9e2d8a7c3f5e0b1d9a8c7e6f5a4b3c2d1e"  # 40 characters, as the spec describes
CALLDATE_FILTER = '[{"property":"calldate","operator":"gte","value":"2026-01-01 00:00:00"}]'

# --- The fake service --------------------------------------------------------------------


@dataclass
class FakeService:
    """An httpx.MockTransport handler: records each request, answers `status` with `body` as JSON."""

    status: int
    body: Any = None
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.body is None:
            return httpx.Response(self.status)
        return httpx.Response(self.status, json=self.body)

    @property
    def request(self) -> httpx.Request:
        """The one request the service received."""
        assert len(self.requests) == 1, f"expected exactly one request, got {len(self.requests)}"
        return self.requests[0]


def make_client(service: FakeService, *, authenticated: bool, **httpx_args: Any) -> AuthenticatedClient | Client:
    """A generated client whose requests go to `service`: token-authenticated, or anonymous."""
    args = {"transport": httpx.MockTransport(service), **httpx_args}
    if authenticated:
        return AuthenticatedClient(
            base_url=SERVER, token=SESSION_TOKEN, auth_header_name="X-Auth-Token", prefix="", httpx_args=args
        )
    return Client(base_url=SERVER, httpx_args=args)


Mode = Literal["sync", "asyncio"]
MODES: tuple[Mode, ...] = ("sync", "asyncio")


def invoke(
    module: ModuleType, client: AuthenticatedClient | Client, mode: Mode, kwargs: Mapping[str, Any]
) -> Response[Any]:
    """Call `module.sync_detailed`, or run `module.asyncio_detailed` with asyncio.run, closing the client."""
    if mode == "sync":
        with client:
            response: Response[Any] = module.sync_detailed(client=client, **kwargs)
        return response

    async def run() -> Response[Any]:
        async with client:
            response: Response[Any] = await module.asyncio_detailed(client=client, **kwargs)
        return response

    return asyncio.run(run())


def query_of(request: httpx.Request) -> dict[str, str]:
    """The URL-decoded query parameters of a request; no name may be repeated."""
    items = request.url.params.multi_items()
    query = dict(items)
    assert len(query) == len(items), f"repeated query parameter in {items}"
    return query


def attribute(value: object, path: str) -> object:
    """Follow a dotted path of attribute names, mapping keys and list indexes, such as `data.0.calldate`."""
    for part in path.split("."):
        if part.isdigit():
            value = cast(Sequence[object], value)[int(part)]
        elif isinstance(value, Mapping):
            value = value[part]
        else:
            value = getattr(value, part)
    return value


# --- The cases ---------------------------------------------------------------------------

LIST_ARGUMENTS: Mapping[str, Any] = {
    "page": 2,
    "limit": 500,
    "sort": "calldate",
    "dir_": "DESC",
    "filter_": CALLDATE_FILTER,
}
LIST_QUERY: Mapping[str, str] = {
    "page": "2",
    "limit": "500",
    "sort": "calldate",
    "dir": "DESC",
    "filter": CALLDATE_FILTER,
}


@dataclass(frozen=True)
class Case:
    """One operation: the call made through the generated client and what it must produce."""

    operation_id: str
    module: ModuleType
    method: str
    path: str  # relative to SERVER, with the path parameters filled in
    status: int  # the documented success status the fake service answers with
    parsed_type: type[Any]  # the model the documented success example must parse into
    fields: Mapping[str, object]  # attribute path -> value the parsed model must hold
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    authenticated: bool = True

    def __str__(self) -> str:
        return self.operation_id


SETTING_FIELDS: Mapping[str, object] = {
    "data.id": 1375,
    "data.name": "Online shop",
    "data.created_at": "2025-02-05 18:20:57",
    "data.culture": 3,
    "data.max_call_rate": 0.15,
    "data.floating_icon": True,
    "links": {},
}
BUTTON_FIELDS: Mapping[str, object] = {
    "data.id": 3243,
    "data.name": "Green call button",
    "data.data_online": '{"color":"#2e7d32","label":"Call me now"}',
    "data.data_offline": '{"color":"#9e9e9e","label":"Leave a message"}',
}
LOGIN_FIELDS: Mapping[str, object] = {
    "user_token": "9b2f0c3e7a1d4c5b8e6f2a0d3c7b1e4f5a6d8c9b",
    "user_id": 123456,
    "message": "Login success",
}

CASES: tuple[Case, ...] = (
    Case(
        "logIn",
        log_in,
        "POST",
        "/login",
        200,
        LoginSuccess,
        LOGIN_FIELDS,
        kwargs={
            "body": LoginRequest(
                email="jane.doe@example.com",
                password="correct horse battery staple",  # noqa: S106 - the spec's documented example
            )
        },
        authenticated=False,
    ),
    Case(
        "verifyTwoFactorCode",
        verify_two_factor_code,
        "POST",
        "/login2fa",
        200,
        LoginSuccess,
        LOGIN_FIELDS,
        kwargs={"body": TwoFactorRequest(code="492817", nonce="6f1c2a9e4b7d4e0f8a3b5c2d1e9f0a7b")},
        authenticated=False,
    ),
    Case(
        "listSettings",
        list_settings,
        "GET",
        "/callmeback/settings",
        200,
        SettingList,
        {"total": 1, "data.0.id": 1375, "data.0.button_id": 3243, "data.0.position": 7, "data.0.ddi": 8140},
        kwargs=LIST_ARGUMENTS,
        query=LIST_QUERY,
    ),
    Case(
        "createSetting",
        create_setting,
        "POST",
        "/callmeback/settings",
        201,
        SettingResponse,
        SETTING_FIELDS,
        kwargs={
            "body": SettingCreate(
                name="Online shop",
                button_id=3243,
                position=7,
                floating_icon=True,
                culture=3,
                allowed_countries="GB,IE",
                show_to_allowed_countries_only=True,
                welcome_screen_msg="Leave your number and we will call you back within a minute.",
                privacy_policy_url="https://shop.example.com/privacy",
                ddi_e164=442038077001,
                max_call_rate=0.15,
            )
        },
    ),
    Case(
        "getSetting",
        get_setting,
        "GET",
        "/callmeback/settings/1375",
        200,
        SettingResponse,
        SETTING_FIELDS,
        {"id": 1375},
    ),
    Case(
        "updateSetting",
        update_setting,
        "PATCH",
        "/callmeback/settings/1375",
        200,
        SettingResponse,
        {
            **SETTING_FIELDS,
            "data.welcome_screen_msg": "Hi! Leave your number and we will call you.",
            "data.max_call_rate": 0.2,
        },
        kwargs={
            "id": 1375,
            "body": SettingUpdate(welcome_screen_msg="Hi! Leave your number and we will call you.", max_call_rate=0.2),
        },
    ),
    Case("deleteSetting", delete_setting, "DELETE", "/callmeback/settings/1375", 204, type(None), {}, {"id": 1375}),
    Case(
        "createButton",
        create_button,
        "POST",
        "/callmeback/buttons",
        201,
        ButtonResponse,
        BUTTON_FIELDS,
        kwargs={
            "body": ButtonCreate(
                name="Green call button",
                data_online='{"color":"#2e7d32","label":"Call me now"}',
                data_offline='{"color":"#9e9e9e","label":"Leave a message"}',
            )
        },
    ),
    Case("getButton", get_button, "GET", "/callmeback/buttons/3243", 200, ButtonResponse, BUTTON_FIELDS, {"id": 3243}),
    Case(
        "updateButton",
        update_button,
        "PATCH",
        "/callmeback/buttons/3243",
        200,
        ButtonResponse,
        {**BUTTON_FIELDS, "data.name": "Call us"},
        kwargs={"id": 3243, "body": ButtonUpdate(name="Call us")},
    ),
    Case("deleteButton", delete_button, "DELETE", "/callmeback/buttons/3243", 204, type(None), {}, {"id": 3243}),
    Case(
        "listWebsites",
        list_websites,
        "GET",
        "/callmeback/websites",
        200,
        WebsiteList,
        {"total": 1, "data.0.id": 7977, "data.0.name": "shop.example.com", "data.0.culture": 0, "data.0.ddi": 35},
        kwargs=LIST_ARGUMENTS,
        query=LIST_QUERY,
    ),
    Case(
        "listCdrs",
        list_cdrs,
        "GET",
        "/callmeback/cdrs",
        200,
        CdrList,
        {
            "total": 2731,
            "data.0.id": 5530219,
            "data.0.calldate": "2026-02-17 14:03:51",
            "data.0.type_": "O",
            "data.0.parent_live_id": None,
            "data.0.billsec": 171,
            "data.0.charge": 0.0356,
            "data.0.labels": [],
        },
        kwargs=LIST_ARGUMENTS,
        query=LIST_QUERY,
    ),
    Case(
        "listVisitors",
        list_visitors,
        "GET",
        "/callmeback/visitors",
        200,
        VisitorList,
        {
            "total": 418,
            "data.0.id": 7439,
            "data.0.additional_properties.website_id": 7977,
            "data.0.additional_properties.ip": "203.0.113.24",
        },
        kwargs=LIST_ARGUMENTS,
        query=LIST_QUERY,
    ),
)
CASES_BY_ID: dict[str, Case] = {case.operation_id: case for case in CASES}
LIST_CASES: tuple[Case, ...] = tuple(case for case in CASES if case.query)


def call(case: Case, service: FakeService, mode: Mode, **kwargs: Any) -> Response[Any]:
    """Call a case's operation against `service`; `kwargs` override the case's arguments."""
    client = make_client(service, authenticated=case.authenticated)
    return invoke(case.module, client, mode, {**case.kwargs, **kwargs})


# --- The table agrees with the spec --------------------------------------------------------


def test_every_operation_in_the_spec_has_exactly_one_case() -> None:
    """The cases cover exactly the operationIds of openapi.yaml, each once."""
    assert len(CASES_BY_ID) == len(CASES)
    assert set(CASES_BY_ID) == set(OPERATIONS)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case_calls_the_module_generated_for_its_operation(case: Case) -> None:
    """A case calls api/<snake_case tag>/<snake_case operationId>.py."""
    tag = snake_case(OPERATIONS[case.operation_id].operation["tags"][0])
    expected = f"voipstudio_callmeback_client.api.{tag}.{snake_case(case.operation_id)}"
    assert case.module.__name__ == expected


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case_expects_what_the_spec_documents(case: Case) -> None:
    """A case's method, path, query names, body, security and success status are the documented ones."""
    documented = OPERATIONS[case.operation_id]
    assert case.method == documented.method
    assert case.path == documented.path.replace("{id}", str(case.kwargs.get("id")))
    assert set(case.query) <= documented.query_parameters
    if documented.query_parameters:
        assert set(case.query) == documented.query_parameters == {"page", "limit", "sort", "dir", "filter"}
    assert ("body" in case.kwargs) == ("requestBody" in documented.operation)
    assert case.authenticated == (documented.security != [])
    assert str(case.status) == min(s for s in documented.operation["responses"] if s.startswith("2"))


# --- Requests ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=str)
class TestRequest:
    """What each operation sends, through sync_detailed and asyncio_detailed alike."""

    def send(self, case: Case, mode: Mode) -> httpx.Request:
        """Call the operation against a service that answers its documented success."""
        service = FakeService(case.status, None if case.status == 204 else only_example(case.operation_id, case.status))
        call(case, service, mode)
        return service.request

    def test_sends_the_documented_method_and_url(self, case: Case, mode: Mode) -> None:
        """The request uses the documented method on the server URL joined with the documented path."""
        request = self.send(case, mode)
        assert request.method == case.method
        assert str(request.url.copy_with(query=None)) == SERVER + case.path

    def test_sends_exactly_the_given_query_parameters(self, case: Case, mode: Mode) -> None:
        """The query holds the given parameters under their documented names, URL-decoded as given, and no other."""
        assert query_of(self.send(case, mode)) == case.query

    def test_sends_the_session_token_only_to_module_operations(self, case: Case, mode: Mode) -> None:
        """Module operations carry X-Auth-Token with the bare token; the login operations carry no credentials."""
        headers = self.send(case, mode).headers
        assert headers.get("X-Auth-Token") == (SESSION_TOKEN if case.authenticated else None)
        assert "Authorization" not in headers

    def test_sends_a_json_content_type_exactly_with_a_body(self, case: Case, mode: Mode) -> None:
        """Content-Type is application/json on requests with a body and absent on the others."""
        headers = self.send(case, mode).headers
        assert headers.get("Content-Type") == ("application/json" if "body" in case.kwargs else None)

    def test_sends_the_documented_json_body(self, case: Case, mode: Mode) -> None:
        """The body is exactly the spec's request example, and requests without a body send none."""
        request = self.send(case, mode)
        if "body" in case.kwargs:
            assert json.loads(request.content) == OPERATIONS[case.operation_id].request_example()
        else:
            assert request.content == b""


@pytest.mark.parametrize("case", LIST_CASES, ids=str)
class TestListQuery:
    """The paging, ordering and filtering parameters of the list operations."""

    def test_unset_parameters_are_not_sent(self, case: Case) -> None:
        """Without arguments the request carries no query string at all."""
        service = FakeService(200, only_example(case.operation_id, 200))
        invoke(case.module, make_client(service, authenticated=True), "sync", {})
        assert service.request.url.query == b""

    def test_filter_is_url_encoded_and_arrives_exactly_as_given(self, case: Case) -> None:
        """The JSON filter is percent-encoded on the wire and decodes to the very same string."""
        service = FakeService(200, only_example(case.operation_id, 200))
        invoke(case.module, make_client(service, authenticated=True), "sync", {"filter_": CALLDATE_FILTER})
        raw = service.request.url.query.decode("ascii")
        assert re.fullmatch(r"filter=[A-Za-z0-9%._~+-]+", raw), raw
        assert query_of(service.request) == {"filter": CALLDATE_FILTER}
        assert json.loads(query_of(service.request)["filter"]) == [
            {"property": "calldate", "operator": "gte", "value": "2026-01-01 00:00:00"}
        ]


@pytest.mark.parametrize(
    ("case", "body", "expected"),
    [
        pytest.param(
            CASES_BY_ID["updateSetting"],
            SettingUpdate(welcome_screen_msg="Hello"),
            {"welcome_screen_msg": "Hello"},
            id="updateSetting",
        ),
        pytest.param(
            CASES_BY_ID["updateButton"],
            ButtonUpdate(data_offline='{"label":"Closed"}'),
            {"data_offline": '{"label":"Closed"}'},
            id="updateButton",
        ),
    ],
)
def test_patch_sends_only_the_fields_that_were_set(
    case: Case, body: SettingUpdate | ButtonUpdate, expected: Any
) -> None:
    """An update with one field set sends a body with that one key (PATCH semantics)."""
    service = FakeService(200, only_example(case.operation_id, 200))
    call(case, service, "sync", body=body)
    assert json.loads(service.request.content) == expected


def basic_client_via_httpx_auth(service: FakeService) -> Client:
    """A Client that lets httpx add HTTP Basic credentials (httpx_args={"auth": ...})."""
    return Client(base_url=SERVER, httpx_args={"transport": httpx.MockTransport(service), "auth": (USER_ID, API_KEY)})


def basic_client_via_with_headers(service: FakeService) -> Client:
    """A Client given a ready-made HTTP Basic Authorization header with with_headers."""
    credentials = base64.b64encode(f"{USER_ID}:{API_KEY}".encode()).decode("ascii")
    client = Client(base_url=SERVER, httpx_args={"transport": httpx.MockTransport(service)})
    return client.with_headers({"Authorization": f"Basic {credentials}"})


@pytest.mark.parametrize("make_basic_client", [basic_client_via_httpx_auth, basic_client_via_with_headers])
@pytest.mark.parametrize("mode", MODES)
def test_http_basic_authentication_with_an_api_key(
    make_basic_client: Callable[[FakeService], Client], mode: Mode
) -> None:
    """A Client given user id and API key sends `Authorization: Basic base64(id:key)` and no X-Auth-Token."""
    service = FakeService(200, only_example("getSetting", 200))
    response = invoke(get_setting, make_basic_client(service), mode, {"id": 1375})
    assert (
        service.request.headers["Authorization"]
        == "Basic MTIzNDU2OjRmNmMxYjllMmQ4YTdjM2Y1ZTBiMWQ5YThjN2U2ZjVhNGIzYzJkMWU="
    )
    assert "X-Auth-Token" not in service.request.headers
    assert isinstance(response.parsed, SettingResponse)


# --- Responses -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_documented_success_parses_into_its_model(case: Case, mode: Mode) -> None:
    """The documented success example parses into the documented model with every field kept; 204 parses to None."""
    example = None if case.status == 204 else only_example(case.operation_id, case.status)
    response = call(case, FakeService(case.status, example), mode)
    assert response.status_code == case.status
    parsed: Any = response.parsed
    assert type(parsed) is case.parsed_type
    for path, value in case.fields.items():
        assert attribute(parsed, path) == value, path
    if example is None:
        assert parsed is None
        assert response.content == b""
    else:
        assert parsed.to_dict() == example


@pytest.mark.parametrize("case", [case for case in CASES if case.status != 204], ids=str)
def test_undocumented_members_are_kept(case: Case) -> None:
    """A member the spec does not list, in the body or in a resource, is kept rather than rejected or dropped."""
    example = copy.deepcopy(only_example(case.operation_id, case.status))
    example["x_new_member"] = {"added": "later"}
    data = example.get("data")
    resource = data[0] if isinstance(data, list) else data
    if isinstance(resource, dict):
        resource["x_new_member"] = [1, 2]
    parsed: Any = call(case, FakeService(case.status, example), "sync").parsed
    assert type(parsed) is case.parsed_type
    assert parsed.additional_properties == {"x_new_member": {"added": "later"}}
    if isinstance(resource, dict):
        parsed_resource: Any = attribute(parsed, "data.0" if isinstance(data, list) else "data")
        assert parsed_resource.additional_properties["x_new_member"] == [1, 2]
    assert parsed.to_dict() == example


@pytest.mark.parametrize("mode", MODES)
def test_log_in_parses_202_into_a_two_factor_challenge(mode: Mode) -> None:
    """logIn answered 202 gives a TwoFactorChallenge carrying the nonce for verifyTwoFactorCode."""
    case = CASES_BY_ID["logIn"]
    response = call(case, FakeService(202, only_example("logIn", 202)), mode)
    assert response.status_code == 202
    assert isinstance(response.parsed, TwoFactorChallenge)
    assert response.parsed.nonce == "6f1c2a9e4b7d4e0f8a3b5c2d1e9f0a7b"


ERROR_EXAMPLES = [
    pytest.param(operation_id, int(status), name, example, id=f"{operation_id}-{status}-{name}")
    for operation_id, documented in OPERATIONS.items()
    for status in documented.operation["responses"]
    if status.startswith("4")
    for name, example in documented.response_examples(int(status)).items()
]


@pytest.mark.parametrize(("operation_id", "status", "name", "example"), ERROR_EXAMPLES)
def test_every_documented_error_example_parses_into_error(
    operation_id: str, status: int, name: str, example: Any
) -> None:
    """Each 4xx example of components/responses parses into ErrorResponse, keeping every member."""
    response = call(CASES_BY_ID[operation_id], FakeService(status, example), "sync")
    assert response.status_code == status
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.to_dict() == example


@pytest.mark.parametrize(
    ("operation_id", "status", "name", "path", "value"),
    [
        ("logIn", 400, "filtration", "message", "Filtration error"),
        ("logIn", 401, "invalid", "errors.0.message", "Invalid email or password"),
        ("verifyTwoFactorCode", 401, "invalid", "errors.0.message", "Invalid email or password"),
        ("listCdrs", 400, "filtration", "message", "Filtration error"),
        ("listVisitors", 401, "unauthorized", "message", "Unauthorized"),
        ("createSetting", 400, "validation", "errors.0.field", "name"),
        ("createSetting", 400, "validation", "errors.0.code", "SF0010"),
        ("listSettings", 400, "parameter", "errors.0.field", "limit"),
        ("updateButton", 400, "validation", "errors.0.message", "This value is not valid."),
        ("getSetting", 403, "denied", "message", "Access denied"),
        ("deleteSetting", 404, "missing", "message", "Resource not found"),
        ("getButton", 404, "missing", "message", "Resource not found"),
        ("deleteButton", 403, "denied", "message", "Access denied"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_error_fields_are_readable(
    operation_id: str, status: int, name: str, path: str, value: str, mode: Mode
) -> None:
    """The message of a documented error is found where the ErrorResponse schema says to read it."""
    example = OPERATIONS[operation_id].response_examples(status)[name]
    response = call(CASES_BY_ID[operation_id], FakeService(status, example), mode)
    assert response.status_code == status
    assert isinstance(response.parsed, ErrorResponse)
    assert attribute(response.parsed, path) == value
