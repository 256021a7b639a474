"""The spec's links, followed by hand against the sandbox: create -> get -> update -> delete -> get (404)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import yaml
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, SandboxConfig, Store, create_app

from conftest import ROOT

SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
OPERATIONS = {
    op["operationId"]: (method.upper(), path, op)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if isinstance(op, dict) and "operationId" in op
}


def evaluate(expression: str, request_path: dict[str, str], response: httpx.Response) -> Any:
    """The value of an OpenAPI runtime expression (the two forms the spec uses)."""
    if expression.startswith("$request.path."):
        return request_path[expression.removeprefix("$request.path.")]
    pointer = expression.removeprefix("$response.body#/")
    value: Any = response.json()
    for part in pointer.split("/"):
        value = value[part]
    return value


def example_body(operation: dict[str, Any]) -> Any:
    (example,) = operation["requestBody"]["content"]["application/json"]["examples"].values()
    return example["value"]


async def follow(
    client: httpx.AsyncClient, source: str, status: int, response: httpx.Response, path_id: str, link: str
) -> tuple[str, httpx.Response]:
    """Follow the named link of a response; return the id used and the target's response."""
    definition = OPERATIONS[source][2]["responses"][str(status)]["links"][link]
    method, path, target = OPERATIONS[definition["operationId"]]
    item_id = str(evaluate(definition["parameters"]["id"], {"id": path_id}, response))
    body = example_body(target) if "requestBody" in target else None
    return item_id, await client.request(method, path.replace("{id}", item_id), json=body)


def success(operation_id: str) -> int:
    """The success status the spec gives an operation."""
    return min(int(code) for code in OPERATIONS[operation_id][2]["responses"] if str(code).startswith("2"))


# The nouns of the creates whose 201 answer links to the item's get, update and delete.
NOUNS = sorted(
    operation_id.removeprefix("create")
    for operation_id, (_, _, operation) in OPERATIONS.items()
    if operation_id.startswith("create") and operation["responses"].get(str(success(operation_id)), {}).get("links")
)


async def owned_references(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    """The example body with every `<noun>_id` pointing at a <noun> the caller creates first: the sandbox
    refuses references to items that are not the caller's own, as the examples' ids are not."""
    found = dict(body)
    for name in body:
        noun = name.removesuffix("_id").capitalize()
        if name.endswith("_id") and f"create{noun}" in OPERATIONS:
            method, path, create = OPERATIONS[f"create{noun}"]
            created = await client.request(method, path, json=example_body(create))
            found[name] = created.json()["data"]["id"]
    return found


@pytest.mark.parametrize("noun", NOUNS)
def test_links_chain_create_get_update_delete_get(noun: str) -> None:
    """Following the links from a create reaches the item, updates it, deletes it, and then finds it gone."""
    config = SandboxConfig(db=":memory:", cdrs_per_account=10, validate_responses=True, allowed_hosts=["sandbox"])
    app = create_app(config, Store(config.db, cdrs_per_account=10))

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        auth = (str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox/v1.1/voipstudio", auth=auth
        ) as client:
            method, path, create = OPERATIONS[f"create{noun}"]
            created = await client.request(method, path, json=await owned_references(client, example_body(create)))
            made, changed, removed = success(f"create{noun}"), success(f"update{noun}"), success(f"delete{noun}")
            item_id, got = await follow(client, f"create{noun}", made, created, "", f"GetCreated{noun}")
            _, updated = await follow(client, f"create{noun}", made, created, "", f"UpdateCreated{noun}")
            _, read_back = await follow(client, f"update{noun}", changed, updated, item_id, f"GetUpdated{noun}")
            _, deleted = await follow(client, f"create{noun}", made, created, "", f"DeleteCreated{noun}")
            _, gone = await follow(client, f"delete{noun}", removed, deleted, item_id, f"GetDeleted{noun}")
            assert read_back.json() == updated.json()
            return [
                created.status_code,
                got.status_code,
                updated.status_code,
                read_back.status_code,
                deleted.status_code,
                gone.status_code,
            ]

    expected = [success(f"{verb}{noun}") for verb in ("create", "get", "update", "get", "delete")] + [404]
    assert asyncio.run(scenario()) == expected
