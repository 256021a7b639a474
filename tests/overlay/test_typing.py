"""The types a type checker sees: `scripts/lint` runs mypy --strict over this file, whose `assert_type` calls
fail it when a per-call option, a raw answer or a generic request is typed less precisely than it is.
Run by pytest too, against a mock transport, so that the calls it types are real ones."""

from __future__ import annotations

import asyncio
from typing import Any, assert_type

import httpx
from voipstudio_callmeback import (
    APIResponse,
    AsyncCallMeBack,
    AsyncPaginator,
    CallMeBack,
    Page,
    RequestOptions,
    Setting,
    SyncPaginator,
)
from voipstudio_callmeback_client.models import SettingResponse

from .mocked import BASE_URL, SETTING, TOKEN, answer


def route(request: httpx.Request) -> httpx.Response:
    if request.method == "DELETE":
        return answer(204)
    if request.method == "POST":
        return answer(201, {"data": SETTING})
    if request.url.path.endswith("/settings"):
        return answer(200, {"data": [SETTING], "total": 1})
    return answer(200, {"data": SETTING})


def passed_on(cmb: CallMeBack, **options: Any) -> Setting:
    return cmb.settings.get(7, **options)


def test_the_sync_client_is_typed() -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(route)) as http,
        CallMeBack(token=TOKEN, base_url=BASE_URL, http_client=http) as cmb,
    ):
        assert_type(cmb.settings.get(7, timeout=5, max_retries=0, extra_headers={"X-A": "1"}), Setting)
        raw = cmb.settings.with_raw_response.get(7, extra_query={"expand": "all"})
        assert_type(raw, APIResponse[Setting])
        assert_type(raw.parse(), Setting)
        assert_type(raw.headers, httpx.Headers)
        assert_type(raw.retries_taken, int)
        listed = cmb.settings.with_raw_response.list(limit=1)
        assert_type(listed, APIResponse[SyncPaginator[Setting]])
        assert_type(cmb.settings.with_raw_response.delete(7), APIResponse[None])
        for page in listed.parse().pages():
            assert_type(page, Page[Setting])
        copy = cmb.with_options(timeout=1)
        assert_type(copy, CallMeBack)
        assert_type(cmb.get("/callmeback/settings/7", cast_to=SettingResponse), SettingResponse)
        assert_type(cmb.get("/callmeback/settings/7", cast_to=dict), dict[Any, Any])
        assert_type(cmb.get("/callmeback/settings/7", cast_to=httpx.Response), httpx.Response)
        assert_type(cmb.get("/callmeback/settings/7"), Any)
        options: RequestOptions = {"timeout": 2.0, "max_retries": 1}
        assert_type(cmb.settings.get(7, **options), Setting)
        assert passed_on(cmb, timeout=1).id == 7


def test_the_async_client_is_typed() -> None:
    async def main() -> None:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(route)) as http,
            AsyncCallMeBack(token=TOKEN, base_url=BASE_URL, http_client=http) as cmb,
        ):
            assert_type(await cmb.settings.get(7, timeout=None), Setting)
            raw = await cmb.settings.with_raw_response.get(7)
            assert_type(raw, APIResponse[Setting])
            listed = await cmb.settings.with_raw_response.list(limit=1, prefetch=2)
            assert_type(listed, APIResponse[AsyncPaginator[Setting]])
            assert_type(listed.parse(), AsyncPaginator[Setting])
            assert_type(cmb.with_options(max_retries=0), AsyncCallMeBack)
            assert_type(
                await cmb.post("/callmeback/settings", json={"name": "x"}, cast_to=SettingResponse), SettingResponse
            )

    asyncio.run(main())
