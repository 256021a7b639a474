"""Every operation of openapi.yaml, called through the generated client over httpx.MockTransport.

No operation, path, status, model or parameter is written here: CASES holds one case per
operation of the spec, built from the generated operation table
(voipstudio_callmeback_client.operations.OPERATIONS: the module whose `_get_kwargs` is the
entry's `build`, the method, path, parameters, body model, success status and response models)
and from openapi.yaml itself (the server with its variables' defaults, the security schemes and
every example). Path and query arguments are the `example`s of the spec's parameters, request
bodies are the spec's request example passed through the body model's from_dict, and the fake
service answers with the spec's response examples, so the client is checked against the
documented contract rather than against a copy typed by hand. The table is first checked
against the spec. An operation added to openapi.yaml is covered once scripts/regenerate has
run; when the spec lacks what a case needs (an example), the failing test names what to add.
The only values written here are test data: credentials and a JSON filter holding a timestamp.
Every request and response check runs through both `sync_detailed` and `asyncio_detailed`.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import importlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, cast
from urllib.parse import quote

import attrs
import httpx
import pytest
from voipstudio_callmeback_client import AuthenticatedClient, Client
from voipstudio_callmeback_client.operations import OPERATIONS, Operation, Parameter
from voipstudio_callmeback_client.types import Response

import schemas
from conftest import HTTP_METHODS, load_spec

THIS_FILE = "tests/test_operations.py"
JSON = "application/json"

# --- The spec ----------------------------------------------------------------------------

SPEC: dict[str, Any] = load_spec()


def resolve(node: Any) -> Any:
    """Follow local `$ref`s (`#/components/...`) until a node that is not a reference."""
    return schemas.resolve(SPEC, node)


def server_url(server: Mapping[str, Any]) -> str:
    """The URL of a server of the spec, each `{variable}` replaced by its default."""
    variables: Mapping[str, Any] = server.get("variables", {})
    return re.sub(r"\{([^}]+)\}", lambda match: str(variables[match[1]]["default"]), server["url"])


SERVER = server_url(SPEC["servers"][0])


def security_scheme(kind: Callable[[Mapping[str, Any]], bool]) -> Mapping[str, Any] | None:
    """The first scheme of the document's security requirements for which `kind` holds, or None."""
    for requirement in SPEC.get("security", []):
        for name in requirement:
            scheme: Mapping[str, Any] = SPEC["components"]["securitySchemes"][name]
            if kind(scheme):
                return scheme
    return None


TOKEN_SCHEME = security_scheme(lambda scheme: scheme["type"] == "apiKey" and scheme["in"] == "header")
BASIC_SCHEME = security_scheme(lambda scheme: scheme["type"] == "http" and scheme["scheme"].lower() == "basic")
assert TOKEN_SCHEME is not None, (
    f"openapi.yaml documents no API key sent in a header among its security schemes; {THIS_FILE} sends the "
    "session token that way: add the scheme to openapi.yaml, or teach make_client in "
    f"{THIS_FILE} how the token is sent now"
)
TOKEN_HEADER: str = TOKEN_SCHEME["name"]


