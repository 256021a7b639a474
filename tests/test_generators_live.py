"""openapi.yaml against a real sandbox on 127.0.0.1, through two more tools other teams use.

- TypeScript: @hey-api/openapi-ts generates its fetch client into a temporary directory (no
  configuration beyond the output directory and the client), `tsc --strict` compiles
  tests/typescript/hey-api-usage.ts with it, and Node runs the program against the sandbox: it
  calls every operation (the logins' 200, the two-factor 202 and its completion included) and
  checks each answer's status and shape. Its JSON summary names each call; every operationId
  of the spec must be among them, with the spec's method, path and a status it declares.
- Python: openapi-core validates and unmarshals real requests (httpx) and the sandbox's answers
  against openapi.yaml, for every operation and every status it declares that a cheap request
  provokes (2xx, 400, 401, 403, 404, 413, and the logins' 429).

The operations, their paths, statuses, bodies, bounds and links are read from the spec; a new
operation fails these tests with the name of what to edit, unless the generic requests built
here from the spec already cover it.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, Account

from conftest import ROOT, SPEC_PATH, load_spec, operations
from sandbox.support import SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT, RunningServer, accounts_file, run_cli
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

# The sandbox's entry of `servers`, for openapi-core to match its URLs. The copy step of
# with_sandbox_server() is a no-op once openapi.yaml lists this URL itself.
SANDBOX_SERVER: dict[str, Any] = {
    "url": "http://127.0.0.1:{port}/{version}/voipstudio",
    "description": "The sandbox (voipstudio-callmeback-sandbox), on this machine",
    "variables": {"port": {"default": "8000"}, "version": {"enum": ["v1.1", "v1.2"], "default": "v1.1"}},
}


def with_sandbox_server(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec, with SANDBOX_SERVER appended to `servers` unless a server of its URL is there."""
    if any(server.get("url") == SANDBOX_SERVER["url"] for server in spec.get("servers", [])):
        return spec
    extended = copy.deepcopy(spec)
    extended.setdefault("servers", []).append(SANDBOX_SERVER)
    return extended


SPEC = load_spec()
OPERATIONS = operations(SPEC)
BY_ID = {operation["operationId"]: (method, path) for (method, path), operation in OPERATIONS.items()}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The sandbox's command line on 127.0.0.1 with this module's accounts and a few call detail records."""
    work = tmp_path_factory.mktemp("generators-live")
    with run_cli(
        work, "--db", ":memory:", "--cdrs", "5", "--quiet", "--accounts", str(accounts_file(work, ACCOUNTS))
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
