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


@pytest.mark.parametrize("noun", ["Setting", "Button"])
def test_links_chain_create_get_update_delete_get(noun: str) -> None:
    """Following the links from a create reaches the item, updates it, deletes it, and then finds it gone."""
    config = SandboxConfig(db=":memory:", cdrs_per_account=10, validate_responses=True)
    app = create_app(config, Store(config.db, cdrs_per_account=10))

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        auth = (str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox/v1.1/voipstudio", auth=auth
        ) as client:
            method, path, create = OPERATIONS[f"create{noun}"]
            created = await client.request(method, path, json=example_body(create))
            item_id, got = await follow(client, f"create{noun}", 201, created, "", f"GetCreated{noun}")
            _, updated = await follow(client, f"create{noun}", 201, created, "", f"UpdateCreated{noun}")
            _, read_back = await follow(client, f"update{noun}", 200, updated, item_id, f"GetUpdated{noun}")
            _, deleted = await follow(client, f"create{noun}", 201, created, "", f"DeleteCreated{noun}")
            _, gone = await follow(client, f"delete{noun}", 204, deleted, item_id, f"GetDeleted{noun}")
            assert read_back.json() == updated.json()
            return [
                created.status_code,
                got.status_code,
                updated.status_code,
                read_back.status_code,
                deleted.status_code,
                gone.status_code,
            ]

    assert asyncio.run(scenario()) == [201, 200, 200, 200, 204, 404]