@dataclass(frozen=True)
class SpecOperation:
    """One operation of openapi.yaml."""

    method: str
    path: str
    path_item: Mapping[str, Any]
    operation: Mapping[str, Any]

    @property
    def operation_id(self) -> str:
        """The operation's operationId."""
        return cast(str, self.operation["operationId"])

    @property
    def parameters(self) -> list[Mapping[str, Any]]:
        """The documented parameters, resolved: the path item's, then the operation's own, which override them."""
        found: dict[tuple[str, str], Mapping[str, Any]] = {}
        for parameter in map(resolve, [*self.path_item.get("parameters", []), *self.operation.get("parameters", [])]):
            found[(parameter["name"], parameter["in"])] = parameter
        return list(found.values())

    @property
    def query_parameters(self) -> set[str]:
        """The names of the documented query parameters, path-item level included."""
        return {parameter["name"] for parameter in self.parameters if parameter["in"] == "query"}

    @property
    def security(self) -> list[dict[str, list[str]]]:
        """The security requirements in force: the operation's own, else the document's."""
        return cast(list[dict[str, list[str]]], self.operation.get("security", SPEC.get("security", [])))

    @property
    def statuses(self) -> list[int]:
        """The documented response statuses (a `default` response has none)."""
        return [int(status) for status in self.operation["responses"] if str(status).isdigit()]

    def parameter(self, name: str, location: str) -> Mapping[str, Any] | None:
        """The documented parameter sent as `name` in `location`, or None."""
        for parameter in self.parameters:
            if (parameter["name"], parameter["in"]) == (name, location):
                return parameter
        return None

    def parameter_example(self, name: str, location: str) -> Any:
        """The `example` of a documented parameter; fails naming what to add to openapi.yaml when it has none."""
        parameter = self.parameter(name, location) or {}
        if "example" not in parameter:
            pytest.fail(
                f"add an `example` to the {location} parameter `{name}` of {self.operation_id} in openapi.yaml "
                f"(or to the components/parameters entry it refers to): {THIS_FILE} sends it"
            )
        return parameter["example"]

    def response_content(self, status: int) -> Mapping[str, Any] | None:
        """The JSON media type object of the documented `status` response, or None when it has no JSON body."""
        response = resolve(self.operation["responses"][str(status)])
        return cast(Mapping[str, Any] | None, response.get("content", {}).get(JSON))

    def response_examples(self, status: int) -> dict[str, Any]:
        """Example name -> example value of the JSON body of the documented `status` response."""
        content = self.response_content(status) or {}
        if "example" in content:
            return {"example": content["example"]}
        return {name: resolve(example)["value"] for name, example in content.get("examples", {}).items()}

    def request_examples(self) -> list[Any]:
        """The values of the documented examples of the JSON request body (none without a body)."""
        if "requestBody" not in self.operation:
            return []
        content = resolve(self.operation["requestBody"])["content"].get(JSON, {})
        examples = [resolve(example)["value"] for example in content.get("examples", {}).values()]
        return [content["example"], *examples] if "example" in content else examples

    def request_example(self) -> Any:
        """The value of the single documented example of the JSON request body; fails naming what to add."""
        examples = self.request_examples()
        if len(examples) != 1:
            pytest.fail(
                f"give the JSON request body of {self.operation_id} exactly one example in openapi.yaml "
                f"(it has {len(examples)}): {THIS_FILE} sends it"
            )
        return examples[0]


SPEC_OPERATIONS: list[SpecOperation] = [
    SpecOperation(method.upper(), path, path_item, operation)
    for path, path_item in SPEC["paths"].items()
    for method, operation in path_item.items()
    if method in HTTP_METHODS
]
DOCUMENTED: dict[str, SpecOperation] = {documented.operation_id: documented for documented in SPEC_OPERATIONS}


def snake_case(name: str) -> str:
    """How openapi-python-client names a module after an operationId or a tag."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).replace(" ", "_").lower()


# Credentials the tests send (the fake service checks none of them); a session token is an opaque string.
SESSION_TOKEN = "t" * 40
USER_ID = "123456"
API_KEY = "4f6c1b9e2d8a7c3f5e0b1d9a8c7e6f5a4b3c2d1e"  # 40 characters, as the spec describes
# A JSON filter holding a timestamp: a space, quotes, colons, brackets and braces, all of which the
# query encoding must escape. Sent in every query parameter whose documented example is JSON.
TIMESTAMP_FILTER = '[{"property":"calldate","operator":"gte","value":"2026-01-01 00:00:00"}]'

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
            base_url=SERVER, token=SESSION_TOKEN, auth_header_name=TOKEN_HEADER, prefix="", httpx_args=args
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


def wire_value(value: object) -> str:
    """How a query parameter value is written in the URL (before percent-encoding)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    assert isinstance(value, str | int | float), f"{THIS_FILE} cannot send the query value {value!r}"
    return str(value)


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


