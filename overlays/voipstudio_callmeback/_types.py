"""The per-call options every request takes, and the sentinel of an option not given.

    cmb.settings.get(7, timeout=5, max_retries=0, extra_headers={"X-Request-Id": "abc"})
    cmb.with_options(timeout=60).cdrs.list(limit=5000)

`RequestOptions` is the TypedDict of those keywords, for code that passes them on
(`**options: Unpack[RequestOptions]`). `NOT_GIVEN` means "the client's default": it is not
None, because `timeout=None` means no timeout at all, as in httpx.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypedDict

import httpx

__all__ = ["NOT_GIVEN", "Body", "Headers", "NotGiven", "Query", "RequestOptions", "Timeout"]


class NotGiven:
    """The type of NOT_GIVEN: an option left to the client's default (as openai-python's NotGiven)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

Timeout = float | httpx.Timeout | None
"""Seconds for the whole of a request (connecting, sending, waiting, reading), an httpx.Timeout for each
phase, or None for none at all."""
Headers = Mapping[str, str]
Query = Mapping[str, object]
Body = Mapping[str, object]


class RequestOptions(TypedDict, total=False):
    """The options of one request, by keyword: any resource method, `with_raw_response` and `cmb.get()` ... take them.

    - `timeout`: this request's timeout, instead of the client's (None: no timeout).
    - `max_retries`: how often to retry this request (0: never), instead of the client's.
    - `extra_headers`: headers to send as well (they cannot replace the credentials' own).
    - `extra_query`: query parameters to send as well (they replace parameters of the same name).
    - `extra_body`: JSON members to send as well; where the operation sends no body (a GET, a DELETE),
      they are the body. The spec does not check them, so a member the service has and the spec lacks
      can be sent.
    """

    timeout: Timeout | NotGiven
    max_retries: int | NotGiven
    extra_headers: Headers | None
    extra_query: Query | None
    extra_body: Body | None


@dataclass(frozen=True, slots=True)
class Options:
    """RequestOptions, checked: what the clients read for one request."""

    timeout: Timeout | NotGiven = NOT_GIVEN
    max_retries: int | NotGiven = NOT_GIVEN
    extra_headers: Headers | None = None
    extra_query: Query | None = None
    extra_body: Body | None = None


DEFAULT_OPTIONS: Final = Options()
# The headers the client sends its credentials in, as openapi.yaml's security schemes say (a session token
# in the apiKey scheme's header, HTTP Basic in Authorization; tests/overlay/test_secrets.py compares them):
# extra headers may not set them too.
TOKEN_HEADER: Final = "X-Auth-Token"  # noqa: S105 -- a header name, not a secret
BASIC_HEADER: Final = "Authorization"
CREDENTIAL_HEADERS: Final = frozenset({TOKEN_HEADER.lower(), BASIC_HEADER.lower()})


def check_timeout(timeout: object, name: str = "timeout") -> None:
    if timeout is None or isinstance(timeout, httpx.Timeout | NotGiven):
        return
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(f"{name} must be a number of seconds, an httpx.Timeout or None, not {type(timeout).__name__}")
    if not timeout >= 0 or timeout == float("inf"):
        raise ValueError(f"{name} must be a number of seconds, 0 or more, not {timeout}")


def check_max_retries(max_retries: object) -> None:
    if isinstance(max_retries, NotGiven):
        return
    if type(max_retries) is not int:
        raise TypeError(f"max_retries must be a whole number, not {type(max_retries).__name__}")
    if max_retries < 0:
        raise ValueError(f"max_retries must be 0 or more, not {max_retries}")


def check_headers(headers: object, name: str) -> None:
    if headers is None:
        return
    if not isinstance(headers, Mapping):
        raise TypeError(f"{name} must be a mapping of header names to values, not {type(headers).__name__}")
    for key, value in headers.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(
                f"{name}: header names and values are text, not {type(key).__name__}: {type(value).__name__}"
            )
        if key.lower() in CREDENTIAL_HEADERS:
            raise ValueError(f"{name} cannot set {key}: the client sends its own credentials")


def merged_headers(*layers: Mapping[str, str] | None) -> dict[str, str]:
    """Header layers merged as HTTP reads names, case-insensitively: a later layer's `x-request-id`
    replaces an earlier `X-Request-Id` (and is sent as the later layer spells it)."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for name, value in (layer or {}).items():
            merged[name.lower()] = (name, value)
    return dict(merged.values())


def check_mapping(value: object, name: str) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping, not {type(value).__name__}")


def options(
    timeout: Timeout | NotGiven = NOT_GIVEN,
    max_retries: int | NotGiven = NOT_GIVEN,
    extra_headers: Headers | None = None,
    extra_query: Query | None = None,
    extra_body: Body | None = None,
) -> Options:
    """The checked options of one call (DEFAULT_OPTIONS when none is given: the common case costs one test)."""
    if (
        timeout is NOT_GIVEN
        and max_retries is NOT_GIVEN
        and extra_headers is None
        and extra_query is None
        and extra_body is None
    ):
        return DEFAULT_OPTIONS
    check_timeout(timeout)
    check_max_retries(max_retries)
    check_headers(extra_headers, "extra_headers")
    check_mapping(extra_query, "extra_query")
    check_mapping(extra_body, "extra_body")
    return Options(timeout, max_retries, extra_headers, extra_query, extra_body)


def options_of(given: Mapping[str, Any]) -> Options:
    """Options from RequestOptions keywords (generic requests, with_options); TypeError for any other keyword."""
    unknown = sorted(set(given) - set(RequestOptions.__optional_keys__))
    if unknown:
        raise TypeError(
            f"unexpected keyword {', '.join(map(repr, unknown))}; the options are "
            + ", ".join(sorted(RequestOptions.__optional_keys__))
        )
    return options(**given)
