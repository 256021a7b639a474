"""Helpers of the sandbox tests: a fake clock, the sandbox in process behind a synchronous
client, the command line as a subprocess, and strict readers of response bodies."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import AsyncIterable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from voipstudio_callmeback_sandbox import (
    DEMO_ACCOUNT,
    Account,
    SandboxConfig,
    SandboxError,
    Store,
    create_app,
    running_sandbox,
)

API_VERSIONS = ("v1.1", "v1.2")
ASGI_ORIGIN = "http://sandbox"
SETTINGS = "/callmeback/settings"
BUTTONS = "/callmeback/buttons"
CDRS = "/callmeback/cdrs"
WEBSITES = "/callmeback/websites"
VISITORS = "/callmeback/visitors"
_SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text(encoding="utf-8"))
# Every collection of the spec (the paths of its list operations) and the largest page it allows.
COLLECTIONS = tuple(
    path for path, item in _SPEC["paths"].items() if str(item.get("get", {}).get("operationId", "")).startswith("list")
)
MAX_LIMIT: int = _SPEC["components"]["parameters"]["Limit"]["schema"]["maximum"]

SECOND_ACCOUNT = Account(
    user_id=234567,
    email="second@example.com",
    password="second-password",  # noqa: S106 - a test account of a local sandbox
    api_key="0123456789abcdef0123456789abcdef01234567",
)
TWO_FACTOR_ACCOUNT = Account(
    user_id=345678,
    email="two-factor@example.com",
    password="two-factor-password",  # noqa: S106 - a test account of a local sandbox
    api_key="89abcdef0123456789abcdef0123456789abcdef",
    two_factor_code="123456",
)
EXTRA_ACCOUNTS = (SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT)

STARTUP_SECONDS = 30.0


class FakeClock:
    """A clock the test moves by hand: epoch seconds, starting in mid-2026."""

    def __init__(self, start: float = 1_782_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def api_key_auth(account: Account) -> httpx.BasicAuth:
    """HTTP Basic with the account's user id and API key."""
    return httpx.BasicAuth(str(account.user_id), account.api_key)


DEMO_AUTH = api_key_auth(DEMO_ACCOUNT)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str | bytes) -> Any:
    """Parse JSON as RFC 8259 defines it: NaN and Infinity are not JSON."""
    raw = text.decode("utf-8") if isinstance(text, bytes) else text
    return json.loads(raw, parse_constant=_no_constants)


def body(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body of a response that must have this status."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text[:500]}"
    assert response.headers.get("content-type", "").startswith("application/json"), response.headers
    return strict_json(response.content)


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    """The body of an error response with this status: a JSON object whose `message` is a string."""
    found = body(response, status)
    assert isinstance(found, dict), found
    assert isinstance(found.get("message"), str), found
    return found


def first_error_message(found: dict[str, Any]) -> str:
    """`errors[0].message` of an error body, which must be there."""
    errors = found.get("errors")
    assert isinstance(errors, list), found
    assert errors, found
    assert isinstance(errors[0], dict), found
    message = errors[0].get("message")
    assert isinstance(message, str), found
    assert message, found
    return message


class Client:
    """Requests to one API version of an in-process sandbox, with fixed credentials."""

    def __init__(
        self,
        sandbox: InProcessSandbox,
        auth: httpx.Auth | None,
        headers: Mapping[str, str] | None = None,
        version: str = "v1.1",
    ) -> None:
        self.sandbox = sandbox
        self.auth = auth
        self.headers = dict(headers or {})
        self.prefix = f"/{version}/voipstudio"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: object = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        return self.sandbox.send(
            method,
            self.prefix + path,
            auth=self.auth,
            params=params,
            json=json,
            content=content,
            headers={**self.headers, **(headers or {})},
        )

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> httpx.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: object) -> httpx.Response:
        return self.request("POST", path, json=json)

    def patch(self, path: str, json: object) -> httpx.Response:
        return self.request("PATCH", path, json=json)

    def delete(self, path: str) -> httpx.Response:
        return self.request("DELETE", path)

    def total(self, path: str = SETTINGS) -> int:
        """The `total` of a collection, unfiltered."""
        found = body(self.get(path, {"limit": 1}))
        assert isinstance(found["total"], int)
        return found["total"]

    def create_setting(self, **fields: object) -> dict[str, Any]:
        """Create settings (with a name unless one is given) and return the stored resource."""
        created = body(self.post(SETTINGS, {"name": "Test widget", **fields}), 201)["data"]
        assert isinstance(created, dict)
        return created

    def create_button(self, **fields: object) -> dict[str, Any]:
        """Create a button (with a name unless one is given) and return the stored resource."""
        created = body(self.post(BUTTONS, {"name": "Test button", **fields}), 201)["data"]
        assert isinstance(created, dict)
        return created


