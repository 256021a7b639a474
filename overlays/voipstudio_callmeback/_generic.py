"""Requests the spec does not describe: `cmb.get(path)`, `cmb.post(path, json=...)` ...

They go through the same flow as the resources' methods (credentials, retries, session
renewal, errors); only the request is made from a path instead of the operation table, and
the answer is read as `cast_to` says.
"""

from __future__ import annotations

from typing import Any

import httpx
from voipstudio_callmeback_client.operations import OPERATIONS

from ._base import _content_type, _where, check_status, decode_json, parse
from ._exceptions import UnexpectedResponseError
from ._redact import CREDENTIALS_IN_BODY, redacted_request
from ._types import Query

__all__ = ["check_cast_to", "generic_request", "read_as"]

# The paths of the operations whose body is all credentials (the login pair: unauthenticated).
_CREDENTIAL_BODIES = frozenset(
    (operation.method, operation.path) for operation in OPERATIONS.values() if not operation.authenticated
)


def generic_request(method: str, path: str, params: Query | None, json: Any) -> dict[str, Any]:
    """The request (the keyword arguments the flow sends) of a path under the base URL.

    A path must start with one `/` and name no other host: an absolute URL would carry the
    credentials elsewhere.
    """
    if not isinstance(path, str):
        raise TypeError(f"path must be text, such as '/callmeback/settings', not {type(path).__name__}")
    url = httpx.URL(path) if path.startswith("/") and not path.startswith("//") else None
    if url is None or url.is_absolute_url or url.fragment:
        raise ValueError(
            f"path must be a path under the base URL, starting with one '/' (such as '/callmeback/settings'), "
            f"not {path!r}"
        )
    if params is not None and not hasattr(params, "items"):
        raise TypeError(f"params must be a mapping of query parameters, not {type(params).__name__}")
    kwargs: dict[str, Any] = {"method": method, "url": path}
    if params is not None:
        kwargs["params"] = dict(params)
    if json is not None:
        kwargs["json"] = json
    if (method, url.path) in _CREDENTIAL_BODIES:
        kwargs["extensions"] = {CREDENTIALS_IN_BODY: True}
    return kwargs


def check_cast_to(cast_to: Any) -> None:
    """TypeError, before anything is sent, for a `cast_to` that read_as() cannot read an answer as."""
    if cast_to is None or cast_to is dict or cast_to is httpx.Response or _is_model(cast_to):
        return
    raise TypeError(
        "cast_to must be a model of voipstudio_callmeback_client.models, dict or httpx.Response "
        f"(or left out for the JSON value), not {cast_to!r}"
    )


def _is_model(cast_to: Any) -> bool:
    return (
        isinstance(cast_to, type)
        and cast_to.__module__.startswith("voipstudio_callmeback_client.models.")
        and hasattr(cast_to, "from_dict")
    )


def read_as(response: httpx.Response, cast_to: Any, base_url: str) -> Any:
    """The answer as `cast_to` says (see CallMeBack.get()); an error status raises the client's error."""
    if not response.is_success:
        check_status(response, -1, base_url)
    if cast_to is httpx.Response:  # the answer as httpx gave it, its request without credentials as everywhere
        response.request = redacted_request(response.request)
        return response
    if _is_model(cast_to):
        return parse(response, response.status_code, cast_to, base_url)
    if not response.content and cast_to is None:
        return None
    if not _content_type(response).startswith("application/json"):
        found = _content_type(response) or "no content type"
        raise UnexpectedResponseError(
            f"{_where(response)}: expected JSON, got {found} (cast_to=httpx.Response reads any answer)",
            response=response,
        )
    failure = None
    try:
        value = decode_json(response)
    except ValueError:
        failure = f"{_where(response)}: the body is not JSON"
    if failure is not None:
        raise UnexpectedResponseError(failure, response=response)
    if cast_to is dict and not isinstance(value, dict):
        raise UnexpectedResponseError(
            f"{_where(response)}: expected a JSON object, got {type(value).__name__}", response=response
        )
    return value