def attribute_for(model: type[Any], member: str) -> str | None:
    """The attribute of an attrs model that holds the JSON member `member`; None when the model does not declare it."""
    names = {model_field.name for model_field in attrs.fields(model) if model_field.init}
    for candidate in (member, f"{member}_", snake_case(member), f"{snake_case(member)}_"):
        if candidate in names:
            return candidate
    return None


def assert_members_readable(parsed: object, expected: object, where: str = "body") -> None:
    """Each member of the JSON `expected` is read, with its value and type, from the attribute of its name in
    `parsed` (a declared member) or from its `additional_properties` (any other), at every depth."""
    if attrs.has(type(parsed)):
        assert isinstance(expected, dict), f"{where}: parsed into {type(parsed).__name__}, but the JSON is {expected!r}"
        extra: Mapping[str, object] = getattr(parsed, "additional_properties", {})
        for member, value in expected.items():
            name = attribute_for(type(parsed), member)
            if name is None:
                assert member in extra, f"{where}.{member} is neither an attribute nor an additional property"
                found = extra[member]
            else:
                found = getattr(parsed, name)
            assert_members_readable(found, value, f"{where}.{member}")
    elif isinstance(expected, list):
        assert isinstance(parsed, list), f"{where}: {parsed!r} is not a list"
        assert len(parsed) == len(expected), where
        for index, (item, value) in enumerate(zip(parsed, expected, strict=True)):
            assert_members_readable(item, value, f"{where}.{index}")
    else:
        assert (parsed, type(parsed)) == (expected, type(expected)), where


def sample(schema: Mapping[str, Any]) -> Any:
    """A value of the type a (resolved) JSON schema describes, within its bounds; a string when it names no type."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "boolean":
        return True
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 0)) + 0.5
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return "x" * max(1, int(schema.get("minLength", 1)))


# --- The cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One operation: its entry in the generated table, its entry in the spec, and the module that calls it.

    Its arguments are the spec's examples; they are read when a test calls the operation, so
    that a missing example fails that test naming what to add rather than the whole module.
    """

    operation: Operation
    documented: SpecOperation
    module: ModuleType

    def __str__(self) -> str:
        return self.operation.id

    @property
    def authenticated(self) -> bool:
        """Whether the operation takes the session token (the login operations do not)."""
        return self.operation.authenticated

    @property
    def parsed_type(self) -> type[Any]:
        """The model the documented success answer parses into; NoneType when it has no body."""
        return self.operation.response or type(None)

    def parameters(self, location: str) -> list[Parameter]:
        """The operation's parameters sent in `location` (path, query ...)."""
        return [parameter for parameter in self.operation.parameters if parameter.location == location]

    def path_arguments(self) -> dict[str, Any]:
        """python_name -> the spec's example, for every path parameter."""
        for parameter in self.operation.parameters:
            if parameter.location not in ("path", "query"):
                pytest.fail(
                    f"{self} takes the {parameter.location} parameter `{parameter.name}`; {THIS_FILE} sends "
                    f"only path and query parameters: add the sending and checking of {parameter.location} "
                    f"parameters to Case and TestRequest in {THIS_FILE}"
                )
        return {
            parameter.python_name: self.documented.parameter_example(parameter.name, "path")
            for parameter in self.parameters("path")
        }

    def query_arguments(self, *, required_only: bool = False) -> dict[str, Any]:
        """python_name -> the spec's example, for every query parameter (or only the required ones)."""
        return {
            parameter.python_name: self.documented.parameter_example(parameter.name, "query")
            for parameter in self.parameters("query")
            if parameter.required or not required_only
        }

    def expected_query(self, *, required_only: bool = False) -> dict[str, str]:
        """What the query must then hold: each parameter under its documented name, written as on the wire."""
        by_python_name = {parameter.python_name: parameter.name for parameter in self.parameters("query")}
        return {
            by_python_name[python_name]: wire_value(value)
            for python_name, value in self.query_arguments(required_only=required_only).items()
        }

    def body_arguments(self) -> dict[str, Any]:
        """{"body": the body model made with from_dict from the spec's request example}, or nothing."""
        if self.operation.body is None:
            return {}
        return {"body": self.operation.body.model.from_dict(self.documented.request_example())}

    def kwargs(self) -> dict[str, Any]:
        """Every argument of the call: path parameters, query parameters and body, from the spec's examples."""
        return {**self.path_arguments(), **self.query_arguments(), **self.body_arguments()}

    def url(self) -> str:
        """The server URL joined with the documented path, its parameters filled in with their examples."""
        path, arguments = self.operation.path, self.path_arguments()
        for parameter in self.parameters("path"):
            path = path.replace(f"{{{parameter.name}}}", quote(str(arguments[parameter.python_name]), safe=""))
        return SERVER + path

    def success_examples(self, status: int | None = None) -> dict[str, Any]:
        """The documented examples of a success answer (the operation's own by default); fails when it has none."""
        status = self.operation.status if status is None else status
        examples = self.documented.response_examples(status)
        if not examples:
            pytest.fail(f"add an example to the {status} response of {self} in openapi.yaml: the fake service sends it")
        return examples

    def answer(self) -> FakeService:
        """A service that answers the documented success: its first example, or no body."""
        if self.operation.response is None:
            return FakeService(self.operation.status)
        return FakeService(self.operation.status, next(iter(self.success_examples().values())))


