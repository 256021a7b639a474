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
    └── UnexpectedResponseError     a success status whose body does not match the spec

Every error that comes from a response carries its status, headers, parsed body and the
request's method and URL. Credentials never appear in them: they travel in headers,
which errors do not keep, and the URLs of this API hold none.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

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
    "UnexpectedResponseError",
]

# Response headers that could carry a secret are not kept on errors.
_SECRET_HEADERS = frozenset({"authorization", "x-auth-token", "set-cookie", "cookie", "proxy-authorization"})


class CallMeBackError(Exception):
    """Every error raised by this package."""


class APIConnectionError(CallMeBackError):
    """The request did not get an answer: the connection failed or broke."""

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class APITimeoutError(APIConnectionError):
    """The service did not answer within the timeout."""


# Body members that hold a credential (a login's session token) are not kept on errors.
_SECRET_MEMBERS = frozenset({"user_token", "token", "api_key", "password", "nonce"})


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: "[redacted]" if key in _SECRET_MEMBERS else _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


def _body_of(response: httpx.Response) -> Any:
    try:
        return _redacted(json.loads(response.content)) if response.content else None
    except ValueError:
        return response.text


def _headers_of(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name.lower() not in _SECRET_HEADERS}


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
    def __init__(self, message: str, *, response: httpx.Response, body: Any = None) -> None:
        super().__init__(message)
        self.status_code = response.status_code
        self.headers = _headers_of(response)
        self.body = body if body is not None else _body_of(response)
        self.method = response.request.method
        self.url = str(response.request.url)


class APIStatusError(_ResponseError):
    """The service answered with an error status."""

    def __init__(self, message: str | None = None, *, response: httpx.Response) -> None:
        body = _body_of(response)
        detail = _error_message(body) or message or response.reason_phrase
        request = response.request
        super().__init__(
            f"{request.method} {request.url.path}: {response.status_code} {detail}", response=response, body=body
        )


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
    """429: too many requests."""


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


def status_error(response: httpx.Response) -> APIStatusError:
    """The typed error for an error response."""
    kind = _BY_STATUS.get(response.status_code)
    if kind is None:
        kind = InternalServerError if response.status_code >= 500 else APIStatusError
    return kind(response=response)
