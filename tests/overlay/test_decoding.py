"""Answers are decoded with msgspec, and with the standard library for what msgspec refuses."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest
from voipstudio_callmeback import CallMeBack, UnexpectedResponseError

BASE = "https://api.test/v1.1/voipstudio"
TOKEN = "decoding-test-token"  # noqa: S105 - not a credential


def client_answering(content: bytes, content_type: str = "application/json") -> CallMeBack:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content, headers={"content-type": content_type})

    return CallMeBack(token=TOKEN, base_url=BASE, http_client=httpx.Client(transport=httpx.MockTransport(handler)))


def first_cdr(content: bytes, content_type: str = "application/json") -> Any:
    with client_answering(content, content_type) as cmb:
        return next(iter(cmb.cdrs.list()))


def test_utf8_json_parses() -> None:
    cdr = first_cdr('{"data": [{"id": 1, "dst_name": "Łucja Nowak"}], "total": 1}'.encode())
    assert (cdr.id, cdr.dst_name) == (1, "Łucja Nowak")


def test_a_body_in_utf16_still_parses() -> None:
    body = '{"data": [{"id": 2, "dst_name": "Zoë"}], "total": 1}'.encode("utf-16")
    cdr = first_cdr(body, "application/json; charset=utf-16")
    assert (cdr.id, cdr.dst_name) == (2, "Zoë")


@pytest.mark.parametrize(("literal", "check"), [("NaN", math.isnan), ("1e400", math.isinf)])
def test_numbers_only_the_standard_library_reads_still_parse(literal: str, check: Any) -> None:
    cdr = first_cdr(f'{{"data": [{{"id": 3, "rate": {literal}}}], "total": 1}}'.encode())
    assert check(cdr.rate)


def test_integers_beyond_64_bits_stay_exact() -> None:
    cdr = first_cdr(b'{"data": [{"id": 123456789012345678901234567890}], "total": 1}')
    assert cdr.id == 123456789012345678901234567890


@pytest.mark.parametrize("body", [b'{"data": [', b"\xff\xfe\x00", b"{'data': []}"])
def test_malformed_json_is_an_unexpected_response(body: bytes) -> None:
    with pytest.raises(UnexpectedResponseError, match="the body is not JSON"):
        first_cdr(body)