def make_case(operation: Operation) -> Case:
    """The case of an operation of the table: the generated module is the one that holds its `build`."""
    return Case(operation, DOCUMENTED[operation.id], importlib.import_module(operation.build.__module__))


# In the spec's order; an operation that the spec and the table do not share fails the first test below.
CASES: tuple[Case, ...] = tuple(
    make_case(OPERATIONS[documented.operation_id])
    for documented in SPEC_OPERATIONS
    if documented.operation_id in OPERATIONS
)
LIST_CASES: tuple[Case, ...] = tuple(case for case in CASES if case.parameters("query"))
BODY_CASES: tuple[Case, ...] = tuple(case for case in CASES if case.operation.body is not None)
ANSWERED_CASES: tuple[Case, ...] = tuple(case for case in CASES if case.operation.response is not None)
AUTHENTICATED_CASES: tuple[Case, ...] = tuple(case for case in CASES if case.authenticated)


def call(
    case: Case, service: FakeService, mode: Mode, *, client: AuthenticatedClient | Client | None = None, **kwargs: Any
) -> Response[Any]:
    """Call a case's operation against `service`; `kwargs` override the case's arguments."""
    if client is None:
        client = make_client(service, authenticated=case.authenticated)
    return invoke(case.module, client, mode, {**case.kwargs(), **kwargs})


# --- The table agrees with the spec --------------------------------------------------------


def test_every_operation_of_the_spec_is_in_the_table() -> None:
    """The spec's operationIds are unique, and the generated table holds exactly them."""
    ids = [documented.operation_id for documented in SPEC_OPERATIONS]
    repeated = sorted({operation_id for operation_id in ids if ids.count(operation_id) > 1})
    assert not repeated, f"openapi.yaml uses the operationId {', '.join(repeated)} more than once"
    missing = sorted(set(ids) - set(OPERATIONS))
    assert not missing, (
        f"openapi.yaml has {', '.join(missing)}, which voipstudio_callmeback_client.operations lacks: "
        "run scripts/regenerate"
    )
    stale = sorted(set(OPERATIONS) - set(ids))
    assert not stale, (
        f"voipstudio_callmeback_client.operations has {', '.join(stale)}, which openapi.yaml lacks: "
        "run scripts/regenerate"
    )


