"""The sandbox's HTTP pieces that need no framework: VoIPstudio's error body and the wording of a refused
value, the spec's paths as patterns, and JSON answers and replayed bodies over ASGI. Shared by the
application (_app.py, on connexion) and the test controls (_control.py), which connexion does not see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from jsonschema import ValidationError  # type: ignore[import-untyped] # as connexion uses it
from starlette.types import Message, Receive, Send

from ._limits import MAX_ECHOED_LENGTH, MAX_ERRORS, MAX_MESSAGE_LENGTH, MAX_NUMBER_LENGTH, shown
from ._model import FILTER, HTTP_METHODS, operations, parameters, resolved

BODY = "body"  # the `field` of an error about the request body as a whole
FILTER_PATTERN_MESSAGE = (
    'filter must be a JSON array of conditions {"property": ..., "operator": ..., "value": ...}, members in '
    "that order, each on a field the list's sort takes, as the pattern of the list's filter parameter in "
    "openapi.yaml allows"
)
# Names of what holds a credential: query parameters an access log hides, body members a journal hides.
SECRET_NAME = re.compile(r"token|key|password|secret|auth", re.IGNORECASE)

ERROR_MESSAGES = {
    400: "Validation error",
    401: "Unauthorized",
    403: "Access denied",
    404: "Resource not found",
    405: "Method not allowed",
    408: "Request timeout",
    413: "Request body too large",
    431: "Request header fields too large",
    500: "Internal server error",
    503: "Service unavailable",
}

# Sent with every answer (the Guard in _app.py, and the server's own answers in _server.py): no browser
# may take a JSON answer for a script or a page.
NOSNIFF = (b"x-content-type-options", b"nosniff")
# Sent with every answer but the documentation's: each holds an account's data, a login's a session token.
NO_STORE = (b"cache-control", b"no-store")
# The challenge of every 401 (RFC 9110 requires one). HTTP Basic (a user id with its API key or a session
# token) is the one standard scheme the API takes; X-Auth-Token, its other, has no scheme to name.
BASIC_CHALLENGE = (b"www-authenticate", b'Basic realm="voipstudio-callmeback-sandbox", charset="UTF-8"')


def error_body(status: int, message: str | None = None, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An error in VoIPstudio's shape: a message, and the individual errors when there are any."""
    body: dict[str, Any] = {"message": message or ERROR_MESSAGES.get(status, "Error")}
    if errors:
        if len(errors) > MAX_ERRORS:  # the first ones, and how many more there were
            left_out = len(errors) - MAX_ERRORS
            more = {"message": f"{left_out} more error{'s' if left_out != 1 else ''} left out", "code": "truncated"}
            errors = [*errors[:MAX_ERRORS], more]
        body["errors"] = errors
    return body


def field_error(field: str, message: str, code: str) -> dict[str, Any]:
    """One entry of `errors`: a field's name as a message may echo it, and a message of bounded length."""
    if len(message) > MAX_MESSAGE_LENGTH:
        message = message[: MAX_MESSAGE_LENGTH - 1] + "\u2026"
    return {"field": shown(field), "message": message, "code": code}


# --- what a refused value was, in plain words -----------------------------------------------------

KINDS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
}
FORMATS = {
    "uri": "an absolute URI",
    "email": "an email address",
    "date-time": "a date and time",
    "date": "a date (YYYY-MM-DD)",
    "uuid": "a UUID",
}


def _json_text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return f"a {type(value).__name__} nested too deeply to show" if isinstance(value, list | dict) else repr(value)


FORMAT_LIMITS = {"int32": 2**31 - 1, "int64": 2**63 - 1}


def _between(schema: Mapping[str, Any], kind: str, *, over: bool = False) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if not over and high is not None and FORMAT_LIMITS.get(str(schema.get("format"))) == high:
        high = None  # the format's own limit: not worth a word
    if low is not None and high is not None:
        return f"between {low} and {high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}" if high is not None else KINDS.get(kind, kind)


