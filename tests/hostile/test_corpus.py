"""The hostile-input corpus (corpus.py), run against the sandbox in process (an ASGI call) and over a socket on
127.0.0.1: every case a 4xx with the spec's ErrorResponse body, an error whose `field` and message name the
field, and nothing written (the store's count of rows changed is the same before and after)."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from voipstudio_callmeback_testing import Sandbox

from hostile.asgi import asgi_call
from hostile.corpus import CASES, COLLECTIONS, PREFIX, SPEC, WRITES, Case
from schemas import errors as schema_errors

ITEM_WRITES = [write for write in WRITES if "{" in write[1]]

ERROR_RESPONSE = {"$ref": "#/components/schemas/ErrorResponse"}
TIMEOUT = 30.0  # seconds a socket waits for an answer: a bound, not an expectation


@pytest.fixture(scope="module")
def kit() -> Iterator[Sandbox]:
    instance = Sandbox(cdrs=20)
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def served(kit: Sandbox) -> Iterator[tuple[str, int]]:
    with kit.serve() as found:
        host, port = found.address.removeprefix("http://").split(":")
        yield host, int(port)


@pytest.fixture(scope="module")
def owned_ids(kit: Sandbox) -> dict[str, int]:
    """An id the demo account owns in each collection that has item paths, for the writes to an item."""
    found = {}
    for path in sorted({path for _, path, _ in ITEM_WRITES}):
        collection = path.rsplit("/", 2)[-2]
        [item] = kit.add(collection, {"name": "Owned by the demo account"})
        found[path] = item["id"]
    return found


def placed(case: Case, owned_ids: dict[str, int]) -> str:
    """The request target of a case, its `{id}` one the demo account owns."""
    path, _, query = case.target.partition("?")
    for template, item_id in owned_ids.items():
        if path == template:
            path = path.replace("{id}", str(item_id))
    return PREFIX + path + (f"?{query}" if query else "")


def in_process(kit: Sandbox, case: Case, where: str | None = None) -> tuple[int, bytes]:
    """The case as one ASGI call, as uvicorn would make it (the path percent-decoded, the query as sent)."""
    raw = (where or PREFIX + case.target).encode("latin-1")
    raw_path, _, query = raw.partition(b"?")
    decoded = raw_path.decode("latin-1")
    return asgi_call(
        kit.app,
        asyncio.run,
        method=case.method,
        path=unquote(decoded) if "%" in decoded else decoded,
        raw_path=raw_path,
        query_string=query,
        headers=case.request_headers(),
        chunks=list(case.body),
    )


def over_socket(address: tuple[str, int], case: Case, where: str) -> tuple[int, bytes]:
    """The case as written, over a new connection to the served sandbox, closed after the answer."""
    head = [f"{case.method} {where} HTTP/1.1".encode("latin-1")]
    head += [name + b": " + value for name, value in [*case.request_headers(), (b"connection", b"close")]]
    if len(case.body) > 1:
        payload = b"".join(b"%x\r\n%b\r\n" % (len(chunk), chunk) for chunk in case.body) + b"0\r\n\r\n"
    else:
        payload = b"".join(case.body)
    with socket.create_connection(address, timeout=TIMEOUT) as connection:
        connection.sendall(b"\r\n".join(head) + b"\r\n\r\n" + payload)
        response = http.client.HTTPResponse(connection, method=case.method)
        response.begin()
        return response.status, response.read()


def check(kit: Sandbox, case: Case, status: int, raw: bytes, before: int) -> None:
    assert status == case.status, f"{case.name}: {status} {raw[:300]!r}"
    body = json.loads(raw)
    assert schema_errors(SPEC, ERROR_RESPONSE, body) == [], body
    assert isinstance(body["message"], str)
    assert body["message"]
    entries = body.get("errors", [])
    assert isinstance(entries, list)
    for entry in entries:
        assert isinstance(entry, dict)
        assert isinstance(entry.get("message"), str)
        assert entry["message"]
    if case.field is not None:
        named = [entry for entry in entries if entry.get("field") == case.field]
        assert named, f"{case.name}: no error names {case.field}: {body}"
        # The message names it too, for a reader of the message alone.
        assert any(case.field in entry["message"] for entry in named), f"{case.name}: {named}"
    assert kit.store.changes() == before, f"{case.name} wrote"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_in_process(kit: Sandbox, owned_ids: dict[str, int], case: Case) -> None:
    before = kit.store.changes()
    status, raw = in_process(kit, case, placed(case, owned_ids))
    check(kit, case, status, raw, before)


SOCKET_CASES = [case for case in CASES if case.over_socket]


@pytest.mark.parametrize("case", SOCKET_CASES, ids=[case.name for case in SOCKET_CASES])
def test_over_a_socket(kit: Sandbox, served: tuple[str, int], owned_ids: dict[str, int], case: Case) -> None:
    before = kit.store.changes()
    status, raw = over_socket(served, case, placed(case, owned_ids))
    check(kit, case, status, raw, before)


def test_the_corpus_covers_the_spec() -> None:
    """Every collection, every write and every item path of the spec has cases, of each kind."""
    names = [case.name for case in CASES]
    for path in COLLECTIONS:
        assert any(name.startswith(f"filter{path}:") for name in names), path
        assert any(name.startswith(f"query{path}:") for name in names), path
    for method, path, _ in WRITES:
        assert any(name.startswith(f"body:{method.lower()}{path}:") for name in names), (method, path)
    for path in SPEC["paths"]:
        if "{" in path:
            assert any(name.startswith(f"path{path}:") for name in names), path
    assert any(name.startswith("header:") for name in names)
    assert all(400 <= case.status < 500 for case in CASES)
