"""The sandbox as a network server: framing limits over real sockets to 127.0.0.1 (head size, header count,
head and body timeouts, the connection limit), the Host allow-list, the refusal to serve the demo account
beyond loopback, and the security headers of every answer.

Every socket is bounded in bytes sent and in seconds waited; nothing asserts how fast anything is.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, running_sandbox, sandbox_command
from voipstudio_callmeback_sandbox._limits import BUSY_RETRY_AFTER, MAX_HEADER_BYTES, MAX_HEADER_COUNT

from .support import (
    BUTTONS,
    DEMO_AUTH,
    SECOND_ACCOUNT,
    SETTINGS,
    TWO_FACTOR_ACCOUNT,
    Client,
    InProcessSandbox,
    RunningServer,
    accounts_file,
    first_error_message,
    run_cli,
)

# The longest any socket of these tests waits for an answer (the timeouts under test are 1 s).
WAIT_SECONDS = 15.0
PATH = "/v1.1/voipstudio/callmeback/settings"
# Beyond loopback: the refusal never listens on it; the other two listen briefly, and are sent traffic on
# 127.0.0.1 only.
EVERY_ADDRESS = "0.0.0.0"  # noqa: S104
BASIC = "Basic " + base64.b64encode(f"{DEMO_ACCOUNT.user_id}:{DEMO_ACCOUNT.api_key}".encode()).decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The command line on 127.0.0.1, with short head and body timeouts."""
    options = ("--header-timeout", "1", "--body-timeout", "1")
    with run_cli(tmp_path_factory.mktemp("network"), "--db", ":memory:", "--cdrs", "5", "--quiet", *options) as found:
        yield found


def address(server: RunningServer) -> tuple[str, int]:
    url = httpx.URL(server.url)
    assert url.host == "127.0.0.1"
    return url.host, int(url.port or 0)


def connect(server: RunningServer) -> socket.socket:
    sock = socket.create_connection(address(server), timeout=WAIT_SECONDS)
    return sock