def model_name(name: str) -> str:
    """A schema or class name without case or separators, to compare a model with the schema it was made from."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_table_entry_is_what_the_spec_documents(case: Case) -> None:
    """The table's method, path, parameters, body, security, success status and response models are the spec's."""
    operation, documented = case.operation, case.documented
    assert operation.method == documented.method
    assert operation.path == documented.path
    assert {(p.name, p.location, p.required) for p in operation.parameters} == {
        (p["name"], p["in"], p.get("required", False)) for p in documented.parameters
    }
    assert {p.name for p in case.parameters("query")} == documented.query_parameters
    assert set(re.findall(r"\{([^}]+)\}", operation.path)) == {p.name for p in case.parameters("path")}
    assert (operation.body is not None) == ("requestBody" in documented.operation)
    assert operation.authenticated == (documented.security != [])
    assert operation.status == min(status for status in documented.statuses if 200 <= status < 300)
    assert set(operation.responses) == set(documented.statuses)
    for status, model in operation.responses.items():
        content = documented.response_content(status)
        if content is None:
            assert model is None, status
        elif "$ref" in content["schema"]:
            assert model is not None, status
            assert model_name(model.__name__) == model_name(content["schema"]["$ref"].rsplit("/", 1)[-1]), status
    assert operation.response is operation.responses[operation.status]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case_calls_the_module_generated_for_its_operation(case: Case) -> None:
    """A case calls api/<snake_case tag>/<snake_case operationId>.py, whose request builder is the table's."""
    expected = f"voipstudio_callmeback_client.api.{snake_case(case.operation.tag)}.{snake_case(case.operation.id)}"
    assert case.module.__name__ == expected
    assert case.module._get_kwargs is case.operation.build
    assert callable(case.module.sync_detailed)
    assert callable(case.module.asyncio_detailed)


# --- Requests ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=str)
class TestRequest:
    """What each operation sends, through sync_detailed and asyncio_detailed alike."""

    def send(self, case: Case, mode: Mode) -> httpx.Request:
        """Call the operation against a service that answers its documented success."""
        service = case.answer()
        call(case, service, mode)
        return service.request

    def test_sends_the_documented_method_and_url(self, case: Case, mode: Mode) -> None:
        """The request uses the documented method on the server URL joined with the documented path."""
        request = self.send(case, mode)
        assert request.method == case.operation.method
        assert str(request.url.copy_with(query=None)) == case.url()

    def test_sends_exactly_the_given_query_parameters(self, case: Case, mode: Mode) -> None:
        """The query holds the given parameters under their documented names, URL-decoded as given, and no other."""
        assert query_of(self.send(case, mode)) == case.expected_query()

    def test_sends_the_session_token_only_to_module_operations(self, case: Case, mode: Mode) -> None:
        """Module operations carry the token header with the bare token; the login operations carry no credentials."""
        headers = self.send(case, mode).headers
        assert headers.get(TOKEN_HEADER) == (SESSION_TOKEN if case.authenticated else None)
        assert "Authorization" not in headers

    def test_sends_a_json_content_type_exactly_with_a_body(self, case: Case, mode: Mode) -> None:
        """Content-Type is the body's media type on requests with a body and absent on the others."""
        headers = self.send(case, mode).headers
        body = case.operation.body
        assert headers.get("Content-Type") == (None if body is None else body.media_type)

    def test_sends_the_documented_json_body(self, case: Case, mode: Mode) -> None:
        """The body is exactly the spec's request example, and requests without a body send none."""
        request = self.send(case, mode)
        if case.operation.body is not None:
            assert json.loads(request.content) == case.documented.request_example()
        else:
            assert request.content == b""


@pytest.mark.parametrize("case", BODY_CASES, ids=str)
def test_the_request_example_fills_the_body_model(case: Case) -> None:
    """from_dict puts each member of the spec's request example in the body model's attribute of that name."""
    assert case.operation.body is not None
    (body,) = case.body_arguments().values()
    assert type(body) is case.operation.body.model
    assert_members_readable(body, case.documented.request_example())
    assert body.to_dict() == case.documented.request_example()


