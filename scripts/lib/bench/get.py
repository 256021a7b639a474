"""b. The client's CPU cost of one `settings.get(id)`, against its floor: a bare `httpx.Client.get`
and `json.loads` of the same bytes, both on a MockTransport (no network, the same handler)."""

from __future__ import annotations

import json
import statistics
import time

from .common import (
    MOCK_BASE_URL,
    MOCK_TOKEN,
    BenchError,
    Result,
    Sizes,
    answer_example,
    at_most,
    interleave,
    median_ratio,
    operation_url,
    us,
)

GET_TARGET = 1.15  # settings.get / raw httpx + json.loads, at most


GET_SETTING = "getSetting"  # what settings.get() calls


def settings_example_body() -> bytes:
    """The documented answer of getSetting: the first example of its success answer in openapi.yaml."""
    return json.dumps(answer_example(GET_SETTING)).encode()


def bench_get(sizes: Sizes) -> list[Result]:
    import httpx
    from voipstudio_callmeback import CallMeBack

    body = settings_example_body()
    setting_id = json.loads(body)["data"]["id"]
    url = operation_url(GET_SETTING, setting_id)
    headers = {"X-Auth-Token": MOCK_TOKEN}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = CallMeBack(token=MOCK_TOKEN, base_url=MOCK_BASE_URL, http_client=http)
    raw = httpx.Client(transport=httpx.MockTransport(handler))
    calls = sizes.get_calls

    def ours() -> float:
        started = time.perf_counter()
        for _ in range(calls):
            client.settings.get(setting_id)
        return (time.perf_counter() - started) / calls

    def floor() -> float:
        started = time.perf_counter()
        for _ in range(calls):
            json.loads(raw.get(url, headers=headers).content)
        return (time.perf_counter() - started) / calls

    try:
        if client.settings.get(setting_id).id != json.loads(raw.get(url, headers=headers).content)["data"]["id"]:
            raise BenchError("the two sides read different settings")
        ours(), floor()  # warm-up
        ours_s, floor_s = interleave([ours, floor], sizes.get_repeats)
    finally:
        http.close()
        raw.close()
    ratio = median_ratio(ours_s, floor_s)
    ours_median, floor_median = statistics.median(ours_s), statistics.median(floor_s)
    details = {
        "calls_per_repeat": calls,
        "repeats": sizes.get_repeats,
        "ours_median_s": ours_median,
        "floor_median_s": floor_median,
        "body_bytes": len(body),
        "floor": "httpx.Client.get + json.loads, httpx.MockTransport, the same handler and body",
    }
    text = f"{ratio:.2f}x ({us(ours_median)} vs {us(floor_median)} a call)"
    return [at_most("get", "b. settings.get CPU: ours / httpx + json.loads (floor)", ratio, GET_TARGET, text, details)]