def head(server: RunningServer, *lines: str, method: str = "GET", path: str = PATH) -> bytes:
    host, port = address(server)
    return "\r\n".join([f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", *lines, "", ""]).encode()


def read_answer(sock: socket.socket, limit: int = 1 << 20) -> tuple[int, dict[str, str], bytes]:
    """One HTTP answer (status, headers, body by its Content-Length), read within WAIT_SECONDS and `limit` bytes."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before an answer: {received!r}"
        received += chunk
        assert len(received) < limit
    top, _, rest = received.partition(b"\r\n\r\n")
    status_line, *header_lines = top.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the connection closed in the middle of the answer"
        rest += chunk
    return int(status_line.split()[1]), headers, rest[:length]


def closed(sock: socket.socket) -> bool:
    """Whether the server closed the connection (waiting at most WAIT_SECONDS); what it still sends is dropped."""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def error_of(status: int, headers: dict[str, str], body: bytes, expected: int) -> dict[str, Any]:
    """The documented error body of an answer that must have this status (and nosniff)."""
    assert status == expected, (status, headers, body[:300])
    assert headers.get("content-type", "").startswith("application/json"), headers
    assert headers.get("x-content-type-options") == "nosniff", headers
    found = json.loads(body)
    assert isinstance(found.get("message"), str), found
    return dict(found)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")  # pragma: no cover


# --- framing --------------------------------------------------------------------------------------


def test_an_oversized_header_is_refused_and_memory_stays_flat(server: RunningServer) -> None:
    """8 connections each sending 4 MiB of one unfinished header: each is answered 431 (the error body naming
    the headers) once MAX_HEADER_BYTES have come, and the server holds no more than a few MiB for them."""
    before = rss_kib(server.process.pid)
    chunk = b"a" * 65536
    sockets = []
    for _ in range(8):
        sock = connect(server)
        sockets.append(sock)
        try:
            sock.sendall(head(server).removesuffix(b"\r\n") + b"X-Big: ")
            for _ in range(64):  # 4 MiB, 32 times MAX_HEADER_BYTES
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: what matters is what it answered and what it kept
    grown = rss_kib(server.process.pid) - before
    try:
        for sock in sockets:
            found = error_of(*read_answer(sock), 431)
            assert found["errors"][0]["field"] == "headers", found
            assert str(MAX_HEADER_BYTES) in found["errors"][0]["message"], found
            assert closed(sock)
    finally:
        for sock in sockets:
            sock.close()
    assert grown < 16 * 1024, f"the server grew by {grown} KiB holding 8 unfinished heads"


def test_too_many_headers_are_refused(server: RunningServer) -> None:
    with connect(server) as sock:
        sock.sendall(head(server, f"Authorization: {BASIC}", *(f"X-Many-{n}: x" for n in range(MAX_HEADER_COUNT))))
        found = error_of(*read_answer(sock), 431)
    assert found["errors"][0]["field"] == "headers", found
    assert str(MAX_HEADER_COUNT) in found["errors"][0]["message"], found
    with connect(server) as sock:  # as many as the limit are served
        sock.sendall(head(server, f"Authorization: {BASIC}", *(f"X-Many-{n}: x" for n in range(MAX_HEADER_COUNT - 2))))
        assert read_answer(sock)[0] == 200


def test_a_partial_header_is_answered_408_and_closed(server: RunningServer) -> None:
    """A request head not complete within --header-timeout is answered 408 and its connection closed; a
    connection that sends nothing is closed without an answer; a complete one is served."""
    with connect(server) as sock:
        sock.sendall(head(server)[:20])
        found = error_of(*read_answer(sock), 408)
        assert found["errors"][0]["field"] == "headers", found
        assert closed(sock)
    with connect(server) as sock:
        assert sock.recv(65536) == b""  # nothing sent, nothing answered: closed
    with connect(server) as sock:  # a second request's head on a kept-alive connection is timed as well
        sock.sendall(head(server, f"Authorization: {BASIC}"))
        assert read_answer(sock)[0] == 200
        sock.sendall(head(server)[:20])
        error_of(*read_answer(sock), 408)
        assert closed(sock)


def test_a_slow_body_is_answered_408(server: RunningServer) -> None:
    with connect(server) as sock:
        lines = (f"Authorization: {BASIC}", "Content-Type: application/json", "Content-Length: 100")
        sock.sendall(head(server, *lines, method="POST") + b'{"name": ')
        found = error_of(*read_answer(sock), 408)
        assert found["errors"][0]["field"] == "body", found
        assert closed(sock)


def test_http_that_is_not_http_is_answered_400_in_the_error_shape(server: RunningServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        error_of(*read_answer(sock), 400)


def test_connections_over_the_limit_are_answered_503_while_the_others_work(tmp_path: Path) -> None:
    """With --max-connections 4, a request on a fifth connection is answered 503 with Retry-After and the
    error body, and that connection closed; the four go on being served. (A server of its own: the other
    tests' connections, closing, would count for a moment.)"""
    with run_cli(tmp_path, "--db", ":memory:", "--cdrs", "5", "--quiet", "--max-connections", "4") as server:
        served_beside_the_limit(server)


def served_beside_the_limit(server: RunningServer) -> None:
    held = [connect(server) for _ in range(4)]
    try:
        for sock in held:
            sock.sendall(head(server, f"Authorization: {BASIC}"))
            assert read_answer(sock)[0] == 200
        with connect(server) as extra:
            extra.sendall(head(server, f"Authorization: {BASIC}"))
            status, headers, body = read_answer(extra)
            error_of(status, headers, body, 503)
            assert headers["retry-after"] == str(BUSY_RETRY_AFTER)
            assert closed(extra)
        for sock in held:
            sock.sendall(head(server, f"Authorization: {BASIC}"))
            assert read_answer(sock)[0] == 200
    finally:
        for sock in held:
            sock.close()


# --- Host ---------------------------------------------------------------------------------------


def test_an_unknown_host_is_refused_and_builds_no_redirect(sandbox: InProcessSandbox, demo: Client) -> None:
    """A Host the sandbox does not serve is answered 400 naming the Host header, before anything else: the
    trailing-slash redirect is never built from it; an allowed one still gets its redirect."""
    for host in ("evil.example", "evil.example:80", "sandbox.evil.example", "sandbox@evil.example", "sandbox:x"):
        refused = demo.request("GET", SETTINGS + "/", headers={"Host": host})
        assert refused.status_code == 400, (host, refused.status_code, refused.headers)
        assert "location" not in refused.headers
        assert refused.json()["errors"][0]["field"] == "Host"
        assert "Host header" in first_error_message(refused.json())
    redirected = demo.request("GET", SETTINGS + "/", headers={"Host": "sandbox:8000"})
    assert redirected.status_code == 307
    assert redirected.headers["location"].startswith("http://sandbox:8000/")


def test_the_command_line_serves_loopback_names_and_allowed_hosts(tmp_path: Path) -> None:
    with run_cli(tmp_path, "--db", ":memory:", "--cdrs", "5", "--quiet", "--allow-host", "sandbox.test") as server:
        port = httpx.URL(server.url).port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "sandbox.test", "SANDBOX.test:9"):
            answer = httpx.get(server.url + SETTINGS, auth=DEMO_AUTH, headers={"Host": host}, timeout=10)
            assert answer.status_code == 200, (host, answer.text)
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "localhost.evil.example"):
            answer = httpx.get(server.url + SETTINGS, auth=DEMO_AUTH, headers={"Host": host}, timeout=10)
            assert answer.status_code == 400, (host, answer.text)
            assert answer.json()["errors"][0]["field"] == "Host"


# --- beyond loopback ------------------------------------------------------------------------------


def test_the_demo_account_is_not_served_beyond_loopback_without_being_asked() -> None:
    """--host 0.0.0.0 without --accounts or --allow-demo-on-network: refused before listening, status 2."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "voipstudio_callmeback_sandbox",
            "--host",
            EVERY_ADDRESS,
            "--port",
            "0",
            "--db",
            ":memory:",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done
    assert done.stdout == ""  # no banner: it never listened
    assert "--accounts" in done.stderr
    assert "--allow-demo-on-network" in done.stderr
    assert DEMO_ACCOUNT.api_key not in done.stderr


@contextmanager
def on_every_address(tmp_path: Path, *options: str) -> Iterator[tuple[str, int, list[str], Path]]:
    """The sandbox listening on 0.0.0.0 with `options` (briefly): its base URL on 127.0.0.1, where every
    request of these tests goes, its port, its banner, and the file its standard error goes to."""
    stderr_path = tmp_path / "stderr"
    command = sandbox_command("--host", EVERY_ADDRESS, *options, "--db", ":memory:", "--cdrs", "5", "--quiet")
    with stderr_path.open("w") as stderr, running_sandbox(command=command, stderr=stderr) as sandbox:
        url = httpx.URL(sandbox.url)
        yield str(url.copy_with(host="127.0.0.1")), int(url.port or 0), list(sandbox.banner), stderr_path


def test_the_demo_account_on_the_network_is_served_with_a_warning(tmp_path: Path) -> None:
    """With --allow-demo-on-network it listens (briefly, here; all traffic to 127.0.0.1) and warns on stderr."""
    with on_every_address(tmp_path, "--allow-demo-on-network") as (local, port, _, stderr_path):
        assert httpx.get(local + SETTINGS, auth=DEMO_AUTH, timeout=10).status_code == 200
        # The banner's URL names 0.0.0.0: that Host is served (an address, which no one can rebind).
        named = {"Host": f"{EVERY_ADDRESS}:{port}"}
        assert httpx.get(local + SETTINGS, auth=DEMO_AUTH, headers=named, timeout=10).status_code == 200
    warning = stderr_path.read_text()
    assert "WARNING" in warning
    assert "demo account" in warning


def test_accounts_beyond_loopback_leave_the_demo_account_out(tmp_path: Path) -> None:
    """--host 0.0.0.0 with --accounts: no warning, no demo credentials on the banner, the demo key refused,
    the file's accounts served (traffic to 127.0.0.1 only)."""
    accounts = accounts_file(tmp_path, [SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT])
    with on_every_address(tmp_path, "--accounts", str(accounts)) as (local, _, banner_lines, stderr_path):
        assert httpx.get(local + SETTINGS, auth=DEMO_AUTH, timeout=10).status_code == 401
        second = httpx.BasicAuth(str(SECOND_ACCOUNT.user_id), SECOND_ACCOUNT.api_key)
        assert httpx.get(local + SETTINGS, auth=second, timeout=10).status_code == 200
    banner = "\n".join(banner_lines)
    assert "demo login" not in banner
    assert DEMO_ACCOUNT.api_key not in banner
    assert "WARNING" not in stderr_path.read_text()


# --- security headers -----------------------------------------------------------------------------


def test_every_answer_says_nosniff_and_no_store(sandbox: InProcessSandbox, demo: Client) -> None:
    answers = [
        demo.get(SETTINGS),
        demo.get(SETTINGS + "/999999"),
        demo.get(SETTINGS, {"limit": "x"}),
        demo.post(BUTTONS, {"name": 5}),
        demo.request("PUT", SETTINGS),
        sandbox.client(None).get(SETTINGS),
    ]
    for answer in answers:
        assert answer.headers.get("x-content-type-options") == "nosniff", (answer.status_code, answer.headers)
        assert answer.headers.get("cache-control") == "no-store", (answer.status_code, answer.headers)
    docs = sandbox.send("GET", "/docs", auth=None, params=None, json=None, content=None, headers={})
    assert docs.status_code == 200
    assert docs.headers.get("x-content-type-options") == "nosniff"


def test_login_answers_are_not_stored(sandbox: InProcessSandbox) -> None:
    """The login's and the 2FA code's answers (a session token, a nonce) carry Cache-Control: no-store."""
    anonymous = sandbox.client(None)
    logged_in = anonymous.post("/login", {"email": DEMO_ACCOUNT.email, "password": DEMO_ACCOUNT.password})
    nonce = anonymous.post("/login", {"email": TWO_FACTOR_ACCOUNT.email, "password": TWO_FACTOR_ACCOUNT.password})
    assert (logged_in.status_code, nonce.status_code) == (200, 202)
    code = anonymous.post("/login2fa", {"nonce": nonce.json()["nonce"], "code": TWO_FACTOR_ACCOUNT.two_factor_code})
    assert code.status_code == 200
    for answer in (logged_in, nonce, code):
        assert answer.headers.get("cache-control") == "no-store", answer.headers
        assert answer.headers.get("x-content-type-options") == "nosniff", answer.headers


def test_every_401_carries_a_basic_challenge(sandbox: InProcessSandbox) -> None:
    anonymous = sandbox.client(None)
    answers = [
        anonymous.get(SETTINGS),
        sandbox.client(httpx.BasicAuth(str(DEMO_ACCOUNT.user_id), "wrong")).get(SETTINGS),
        sandbox.client(None, headers={"X-Auth-Token": "wrong"}).get(SETTINGS),
        anonymous.post("/login", {"email": DEMO_ACCOUNT.email, "password": "wrong"}),
        anonymous.post("/login2fa", {"nonce": "wrong", "code": "000000"}),
    ]
    for answer in answers:
        assert answer.status_code == 401, answer.text
        assert answer.headers.get("www-authenticate") == 'Basic realm="voipstudio-callmeback-sandbox", charset="UTF-8"'
    assert "www-authenticate" not in sandbox.client().get(SETTINGS).headers


def test_the_server_answers_say_nosniff(server: RunningServer) -> None:
    """Over the socket too, the application's answers and the server's own (checked above with error_of)."""
    answer = httpx.get(server.url + SETTINGS, auth=DEMO_AUTH, timeout=10)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "option",
    [("--header-timeout", "0"), ("--body-timeout", "-1"), ("--header-timeout", "inf"), ("--max-connections", "0")],
    ids=["header-timeout-0", "body-timeout-negative", "header-timeout-inf", "max-connections-0"],
)
def test_limits_that_would_serve_nothing_are_refused(option: tuple[str, str]) -> None:
    done = subprocess.run(
        [*sandbox_command("--db", ":memory:"), *option], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done
    assert option[0] in done.stderr
    assert done.stdout == ""


def test_the_server_is_pinned_to_h11(sandbox: InProcessSandbox) -> None:
    """uvicorn's "auto" picks httptools when it is installed (it is, with uvicorn[standard]): httptools buffers
    a head of any size. The sandbox's servers name their h11 protocol instead."""
    from uvicorn.protocols.http.h11_impl import H11Protocol
    from voipstudio_callmeback_sandbox import server_config

    config = server_config(sandbox.app, sandbox.config)
    assert isinstance(config.http, type)
    assert issubclass(config.http, H11Protocol)
    assert config.h11_max_incomplete_event_size == MAX_HEADER_BYTES
