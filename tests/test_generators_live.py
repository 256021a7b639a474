"""openapi.yaml against a real sandbox on 127.0.0.1, through two more tools other teams use.

- TypeScript: @hey-api/openapi-ts generates its fetch client into a temporary directory (no
  configuration beyond the output directory and the client), `tsc --strict` compiles
  tests/typescript/hey-api-usage.ts with it, and Node runs the program against the sandbox: it
  calls every operation (the logins' 200, the two-factor 202 and its completion included) and
  checks each answer's status and shape. Its JSON summary names each call; every operationId
  of the spec must be among them, with the spec's method, path and a status it declares.
- Python: openapi-core validates and unmarshals real requests (httpx) and the sandbox's answers
  against openapi.yaml, for every operation and every status it declares that a cheap request
  provokes (2xx, 400, 401, 403, 404, 413, and 429: the logins' lockout, and for the other operations
  a fault the sandbox, started with --control, is told to answer).

The operations, their paths, statuses, bodies, bounds and links are read from the spec; a new
operation fails these tests with the name of what to edit, unless the generic requests built
here from the spec already cover it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, Account
from voipstudio_callmeback_sandbox._config import MAX_BODY_BYTES
from voipstudio_callmeback_sandbox._store import MAX_FAILED_LOGINS
from werkzeug.datastructures import Headers, ImmutableMultiDict

from conftest import ROOT, SPEC_PATH, load_spec, operations
from sandbox.support import SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT, RunningServer, accounts_file, run_cli
from schemas import resolve
from test_other_languages import BASE_TSCONFIG, NODE_BIN, TSC, USAGE_DIR, _output, _run, _warnings

OPENAPI_TS = NODE_BIN / "openapi-ts"
HEY_API_USAGE = USAGE_DIR / "hey-api-usage.ts"
HEY_API_CLIENT = "@hey-api/client-fetch"
NODE = shutil.which("node") or "node"
HTTP_SECONDS = 30.0

# Accounts of this module's sandbox beside the demo account: one to own what the demo account may not
# touch (403), a two-factor one (202 and /login2fa), and two that the 429 cases lock out.
LOCKED_ACCOUNT = Account(
    user_id=456789,
    email="locked@example.com",
    password="locked-password",  # noqa: S106 - a test account of a local sandbox
    api_key="fedcba9876543210fedcba9876543210fedcba98",
)
LOCKED_TWO_FACTOR_ACCOUNT = Account(
    user_id=567890,
    email="locked-two-factor@example.com",
    password="locked-two-factor-password",  # noqa: S106 - a test account of a local sandbox
    api_key="76543210fedcba9876543210fedcba9876543210",
    two_factor_code="654321",
)
ACCOUNTS = (SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT, LOCKED_ACCOUNT, LOCKED_TWO_FACTOR_ACCOUNT)

SPEC = load_spec()
OPERATIONS = operations(SPEC)
BY_ID = {operation["operationId"]: (method, path) for (method, path), operation in OPERATIONS.items()}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The sandbox's command line on 127.0.0.1 with this module's accounts and a few call detail records."""
    work = tmp_path_factory.mktemp("generators-live")
    with run_cli(
        work,
        "--db",
        ":memory:",
        "--cdrs",
        "5",
        "--quiet",
        "--control",
        "--accounts",
        str(accounts_file(work, ACCOUNTS)),
    ) as found:
        assert httpx.URL(found.url).host == "127.0.0.1", found.url
        yield found


# --- TypeScript: @hey-api/openapi-ts --------------------------------------------------------------


def _sdk_calls(usage: str) -> set[str]:
    """The SDK functions a usage file passes to expect(), the recorder of its calls."""
    return set(re.findall(r"\bexpect\(\s*(\w+),\s*\1\(", usage))


