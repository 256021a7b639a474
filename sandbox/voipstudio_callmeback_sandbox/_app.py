"""The sandbox application: openapi.yaml routed and validated by connexion, served by convention.

connexion reads the spec at start-up and does the routing, request validation
(parameters, bodies, unknown query parameters) and authentication dispatch from it,
so the sandbox cannot accept what the spec forbids nor serve a path it does not
declare. Every operation is served by one of five handlers (list, get, create, update,
delete), chosen by the shape of its path as _model.py reads it; only the two login
operations are written by hand. An operation no handler fits keeps the sandbox from
starting. Every error, connexion's own included, is answered in VoIPstudio's shape
(`ErrorResponse` in the spec); a 400 names each field it refuses.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import IO, Any
from urllib.parse import unquote_plus
from uuid import UUID

import msgspec
from connexion import AsyncApp
from connexion.exceptions import BadRequestProblem, ExtraParameterProblem, ProblemException
from connexion.json_schema import Draft4RequestValidator
from connexion.jsonifier import Jsonifier
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.security import ApiKeySecurityHandler, BasicSecurityHandler
from connexion.spec import OpenAPISpecification
from connexion.utils import is_null, is_nullable
from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, FormatChecker  # type: ignore[import-untyped] # as connexion uses it
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._config import API_VERSIONS, LOOPBACK_HOSTS, SandboxConfig
from ._control import IN_PROCESS
from ._docs import DOCS_PATH, DocsPage
from ._http import (
    BASIC_CHALLENGE,
    BODY,
    FILTER_PATTERN_MESSAGE,
    NO_STORE,
    NOSNIFF,
    SECRET_NAME,
    Routes,
    describe,
    error_body,
    field_error,
    replay,
    send_json,
)
from ._limits import MAX_HEADER_COUNT, MAX_NUMBER_LENGTH, MAX_QUERY_PARAMETERS, MAX_QUERY_STRING_LENGTH, shown
from ._model import FILTER, ModelError, Route
from ._store import (
    HAND_WRITTEN,
    AccessDenied,
    FilterFormError,
    FiltrationError,
    ForeignReference,
    InvalidValue,
    LockedOut,
    NotFound,
    NumberTooLong,
    SortError,
    Store,
    bounded_float,
    bounded_int,
)

logger = logging.getLogger("voipstudio_callmeback_sandbox")


POSITIVE_ID = re.compile(r"[1-9][0-9]{0,17}")
# A query integer as it may be written, before it is converted.
ASCII_INTEGER = re.compile(r"-?[0-9]+")
# What connexion passes the handlers besides the parameters: no path parameter may be named so.
HANDLER_ARGUMENTS = frozenset({"user", "token_info", "body"})


class UnservableSpec(ModelError):
    """The spec has operations the sandbox cannot serve; the message names every one."""


def error_response(
    status: int,
    message: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=json.dumps(error_body(status, message, errors)),
        headers=dict(headers or {}),
    )


class FieldProblem(BadRequestProblem):  # type: ignore[misc] # connexion is untyped
    """A 400 whose errors name their fields."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail=errors[0]["message"] if errors else "Validation error")
        self.errors = errors


def _format_checker() -> Any:
    """connexion's format checker (Draft 4's: email, uri, date-time ...) with the formats OpenAPI 3.0 adds that
    clients parse, `date` (RFC 3339 full-date) and `uuid`, which Draft 4's does not know and so let through."""
    checker = FormatChecker(list(Draft4Validator.FORMAT_CHECKER.checkers))

    def _date(value: Any) -> bool:
        text = value if isinstance(value, str) else None
        return text is None or (FULL_DATE.fullmatch(text) is not None and bool(date.fromisoformat(text)))

    def _uuid(value: Any) -> bool:
        text = value if isinstance(value, str) else None
        return text is None or (CANONICAL_UUID.fullmatch(text) is not None and bool(UUID(text)))

    checker.checks("date", raises=ValueError)(_date)
    checker.checks("uuid", raises=ValueError)(_uuid)
    return checker


FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
FORMAT_CHECKER = _format_checker()


class FieldParameterValidator(ParameterValidator):  # type: ignore[misc]
    """connexion's parameter validation, raising FieldProblem with each parameter's name."""

    @staticmethod
    def validate_parameter(parameter_type: str, value: Any, param: Mapping[str, Any], param_name: Any = None) -> None:
        name = str(param.get("name"))
        if is_nullable(param) and is_null(value):
            return
        if value is None:
            if param.get("required"):
                raise FieldProblem([field_error(name, f"{name} is required", "required")])
            return
        schema = param.get("schema", param)
        if name == FILTER and param.get("in") == "query" and "pattern" in schema:
            # The store reads the filter first and then checks its pattern (Store.collection), so that a condition
            # it cannot apply is answered "Filtration error" naming the problem, not "does not match".
            schema = {key: value for key, value in schema.items() if key != "pattern"}
        errors = list(Draft4Validator(schema, format_checker=FORMAT_CHECKER).iter_errors(value))
        if errors:
            raise FieldProblem([found for error in errors for found in describe(name, error)])

    def validate_request(self, request: ConnexionRequest) -> None:
        raw = request._starlette_request.query_params
        for param in self.parameters.get("query", []):
            name = str(param.get("name"))
            given = raw.get(name)
            if (
                given is not None
                and param.get("schema", {}).get("type") == "integer"
                and not ASCII_INTEGER.fullmatch(given)
            ):
                # Python's int() takes full-width digits, underscores, a sign and spaces: the service takes digits.
                echoed = shown(json.dumps(given, ensure_ascii=False))
                raise FieldProblem([field_error(name, f"{name} must be a whole number, not {echoed}", "type")])
        if self.strict_validation:
            extra = self.validate_query_parameter_list(request, security_params=self.security_query_params)
            if extra:
                raise FieldProblem(
                    [
                        field_error(name, f"{shown(name)} is not a parameter of this operation", "unknown")
                        for name in sorted(extra)
                    ]
                )
        for location, check in (
            ("query", self.validate_query_parameter),
            ("path", self.validate_path_parameter),
            ("header", self.validate_header_parameter),
            ("cookie", self.validate_cookie_parameter),
        ):
            for param in self.parameters.get(location, []):
                check(param, request)


class FieldBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]
    """connexion's JSON body validation, raising FieldProblem with each field's name."""

    @property
    def _validator(self) -> Any:
        return Draft4RequestValidator(self._schema, format_checker=FORMAT_CHECKER)

    async def _parse(self, stream: Any, scope: Scope) -> Any:
        raw = b"".join([message async for message in stream])
        text = raw.decode(self._encoding)
        if not text:
            return None
        try:
            body = json.loads(text, parse_int=bounded_int, parse_float=bounded_float)
            if SURROGATE_ESCAPE.search(text):
                check_unicode(body)
            return body
        except NumberTooLong:
            message = f"a number in the body may have at most {MAX_NUMBER_LENGTH} characters"
            raise FieldProblem([field_error(BODY, message, "json")]) from None
        except json.JSONDecodeError as exc:
            raise FieldProblem([field_error(BODY, f"the body is not valid JSON: {exc.msg}", "json")]) from None
        except RecursionError:
            raise FieldProblem([field_error(BODY, "the body nests too deeply", "json")]) from None

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is None:
            raise FieldProblem([field_error(BODY, "the body is required", "required")])
        errors = list(self._validator.iter_errors(body))
        if errors:
            found = []
            for error in errors:
                field = ".".join(str(part) for part in error.absolute_path) or BODY
                found += describe(field, error)
            raise FieldProblem(found)
        return None


# A JSON escape of a UTF-16 surrogate (`\ud800`): a pair of them is one character, a lone one is no text.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def check_unicode(body: Any) -> None:
    """Refuse a body holding a lone surrogate, naming its field: SQLite stores UTF-8, which has none."""
    members = body.items() if isinstance(body, Mapping) else [(BODY, body)]
    for name, value in members:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            message = f"{shown(str(name))} must be Unicode text, without a lone surrogate"
            raise FieldProblem([field_error(str(name), message, "encoding")]) from None
    if isinstance(body, Mapping):
        for name in body:
            check_unicode_name(str(name))


