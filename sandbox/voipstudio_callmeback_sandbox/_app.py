"""The sandbox application: openapi.yaml routed and validated by connexion, backed by the Store.

connexion reads the spec at start-up and does the routing, request validation
(parameters, bodies, unknown query parameters) and authentication dispatch from it,
so the sandbox cannot accept what the spec forbids nor serve a path it does not
declare. The handlers below only implement behaviour. Every error, connexion's own
included, is answered in VoIPstudio's shape (`ErrorResponse` in the spec).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
import yaml
from connexion import AsyncApp, NoContent
from connexion.exceptions import BadRequestProblem, ProblemException
from connexion.jsonifier import Jsonifier
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.security import ApiKeySecurityHandler, BasicSecurityHandler
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._config import SandboxConfig
from ._docs import DocsPage
from ._spec import spec_path
from ._store import AccessDenied, FiltrationError, NotFound, SortError, Store

logger = logging.getLogger("voipstudio_callmeback_sandbox")

API_VERSIONS = ("v1.1", "v1.2")

ERROR_MESSAGES = {
    400: "Validation error",
    401: "Unauthorized",
    403: "Access denied",
    404: "Resource not found",
    405: "Method not allowed",
    413: "Request body too large",
    500: "Internal server error",
}
POSITIVE_ID = re.compile(r"[1-9][0-9]{0,17}")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def error_body(status: int, message: str | None = None, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An error in VoIPstudio's shape: a message, and the individual errors when there are any."""
    body: dict[str, Any] = {"message": message or ERROR_MESSAGES.get(status, "Error")}
    if errors:
        body["errors"] = errors
    return body


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


class InvalidBody(ValueError):
    """A body that is JSON and matches the schema but holds what JSON cannot carry."""


def reject_non_finite(body: Mapping[str, Any]) -> None:
    """NaN and Infinity are not JSON numbers, though Python's parser lets them through."""
    for name, value in body.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidBody(f"{name}: {value} is not a JSON number")


def same_secret(given: str, expected: str) -> bool:
    """Compare secrets in constant time; any text, not only ASCII, may be sent."""
    return secrets.compare_digest(given.encode(), expected.encode())


