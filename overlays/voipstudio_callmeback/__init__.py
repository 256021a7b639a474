"""voipstudio_callmeback: the client of VoIPstudio's Call Me Back API that applications import.

    from voipstudio_callmeback import CallMeBack, Filter, NotFoundError

    with CallMeBack.from_env() as cmb:
        setting = cmb.settings.create(name="Shop", floating_icon=True)
        for cdr in cmb.cdrs.list(filter=[Filter("calldate", "gte", "2026-01-01 00:00:00")]):
            ...

Errors, one tree under CallMeBackError:

    CallMeBackError
    ├── APIConnectionError          the service could not be reached, or the connection broke
    │   └── APITimeoutError         ... or did not answer in time
    ├── APIStatusError              the service answered with an error status
    │   ├── BadRequestError         400 (.errors lists the service's details)
    │   ├── AuthenticationError     401
    │   ├── PermissionDeniedError   403
    │   ├── NotFoundError           404
    │   ├── RateLimitError          429
    │   └── InternalServerError     5xx
    ├── UnexpectedResponseError     a success status whose body does not match the spec
    └── ResponseTooLargeError       an answer longer than max_response_bytes, decompressed

The models are the generated package's attrs classes (voipstudio_callmeback_client.models);
a field the service left out is UNSET (of type Unset). The keyword arguments of create()
and update() are its TypedDicts of the request bodies' fields
(voipstudio_callmeback_client.params), such as SettingCreateParams; every method also
takes the per-call options of RequestOptions, and `.with_raw_response` gives each call's
APIResponse (status, headers, parse()). api.md lists every method.
"""

from voipstudio_callmeback_client.models import (
    Button,
    Cdr,
    CdrSortField,
    Setting,
    SettingSortField,
    SortDirection,
    Visitor,
    Website,
    WebsiteSortField,
)
from voipstudio_callmeback_client.params import (
    ButtonCreateParams,
    ButtonUpdateParams,
    SettingCreateParams,
    SettingUpdateParams,
)
from voipstudio_callmeback_client.types import UNSET, Unset

from ._base import DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, record_waits
from ._client import AsyncCallMeBack, CallMeBack
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CallMeBackError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    UnexpectedResponseError,
)
from ._filters import Filter
from ._pagination import AsyncPaginator, Page, SyncPaginator
from ._response import APIResponse
from ._timestamps import format_timestamp, parse_timestamp
from ._types import NOT_GIVEN, NotGiven, RequestOptions

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "UNSET",
    "APIConnectionError",
    "APIResponse",
    "APIStatusError",
    "APITimeoutError",
    "AsyncCallMeBack",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "Button",
    "ButtonCreateParams",
    "ButtonUpdateParams",
    "CallMeBack",
    "CallMeBackError",
    "Cdr",
    "CdrSortField",
    "Filter",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestOptions",
    "ResponseTooLargeError",
    "Setting",
    "SettingCreateParams",
    "SettingSortField",
    "SettingUpdateParams",
    "SortDirection",
    "SyncPaginator",
    "UnexpectedResponseError",
    "Unset",
    "Visitor",
    "Website",
    "WebsiteSortField",
    "format_timestamp",
    "parse_timestamp",
    "record_waits",
]
