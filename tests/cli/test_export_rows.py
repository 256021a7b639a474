"""Exports read pages as rows (no models) where they can: the same text as from models, for every page.

Pages are drawn from each list's item schema in openapi.yaml, and bent (members the spec does
not declare, values of other types). Each is read by `read_page` (rows where they read it
exactly, else models) and written; the same body parsed into models by the client and written
from them must give the very same CSV and JSON Lines.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from voipstudio_callmeback import Page, UnexpectedResponseError
from voipstudio_callmeback._base import parse
from voipstudio_callmeback._cli._export import FORMATS, Export, Format, Rows, export, read_page
from voipstudio_callmeback._cli._spec import resources
from voipstudio_callmeback._client import Sent
from voipstudio_callmeback._resource_base import page as page_of

from json_bodies import objects

BASE_URL = "https://api.test/v1.1/voipstudio"
REQUEST = httpx.Request("GET", f"{BASE_URL}/callmeback/anything")
LISTS = [resource for resource in resources() if "list" in resource.operations and resource.item is not None]


def response(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "application/json"}, request=REQUEST)


def sent(body: bytes) -> Sent:
    return Sent(response(body), 0)


def written(pages: list[Page[Any]], format: Format, columns: list[str], rows: Rows) -> str:
    async def arriving() -> AsyncIterator[Page[Any]]:
        for page in pages:
            yield page

    out = io.StringIO(newline="")
    progress = asyncio.run(export(arriving(), out, format, columns, Export(), special=rows.special))
    assert progress.rows == sum(len(page.items) for page in pages)
    return out.getvalue()


def test_every_list_reads_rows() -> None:
    """Each list's items have a row decoder (else exports make models, about twice the CPU: scripts/bench)."""
    assert LISTS
    for resource in LISTS:
        for format in FORMATS:
            rows = Rows(resource.operations["list"], resource.item, format, resource.declared_fields)  # type: ignore[arg-type]
            # A field of a shape rows cannot hold exactly (a date-time) is read into models: listed, with its cost,
            # in docs/benchmarks.md ("Shapes read the slow way"); any other reason is a fast path lost.
            assert rows.decode is not None or "date-time" in rows.slow, f"{resource.name}: {rows.slow} (see Rows)"


@pytest.mark.parametrize("resource", LISTS, ids=lambda resource: resource.name)
@pytest.mark.parametrize("format", FORMATS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_rows_write_what_models_write(resource: Any, format: Format, data: st.DataObject) -> None:
    operation, item, columns = resource.operations["list"], resource.item, resource.declared_fields
    schema = {"$ref": f"#/components/schemas/{item.__name__}"}
    rows = Rows(operation, item, format, columns)
    strict = data.draw(st.booleans(), label="strict")
    pages = data.draw(
        st.lists(st.lists(objects(schema, strict), min_size=1, max_size=4), min_size=1, max_size=3), label="pages"
    )
    read, modelled = [], []
    for number, items in enumerate(pages, start=1):
        body = json.dumps({"data": items, "total": sum(map(len, pages))}).encode()
        try:
            parse(response(body), operation.status, operation.response)
        except UnexpectedResponseError:  # a body the client refuses: read_page must refuse it too
            with pytest.raises(UnexpectedResponseError):
                read_page(sent(body), operation, item, rows, number, BASE_URL)
            return
        modelled.append(page_of(operation, sent(body), number, item, BASE_URL))
        read.append(read_page(sent(body), operation, item, rows, number, BASE_URL))
        if strict:
            assert isinstance(read[-1].items[0], msgspec.Struct), "a page the spec describes was not read as rows"
    assert written(read, format, columns, rows) == written(modelled, format, columns, rows)