def check_unicode_name(name: str) -> None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        message = "a field name of the body must be Unicode text, without a lone surrogate"
        raise FieldProblem([field_error(BODY, message, "encoding")]) from None


def check_finite(body: Any) -> None:
    """NaN and Infinity are not JSON numbers, though Python's parser lets them through."""
    if isinstance(body, Mapping):
        for name, value in body.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidValue(name, f"{name} must be a finite number")


# What a secret is compared against when there is no account to hold one (an unknown email or user id), so
# that the refusal costs what a known account's does. Random: no password or key can ever equal it.
UNKNOWN_SECRET = secrets.token_hex(20)
INVALID_LOGIN = "Invalid email or password"
INVALID_CODE = "Invalid or expired two-factor code"
LOCKED_OUT = "Too many failed login attempts"


def invalid_login() -> tuple[dict[str, Any], int]:
    return error_body(401, INVALID_LOGIN, [{"message": INVALID_LOGIN}]), 401


def invalid_code() -> tuple[dict[str, Any], int]:
    return error_body(401, INVALID_CODE, [{"message": INVALID_CODE}]), 401


def locked_out(exc: LockedOut) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The 429 of a locked account (TooManyFailedLogins in the spec), with the seconds left in Retry-After."""
    detail = f"{LOCKED_OUT}; try again in {exc.retry_after} seconds"
    return error_body(429, LOCKED_OUT, [{"message": detail}]), 429, {"Retry-After": str(exc.retry_after)}


def same_secret(given: str, expected: str) -> bool:
    """Compare secrets in constant time; any text, not only ASCII, may be sent."""
    return secrets.compare_digest(given.encode(), expected.encode())


# --- the handlers -----------------------------------------------------------------------------------


class Handlers:
    """The operations of openapi.yaml, by operationId: five handlers by convention, and the login by hand."""

    def __init__(self, store: Store, config: SandboxConfig) -> None:
        self.store = store
        self.config = config

    def resolve(self, operation_id: str) -> Callable[..., Any]:
        if operation_id in HAND_WRITTEN:
            handler: Callable[..., Any] = getattr(self, operation_id)
            return handler
        route = self.store.model.routes[operation_id]
        build: Callable[[Route], Callable[..., Any]] = getattr(self, f"_{route.method}")
        return build(route)

    # --- authentication (by hand) ----------------------------------------------------------

    def logIn(self, body: dict[str, Any]) -> tuple[Any, int] | tuple[Any, int, dict[str, str]]:
        account = self.store.account_by_email(body["email"])
        if account is None:
            same_secret(body["password"], UNKNOWN_SECRET)  # the work of a known email's comparison
            return invalid_login()
        try:
            self.store.check_lockout(account.user_id)
        except LockedOut as exc:
            return locked_out(exc)
        if not same_secret(body["password"], account.password):
            self.store.record_failed_login(account.user_id)
            return invalid_login()
        if account.two_factor_code:
            return {"nonce": self.store.open_nonce(account.user_id)}, 202
        return self._session(account.user_id), 200

    def verifyTwoFactorCode(self, body: dict[str, Any]) -> tuple[Any, int] | tuple[Any, int, dict[str, str]]:
        user_id = self.store.take_nonce(body["nonce"])
        account = self.store.account_by_id(user_id) if user_id is not None else None
        if account is None or not account.two_factor_code:
            return invalid_code()
        try:  # a nonce is single use: it is spent even when the account is locked
            self.store.check_lockout(account.user_id)
        except LockedOut as exc:
            return locked_out(exc)
        if not same_secret(body["code"], account.two_factor_code):
            self.store.record_failed_login(account.user_id)
            return invalid_code()
        return self._session(account.user_id), 200

    def _session(self, user_id: int) -> dict[str, Any]:
        token = self.store.open_session(user_id, self.config.token_ttl)
        return {"message": "Login success", "user_token": token, "user_id": user_id}

    def token_info(self, api_key: str, required_scopes: Any = None) -> dict[str, Any] | None:
        user_id = self.store.touch_session(api_key, self.config.token_ttl)
        return {"sub": user_id} if user_id is not None else None

    def basic_info(self, username: str, password: str, required_scopes: Any = None) -> dict[str, Any] | None:
        """HTTP Basic: a user id with its API key or one of its session tokens. A known id and an unknown one
        cost the same work (an account lookup, a key comparison, a session lookup), so that the time of
        a refusal does not tell whether the id exists."""
        if not POSITIVE_ID.fullmatch(username):
            return None
        user_id = int(username)
        account = self.store.account_by_id(user_id)
        if same_secret(password, account.api_key if account is not None else UNKNOWN_SECRET) and account is not None:
            return {"sub": account.user_id}
        # An unknown id has no sessions: the lookup finds none for it, as for a known id with a wrong token.
        if self.store.touch_session(password, self.config.token_ttl, user_id) is not None and account is not None:
            return {"sub": account.user_id}
        return None

    # --- by convention -----------------------------------------------------------------------

    def _item(self, route: Route, item: dict[str, Any]) -> tuple[Any, int]:
        return ({"data": item, "links": {}} if route.links else {"data": item}), route.status

    def _list(self, route: Route) -> Callable[..., Any]:
        # A coroutine: connexion runs it on the event loop instead of handing it to a worker thread and
        # waiting for it, which cost about as much as reading the page (the store serialises requests anyway).
        async def handle(user: int, **query: Any) -> Response:
            page = self.store.collection(
                route.resource,
                user,
                page=query.get("page") or 1,
                limit=query.get("limit"),
                sort=query.get("sort"),
                direction=query.get("dir"),
                filter_=query.get("filter"),
            )
            # The page is JSON already (SQLite wrote it): sent as it is, not parsed and written again.
            body = b'{"data":%b,"total":%d}' % (page.items, page.total)
            return Response(body, status_code=route.status, media_type="application/json")

        return handle

    # The others are coroutines too, for the same reason: each store call is one short transaction.

    def _get(self, route: Route) -> Callable[..., Any]:
        async def handle(user: int, **arguments: Any) -> tuple[Any, int]:
            return self._item(route, self.store.get(route.resource, user, path_id(route, arguments)))

        return handle

    def _create(self, route: Route) -> Callable[..., Any]:
        async def handle(user: int, body: dict[str, Any], **_: Any) -> tuple[Any, int]:
            check_finite(body)
            return self._item(route, self.store.create(route.resource, user, body))

        return handle

    def _update(self, route: Route) -> Callable[..., Any]:
        async def handle(user: int, body: dict[str, Any], **arguments: Any) -> tuple[Any, int]:
            check_finite(body)
            return self._item(route, self.store.update(route.resource, user, path_id(route, arguments), body))

        return handle

    def _delete(self, route: Route) -> Callable[..., Any]:
        async def handle(user: int, **arguments: Any) -> Response:
            self.store.delete(route.resource, user, path_id(route, arguments))
            return Response(status_code=route.status)  # no body, so no content type either

        return handle


def path_id(route: Route, arguments: Mapping[str, Any]) -> int:
    """The id an item path holds, from its parameter, whatever the path names it (`{id}`, `{setting_id}`)."""
    return int(arguments[str(route.parameter)])


def check_servable(store: Store) -> None:
    """Refuse a spec with operations no handler serves, naming them all."""
    unserved = dict(store.model.unserved)
    for operation_id, route in store.model.routes.items():
        if route.parameter in HANDLER_ARGUMENTS:
            unserved[operation_id] = f"its path parameter {{{route.parameter}}} is named like a connexion argument"
    if unserved:
        reasons = "; ".join(f"{operation_id} ({why})" for operation_id, why in unserved.items())
        raise UnservableSpec(
            f"cannot serve {', '.join(unserved)}: {reasons}. Serve them by hand in "
            "sandbox/voipstudio_callmeback_sandbox/_app.py (Handlers and HAND_WRITTEN in _store.py)"
        )


# --- errors -----------------------------------------------------------------------------------


MEDIA_TYPE_ERROR = field_error(BODY, "the body must be JSON (Content-Type: application/json)", "media_type")


def problem_handler(routes: Routes) -> Callable[[ConnexionRequest, Exception], ConnexionResponse]:
    """connexion's and Starlette's HTTP errors, answered in VoIPstudio's shape."""

    def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        if isinstance(exc, ProblemException):
            status, detail = exc.status, exc.detail
        elif isinstance(exc, HTTPException):
            status, detail = exc.status_code, exc.detail
        else:  # pragma: no cover - registered for these two types only
            raise exc
        route = routes.match(request.url.path)
        if status == 405 and route is not None:
            return error_response(405, headers={"Allow": ", ".join(route[0])})
        path_id = route[1] if route is not None else None
        if isinstance(exc, BadRequestProblem) and path_id is not None and not POSITIVE_ID.fullmatch(path_id):
            # The service routes only numeric ids; anything else names no resource.
            return error_response(404)
        if isinstance(exc, FieldProblem):
            return error_response(400, None, exc.errors)
        if isinstance(exc, ExtraParameterProblem):  # pragma: no cover - FieldParameterValidator raises FieldProblem
            return error_response(400, None, [field_error("query", str(detail), "unknown")])
        if status == 415:
            # The service documents 400 for a body it cannot read.
            return error_response(400, None, [MEDIA_TYPE_ERROR])
        if status == 400:
            return error_response(400, None, [field_error(BODY, str(detail).strip().splitlines()[0], "invalid")])
        return error_response(status)

    return handle