class InProcessSandbox:
    """The sandbox's ASGI application on its own store, called from synchronous tests.

    Responses are validated against the spec by the application itself.
    """

    def __init__(
        self,
        *,
        clock: FakeClock,
        token_ttl: float = 1800.0,
        cdrs_per_account: int = 50,
        accounts: tuple[Account, ...] = EXTRA_ACCOUNTS,
        spec: Mapping[str, Any] | None = None,
        db: str = ":memory:",
    ) -> None:
        self.clock = clock
        self.config = SandboxConfig(
            db=db,
            accounts=accounts,
            token_ttl=token_ttl,
            cdrs_per_account=cdrs_per_account,
            clock=clock,
            validate_responses=True,
            spec=spec,
            allowed_hosts=[httpx.URL(ASGI_ORIGIN).host],
        )
        self.store = Store(self.config.db, clock=clock, cdrs_per_account=cdrs_per_account, spec=spec)
        self.app = create_app(self.config, self.store)
        self._runner = asyncio.Runner()
        self._http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=ASGI_ORIGIN)

    def send(
        self,
        method: str,
        url: str,
        *,
        auth: httpx.Auth | None,
        params: Mapping[str, str | int] | None,
        json: object,
        content: bytes | AsyncIterable[bytes] | None,
        headers: Mapping[str, str],
    ) -> httpx.Response:
        request = self._http.request(method, url, auth=auth, params=params, json=json, content=content, headers=headers)
        response = self._runner.run(request)
        assert response.status_code < 500, f"{method} {url}: {response.status_code} {response.text[:500]}"
        return response

    def client(
        self, auth: httpx.Auth | None = DEMO_AUTH, *, headers: Mapping[str, str] | None = None, version: str = "v1.1"
    ) -> Client:
        return Client(self, auth, headers, version)

    def login(self, account: Account) -> str:
        """A session token of an account without two-factor authentication."""
        found = body(self.client(None).post("/login", {"email": account.email, "password": account.password}))
        assert found["user_id"] == account.user_id
        token = found["user_token"]
        assert isinstance(token, str)
        return token

    def close(self) -> None:
        self._runner.run(self._http.aclose())
        self._runner.close()
        self.store.close()


def accounts_file(directory: Path, accounts: Iterable[Account]) -> Path:
    """An --accounts file (the README's format) listing these accounts."""
    entries: list[dict[str, Any]] = []
    for account in accounts:
        entry: dict[str, Any] = {
            "user_id": account.user_id,
            "email": account.email,
            "password": account.password,
            "api_key": account.api_key,
        }
        if account.two_factor_code is not None:
            entry["two_factor_code"] = account.two_factor_code
        entries.append(entry)
    path = directory / "accounts.json"
    path.write_text(json.dumps({"accounts": entries}), encoding="utf-8")
    return path


def stop_process(process: subprocess.Popen[Any], *, timeout: float, raise_if_killed: bool = False) -> None:
    """Ask a server process to stop; kill it if it has not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        if raise_if_killed:
            raise


@dataclass
class RunningServer:
    """The command line serving on loopback: where it listens and what it has written to stderr."""

    process: subprocess.Popen[str]
    url: str
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def run_cli(log_dir: Path, *args: str) -> Iterator[RunningServer]:
    """The sandbox's command line on 127.0.0.1 and a free port (running_sandbox, as scripts/ run it);
    stopped on exit, and required to stop by itself (SIGTERM) with status 0."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stderr_path = log_dir / f"sandbox-{time.monotonic_ns()}.stderr"
    with stderr_path.open("w", encoding="utf-8") as stderr:
        try:
            with running_sandbox(*args, stderr=stderr, start_seconds=STARTUP_SECONDS) as sandbox:
                yield RunningServer(sandbox.process, sandbox.url, stderr_path)
        except SandboxError as exc:
            raise AssertionError(f"{exc}; its standard error: {stderr_path.read_text(encoding='utf-8')}") from None
    assert sandbox.returncode == 0, f"the sandbox stopped with {sandbox.returncode}: {stderr_path.read_text()}"
