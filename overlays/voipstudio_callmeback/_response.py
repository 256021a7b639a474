"""Raw answers: the HTTP answer of a call, and the value the call would have returned.

    raw = cmb.settings.with_raw_response.get(7)
    raw.status_code, raw.headers["X-Request-Id"], raw.retries_taken, raw.elapsed
    setting = raw.parse()  # the Setting that cmb.settings.get(7) returns

For a list, `with_raw_response.list(...)` fetches the first page at once: its raw answer, whose
`parse()` is the paginator, which starts with that page instead of fetching it again. Every
`Page` also carries the raw answer it came in (`page.response`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import httpx

from ._redact import redacted_request

T = TypeVar("T")

__all__ = ["APIResponse"]

_NOT_PARSED: Any = object()


class APIResponse(Generic[T]):
    """The answer of one call: status, headers, timing and retries, and `parse()` for what the call returns.

    `http_request` is the request as the client last sent it, with its credentials shown as
    `[redacted]`; `http_response` is httpx's answer (whose `request` is that copy too).
    """

    __slots__ = ("_parse", "_parsed", "_redacted", "_response", "_seconds", "retries_taken")

    def __init__(
        self, response: httpx.Response, retries_taken: int, parse: Callable[[], T], seconds: float = 0.0
    ) -> None:
        self._response = response
        self._seconds = seconds
        self._redacted = False
        self.retries_taken = retries_taken  # times the request was sent again (0: once), after a new login too
        self._parse = parse
        self._parsed: T = _NOT_PARSED

    @property
    def http_response(self) -> httpx.Response:
        """httpx's answer; its `request` is the sent request with the credentials shown as `[redacted]`."""
        response = self._response
        if not self._redacted:  # done when first asked for: a page's raw answer is rarely read
            response.request = redacted_request(response.request)
            self._redacted = True
        return response

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The answer's headers (case-insensitive: `raw.headers["x-request-id"]` and `["X-Request-Id"]` are one)."""
        return self._response.headers

    @property
    def http_request(self) -> httpx.Request:
        return self.http_response.request

    @property
    def url(self) -> httpx.URL:
        return self.http_response.request.url

    @property
    def method(self) -> str:
        return self.http_response.request.method

    @property
    def elapsed(self) -> datetime.timedelta:
        """The time from sending the request's last attempt to reading the whole answer."""
        try:
            return self._response.elapsed
        except RuntimeError:  # httpx measured none (an answer a mock transport made with its body): the client's
            return datetime.timedelta(seconds=self._seconds)

    @property
    def content(self) -> bytes:
        return self._response.content

    @property
    def text(self) -> str:
        return self._response.text

    def json(self) -> Any:
        return self._response.json()

    def parse(self) -> T:
        """What the call returns without `with_raw_response`: the model, the paginator, or None (parsed once)."""
        if self._parsed is _NOT_PARSED:
            self._parsed = self._parse()
        return self._parsed

    def __repr__(self) -> str:
        response = self._response
        request = response.request
        return f"<APIResponse [{response.status_code} {response.reason_phrase}] {request.method} {request.url.path}>"
