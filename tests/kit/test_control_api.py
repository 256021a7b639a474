"""The test controls over HTTP, as a team in another language or curl uses them: `--control` and /_sandbox/.

A real sandbox process on loopback (the command line), driven with plain HTTP: faults,
clock, data, journal and reset, their limits and their errors; and the refusal to serve
them on an address other than loopback.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT
from voipstudio_callmeback_sandbox._control import MAX_CONTROL_BODY, MAX_FAULTS

from sandbox.support import RunningServer, run_cli

AUTH = (str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with run_cli(
        tmp_path_factory.mktemp("control"), "--db", ":memory:", "--cdrs", "50", "--control", "--quiet"
    ) as found:
        yield found


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    address = server.url.removesuffix("/v1.1/voipstudio")
    with httpx.Client(base_url=address, timeout=10) as client:
        assert client.post("/_sandbox/reset").status_code == 200
        yield client


API = "/v1.1/voipstudio/callmeback"


def test_the_banner_names_the_controls(server: RunningServer, http: httpx.Client) -> None:
    summary = http.get("/_sandbox/").json()
    assert "getSetting" in summary["operations"]
    assert {"settings", "cdrs"} <= set(summary["collections"])
    assert summary["limits"]["faults"] == MAX_FAULTS


def test_a_fault_from_curl(http: httpx.Client) -> None:
    armed = http.post(
        "/_sandbox/faults", json={"operation": "listCdrs", "status": 429, "headers": {"Retry-After": "0"}}
    )
    assert armed.status_code == 201
    assert armed.json()["data"]["times"] == 1
    assert http.get("/_sandbox/faults").json()["data"][0]["operation"] == "listCdrs"
    first = http.get(f"{API}/cdrs", auth=AUTH)
    assert (first.status_code, first.headers["retry-after"], first.json()) == (
        429,
        "0",
        {"message": "Too Many Requests"},
    )
    assert http.get(f"{API}/cdrs", auth=AUTH).status_code == 200
    journal = http.get("/_sandbox/requests").json()["data"]
    assert [(entry["operation"], entry["status"], entry["fault"]) for entry in journal] == [
        ("listCdrs", 429, True),
        ("listCdrs", 200, False),
    ]
    assert http.delete("/_sandbox/requests").status_code == 204
    assert http.get("/_sandbox/requests").json()["data"] == []


@pytest.mark.parametrize("where", ["before_headers", "after_headers"])
def test_a_dropped_connection_over_a_real_socket(http: httpx.Client, where: str) -> None:
    http.post("/_sandbox/faults", json={"operation": "listSettings", "drop": where})
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(f"{API}/settings", auth=AUTH)
    assert http.get(f"{API}/settings", auth=AUTH).status_code == 200  # the server serves on


def test_a_truncated_body_over_a_real_socket(http: httpx.Client) -> None:
    http.post("/_sandbox/faults", json={"operation": "listCdrs", "truncate": True})
    with pytest.raises(httpx.RemoteProtocolError, match=r"incomplete|complete message body"):
        http.get(f"{API}/cdrs", auth=AUTH)


def test_a_delay_meets_a_timeout(http: httpx.Client) -> None:
    http.post("/_sandbox/faults", json={"operation": "listCdrs", "delay": 2})
    with pytest.raises(httpx.ReadTimeout):
        http.get(f"{API}/cdrs", auth=AUTH, timeout=0.2)


def test_not_json(http: httpx.Client) -> None:
    http.post("/_sandbox/faults", json={"operation": "listCdrs", "not_json": True})
    answer = http.get(f"{API}/cdrs", auth=AUTH)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html"
    assert answer.text.startswith("<!DOCTYPE html>")


def test_an_expired_session(http: httpx.Client) -> None:
    token = http.post(
        "/v1.1/voipstudio/login", json={"email": DEMO_ACCOUNT.email, "password": DEMO_ACCOUNT.password}
    ).json()["user_token"]
    http.post("/_sandbox/faults", json={"operation": "listSettings", "expire_session": True})
    assert http.get(f"{API}/settings", headers={"X-Auth-Token": token}).status_code == 401
    assert http.get(f"{API}/settings", headers={"X-Auth-Token": token}).status_code == 401  # it stays ended


def test_the_clock_expires_a_session(http: httpx.Client) -> None:
    token = http.post(
        "/v1.1/voipstudio/login", json={"email": DEMO_ACCOUNT.email, "password": DEMO_ACCOUNT.password}
    ).json()["user_token"]
    assert http.get(f"{API}/settings", headers={"X-Auth-Token": token}).status_code == 200
    moved = http.post("/_sandbox/clock", json={"advance": 3600}).json()
    assert moved["offset"] == 3600
    assert http.get(f"{API}/settings", headers={"X-Auth-Token": token}).status_code == 401
    assert http.post("/_sandbox/reset").json()["clock"]["offset"] == 0


def test_data_for_a_read_only_collection(http: httpx.Client) -> None:
    added = http.post("/_sandbox/data/cdrs", json={"items": [{"calldate": "2026-12-01 09:30:00", "billsec": 42}]})
    assert added.status_code == 201, added.text
    (item,) = added.json()["data"]
    assert (item["calldate"], item["billsec"]) == ("2026-12-01 09:30:00", 42)
    by_id = {"filter": json.dumps([{"property": "id", "operator": "eq", "value": item["id"]}])}
    found = http.get(f"{API}/cdrs", params=by_id, auth=AUTH).json()["data"]
    assert [cdr["billsec"] for cdr in found] == [42]
    http.post("/_sandbox/reset")
    assert http.get(f"{API}/cdrs", params=by_id, auth=AUTH).json()["data"] == []


@pytest.mark.parametrize(
    ("path", "body", "field", "words"),
    [
        ("/_sandbox/faults", {"operation": "nope", "status": 500}, "operation", "operationId"),
        ("/_sandbox/faults", {"status": 500, "colour": "red"}, "colour", "not a member of a fault"),
        ("/_sandbox/faults", {"status": "500"}, "status", "whole number"),
        ("/_sandbox/faults", {"delay": 61}, "delay", "from 0 to 60"),
        ("/_sandbox/faults", [], "body", "JSON object"),
        ("/_sandbox/clock", {"advance": -5}, "advance", "never goes back"),
        ("/_sandbox/clock", {"advance": "soon"}, "advance", "finite number"),
        ("/_sandbox/data/cdrs", {"items": [{"calldate": "tomorrow"}]}, "items[0].calldate", "must match"),
        ("/_sandbox/data/cdrs", {"items": []}, "items", "non-empty"),
        ("/_sandbox/data/calls", {"items": [{}]}, "collection", "not a collection"),
        ("/_sandbox/data/cdrs", {"items": [{}], "account": 7}, "account", "no account"),
        ("/_sandbox/data/cdrs", {"items": [{}], "account": 2**63}, "account", "user id"),
        ("/_sandbox/faults", {"status": 101}, "status", "from 200 to 599"),
        ("/_sandbox/faults", {"status": 204, "body": {"a": 1}}, "body", "has no body"),
        ("/_sandbox/clock", {"advance": 5, "by": 1}, "advance", '{"advance": seconds}'),
    ],
)
def test_a_wrong_control_request_is_a_400_naming_the_field(
    http: httpx.Client, path: str, body: object, field: str, words: str
) -> None:
    answer = http.post(path, json=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert error["errors"][0]["field"] == field
    assert words in error["message"]


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_json_that_is_not_json_is_refused(http: httpx.Client, constant: bytes) -> None:
    answer = http.post("/_sandbox/data/cdrs", content=b'{"items": [{"charge": ' + constant + b"}]}")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "body"


def test_the_journal_is_strict_json_whatever_was_sent(http: httpx.Client) -> None:
    sent = http.post(
        f"{API}/settings",
        content=b'{"name": "n", "max_call_rate": NaN}',
        headers={"Content-Type": "application/json"},
        auth=AUTH,
    )
    assert sent.status_code == 400
    journal = http.get("/_sandbox/requests")

    def refuse(name: str) -> None:
        raise ValueError(name)

    (entry,) = json.loads(journal.text, parse_constant=refuse)["data"]
    assert entry["body"]["max_call_rate"] == "NaN"


def test_a_not_json_fault_on_a_204_keeps_the_connection_sound(http: httpx.Client) -> None:
    created = http.post(f"{API}/settings", json={"name": "to delete"}, auth=AUTH).json()["data"]
    http.post("/_sandbox/faults", json={"operation": "deleteSetting", "not_json": True})
    gone = http.delete(f"{API}/settings/{created['id']}", auth=AUTH)
    assert (gone.status_code, gone.content) == (204, b"")
    assert http.get(f"{API}/settings", auth=AUTH).status_code == 200  # the same connection, read cleanly


def test_a_delay_ends_when_the_client_goes_away(http: httpx.Client) -> None:
    http.post("/_sandbox/faults", json={"operation": "listCdrs", "delay": 30})
    with pytest.raises(httpx.ReadTimeout):
        http.get(f"{API}/cdrs", auth=AUTH, timeout=0.2)
    deadline = time.monotonic() + 10
    journal: list[dict[str, object]] = []
    while not journal and time.monotonic() < deadline:  # written once the request is over: long before 30 s
        journal = http.get("/_sandbox/requests").json()["data"]
        time.sleep(0.05)
    assert [(entry["operation"], entry["status"]) for entry in journal] == [("listCdrs", None)]


def test_unknown_controls_and_methods(http: httpx.Client) -> None:
    assert http.get("/_sandbox/nope").status_code == 404
    assert http.put("/_sandbox/faults", json={}).status_code == 405
    assert http.post("/_sandbox/faults", content=b"{not json").status_code == 400


def test_the_limits(http: httpx.Client) -> None:
    assert http.post("/_sandbox/faults", content=b" " * (MAX_CONTROL_BODY + 1)).status_code == 413
    for _ in range(MAX_FAULTS):
        assert (
            http.post("/_sandbox/faults", json={"operation": "getSetting", "status": 500, "times": None}).status_code
            == 201
        )
    refused = http.post("/_sandbox/faults", json={"operation": "getSetting", "status": 500})
    assert refused.status_code == 400
    assert f"at most {MAX_FAULTS}" in refused.json()["message"]
    assert http.delete("/_sandbox/faults").status_code == 204


def test_without_control_there_are_none(tmp_path: Path) -> None:
    with run_cli(tmp_path, "--db", ":memory:", "--cdrs", "5", "--quiet") as plain:
        address = plain.url.removesuffix("/v1.1/voipstudio")
        assert httpx.get(f"{address}/_sandbox/", timeout=10).status_code == 404


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])  # noqa: S104 - refused before anything listens
def test_control_is_refused_beyond_loopback(host: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "voipstudio_callmeback_sandbox", "--host", host, "--port", "0", "--control"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--allow-remote-control" in done.stderr
    assert done.stdout == ""


def test_in_a_terminal_the_banner_names_the_controls_and_ctrl_c_stops_it() -> None:
    """As a person runs it: a pseudo-terminal, the banner read from it, Ctrl-C typed into it."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "voipstudio_callmeback_sandbox", "--port", "0", "--db", ":memory:", "--control"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"Press Ctrl-C to stop." not in seen and time.monotonic() < deadline:
            if select.select([leader], [], [], 0.5)[0]:
                seen += os.read(leader, 4096)
        text = seen.decode().replace("\r\n", "\n")
        assert re.search(r"^  test controls: http://127\.0\.0\.1:\d+/_sandbox/ \(faults, clock", text, re.MULTILINE), (
            text
        )
        os.write(leader, b"\x03")  # Ctrl-C, as typed
        assert process.wait(timeout=30) == 0
        while select.select([leader], [], [], 0.2)[0]:
            try:
                seen += os.read(leader, 4096)
            except OSError:  # the other side closed
                break
        assert "Stopped." in seen.decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)


def test_the_controls_are_behind_the_host_check_and_the_security_headers(http: httpx.Client) -> None:
    """The control API and a fault's answer carry nosniff and no-store; a Host not allowed reaches no control."""
    summary = http.get("/_sandbox/")
    assert (summary.headers["x-content-type-options"], summary.headers["cache-control"]) == ("nosniff", "no-store")
    assert http.post("/_sandbox/faults", json={"operation": "listCdrs", "status": 401}).status_code == 201
    faulted = http.get(f"{API}/cdrs", auth=AUTH)
    assert faulted.status_code == 401
    assert faulted.headers["x-content-type-options"] == "nosniff"
    assert faulted.headers["www-authenticate"].startswith("Basic ")
    refused = http.post("/_sandbox/reset", headers={"Host": "rebound.example"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "Host"
