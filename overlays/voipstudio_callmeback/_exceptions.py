"""The errors a CallMeBack client raises, one tree under CallMeBackError.

    CallMeBackError
    ├── APIConnectionError          the service could not be reached, or the connection broke
    │   └── APITimeoutError         ... or did not answer in time
    ├── APIStatusError              the service answered with an error status
    │   ├── BadRequestError         400: a parameter, the filter or the body was refused (.errors)
    │   ├── AuthenticationError     401: credentials missing, wrong or expired
    │   ├── PermissionDeniedError   403: the resource belongs to another account
    │   ├── NotFoundError           404: no resource with this id
    │   ├── RateLimitError          429: too many requests
    │   └── InternalServerError     5xx
    ├── UnexpectedResponseError     a success status whose body does not match the spec
    └── ResponseTooLargeError       an answer longer than max_response_bytes (decompressed)

Every error that comes from a response carries its status, headers (case-insensitive),
parsed body, the request's method and URL, and `.response`, httpx's answer. Credentials
never appear in them: `.response` is a copy whose credential headers (and its request's)
read `[redacted]`, like the members of a body that hold one, and a login's request body is
left out; no error chains the httpx error it replaces. An error status from a server that
is not the API (an HTML page, another server's 404) is a plain APIStatusError whose message
names the base URL, not the error the API's own answer would be.
"""

from __future__ import annotations

from typing import Any

import httpx

from ._json import loads
from ._redact import REDACTED, answers_a_login, redacted_response, redacted_value

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CallMeBackError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "UnexpectedResponseError",
]


class CallMeBackError(Exception):
    """Every error raised by this package."""


class APIConnectionError(CallMeBackError):
    """The request did not get an answer: the connection failed or broke."""

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class ResponseTooLargeError(CallMeBackError):
    """The answer's body, decompressed, is longer than the client's max_response_bytes: reading stopped
    there and the connection was closed (a compressed "bomb" cannot fill the memory)."""

    def __init__(self, *, method: str, url: str, limit: int) -> None:
        super().__init__(
            f"the answer to {method} {url} is longer than {limit} bytes once decompressed, the client's"
            " max_response_bytes; pass a larger max_response_bytes= to the client (or with_options()) to accept it"
        )
        self.method = method
        self.url = url
        self.limit = limit


class APITimeoutError(APIConnectionError):
    """The service did not answer within the timeout."""


def _body_of(response: httpx.Response) -> Any:
    try:
        return redacted_value(loads(response.content)) if response.content else None
    except ValueError:
        # The text of a login's answer that is not JSON may hold the session token: it is left out.
        return REDACTED if answers_a_login(response) else response.text


def _error_message(body: Any) -> str | None:
    """The service's own words: errors[0].message first, then message (as VoIPstudio's CLI reads them)."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")
    if (
        isinstance(errors, list)
        and errors
        and isinstance(errors[0], dict)
        and isinstance(errors[0].get("message"), str)
    ):
        return str(errors[0]["message"])
    message = body.get("message")
    return message if isinstance(message, str) else None


class _ResponseError(CallMeBackError):
    response: httpx.Response
    """httpx's answer, a copy without credentials: its headers and its request's read `[redacted]` where they
    held one, as do the members of its JSON body that hold one; a login's request body is left out."""
    status_code: int
    headers: httpx.Headers
    """The answer's headers, case-insensitive (`e.headers["Retry-After"]`), without those that carry a secret."""
    body: Any
    """The answer's JSON (members holding a credential redacted), or its text when it is not JSON."""
    method: str
    url: str

    def __init__(self, message: str, *, response: httpx.Response, body: Any = None) -> None:
        super().__init__(message)
        self.response = redacted_response(response)
        self.status_code = response.status_code
        self.headers = self.response.headers
        self.body = body if body is not None else _body_of(response)
        self.method = response.request.method
        self.url = str(response.request.url)