def json_example(value: object) -> bool:
    """Whether a parameter example is a JSON array or object written as a string (a filter)."""
    try:
        return isinstance(value, str) and isinstance(json.loads(value), list | dict)
    except ValueError:
        return False


JSON_QUERY_VALUES = [
    pytest.param(case, parameter, value, id=f"{case}-{parameter.name}-{label}")
    for case in LIST_CASES
    for parameter in case.parameters("query")
    if json_example(example := (case.documented.parameter(parameter.name, "query") or {}).get("example"))
    for label, value in (("example", example), ("timestamp", TIMESTAMP_FILTER))
]


@pytest.mark.parametrize("case", LIST_CASES, ids=str)
def test_unset_query_parameters_are_not_sent(case: Case) -> None:
    """Without its optional arguments the request carries no query string but the required parameters."""
    service = case.answer()
    arguments = {**case.path_arguments(), **case.query_arguments(required_only=True), **case.body_arguments()}
    invoke(case.module, make_client(service, authenticated=case.authenticated), "sync", arguments)
    assert query_of(service.request) == case.expected_query(required_only=True)
    if not case.expected_query(required_only=True):
        assert service.request.url.query == b""


@pytest.mark.parametrize(("case", "parameter", "value"), JSON_QUERY_VALUES)
def test_json_query_values_are_url_encoded_and_arrive_exactly_as_given(
    case: Case, parameter: Parameter, value: str
) -> None:
    """A JSON query value (the filter) is percent-encoded on the wire and decodes to the very same string."""
    service = case.answer()
    arguments = {
        **case.path_arguments(),
        **case.query_arguments(required_only=True),
        **case.body_arguments(),
        parameter.python_name: value,
    }
    invoke(case.module, make_client(service, authenticated=case.authenticated), "sync", arguments)
    raw = service.request.url.query.decode("ascii").split("&")
    (sent,) = [item for item in raw if item.startswith(f"{parameter.name}=")]
    assert re.fullmatch(rf"{re.escape(parameter.name)}=[A-Za-z0-9%._~+-]+", sent), sent
    assert query_of(service.request) == {**case.expected_query(required_only=True), parameter.name: value}
    assert json.loads(query_of(service.request)[parameter.name]) == json.loads(value)


def partial_updates() -> list[Any]:
    """(case, member, value): each member of the body of each PATCH operation, with the value of the spec's request
    example when it has the member, else a value its schema allows."""
    found = []
    for case in BODY_CASES:
        body = case.operation.body
        if case.operation.method != "PATCH" or body is None:
            continue
        examples = case.documented.request_examples()
        example: Mapping[str, Any] = examples[0] if len(examples) == 1 and isinstance(examples[0], dict) else {}
        for member, schema in body.schema.get("properties", {}).items():
            value = example[member] if member in example else sample(schema)
            found.append(pytest.param(case, member, value, id=f"{case}-{member}"))
    return found


@pytest.mark.parametrize(("case", "member", "value"), partial_updates())
def test_patch_sends_only_the_fields_that_were_set(case: Case, member: str, value: Any) -> None:
    """An update with one field set sends a body with that one key (PATCH semantics)."""
    assert case.operation.body is not None
    service = case.answer()
    call(case, service, "sync", body=case.operation.body.model.from_dict({member: value}))
    assert json.loads(service.request.content) == {member: value}


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
@pytest.mark.parametrize("case", AUTHENTICATED_CASES if BASIC_SCHEME is not None else (), ids=str)
def test_http_basic_authentication_with_an_api_key(
    case: Case, mode: Mode, make_basic_client: Callable[[FakeService], Client]
) -> None:
    """A Client given user id and API key sends `Authorization: Basic base64(id:key)` and no session token."""
    service = case.answer()
    response = call(case, service, mode, client=make_basic_client(service))
    assert (
        service.request.headers["Authorization"]
        == "Basic MTIzNDU2OjRmNmMxYjllMmQ4YTdjM2Y1ZTBiMWQ5YThjN2U2ZjVhNGIzYzJkMWU="
    )
    assert TOKEN_HEADER not in service.request.headers
    assert type(response.parsed) is case.parsed_type