def test_hey_api_usage_calls_every_operation() -> None:
    """The usage program calls each operationId of the spec (cheap to check; the live test proves the calls)."""
    called = _sdk_calls(HEY_API_USAGE.read_text(encoding="utf-8"))
    missing = sorted(set(BY_ID) - called)
    assert not missing, "\n".join(
        f"call {operation_id} in {HEY_API_USAGE.relative_to(ROOT)}: add `await expect({operation_id}, "
        f'{operation_id}({{ client, ... }}), <status>)` to everyOperation, and import it from "@generated/hey-api"'
        for operation_id in missing
    )


def _hey_api_build(work: Path) -> Path:
    """Generate the client into work/hey-api, compile it with the usage file (strict, CommonJS) into work/out,
    and link the compiled client where Node finds "@generated/hey-api"; the compiled program's path."""
    generated = _run(OPENAPI_TS, "-i", SPEC_PATH, "-o", work / "hey-api", "-c", HEY_API_CLIENT, cwd=work)
    assert generated.returncode == 0, _output(generated)
    assert _warnings(generated) == [], _output(generated)
    assert (work / "hey-api" / "sdk.gen.ts").is_file(), _output(generated)

    tsconfig = work / "tsconfig.json"
    tsconfig.write_text(
        json.dumps(
            {
                "extends": str(BASE_TSCONFIG),
                "compilerOptions": {
                    "noEmit": False,
                    "module": "CommonJS",
                    "moduleResolution": "node10",
                    "rootDir": "/",
                    "outDir": str(work / "out"),
                    "paths": {"@generated/hey-api": ["./hey-api/index"], "@generated/hey-api/*": ["./hey-api/*"]},
                },
                "files": [str(HEY_API_USAGE)],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    compiled = _run(TSC, "--strict", "--pretty", "false", "-p", tsconfig, cwd=work)
    assert compiled.returncode == 0, _output(compiled)
    assert compiled.stdout == "", _output(compiled)

    out = work / "out"
    modules = out / "node_modules" / "@generated"
    modules.mkdir(parents=True)
    (modules / "hey-api").symlink_to(out / work.relative_to("/") / "hey-api", target_is_directory=True)
    program = out / HEY_API_USAGE.relative_to("/").with_suffix(".js")
    assert program.is_file(), sorted(str(path) for path in out.rglob("*.js"))
    return program


def _operation_of(method: str, path: str, base: str) -> str | None:
    """The operationId of the spec's operation at this method and concrete path (under the base path)."""
    if not path.startswith(base):
        return None
    rest = path.removeprefix(base)
    for (spec_method, template), operation in OPERATIONS.items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if spec_method == method.upper() and re.match(pattern, rest):
            return str(operation["operationId"])
    return None


def test_hey_api_client_calls_every_operation_on_the_sandbox(tmp_path: Path, server: RunningServer) -> None:
    """openapi-ts generates with no warning, tsc --strict compiles, and the program's calls cover the spec."""
    program = _hey_api_build(tmp_path)
    setup = {
        "baseUrl": server.url,
        "demo": {
            "userId": DEMO_ACCOUNT.user_id,
            "email": DEMO_ACCOUNT.email,
            "password": DEMO_ACCOUNT.password,
            "apiKey": DEMO_ACCOUNT.api_key,
        },
        "twoFactor": {
            "email": TWO_FACTOR_ACCOUNT.email,
            "password": TWO_FACTOR_ACCOUNT.password,
            "code": TWO_FACTOR_ACCOUNT.two_factor_code,
        },
    }
    ran = subprocess.run(
        [NODE, str(program), json.dumps(setup)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, _output(ran)
    assert ran.stderr == "", _output(ran)
    calls = json.loads(ran.stdout)["calls"]

    base = urlsplit(server.url).path
    wrong: list[str] = []
    for call in calls:
        found = _operation_of(call["method"], call["path"], base)
        declared = OPERATIONS[BY_ID[found]]["responses"] if found in BY_ID else {}
        if found != call["operation"]:
            wrong.append(f"{call}: the spec's operation at {call['method']} {call['path']} is {found}")
        elif str(call["status"]) not in declared:
            wrong.append(f"{call}: {found} does not declare {call['status']} (it declares {sorted(declared)})")
    assert not wrong, "\n".join(wrong)
    missing = sorted(set(BY_ID) - {call["operation"] for call in calls})
    assert not missing, f"{HEY_API_USAGE.relative_to(ROOT)} did not call {missing}"
    assert {call["operation"] for call in calls if call["status"] == 202} == {"logIn"}, calls


# --- Python: openapi-core on real traffic -----------------------------------------------------------

# The statuses each operation must be seen answering: every one it declares, but `default`. A 429 is the
# failed-login lockout for the logins, and a fault the sandbox is told to answer (its controls) for the others.
UNPROVOKED = {"default": "not a status"}
RATE_LIMITED = "429"
# Where the sandbox's controls are served, beside its API (docs/testing.md).
CONTROL_PATH = "/_sandbox"
# Where a status is provoked, and so what to edit when one more must be.
PROVOKERS = "tests/test_generators_live.py::_cases"


class HttpxOpenAPIRequest:
    """An httpx request as openapi-core reads one (its openapi_core.protocols.Request)."""

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        query = parse_qs(request.url.query.decode("ascii"), keep_blank_values=True)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict([(name, value) for name, values in query.items() for value in values]),
            header=Headers(list(request.headers.multi_items())),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self._request.url.scheme}://{self._request.url.netloc.decode('ascii')}"

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._request.content or None

    @property
    def content_type(self) -> str:
        return str(self._request.headers.get("content-type", "")).lower()


class HttpxOpenAPIResponse:
    """An httpx response as openapi-core reads one (its openapi_core.protocols.Response)."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def content_type(self) -> str:
        return str(self._response.headers.get("content-type", "")).lower()

    @property
    def headers(self) -> Headers:
        return Headers(list(self._response.headers.multi_items()))

    @property
    def data(self) -> bytes | None:
        return self._response.content or None


@dataclass
class Case:
    """One request to send, the status it must answer, and whether the spec allows the request."""

    why: str
    status: int
    body: object = None
    content: bytes | None = None
    params: Mapping[str, str | int] = field(default_factory=dict)
    auth: httpx.Auth | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    path: str | None = None  # the concrete path, when it has parameters
    valid: bool = True
    fault: Mapping[str, Any] | None = None  # armed in the sandbox (POST /_sandbox/faults) before the request


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    """openapi-core's view of openapi.yaml, whose second server is the sandbox (matched by its port variable)."""
    return OpenAPI.from_dict(load_spec())


@pytest.fixture(scope="module")
def http(server: RunningServer) -> Iterator[httpx.Client]:
    """Requests to the sandbox's API (no credentials unless a request gives its own)."""
    with httpx.Client(base_url=server.url, timeout=HTTP_SECONDS, trust_env=False) as client:
        yield client


def _basic(account: Account) -> httpx.BasicAuth:
    return httpx.BasicAuth(str(account.user_id), account.api_key)


def _parameters(method: str, path: str) -> list[dict[str, Any]]:
    """An operation's parameters, its path item's first (wherever the spec puts them)."""
    item = SPEC["paths"][path]
    return [
        resolve(SPEC, parameter)
        for parameter in [*item.get("parameters", []), *OPERATIONS[(method, path)].get("parameters", [])]
    ]


def _example_body(operation: dict[str, Any]) -> Any:
    """The first example of an operation's JSON request body."""
    media = resolve(SPEC, operation["requestBody"])["content"]["application/json"]
    if "example" in media:
        return media["example"]
    examples = list(media.get("examples", {}).values())
    assert examples, f"{operation['operationId']} has no request example: give it one, or a case in {PROVOKERS}"
    return resolve(SPEC, examples[0])["value"]


def _created_id(http: httpx.Client, path: str, operation_id: str, auth: httpx.Auth) -> int:
    """The id of a new resource of the collection above `path`, created with its POST's example and
    read from the body as the POST's link to `operation_id` says."""
    collection = path.rsplit("/", 1)[0]
    create = OPERATIONS.get(("POST", collection))
    assert create is not None, f"no POST {collection} creates what {operation_id} needs: add a case in {PROVOKERS}"
    created = http.post(collection, json=_example_body(create), auth=auth)
    assert created.status_code == 201, created.text
    for response in create["responses"].values():
        for link in resolve(SPEC, response).get("links", {}).values():
            if link.get("operationId") == operation_id:
                (expression,) = link["parameters"].values()
                pointer = expression.removeprefix("$response.body#")
                value: Any = created.json()
                for part in pointer.strip("/").split("/"):
                    value = value[part]
                assert isinstance(value, int), (expression, created.text)
                return value
    raise AssertionError(
        f"POST {collection} has no link to {operation_id}: add one to openapi.yaml, or a case in {PROVOKERS}"
    )


def _concrete(path: str, value: int) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


def _login_cases(http: httpx.Client, operation_id: str) -> list[Case]:
    """The operations without security: the logins, and their 200, 202, 400, 401, 413 and 429."""
    demo = {"email": DEMO_ACCOUNT.email, "password": DEMO_ACCOUNT.password}
    padded = json.dumps(demo).encode() + b" " * MAX_BODY_BYTES
    json_type = {"content-type": "application/json"}
    if operation_id == "logIn":
        for _ in range(MAX_FAILED_LOGINS):
            failed = http.post("/login", json={"email": LOCKED_ACCOUNT.email, "password": "wrong"})
            assert failed.status_code == 401, failed.text
        return [
            Case("the demo account logs in", 200, body=demo),
            Case(
                "a two-factor account is asked for its code",
                202,
                body={"email": TWO_FACTOR_ACCOUNT.email, "password": TWO_FACTOR_ACCOUNT.password},
            ),
            Case("a wrong password", 401, body={**demo, "password": "not the password"}),
            Case("no password", 400, body={"email": DEMO_ACCOUNT.email}, valid=False),
            Case("a body over the sandbox's limit", 413, content=padded, headers=json_type),
            Case(
                "an account locked by failed logins",
                429,
                body={"email": LOCKED_ACCOUNT.email, "password": LOCKED_ACCOUNT.password},
            ),
        ]
    if operation_id == "verifyTwoFactorCode":
        nonces = []
        for account in (TWO_FACTOR_ACCOUNT, LOCKED_TWO_FACTOR_ACCOUNT):
            challenge = http.post("/login", json={"email": account.email, "password": account.password})
            assert challenge.status_code == 202, challenge.text
            nonces.append(challenge.json()["nonce"])
        for _ in range(MAX_FAILED_LOGINS):
            failed = http.post("/login", json={"email": LOCKED_TWO_FACTOR_ACCOUNT.email, "password": "wrong"})
            assert failed.status_code == 401, failed.text
        right = {"code": TWO_FACTOR_ACCOUNT.two_factor_code, "nonce": nonces[0]}
        return [
            Case("a nonce the sandbox never gave", 401, body={**right, "nonce": "0123456789abcdef"}),
            Case("no nonce", 400, body={"code": right["code"]}, valid=False),
            Case(
                "a body over the sandbox's limit",
                413,
                content=json.dumps(right).encode() + b" " * MAX_BODY_BYTES,
                headers=json_type,
            ),
            Case(
                "the code and nonce of a locked account",
                429,
                body={"code": LOCKED_TWO_FACTOR_ACCOUNT.two_factor_code, "nonce": nonces[1]},
            ),
            Case("the right code and nonce", 200, body=right),
        ]
    raise AssertionError(f"{operation_id} has no security and is not a login: add its cases in {PROVOKERS}")


def _integer_bound(method: str, path: str) -> tuple[str, int] | None:
    """A query parameter with an integer minimum, and the value just below it."""
    for parameter in _parameters(method, path):
        schema = resolve(SPEC, parameter.get("schema", {}))
        if parameter["in"] == "query" and schema.get("type") == "integer" and "minimum" in schema:
            return parameter["name"], int(schema["minimum"]) - 1
    return None


def _cases(http: httpx.Client, operation_id: str) -> list[Case]:
    """The requests that provoke each cheap status of an operation, built from the spec."""
    method, path = BY_ID[operation_id]
    operation = OPERATIONS[(method, path)]
    if operation.get("security", SPEC.get("security")) == []:
        return _login_cases(http, operation_id)
    demo = _basic(DEMO_ACCOUNT)
    declared = set(operation["responses"])
    (success,) = [int(status) for status in declared if status.startswith("2")]
    body = _example_body(operation) if "requestBody" in operation else None
    path_parameters = [p for p in _parameters(method, path) if p["in"] == "path"]
    assert len(path_parameters) <= 1, f"{operation_id}: more than one path parameter; add its cases in {PROVOKERS}"
    concrete = path
    cases: list[Case] = []
    if path_parameters:
        concrete = _concrete(path, _created_id(http, path, operation_id, demo))
        highest = resolve(SPEC, path_parameters[0]["schema"]).get("maximum", 2**63 - 1)
        cases.append(Case("an id no resource has", 404, body=body, path=_concrete(path, highest), auth=demo))
        theirs = _created_id(http, path, operation_id, _basic(SECOND_ACCOUNT))
        cases.append(Case("another account's resource", 403, body=body, path=_concrete(path, theirs), auth=demo))
    cases.append(Case("no credentials", 401, body=body, path=concrete, valid=False))
    bound = _integer_bound(method, path)
    if bound is not None:
        name, below = bound
        cases.append(
            Case(
                f"{name} below its minimum", 400, params={name: below}, body=body, path=concrete, auth=demo, valid=False
            )
        )
    elif body is not None:
        cases.append(Case("a body that is not an object", 400, body=[], path=concrete, auth=demo, valid=False))
    if body is not None:
        padded = json.dumps(body).encode() + b" " * MAX_BODY_BYTES
        cases.append(
            Case(
                "a body over the sandbox's limit",
                413,
                content=padded,
                headers={"content-type": "application/json"},
                path=concrete,
                auth=demo,
            )
        )
    session = http.post("/login", json={"email": DEMO_ACCOUNT.email, "password": DEMO_ACCOUNT.password})
    assert session.status_code == 200, session.text
    token = {"X-Auth-Token": session.json()["user_token"]}
    cases.append(Case("the spec's example, with the session token", success, body=body, path=concrete, headers=token))
    if RATE_LIMITED in declared:
        headers = {name: "30" for name in resolve(SPEC, operation["responses"][RATE_LIMITED]).get("headers", {})}
        fault = {"operation": operation_id, "status": int(RATE_LIMITED), "headers": headers}
        cases.append(
            Case("a rate limit the sandbox is told to answer", 429, body=body, path=concrete, auth=demo, fault=fault)
        )
    return cases


def _explain(errors: Iterable[Exception]) -> str:
    """openapi-core's errors with their causes; a schema error says where and why, not the whole value."""
    explained = []
    for error in errors:
        cause = error.__cause__
        details = [
            f"{'/'.join(str(part) for part in found.absolute_path) or '(root)'}: {found.message}"
            for found in getattr(cause, "schema_errors", ())
        ]
        explained.append(f"{error!r} ({'; '.join(details) or repr(cause)})")
    return "; ".join(explained)


def _required_statuses(operation: dict[str, Any]) -> set[str]:
    """The statuses an operation declares that its cases must provoke."""
    declared = set(operation["responses"])
    if operation.get("security", SPEC.get("security")) == []:
        return declared - {"default"}
    return declared - set(UNPROVOKED)


@pytest.mark.parametrize("operation_id", sorted(BY_ID))
def test_openapi_core_validates_the_sandbox_traffic(
    openapi: OpenAPI, http: httpx.Client, server: RunningServer, operation_id: str
) -> None:
    """Each case's request and answer, unmarshalled by openapi-core: an allowed request and every answer
    without an error; each status the operation declares (but UNPROVOKED) seen."""
    method, path = BY_ID[operation_id]
    controls = server.url.removesuffix(urlsplit(server.url).path) + CONTROL_PATH
    seen: set[str] = set()
    problems: list[str] = []
    for case in _cases(http, operation_id):
        if case.fault is not None:
            armed = http.post(f"{controls}/faults", json=case.fault)
            assert armed.status_code == 201, armed.text
        request = http.build_request(
            method, case.path or path, params=case.params, json=case.body, content=case.content, headers=case.headers
        )
        if case.auth is not None:
            request = next(case.auth.auth_flow(request))
        response = http.send(request)
        response.read()
        what = f"{method} {request.url.path} ({case.why})"
        if response.status_code != case.status:
            problems.append(f"{what}: expected {case.status}, got {response.status_code}: {response.text[:300]}")
            continue
        seen.add(str(response.status_code))
        wrapped = HttpxOpenAPIRequest(request)
        checked = openapi.unmarshal_request(wrapped)
        if case.valid and checked.errors:
            problems.append(f"{what}: openapi-core refuses the request: {_explain(checked.errors)}")
        if not case.valid and not checked.errors:
            problems.append(f"{what}: the sandbox refused it with {case.status}, but openapi-core finds it valid")
        answered = openapi.unmarshal_response(wrapped, HttpxOpenAPIResponse(response))
        if answered.errors:
            problems.append(f"{what}: openapi-core refuses the answer: {_explain(answered.errors)}")
        elif response.status_code < 300 and response.content and not isinstance(answered.data, dict):
            problems.append(f"{what}: the answer unmarshals to {answered.data!r}, not an object")
    assert not problems, "\n".join(problems)
    missing = sorted(_required_statuses(OPERATIONS[(method, path)]) - seen)
    assert not missing, f"{operation_id} declares {missing}, which no case provoked: add a case in {PROVOKERS}"


# openapi-core 0.23.1 matches a server variable against any text, its `enum` aside (v1.3 would match too).
@pytest.mark.parametrize(
    ("base", "found"), [("/v1.1/voipstudio", True), ("/v1.2/voipstudio", True), ("/voipstudio", False)]
)
def test_openapi_core_finds_the_sandbox_among_the_servers(
    openapi: OpenAPI, server: RunningServer, base: str, found: bool
) -> None:
    """The sandbox's URLs, under either API version it serves, match a server of the spec; others do not."""
    address = server.url.removesuffix(urlsplit(server.url).path)
    request = httpx.Request("GET", address + base + BY_ID["listSettings"][1], headers={"X-Auth-Token": "a-token"})
    errors = openapi.unmarshal_request(HttpxOpenAPIRequest(request)).errors
    assert (errors == []) is found, errors


def test_openapi_core_refuses_what_the_spec_refuses(openapi: OpenAPI, http: httpx.Client) -> None:
    """The validator is not vacuous: a real answer with `total` made a string, and a request with a limit
    beyond its bound, are refused, each naming what is wrong."""
    method, path = BY_ID["listSettings"]
    request = http.build_request(method, path, params={"limit": 1})
    request = next(_basic(DEMO_ACCOUNT).auth_flow(request))
    answer = http.send(request)
    assert answer.status_code == 200, answer.text
    wrapped = HttpxOpenAPIRequest(request)
    assert openapi.unmarshal_response(wrapped, HttpxOpenAPIResponse(answer)).errors == []
    altered = httpx.Response(200, json={**answer.json(), "total": str(answer.json()["total"])}, request=request)
    refused = list(openapi.unmarshal_response(wrapped, HttpxOpenAPIResponse(altered)).errors)
    assert [type(error).__name__ for error in refused] == ["InvalidData"], refused
    assert "(total: " in _explain(refused), _explain(refused)

    name, below = _integer_bound(method, path) or ("", 0)
    beyond = http.build_request(method, path, params={name: below}, headers={"X-Auth-Token": "a-token"})
    errors = openapi.unmarshal_request(HttpxOpenAPIRequest(beyond)).errors
    assert [(type(error).__name__, getattr(error, "name", None)) for error in errors] == [("InvalidParameter", name)]