class Handlers:
    """The operations of openapi.yaml, by operationId."""

    def __init__(self, store: Store, config: SandboxConfig) -> None:
        self.store = store
        self.config = config

    # --- authentication -----------------------------------------------------------------

    def logIn(self, body: dict[str, Any]) -> tuple[Any, int]:
        account = self.store.account_by_email(body["email"])
        if account is None or not same_secret(body["password"], account.password):
            return error_body(401, "Invalid email or password", [{"message": "Invalid email or password"}]), 401
        if account.two_factor_code:
            return {"nonce": self.store.open_nonce(account.user_id)}, 202
        return self._session(account.user_id), 200

    def verifyTwoFactorCode(self, body: dict[str, Any]) -> tuple[Any, int]:
        user_id = self.store.take_nonce(body["nonce"])
        account = self.store.account_by_id(user_id) if user_id is not None else None
        if account is None or not account.two_factor_code or not same_secret(body["code"], account.two_factor_code):
            message = "Invalid or expired two-factor code"
            return error_body(401, message, [{"message": message}]), 401
        return self._session(account.user_id), 200

    def _session(self, user_id: int) -> dict[str, Any]:
        return {"message": "Login success", "user_token": self.store.open_session(user_id), "user_id": user_id}

    def token_info(self, api_key: str, required_scopes: Any = None) -> dict[str, Any] | None:
        user_id = self.store.touch_session(api_key, self.config.token_ttl)
        return {"sub": user_id} if user_id is not None else None

    def basic_info(self, username: str, password: str, required_scopes: Any = None) -> dict[str, Any] | None:
        if not POSITIVE_ID.fullmatch(username):
            return None
        account = self.store.account_by_id(int(username))
        if account is None:
            return None
        if same_secret(password, account.api_key):
            return {"sub": account.user_id}
        if self.store.touch_session(password, self.config.token_ttl) == account.user_id:
            return {"sub": account.user_id}
        return None

    # --- collections --------------------------------------------------------------------

    def _list(self, kind: str, user: int, query: Mapping[str, Any]) -> tuple[Any, int]:
        page = self.store.collection(
            kind,
            user,
            page=query.get("page") or 1,
            limit=query.get("limit"),
            sort=query.get("sort"),
            direction=query.get("dir_"),
            filter_=query.get("filter_"),
        )
        return {"data": page.items, "total": page.total}, 200

    def listSettings(self, user: int, **query: Any) -> tuple[Any, int]:
        return self._list("settings", user, query)

    def listWebsites(self, user: int, **query: Any) -> tuple[Any, int]:
        return self._list("websites", user, query)

    def listVisitors(self, user: int, **query: Any) -> tuple[Any, int]:
        return self._list("visitors", user, query)

    def listCdrs(self, user: int, **query: Any) -> tuple[Any, int]:
        return self._list("cdrs", user, query)

    # --- settings and buttons -------------------------------------------------------------

    def createSetting(self, user: int, body: dict[str, Any]) -> tuple[Any, int]:
        reject_non_finite(body)
        return {"data": self.store.create("settings", user, body), "links": {}}, 201

    def getSetting(self, user: int, id_: int) -> tuple[Any, int]:
        return {"data": self.store.get("settings", user, id_), "links": {}}, 200

    def updateSetting(self, user: int, id_: int, body: dict[str, Any]) -> tuple[Any, int]:
        reject_non_finite(body)
        return {"data": self.store.update("settings", user, id_, body), "links": {}}, 200

    def deleteSetting(self, user: int, id_: int) -> tuple[Any, int]:
        self.store.delete("settings", user, id_)
        return NoContent, 204

    def createButton(self, user: int, body: dict[str, Any]) -> tuple[Any, int]:
        return {"data": self.store.create("buttons", user, body), "links": {}}, 201

    def getButton(self, user: int, id_: int) -> tuple[Any, int]:
        return {"data": self.store.get("buttons", user, id_), "links": {}}, 200

    def updateButton(self, user: int, id_: int, body: dict[str, Any]) -> tuple[Any, int]:
        return {"data": self.store.update("buttons", user, id_, body), "links": {}}, 200

    def deleteButton(self, user: int, id_: int) -> tuple[Any, int]:
        self.store.delete("buttons", user, id_)
        return NoContent, 204


# --- errors -----------------------------------------------------------------------------------


class Routes:
    """The paths of the spec as patterns, to answer for requests the router turned away."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.routes: list[tuple[re.Pattern[str], list[str]]] = []
        for template, item in spec["paths"].items():
            pattern = re.sub(r"\{[^}]+\}", "(?P<id>[^/]+)", template)
            methods = [method.upper() for method in HTTP_METHODS if method in item]
            self.routes.append((re.compile(rf"/v[0-9.]+/voipstudio{pattern}/?"), methods))

    def match(self, path: str) -> tuple[list[str], str | None] | None:
        """The methods the spec allows on this path and its id, or None when no path matches."""
        for pattern, methods in self.routes:
            found = pattern.fullmatch(path)
            if found:
                return methods, found.groupdict().get("id")
        return None


def first_line(detail: object) -> str:
    """jsonschema's messages run on with the failing schema; the first line says what is wrong."""
    return str(detail).strip().splitlines()[0] if detail else ""


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
        if status == 415:
            # The service documents 400 for a body it cannot read.
            return error_response(400, None, [{"message": "The body must be JSON (Content-Type: application/json)."}])
        if status == 400:
            return error_response(400, None, [{"message": first_line(detail)}])
        return error_response(status)

    return handle


