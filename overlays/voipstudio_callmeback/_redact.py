"""Copies of requests, answers and JSON values with the credentials taken out.

What the library hands back beyond the value of a call (an error's `.response`, a raw answer's
`http_request`) goes through here, so that printing, logging or pickling it shows no token,
API key, password or two-factor code: credential headers read `[redacted]`, JSON members that
hold a credential too, and the body of a login (its whole content is credentials) is left out.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Final

import httpx

from ._json import loads
from ._types import CREDENTIAL_HEADERS

REDACTED: Final = "[redacted]"
# Headers that carry a credential, in a request or an answer.
SECRET_HEADERS: Final = CREDENTIAL_HEADERS | {"set-cookie", "cookie", "proxy-authorization"}
# JSON members that hold a credential: a login's session token and password, an API key, a two-factor nonce.
# (Not `code`: error bodies name the failed check by it. The two-factor code only travels in the body of
# POST /login2fa, which is left out whole.)
SECRET_MEMBERS: Final = frozenset({"user_token", "token", "api_key", "password", "nonce"})
# The extension under which the client marks a request whose body is all credentials (the login pair).
CREDENTIALS_IN_BODY: Final = "voipstudio_callmeback.credentials_in_body"


def redacted_value(value: Any) -> Any:
    """A JSON value with the members SECRET_MEMBERS names replaced by `[redacted]`, at any depth."""
    if isinstance(value, dict):
        return {key: REDACTED if key in SECRET_MEMBERS else redacted_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redacted_value(item) for item in value]
    return value


def redacted_headers(headers: httpx.Headers) -> httpx.Headers:
    return httpx.Headers(
        [(name, REDACTED if name.lower() in SECRET_HEADERS else value) for name, value in headers.multi_items()]
    )


def _redacted_content(content: bytes, *, of_login: bool = False) -> bytes:
    """JSON content with its secret members redacted; other content as it is, but for the answer of a login,
    which may hold a session token anywhere in a body that is not JSON: that is left out."""
    if not content:
        return content
    try:
        value = loads(content)
    except ValueError:
        return b"" if of_login else content
    cleaned = redacted_value(value)
    return content if cleaned == value else json.dumps(cleaned).encode()


def answers_a_login(response: httpx.Response) -> bool:
    """Whether the answer is to a request whose body is all credentials (the login pair): it may hold a token."""
    try:
        return bool(response.request.extensions.get(CREDENTIALS_IN_BODY))
    except RuntimeError:  # an answer made without a request
        return False


def redacted_request(request: httpx.Request) -> httpx.Request:
    """A copy of a sent request without its credentials: headers and JSON members redacted, a login's body left out."""
    try:
        sent = request.content
    except httpx.RequestNotRead:
        sent = b""
    content = b"" if request.extensions.get(CREDENTIALS_IN_BODY) else sent
    headers = redacted_headers(request.headers)
    cleaned = _redacted_content(content)
    if cleaned is not sent and "content-length" in headers:  # the length of the body the copy holds
        headers["content-length"] = str(len(cleaned))
    return httpx.Request(request.method, request.url, headers=headers, content=cleaned, extensions=request.extensions)


def redacted_response(response: httpx.Response) -> httpx.Response:
    """A copy of an answer (already read) and of its request, without credentials."""
    headers = httpx.Headers(
        [(name, value) for name, value in response.headers.multi_items() if name.lower() not in SECRET_HEADERS]
    )
    try:
        content = response.content
    except httpx.ResponseNotRead:
        content = b""
    cleaned = _redacted_content(content, of_login=answers_a_login(response))
    try:
        request: httpx.Request | None = redacted_request(response.request)
    except RuntimeError:  # an answer made without a request (a test's)
        request = None
    # The copy's content is already decoded: drop the encodings that would have it decoded again.
    headers.pop("content-encoding", None)
    headers["content-length"] = str(len(cleaned))
    copy = httpx.Response(
        response.status_code,
        headers=headers,
        content=cleaned,
        request=request,
        extensions={
            key: value for key, value in response.extensions.items() if key in ("http_version", "reason_phrase")
        },
    )
    with contextlib.suppress(RuntimeError):  # an answer httpx did not time has no elapsed time
        copy.elapsed = response.elapsed
    return copy