def store_error_handler(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """What the store refuses, answered as the service does."""
    if isinstance(exc, NotFound):
        return error_response(404)
    if isinstance(exc, AccessDenied):
        return error_response(403)
    if isinstance(exc, FiltrationError):
        return error_response(400, "Filtration error", [field_error("filter", str(exc), "filter")])
    if isinstance(exc, FilterFormError):
        return error_response(400, None, [field_error(FILTER, FILTER_PATTERN_MESSAGE, "pattern")])
    if isinstance(exc, SortError):
        return error_response(400, None, [field_error("sort", f"sort: {exc}", "enum")])
    if isinstance(exc, ForeignReference):
        return error_response(400, None, [field_error(exc.field, str(exc), "reference")])
    if isinstance(exc, InvalidValue):
        return error_response(400, None, [field_error(exc.field, str(exc), "finite")])
    raise exc  # pragma: no cover - registered for the types above only


def undecodable_body_handler(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """A body that is not UTF-8 cannot be JSON; a lone surrogate (`"\\ud800"`) is no Unicode text."""
    message = "the body holds text that is not valid Unicode (UTF-8)"
    return error_response(400, None, [field_error(BODY, message, "encoding")])


def server_error_handler(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    logger.error("unhandled error", exc_info=exc)
    return error_response(500)


# --- the ASGI application --------------------------------------------------------------------


class Latency:
    """Wait before handling each request, to imitate a distant service."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


QUERY = "query"  # the `field` of an error about the query string as a whole


def query_refusal(query: bytes) -> str | None:
    """Why a query string is over the limits (MAX_QUERY_STRING_LENGTH, MAX_QUERY_PARAMETERS), or None."""
    if query.count(b"&") >= MAX_QUERY_PARAMETERS:  # empty pairs (`a=1&&b=2`) are no parameters
        count = sum(1 for pair in query.split(b"&") if pair)
        if count > MAX_QUERY_PARAMETERS:
            return f"a request may have at most {MAX_QUERY_PARAMETERS} query parameters, not {count}"
    if len(query) > MAX_QUERY_STRING_LENGTH:
        return f"the query string may have at most {MAX_QUERY_STRING_LENGTH} characters, not {len(query)}"
    return None


CLOSE = (b"connection", b"close")


class BodyLimit:
    """Answer 404 to a path id that names no resource, 400 to a query string over the limits, 413 to a
    request body over the limit, 408 to one not sent within the body timeout, and 400 to a body with no
    media type, before connexion reads them."""

    def __init__(self, app: ASGIApp, limit: int, routes: Routes, timeout: float) -> None:
        self.app = app
        self.limit = limit
        self.routes = routes
        self.timeout = timeout
        message = f"the request body must arrive within {timeout:g} seconds"
        self.too_slow = error_body(408, None, [field_error(BODY, message, "timeout")])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self.routes.match(scope["path"])
        if route is not None and route[1] is not None and not self.routes.ids.fullmatch(route[1]):
            # The service routes only numeric ids (and an id of more digits than the spec's largest names
            # nothing): refused before any conversion, which fails on more than 4,300 digits.
            await self._refuse(send, 404, error_body(404))
            return
        refused = query_refusal(scope.get("query_string", b""))
        if refused is not None:  # before connexion parses it, and answers one error per unknown parameter
            await self._refuse(send, 400, error_body(400, None, [field_error(QUERY, refused, "too_long")]))
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send, 413, error_body(413))
            return
        if b"content-type" not in headers and self._takes_body(scope["method"], scope["path"]):
            # connexion fails on a body without a media type; the service documents 400.
            await self._refuse(send, 400, error_body(400, None, [MEDIA_TYPE_ERROR]))
            return
        if declared == b"0" or (declared is None and b"transfer-encoding" not in headers):
            read = await self._read(receive)  # no body is coming: nothing to wait for
        else:
            try:
                async with asyncio.timeout(self.timeout):
                    read = await self._read(receive)
            except TimeoutError:
                await send_json(send, 408, self.too_slow, (CLOSE,))  # the rest of it is not waited for
                return
        if read is None:
            await self._refuse(send, 413, error_body(413))
            return
        if isinstance(read, dict):  # the client went away: the application hears it
            await self.app(scope, replay([read]), send)
            return
        whole = read
        if declared != str(len(whole)).encode() and (whole or declared is not None):
            # connexion takes a request without Content-Length (a chunked one) for one without a body:
            # the body read is what it gets, and its length is what it is told.
            length = (b"content-length", str(len(whole)).encode())
            kept = [(name, value) for name, value in scope.get("headers") or [] if name != b"content-length"]
            scope = {**scope, "headers": [*kept, length]}
        await self.app(scope, replay([{"type": "http.request", "body": whole, "more_body": False}], receive), send)

    async def _read(self, receive: Receive) -> bytes | Message | None:
        """The whole body; the message that is not part of one (a disconnect); None when over the limit."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    def _takes_body(self, method: str, path: str) -> bool:
        """Whether the spec declares this method on this path, with a body (the writes do)."""
        route = self.routes.match(path)
        return route is not None and method in route[0] and method in ("POST", "PUT", "PATCH")

    @staticmethod
    async def _refuse(send: Send, status: int, error: dict[str, Any]) -> None:
        await send_json(send, status, error)


def host_name(value: bytes) -> bytes | None:
    """The name of a Host header's value (`name[:port]`, `[v6]:port`), lower case; None when it is no host."""
    if value.startswith(b"["):
        end = value.find(b"]") + 1
        name, rest = value[:end], value[end:]
    else:
        name, colon, port = value.partition(b":")
        rest = colon + port
    if not name or (rest and not (rest[:1] == b":" and rest[1:].isdigit() and len(rest) <= 6)):
        return None
    return name.lower()


class Guard:
    """The outermost layer: a request whose Host header names a host not allowed is answered 400 (a page
    of another site reaching the sandbox through a name rebound to this machine would read its answers,
    and the trailing-slash redirect is built from that header; the test kit's in-process transport, which
    no page can reach, is not checked), one of more than MAX_HEADER_COUNT
    header fields 431; every answer gets X-Content-Type-Options: nosniff, every answer but the
    documentation's Cache-Control: no-store, every 401 a WWW-Authenticate challenge."""

    # Host values seen and allowed (with their ports), kept to spare their parsing; bounded in number.
    MAX_REMEMBERED = 1024

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        names = [f"[{name}]" if ":" in name and not name.startswith("[") else name for name in allowed_hosts]
        self.allowed = frozenset(name.lower().encode() for name in (*LOOPBACK_HOSTS, *names))
        self.remembered: set[bytes] = set(self.allowed)
        self.api_headers = (NOSNIFF, NO_STORE)
        self.docs_headers = (NOSNIFF,)
        self.challenged = (NOSNIFF, NO_STORE, BASIC_CHALLENGE)

    def rewrap(self, app: ASGIApp) -> Guard:
        """This guard around another application (the same one with more layers inside: the test controls)."""
        other = Guard.__new__(Guard)
        other.__dict__.update(self.__dict__)
        other.app = app
        return other

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        if len(headers) > MAX_HEADER_COUNT:
            message = f"a request may have at most {MAX_HEADER_COUNT} header fields, not {len(headers)}"
            refused = error_body(431, None, [field_error("headers", message, "too_many")])
            await send_json(send, 431, refused, self.api_headers)
            return
        if IN_PROCESS not in scope.get("extensions", ()):  # no socket, no name to rebind: nothing to check
            for name, value in headers:
                if name == b"host" and value not in self.remembered and not self._allowed(value):
                    await send_json(send, 400, host_error(value), self.api_headers)
                    return
        path: str = scope["path"]
        added = self.docs_headers if path == DOCS_PATH or path.startswith(DOCS_PATH + "/") else self.api_headers

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = message.get("headers") or ()
                message = {**message, "headers": [*given, *(self.challenged if message["status"] == 401 else added)]}
            await send(message)

        sending.__wrapped__ = send  # type: ignore[attr-defined] # the server's send, for the test controls' drop
        await self.app(scope, receive, sending)

    def _allowed(self, value: bytes) -> bool:
        if host_name(value) not in self.allowed:
            return False
        if len(self.remembered) < self.MAX_REMEMBERED:
            self.remembered.add(value)
        return True


def host_error(value: bytes) -> dict[str, Any]:
    shown = json.dumps(value[:100].decode("latin-1"))
    message = (
        f"the Host header names {shown}, which this sandbox does not serve "
        "(loopback names only, unless it is started with --allow-host NAME)"
    )
    return error_body(400, None, [field_error("Host", message, "host")])


# What a log line writes as %XX (of the byte sent): control characters (a line break would start a forged
# line), the quote around the request target, and bytes beyond ASCII.
UNLOGGABLE = re.compile(r'[\x00-\x1f\x7f-\xff"]')


def _hidden(pair: str) -> str:
    """A `name=value` of a query string, its value hidden when the name is a credential's."""
    name, equals, _value = pair.partition("=")
    return f"{name}=***" if equals and SECRET_NAME.search(unquote_plus(name)) else pair


def logged_target(scope: Scope) -> str:
    """The request target as the access log writes it: the path as it was sent (still percent-encoded,
    so that `%0A` stays three characters), the query with credentials' values hidden, and no
    control character, quote or byte beyond ASCII left."""
    raw = scope.get("raw_path")
    # raw_path holds the path only, though some clients' ASGI transports add the query to it.
    sent = raw.split(b"?", 1)[0] if raw else scope.get("path", "").encode("utf-8")
    path = sent.decode("latin-1")  # one character per byte
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        path += "?" + "&".join(_hidden(pair) for pair in query.split("&"))
    return UNLOGGABLE.sub(lambda found: f"%{ord(found.group()):02X}", path)


class AccessLog:
    """One line per request on a stream (the command line's standard error): who asked what, the status, how long."""

    def __init__(self, app: ASGIApp, stream: IO[str]) -> None:
        self.app = app
        self.stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            client = scope.get("client") or ("-", 0)
            elapsed = (time.perf_counter() - started) * 1000
            print(
                f'{client[0]} "{scope["method"]} {logged_target(scope)}" {status or "-"} {elapsed:.1f}ms',
                file=self.stream,
                flush=True,
            )


class AnswerJson:
    """The JSON module connexion writes answers with: msgspec's encoder, and the standard
    library's decoder for what connexion reads."""

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(data: Any, **_options: Any) -> str:
        return msgspec.json.encode(data).decode()


# connexion checks the whole document against the OpenAPI schema for each API it adds, a quarter of a
# second each. The second version serves the same document, checked already; and the packaged
# openapi.yaml is checked by scripts/lint (openapi-spec-validator, Spectral, Redocly) before it ships,
# so only a document given by the caller (--spec, SandboxConfig.spec) is checked here, once. The switch
# is global to connexion's class: held under this lock while the APIs are added.
_SPEC_CHECK = threading.Lock()


def _add_api(
    app: AsyncApp,
    spec: dict[str, Any],
    version: str,
    handlers: Handlers,
    validators: dict[str, Any],
    config: SandboxConfig,
    *,
    checked: bool,
) -> None:
    if checked:  # shadows Specification's own, and is removed again below
        OpenAPISpecification._validate_spec = classmethod(lambda cls, spec: None)
    try:
        app.add_api(
            spec,
            base_path=f"/{version}/voipstudio",
            name=version,
            resolver=Resolver(function_resolver=handlers.resolve),
            strict_validation=True,
            validate_responses=config.validate_responses,
            pythonic_params=False,
            validator_map=validators,
            swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=True),
        )
    finally:
        if checked:
            del OpenAPISpecification._validate_spec


def create_app(config: SandboxConfig, store: Store) -> ASGIApp:
    """The sandbox as an ASGI application, serving the store's spec under /v1.1/voipstudio and /v1.2/voipstudio,
    and its interactive documentation (Swagger UI) at /docs.

    Raises UnservableSpec, naming every operation it cannot serve. The store's accounts are made those
    of the configuration: created (with their sample data) if they are not there yet, their credentials
    updated (a change ends their sessions and nonces), and every other account disabled.
    """
    check_servable(store)
    # Accounts no longer configured are disabled; a changed password, key or code ends the sessions it opened.
    store.reconcile_accounts(config.all_accounts)
    handlers = Handlers(store, config)

    class TokenHandler(ApiKeySecurityHandler):  # type: ignore[misc] # connexion is untyped
        def _resolve_func(self, security_scheme: Any) -> Any:
            return handlers.token_info

    class BasicHandler(BasicSecurityHandler):  # type: ignore[misc]
        def _resolve_func(self, security_scheme: Any) -> Any:
            return handlers.basic_info

    spec = dict(store.spec)
    validators = {**VALIDATOR_MAP, "parameter": FieldParameterValidator}
    validators["body"] = type(VALIDATOR_MAP["body"])({**VALIDATOR_MAP["body"], "*/*json": FieldBodyValidator})
    app = AsyncApp(
        __name__,
        security_map={"apiKey": TokenHandler, "basic": BasicHandler},
        jsonifier=Jsonifier(AnswerJson),
    )
    with _SPEC_CHECK:
        for version in API_VERSIONS:
            checked = config.spec is None or version != API_VERSIONS[0]
            _add_api(app, spec, version, handlers, validators, config, checked=checked)
    routes = Routes(spec)
    handle_problem = problem_handler(routes)
    app.add_error_handler(ProblemException, handle_problem)
    app.add_error_handler(HTTPException, handle_problem)
    for error in (NotFound, AccessDenied, FiltrationError, FilterFormError, SortError, ForeignReference, InvalidValue):
        app.add_error_handler(error, store_error_handler)
    for unreadable in (UnicodeDecodeError, UnicodeEncodeError):
        app.add_error_handler(unreadable, undecodable_body_handler)
    app.add_error_handler(Exception, server_error_handler)
    asgi: ASGIApp = BodyLimit(DocsPage(app, spec), config.max_body_bytes, routes, config.body_timeout)
    if config.latency:
        asgi = Latency(asgi, config.latency)
    if config.access_log is not None:
        asgi = AccessLog(asgi, config.access_log)
    return Guard(asgi, config.allowed_hosts)