def store_error_handler(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """What the store refuses, answered as the service does."""
    if isinstance(exc, NotFound):
        return error_response(404)
    if isinstance(exc, AccessDenied):
        return error_response(403)
    if isinstance(exc, FiltrationError):
        return error_response(400, "Filtration error", [{"field": "filter", "message": str(exc)}])
    if isinstance(exc, SortError):
        return error_response(400, None, [{"field": "sort", "message": f"Cannot sort by {exc}."}])
    raise exc  # pragma: no cover - registered for the types above only


def undecodable_body_handler(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """A body that is not UTF-8 cannot be JSON; a lone surrogate (`"\\ud800"`) is no Unicode text."""
    if isinstance(exc, InvalidBody):
        return error_response(400, None, [{"message": str(exc)}])
    return error_response(400, None, [{"message": "The request holds text that is not valid Unicode (UTF-8)."}])


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


class BodyLimit:
    """Answer 413 to a request body over the limit, and 400 to a body with no media type,
    before connexion reads it."""

    def __init__(self, app: ASGIApp, limit: int, routes: Routes) -> None:
        self.app = app
        self.limit = limit
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send, 413, error_body(413))
            return
        if b"content-type" not in headers and self._takes_body(scope["method"], scope["path"]):
            # connexion fails on a body without a media type; the service documents 400.
            body = error_body(400, None, [{"message": "The body must be JSON (Content-Type: application/json)."}])
            await self._refuse(send, 400, body)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(send, 413, error_body(413))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(
            scope, _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}], receive), send
        )

    def _takes_body(self, method: str, path: str) -> bool:
        """Whether the spec declares this method on this path, with a body (the writes do)."""
        route = self.routes.match(path)
        return route is not None and method in route[0] and method in ("POST", "PUT", "PATCH")

    @staticmethod
    async def _refuse(send: Send, status: int, error: dict[str, Any]) -> None:
        body = json.dumps(error).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A receive callable that gives back the buffered messages, then defers to `then`."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


def load_spec() -> dict[str, Any]:
    """openapi.yaml as plain data (read once per application)."""
    document: dict[str, Any] = yaml.safe_load(spec_path().read_text(encoding="utf-8"))
    return document


class AnswerJson:
    """The JSON module connexion writes answers with: msgspec's encoder, about five times
    faster than the standard library's on a page of 1,000 CDRs (the sandbox's largest cost
    in an export), and the standard library's decoder for what connexion reads."""

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(data: Any, **_options: Any) -> str:
        return msgspec.json.encode(data).decode()


def create_app(config: SandboxConfig, store: Store) -> ASGIApp:
    """The sandbox as an ASGI application, serving the spec under /v1.1/voipstudio and /v1.2/voipstudio,
    and its interactive documentation (Swagger UI) at /docs.

    The accounts of the configuration are created in the store (with their sample data)
    if they are not there yet.
    """
    for account in config.all_accounts:
        store.ensure_account(account)
    handlers = Handlers(store, config)

    class TokenHandler(ApiKeySecurityHandler):  # type: ignore[misc] # connexion is untyped
        def _resolve_func(self, security_scheme: Any) -> Any:
            return handlers.token_info

    class BasicHandler(BasicSecurityHandler):  # type: ignore[misc]
        def _resolve_func(self, security_scheme: Any) -> Any:
            return handlers.basic_info

    spec = load_spec()
    app = AsyncApp(
        __name__,
        security_map={"apiKey": TokenHandler, "basic": BasicHandler},
        jsonifier=Jsonifier(AnswerJson),
    )
    for version in API_VERSIONS:
        app.add_api(
            spec,
            base_path=f"/{version}/voipstudio",
            name=version,
            resolver=Resolver(function_resolver=lambda operation_id: getattr(handlers, operation_id)),
            strict_validation=True,
            validate_responses=config.validate_responses,
            pythonic_params=True,
            swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=True),
        )
    routes = Routes(spec)
    handle_problem = problem_handler(routes)
    app.add_error_handler(ProblemException, handle_problem)
    app.add_error_handler(HTTPException, handle_problem)
    for error in (NotFound, AccessDenied, FiltrationError, SortError):
        app.add_error_handler(error, store_error_handler)
    for unreadable in (UnicodeDecodeError, UnicodeEncodeError, InvalidBody):
        app.add_error_handler(unreadable, undecodable_body_handler)
    app.add_error_handler(Exception, server_error_handler)
    asgi: ASGIApp = BodyLimit(DocsPage(app, spec), config.max_body_bytes, routes)
    return Latency(asgi, config.latency) if config.latency else asgi