class APIStatusError(_ResponseError):
    """The service answered with an error status (`from_api` False: a server that is not the API did)."""

    from_api: bool
    wrong_base_url: bool
    """Whether the answer says the base URL is probably wrong: it is not the API's, or a collection was not found."""

    def __init__(self, message: str | None = None, *, response: httpx.Response, from_api: bool = True) -> None:
        body = _body_of(response)
        detail = (_error_message(body) if from_api else None) or message or response.reason_phrase
        request = response.request
        super().__init__(
            f"{request.method} {request.url.path}: {response.status_code} {detail}", response=response, body=body
        )
        self.from_api = from_api
        self.wrong_base_url = not from_api


class BadRequestError(APIStatusError):
    """400: the service refused a parameter, the filter or the body; `errors` lists the details."""

    @property
    def errors(self) -> list[Any]:
        """The individual errors the service gave, as a list (errors keyed by field become {field, message} items)."""
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        if isinstance(errors, dict):
            return [{"field": field, "message": message} for field, message in errors.items()]
        return list(errors) if isinstance(errors, list) else []


class AuthenticationError(APIStatusError):
    """401: the credentials are missing, wrong or expired."""


class PermissionDeniedError(APIStatusError):
    """403: the resource exists but belongs to another account."""


class NotFoundError(APIStatusError):
    """404: no resource has this id."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` is how long the service asked to wait, when it said."""

    @property
    def retry_after(self) -> float | None:
        """The seconds the answer's Retry-After asked to wait (from when it came), or None when it did not say.
        The client retries by itself only when that is at most MAX_RETRY_WAIT (60 s)."""
        from ._base import retry_after

        return retry_after(self.headers)


class InternalServerError(APIStatusError):
    """5xx: the service failed."""


class UnexpectedResponseError(_ResponseError):
    """A success status whose body is not what the spec promises (not JSON, or missing fields)."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


# Statuses a proxy or gateway in front of the API answers for it as well: their class holds whoever wrote the body.
_FROM_ANY_SERVER = frozenset({408, 429})


def status_error(response: httpx.Response, base_url: str | None = None, *, collection: bool = False) -> APIStatusError:
    """The typed error for an error response.

    A client error (4xx) whose body is not the API's JSON error body (an HTML page, an empty body, another
    server's JSON) did not come from the API: it is a plain APIStatusError saying that the base URL is
    probably wrong, so that `except NotFoundError` does not take a wrong address for a missing item. A 404
    of a `collection` (a path with no id, which always exists) says so too.
    """
    status = response.status_code
    kind = _BY_STATUS.get(status)
    if kind is None:
        kind = InternalServerError if status >= 500 else APIStatusError
    if 400 <= status < 500 and status not in _FROM_ANY_SERVER and not _api_error_body(response):
        return APIStatusError(_not_the_api(response, base_url), response=response, from_api=False)
    error = kind(response=response)
    if collection and status == 404:
        place = f"the base URL {base_url}" if base_url else "the base URL"
        error.args = (f"{error} (a collection always exists: is {place} right?)",)
        error.wrong_base_url = True
    return error


def _api_error_body(response: httpx.Response) -> bool:
    """Whether the body is the API's error body: a JSON object of the spec's error schema with at least one
    of its members (the model every operation documents for its error statuses)."""
    from voipstudio_callmeback_client.models import ErrorResponse

    from ._checks import problem, schema_members

    try:
        body = loads(response.content)
    except ValueError:
        return False
    if not isinstance(body, dict) or problem(ErrorResponse, body) is not None:
        return False
    return any(member in body for member in schema_members(ErrorResponse))


def _not_the_api(response: httpx.Response, base_url: str | None) -> str:
    content_type = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    what = "an empty body" if not response.content else f"its body, of {content_type}, is not the API's JSON error"
    place = f"is the base URL {base_url} right?" if base_url else "is the base URL right?"
    return f"from a server that is probably not the Call Me Back API ({what}): {place}"