# --- Responses -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_documented_success_parses_into_its_model(case: Case, mode: Mode) -> None:
    """Each documented success example parses into the table's model, every member readable and kept; no body
    parses to None."""
    status = case.operation.status
    if case.operation.response is None:
        response = call(case, FakeService(status), mode)
        assert response.status_code == status
        assert response.parsed is None
        assert response.content == b""
        return
    for name, example in case.success_examples().items():
        response = call(case, FakeService(status, example), mode)
        assert response.status_code == status
        parsed: Any = response.parsed
        assert type(parsed) is case.parsed_type, name
        assert_members_readable(parsed, example, name)
        assert parsed.to_dict() == example, name


@pytest.mark.parametrize("case", ANSWERED_CASES, ids=str)
def test_undocumented_members_are_kept(case: Case) -> None:
    """A member the spec does not list, in the body or in a resource, is kept rather than rejected or dropped."""
    example = copy.deepcopy(next(iter(case.success_examples().values())))
    example["x_new_member"] = {"added": "later"}
    data = example.get("data")
    resource = data[0] if isinstance(data, list) else data
    if isinstance(resource, dict):
        resource["x_new_member"] = [1, 2]
    parsed: Any = call(case, FakeService(case.operation.status, example), "sync").parsed
    assert type(parsed) is case.parsed_type
    assert parsed.additional_properties == {"x_new_member": {"added": "later"}}
    if isinstance(resource, dict):
        parsed_resource: Any = attribute(parsed, "data.0" if isinstance(data, list) else "data")
        assert parsed_resource.additional_properties["x_new_member"] == [1, 2]
    assert parsed.to_dict() == example


def documented_examples(statuses: Callable[[Case], list[int]]) -> list[Any]:
    """(case, status, example name, example) for each example of the statuses chosen for each case."""
    return [
        pytest.param(case, status, name, example, id=f"{case}-{status}-{name}")
        for case in CASES
        for status in statuses(case)
        for name, example in case.documented.response_examples(status).items()
    ]


OTHER_SUCCESS_EXAMPLES = documented_examples(
    lambda case: [s for s in case.documented.statuses if 200 <= s < 300 and s != case.operation.status]
)
ERROR_EXAMPLES = documented_examples(lambda case: [s for s in case.documented.statuses if 400 <= s < 500])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("case", "status", "name", "example"), OTHER_SUCCESS_EXAMPLES)
def test_other_documented_successes_parse_into_their_models(
    case: Case, status: int, name: str, example: Any, mode: Mode
) -> None:
    """A success other than the usual one (such as a 202 two-factor challenge) parses into the table's model for it."""
    response = call(case, FakeService(status, example), mode)
    assert response.status_code == status
    model = case.operation.responses[status]
    assert model is not None
    parsed: Any = response.parsed
    assert type(parsed) is model
    assert_members_readable(parsed, example)
    assert parsed.to_dict() == example


@pytest.mark.parametrize(("case", "status", "name", "example"), ERROR_EXAMPLES)
def test_every_documented_error_example_parses_into_error(case: Case, status: int, name: str, example: Any) -> None:
    """Each 4xx example of the spec parses into the table's model for that status, keeping every member."""
    response = call(case, FakeService(status, example), "sync")
    assert response.status_code == status
    model = case.operation.responses[status]
    assert model is not None
    parsed: Any = response.parsed
    assert type(parsed) is model
    assert parsed.to_dict() == example


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("case", "status", "name", "example"), ERROR_EXAMPLES)
def test_error_fields_are_readable(case: Case, status: int, name: str, example: Any, mode: Mode) -> None:
    """Each member of a documented error (message, errors.0.field ...) is read where the error schema puts it."""
    response = call(case, FakeService(status, example), mode)
    assert response.status_code == status
    assert response.parsed is not None
    assert_members_readable(response.parsed, example)
