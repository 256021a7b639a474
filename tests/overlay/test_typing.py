"""The types a type checker sees: `scripts/lint` runs mypy --strict over this file, whose `assert_type` calls
fail it when a per-call option, a raw answer or a generic request is typed less precisely than it is.
Run by pytest too, against a mock transport, so that the calls it types are real ones."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
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


MISUSE = """
import httpx
from voipstudio_callmeback import AsyncCallMeBack, CallMeBack

cmb = CallMeBack(token="t0ken")
cmb.get("/x", cast_to=int)  # line 6: cast_to is a model, dict or httpx.Response
cmb.settings.get(7, timeout="5")  # line 7
cmb.settings.create(name="Shop", colour="red")  # line 8: no such field
CallMeBack.login("a@example.com", "pw", timeout="x")  # line 9
CallMeBack.from_env(bogus=1)  # line 10
AsyncCallMeBack.from_env(http_client=httpx.Client())  # line 11: the async client takes an httpx.AsyncClient
cmb.settings.with_raw_response.get("7")  # line 12: the id is an int
cmb.get("/x", retries=3)  # line 13: not an option
"""


def test_a_type_checker_refuses_misuse(tmp_path: Path) -> None:
    """mypy --strict finds each misuse of the options, cast_to and the clients' keywords, on its own line."""
    program = tmp_path / "misuse.py"
    program.write_text(MISUSE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), str(program)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    flagged = {int(line.split(":")[1]) for line in done.stdout.splitlines() if ": error:" in line}
    assert flagged == set(range(6, 14)), done.stdout