def describe(field: str, error: ValidationError) -> list[dict[str, Any]]:
    """The errors of one failed JSON Schema check of `field`, in plain words, with the keyword as code."""
    keyword = str(error.validator)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    value = error.instance
    kind = str(schema.get("type", ""))
    if keyword == "required":
        present = set(value) if isinstance(value, dict) else set()
        missing = [
            name if field == BODY else f"{field}.{name}" for name in error.validator_value if name not in present
        ]
        return [field_error(name, f"{name} is required", "required") for name in missing]
    if keyword == "additionalProperties":
        known = set(schema.get("properties") or {})
        extra = [name for name in value if name not in known] if isinstance(value, dict) else []
        if field == BODY:
            return [
                field_error(name, f"{shown(name)} is not a field of the body", "additionalProperties") for name in extra
            ]
        return [
            field_error(f"{field}.{name}", f"{shown(name)} is not a member of {field}", "additionalProperties")
            for name in extra
        ]
    if keyword == "minProperties":
        fewest = error.validator_value
        what = "one field" if fewest == 1 else f"{fewest} fields"
        return [field_error(field, f"{'the body' if field == BODY else field} must have at least {what}", keyword)]
    if keyword == "type":
        wanted = KINDS.get(str(error.validator_value), str(error.validator_value))
        found = "null" if value is None else shown(_json_text(value))
        return [field_error(field, f"{field} must be {wanted}, not {found}", keyword)]
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        over = keyword in ("maximum", "exclusiveMaximum")  # then the bound it passed is named, a format's too
        return [field_error(field, f"{field} must be {_between(schema, kind, over=over)}", keyword)]
    if keyword in ("minLength", "maxLength"):
        short, long = schema.get("minLength"), schema.get("maxLength")
        if long is not None:
            bounds = f"{short or 0} to {long} characters long"
        else:
            bounds = f"at least {short} character{'s' if short != 1 else ''} long"
        return [field_error(field, f"{field} must be {bounds}", keyword)]
    if keyword == "enum":
        choices = ", ".join(str(choice) for choice in error.validator_value)
        return [field_error(field, f"{field} must be one of: {choices}", keyword)]
    if keyword == "pattern":
        pattern = str(error.validator_value)
        if len(pattern) <= MAX_ECHOED_LENGTH:
            return [field_error(field, f"{field} must match {pattern}", keyword)]
        # A long pattern (a list's filter: a whole JSON grammar) said in words, not echoed cut in two.
        if field == FILTER:
            message = FILTER_PATTERN_MESSAGE
        else:
            message = f"{field} is not written as the pattern of its parameter in openapi.yaml allows"
        return [field_error(field, message, keyword)]
    if keyword == "format":
        wanted = FORMATS.get(str(error.validator_value), f"a {error.validator_value}")
        return [field_error(field, f"{field} must be {wanted}", keyword)]
    return [field_error(field, f"{field} is not valid: {shown(error.message)}", keyword)]


def id_digits(spec: Mapping[str, Any]) -> int:
    """The most digits a path id of the spec can have: those of the largest maximum its path parameters
    declare, or of their format's largest value (int64: 19), or MAX_NUMBER_LENGTH for an id the spec leaves
    unbounded."""
    most = 0
    for _method, _path, item, operation in operations(spec):
        for parameter in parameters(spec, item, operation):
            if parameter.get("in") != "path":
                continue
            schema = resolved(spec, parameter.get("schema"))
            high = schema.get("maximum", FORMAT_LIMITS.get(str(schema.get("format"))))
            if not isinstance(high, int):
                return MAX_NUMBER_LENGTH
            most = max(most, len(str(abs(high))))
    return most or MAX_NUMBER_LENGTH


class Routes:
    """The paths of the spec as patterns: the methods each allows and their operationIds, to answer for
    requests the router turned away and to name the operation of a request (the test controls); and
    what a path id may be before it is converted (`ids`): ASCII digits, no more than the spec's ids have."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.ids = re.compile(f"[0-9]{{1,{id_digits(spec)}}}")
        self.routes: list[tuple[re.Pattern[str], list[str], dict[str, str]]] = []
        for template, item in spec["paths"].items():
            pattern = re.sub(r"\{[^}]+\}", "(?P<id>[^/]+)", template)
            methods = [method.upper() for method in HTTP_METHODS if method in item]
            ids = {method.upper(): str(item[method]["operationId"]) for method in HTTP_METHODS if method in item}
            self.routes.append((re.compile(rf"/v[0-9.]+/voipstudio{pattern}/?"), methods, ids))
        self.operation_ids = [found for _, _, ids in self.routes for found in ids.values()]

    def match(self, path: str) -> tuple[list[str], str | None] | None:
        """The methods the spec allows on this path and its id, or None when no path matches."""
        for pattern, methods, _ in self.routes:
            found = pattern.fullmatch(path)
            if found:
                return methods, found.groupdict().get("id")
        return None

    def operation(self, method: str, path: str) -> str | None:
        """The operationId of a request, or None when the spec has no such operation."""
        for pattern, _, ids in self.routes:
            if pattern.fullmatch(path):
                return ids.get(method)
        return None


def replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A receive callable that gives back the buffered messages, then defers to `then`."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


async def send_json(send: Send, status: int, data: Any, extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """An answer of JSON (none for a 204), with its length (and `extra` headers)."""
    body = b"" if status == 204 else json.dumps(data).encode()
    headers = [(b"content-length", str(len(body)).encode()), *extra]
    if status != 204:
        headers.insert(0, (b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
