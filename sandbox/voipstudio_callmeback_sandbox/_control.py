"""The sandbox's test controls: faults, a clock that tests move, data, a journal of requests, and reset.

They serve the tests of applications that use the API. The test kit
(voipstudio_callmeback_testing) drives them from Python; `--control` serves them over
HTTP under /_sandbox/ for other languages and curl (docs/testing.md). They are not part of
the API: openapi.yaml never lists them, and the command line refuses them on an address
other than loopback unless told otherwise.

One `Control` holds the state of one sandbox and wraps its ASGI application. For each
request of the API it finds the operation (by method and path, from the spec), records
the request in the journal, and applies the first fault that matches it:

- an answer of its own (a status, headers, a body: 429 with Retry-After, 500, 503 ...);
- a delay before the request is handled (real time: this is how a client's timeout is met);
- a dropped connection, before the headers or after them;
- the real answer with its body cut short (then dropped), or replaced by a page that is not JSON;
- the end of the session whose token the request carries (the request then meets the 401 of
  an expired session, and a client that can log in again does).

A dropped connection inside a test process (the kit's in-process transports, which mark the
request's scope) raises ConnectionDropped for the transport to turn into httpx's error; on a
real server the connection is aborted.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import inspect
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from http import HTTPStatus
from typing import Any, Final, Literal
from urllib.parse import parse_qsl

from jsonschema import Draft4Validator  # type: ignore[import-untyped] # as the sandbox uses it
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._config import DEMO_ACCOUNT
from ._http import ERROR_MESSAGES, SECRET_NAME, Routes, describe, error_body, field_error, replay, send_json
from ._store import AccountError, InvalidValue, Store, now_timestamp

PREFIX: Final = "/_sandbox"
# The scope extension of an in-process transport: a drop raises ConnectionDropped instead of closing a socket.
IN_PROCESS: Final = "voipstudio_callmeback_sandbox.in_process"
DROP_POINTS: Final = ("before_headers", "after_headers")
NO_BODY_STATUSES: Final = frozenset({204, 304})
ANY_OPERATION: Final = "*"

# What a stranger with the control API can ask for, at most (documented in docs/testing.md).
MAX_FAULTS: Final = 100  # faults armed at once
MAX_DELAY: Final = 60.0  # seconds of one fault's delay
MAX_TIMES: Final = 1_000_000  # calls one fault applies to
MAX_ADVANCE: Final = 10 * 366 * 86400.0  # seconds the clock moves in one step: ten years
LAST_MOMENT: Final = 253402300800.0  # 10000-01-01 00:00:00 UTC: the clock stays before it
MAX_ITEMS: Final = 10_000  # items added in one call
MAX_JOURNAL: Final = 2_000  # requests remembered; the oldest go first
MAX_JOURNAL_BODY: Final = 32 * 1024  # bytes of a request's body the journal keeps (64 MiB in all, at most)
MAX_CONTROL_BODY: Final = 4 * 1024 * 1024  # bytes of a control request's body
MAX_FAULT_BODY: Final = 1024 * 1024  # bytes of a fault's answer

REDACTED: Final = "[redacted]"
NOT_JSON_PAGE: Final = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>\n"
)


class ControlError(ValueError):
    """A control request the sandbox refuses; `field` names what is wrong (as in the API's 400s)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ConnectionDropped(Exception):
    """A fault dropped the connection of an in-process request (the transport raises httpx's error for it)."""

    def __init__(self, after_headers: bool) -> None:
        super().__init__("the connection was dropped " + ("after the headers" if after_headers else "before an answer"))
        self.after_headers = after_headers


# --- the clock ------------------------------------------------------------------------------------


class Clock:
    """The sandbox's time: the real time plus what tests have moved it on by. The store reads it for
    sessions (their expiry), two-factor nonces and the moments it records (created_at)."""

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        self._source = source
        self.offset = 0.0

    def __call__(self) -> float:
        return self._source() + self.offset

    def advance(self, seconds: float, field: str = "seconds") -> float:
        """Move the clock on by `seconds` (0 to ten years, and never past the year 9999); the new time, in
        seconds since the epoch. `field`: the name a refusal gives the value."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
            raise ControlError(field, f"{field} must be a finite number")
        if not 0 <= seconds <= MAX_ADVANCE:
            raise ControlError(field, f"{field} must be between 0 and {MAX_ADVANCE:g} (the clock never goes back)")
        if self() + seconds >= LAST_MOMENT:
            raise ControlError(field, f"{field} would move the clock past the year 9999, which timestamps cannot hold")
        self.offset += float(seconds)
        return self()

    def reset(self) -> None:
        self.offset = 0.0


# --- faults ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """What to do to the requests of one operation (its operationId, or "*" for every one).

    `times` calls (None: every call) after letting `after` calls through. Its actions, which
    combine as listed: `delay` seconds first; `expire_session`; then at most one of an
    answer of its own (`status`, with `headers` and `body`: a JSON value, or text), `drop`
    ("before_headers" or "after_headers"), `truncate` (the real answer, its body cut in half,
    then the connection dropped) or `not_json` (the real answer's status with an HTML page).
    """

    operation: str = ANY_OPERATION
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    drop: Literal["before_headers", "after_headers"] | None = None
    truncate: bool = False
    not_json: bool = False
    expire_session: bool = False
    times: int | None = 1
    after: int = 0

    def as_json(self) -> dict[str, Any]:
        return {found.name: _plain(getattr(self, found.name)) for found in fields(self)}

    @classmethod
    def from_json(cls, data: Any, operations: Sequence[str]) -> Fault:
        """A fault from a control request's JSON, every member checked (ControlError names the first wrong one)."""
        if not isinstance(data, dict):
            raise ControlError("body", "a fault is a JSON object")
        known = {found.name for found in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ControlError(unknown[0], f"{unknown[0]} is not a member of a fault: {', '.join(sorted(known))}")
        return cls(**data).checked(operations)

    def checked(self, operations: Sequence[str]) -> Fault:
        """This fault, or ControlError naming what is wrong with it."""
        if not isinstance(self.operation, str) or (
            self.operation != ANY_OPERATION and self.operation not in operations
        ):
            raise ControlError(
                "operation", f"operation must be {ANY_OPERATION!r} or an operationId: {', '.join(operations)}"
            )
        if self.status is not None and (_not_int(self.status) or not 200 <= self.status <= 599):
            # a 1xx is no final answer: a client would wait for one, or take the connection for upgraded
            raise ControlError("status", "status must be a whole number from 200 to 599")
        if not isinstance(self.headers, Mapping) or not all(
            isinstance(name, str) and isinstance(value, str) and _header_safe(name, value)
            for name, value in self.headers.items()
        ):
            raise ControlError("headers", "headers must map header names to values, in printable ASCII")
        if self.body is not None:
            if self.status is None:
                raise ControlError("body", "body is the body of an answer: give its status too")
            if self.status in NO_BODY_STATUSES:
                raise ControlError("body", f"a {self.status} answer has no body (HTTP/1.1 sends none)")
            try:
                text = self.body if isinstance(self.body, str) else json.dumps(self.body, allow_nan=False)
                size = len(text.encode())
            except (TypeError, ValueError, RecursionError, UnicodeEncodeError):
                raise ControlError("body", "body must be a JSON value (finite numbers only) or text") from None
            if size > MAX_FAULT_BODY:
                raise ControlError("body", f"body must be at most {MAX_FAULT_BODY} bytes")
        if self.headers and self.status is None:
            raise ControlError("headers", "headers are the headers of an answer: give its status too")
        if (
            isinstance(self.delay, bool)
            or not isinstance(self.delay, int | float)
            or not math.isfinite(self.delay)
            or not 0 <= self.delay <= MAX_DELAY
        ):
            raise ControlError("delay", f"delay must be a number of seconds from 0 to {MAX_DELAY:g}")
        if self.drop is not None and self.drop not in DROP_POINTS:
            raise ControlError("drop", f"drop must be one of: {', '.join(DROP_POINTS)}")
        for flag in ("truncate", "not_json", "expire_session"):
            if not isinstance(getattr(self, flag), bool):
                raise ControlError(flag, f"{flag} must be true or false")
        answers = [
            name
            for name, given in (
                ("status", self.status is not None),
                ("drop", self.drop is not None),
                ("truncate", self.truncate),
                ("not_json", self.not_json),
            )
            if given
        ]
        if len(answers) > 1:
            raise ControlError(answers[1], f"a fault gives one answer: {' and '.join(answers)} cannot go together")
        if not answers and not self.delay and not self.expire_session:
            raise ControlError(
                "body", "a fault needs an action: status, drop, truncate, not_json, delay or expire_session"
            )
        if self.times is not None and (_not_int(self.times) or not 1 <= self.times <= MAX_TIMES):
            raise ControlError("times", f"times must be a whole number from 1 to {MAX_TIMES}, or null for every call")
        if _not_int(self.after) or not 0 <= self.after <= MAX_TIMES:
            raise ControlError("after", f"after must be a whole number from 0 to {MAX_TIMES}")
        return self


def _finite(value: Any, depth: int = 0) -> bool:
    """Whether a JSON value holds no NaN or infinity, at any depth (which JSON cannot write)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return depth < 64 and all(_finite(item, depth + 1) for item in value.values())
    if isinstance(value, list):
        return depth < 64 and all(_finite(item, depth + 1) for item in value)
    return True


def _not_int(value: Any) -> bool:
    return isinstance(value, bool) or not isinstance(value, int)


def _header_safe(name: str, value: str) -> bool:
    return bool(re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name)) and all(32 <= ord(c) < 127 for c in value)


def _plain(value: Any) -> Any:
    return dict(value) if isinstance(value, Mapping) else value


@dataclass
class _Armed:
    """A fault and the calls of its operation it has seen."""

    fault: Fault
    seen: int = 0
    applied: int = 0

    def take(self, free: bool) -> bool:
        """Count one call of its operation; whether the fault applies to it (only if `free`: no fault
        added before it took the call)."""
        self.seen += 1
        if not free or self.seen <= self.fault.after or self.spent:
            return False
        self.applied += 1
        return True

    @property
    def spent(self) -> bool:
        return self.fault.times is not None and self.applied >= self.fault.times


# --- the journal ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A request the sandbox received: its operation (None for a path the spec does not have), method,
    path, query parameters and JSON body (None without one; text when it is not JSON), with
    credentials' members shown as "[redacted]"; `status`, what was answered (None when a fault
    dropped the connection first); `fault`, whether a fault met it."""

    operation: str | None
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int | None = None
    fault: bool = False

    def as_json(self) -> dict[str, Any]:
        return {found.name: getattr(self, found.name) for found in fields(self)}


def _secret(name: str) -> bool:
    """A member a journal never shows: named like a credential, or the two-factor login's `code`."""
    return bool(SECRET_NAME.search(name)) or name == "code"


def redacted(value: Any) -> Any:
    """A JSON value with the members named like credentials shown as "[redacted]", at any depth."""
    if isinstance(value, dict):
        return {
            name: REDACTED if _secret(name) and item is not None else redacted(item) for name, item in value.items()
        }
    if isinstance(value, list):
        return [redacted(item) for item in value]
    return value


# --- the control of one sandbox -------------------------------------------------------------------


# The control API: path under PREFIX -> its methods (and POST /data/{collection}); docs/testing.md.
CONTROLS: Final[dict[str, tuple[str, ...]]] = {
    "": ("GET",),
    "/reset": ("POST",),
    "/faults": ("GET", "POST", "DELETE"),
    "/clock": ("GET", "POST"),
    "/requests": ("GET", "DELETE"),
}


class Control:
    """Faults, clock, data, journal and reset of one sandbox; `wrap(app)` applies them to its requests.

    Thread-safe: the Python methods may be called from a test's thread while the application
    serves on another.
    """

    def __init__(self, store: Store, clock: Clock, *, serve_api: bool = False, account: int | None = None) -> None:
        """`account`: the user id data is added to when none is named (default: the demo account's)."""
        self.store = store
        self.account = account if account is not None else DEMO_ACCOUNT.user_id
        self.clock = clock
        self.serve_api = serve_api
        self.routes = Routes(store.spec)
        self._token_header = _token_header(store.spec)
        self._lock = threading.Lock()
        self._faults: list[_Armed] = []
        self._journal: deque[Request] = deque(maxlen=MAX_JOURNAL)
        self._fresh = store.snapshot()
        self._fresh_changes = store.changes()

    # --- from Python (and from the control API) ---------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        fault.checked(self.routes.operation_ids)
        with self._lock:
            self._faults = [armed for armed in self._faults if not armed.spent]
            if len(self._faults) >= MAX_FAULTS:
                raise ControlError("body", f"at most {MAX_FAULTS} faults are armed at once; clear some first")
            self._faults.append(_Armed(fault))
        return fault

    def faults(self) -> list[Fault]:
        """The faults still armed, in the order they were added."""
        with self._lock:
            return [armed.fault for armed in self._faults if not armed.spent]

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def requests(self) -> list[Request]:
        """The requests received since the last reset or clear, oldest first (the latest MAX_JOURNAL)."""
        with self._lock:
            return list(self._journal)

    def clear_requests(self) -> None:
        with self._lock:
            self._journal.clear()

    def add_items(self, collection: str, items: object, account: int | None = None) -> list[dict[str, Any]]:
        """Add items to a collection (read-only ones too), with the values given, timestamps included, and
        null for the fields left out; each value is checked against the item's schema. The items as answered."""
        model = self.store.model
        if collection not in model.resources:
            raise ControlError("collection", f"{collection!r} is not a collection: {', '.join(model.resources)}")
        if not isinstance(items, list | tuple) or not items:
            raise ControlError("items", "items must be a non-empty list of objects")
        if len(items) > MAX_ITEMS:
            raise ControlError("items", f"at most {MAX_ITEMS} items are added at once")
        if account is not None and (_not_int(account) or not 1 <= account < 2**63):
            raise ControlError("account", "account must be a user id (a whole number from 1 to 2**63 - 1)")
        resource = model.resources[collection]
        schemas = _item_properties(self.store.spec, resource.item)
        for index, item in enumerate(items):
            where = f"items[{index}]"
            if not isinstance(item, Mapping):
                raise ControlError(where, f"{where} must be an object")
            for name, value in item.items():
                if name == "id":
                    raise ControlError(f"{where}.id", f"{where}: id is given by the sandbox")
                if name not in resource.columns:
                    known = ", ".join(resource.columns)
                    raise ControlError(f"{where}.{name}", f"{where}: {name} is not a field of {collection}: {known}")
                if not _finite(value):
                    raise ControlError(f"{where}.{name}", f"{where}.{name}: {name} must hold finite numbers only")
                error = next(iter(Draft4Validator(schemas[name]).iter_errors(value)), None)
                if error is not None:
                    raise ControlError(f"{where}.{name}", f"{where}.{name}: {describe(name, error)[0]['message']}")
        try:
            return self.store.insert_items(collection, account if account is not None else self.account, items)
        except AccountError as exc:
            raise ControlError("account", str(exc)) from None
        except InvalidValue as exc:
            raise ControlError(exc.field, str(exc)) from None

    def reset(self) -> None:
        """Back to the state the sandbox started in: its data, the clock, no fault, an empty journal.
        The data is restored only when something was written since (a test that only reads costs nothing)."""
        with self._lock:
            self._faults.clear()
            self._journal.clear()
        self.clock.reset()
        if self.store.changes() != self._fresh_changes:
            self.store.restore(self._fresh)
            self._fresh_changes = self.store.changes()

    # --- the requests -------------------------------------------------------------------------------

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """The application with this control applied to its requests (and /_sandbox/ served when asked).

        The application's outermost layer (create_app's Guard: Host allow-list, header count, security
        headers) stays outermost, over the control API and the faults too."""
        rewrap = getattr(app, "rewrap", None)
        if rewrap is not None:
            wrapped: ASGIApp = rewrap(self.wrap(app.app))  # type: ignore[attr-defined] # a Guard's inner app
            return wrapped

        async def controlled(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            path: str = scope["path"]
            if self.serve_api and (path == PREFIX or path.startswith(PREFIX + "/")):
                await self._serve_control(scope, receive, send)
                return
            await self._serve(app, scope, receive, send)

        return controlled

    def _pick(self, operation: str | None) -> Fault | None:
        if operation is None:
            return None
        chosen = None
        with self._lock:
            for armed in self._faults:
                if armed.fault.operation in (ANY_OPERATION, operation) and armed.take(free=chosen is None):
                    chosen = armed.fault
            self._faults = [armed for armed in self._faults if not armed.spent]
        return chosen

    async def _serve(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        listen = receive  # past the body, only a disconnect comes from it
        body, receive = await _buffered(receive)
        operation = self.routes.operation(scope["method"], scope["path"])
        fault = self._pick(operation)
        entry = Request(
            operation=operation,
            method=scope["method"],
            path=scope["path"],
            query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)),
            body=_journal_body(body),
            fault=fault is not None,
        )
        status: int | None = None

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            if fault is None:
                await app(scope, receive, sending)
            else:
                await self._apply(fault, app, scope, receive, send, sending, listen if body is not None else None)
        finally:
            with self._lock:
                self._journal.append(replace(entry, status=status))

    async def _apply(
        self,
        fault: Fault,
        app: ASGIApp,
        scope: Scope,
        receive: Receive,
        send: Send,
        sending: Send,
        listen: Receive | None,
    ) -> None:
        """Carry out a fault; `listen`, the server's own receive once the whole body is read (None before)."""
        if fault.delay and not await _wait(fault.delay, listen):
            return  # the client went away during the delay, as a timeout has it: nothing is handled
        if fault.expire_session:
            token = _session_token(scope, self._token_header)
            if token is not None:
                self.store.end_session(token)
        if fault.status is not None:
            await _answer(sending, fault)
        elif fault.drop == "before_headers":
            await _drop(scope, send, after_headers=False)
        elif fault.drop == "after_headers" or fault.truncate:
            await app(scope, receive, _cut(send, sending, keep_body=fault.truncate))
            await _drop(scope, send, after_headers=True)
        elif fault.not_json:
            await app(scope, receive, _not_json(sending, scope["method"]))
        else:
            await app(scope, receive, sending)

    # --- the control API ----------------------------------------------------------------------------

    async def _serve_control(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"].removeprefix(PREFIX).rstrip("/")
        raw, _ = await _buffered(receive, MAX_CONTROL_BODY)
        if raw is None:
            limit = ControlError("body", f"a control request's body is at most {MAX_CONTROL_BODY} bytes")
            await send_json(send, 413, _error(limit))
            return
        try:
            data = json.loads(raw, parse_constant=_refuse_constant) if raw.strip() else None
        except (ValueError, RecursionError):
            await send_json(send, 400, _error(ControlError("body", "the body is not valid JSON")))
            return
        try:
            status, answer = self._control(method, path, data)
        except ControlError as exc:
            status, answer = 400, _error(exc)
        except (TypeError, ValueError, OverflowError, RecursionError) as exc:  # no check should let one through
            status, answer = 400, _error(ControlError("body", f"the control request cannot be carried out: {exc}"))
        await send_json(send, status, answer)

    def _control(self, method: str, path: str, data: Any) -> tuple[int, Any]:
        """(status, JSON answer) of one control request; ControlError for a wrong one."""
        allowed = CONTROLS.get(path) or (("POST",) if path.startswith("/data/") and path.count("/") == 2 else None)
        if allowed is None:
            return 404, _error(ControlError("path", f"{PREFIX}{path} is not a control; see GET {PREFIX}/"))
        if method not in allowed:
            return 405, _error(ControlError("method", f"{PREFIX}{path} takes {', '.join(allowed)}"))
        if path == "/reset":
            self.reset()
        elif path == "/faults" and method == "POST":
            return 201, {"data": self.add_fault(Fault.from_json(data, self.routes.operation_ids)).as_json()}
        elif path == "/faults" and method == "GET":
            return 200, {"data": [fault.as_json() for fault in self.faults()]}
        elif path == "/faults":
            self.clear_faults()
            return 204, None
        elif path == "/clock":
            if method == "POST":
                self.clock.advance(_member(data, "advance"), field="advance")
            return 200, self._clock()
        elif path == "/requests" and method == "GET":
            return 200, {"data": [entry.as_json() for entry in self.requests()]}
        elif path == "/requests":
            self.clear_requests()
            return 204, None
        elif path.startswith("/data/"):
            return 201, {"data": self._add_from_json(path.removeprefix("/data/"), data)}
        return 200, self._summary()

    def _add_from_json(self, collection: str, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, dict) or set(body) - {"items", "account"}:
            raise ControlError("body", 'the body is {"items": [...]} and, optionally, "account": a user id')
        account = body.get("account")
        if account is not None and _not_int(account):
            raise ControlError("account", "account must be a user id")
        return self.add_items(collection, body.get("items"), account)

    def _summary(self) -> dict[str, Any]:
        return {
            "operations": self.routes.operation_ids,
            "collections": list(self.store.model.resources),
            "clock": self._clock(),
            "faults": len(self.faults()),
            "requests": len(self.requests()),
            "limits": {
                "faults": MAX_FAULTS,
                "delay": MAX_DELAY,
                "advance": MAX_ADVANCE,
                "times": MAX_TIMES,
                "fault_body_bytes": MAX_FAULT_BODY,
                "items": MAX_ITEMS,
                "journal": MAX_JOURNAL,
                "journal_body_bytes": MAX_JOURNAL_BODY,
                "body_bytes": MAX_CONTROL_BODY,
            },
        }

    def _clock(self) -> dict[str, Any]:
        now = self.clock()
        return {"now": now_timestamp(lambda: now), "epoch": now, "offset": self.clock.offset}


def _member(body: Any, name: str) -> Any:
    if not isinstance(body, dict) or set(body) != {name}:
        raise ControlError(name, f'the body is {{"{name}": seconds}}')
    return body[name]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _error(exc: ControlError) -> dict[str, Any]:
    return error_body(400, exc.message, [field_error(exc.field, exc.message, "control")])


def _token_header(spec: Mapping[str, Any]) -> str | None:
    """The header of the spec's session token (its apiKey security scheme), lower-cased as ASGI gives it."""
    for scheme in (spec.get("components", {}).get("securitySchemes") or {}).values():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            return str(scheme["name"]).lower()
    return None


def _session_token(scope: Scope, header: str | None) -> str | None:
    """The session token a request carries: in the token header, or as the password of HTTP Basic."""
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}
    if header is not None and header in headers:
        return str(headers[header])
    kind, _, credentials = headers.get("authorization", "").partition(" ")
    if kind.lower() == "basic":
        try:
            return base64.b64decode(credentials, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return None
    return None


def _item_properties(spec: Mapping[str, Any], item: str) -> dict[str, Any]:
    """The item schema's properties, each with the spec's local references put in place."""
    schemas = spec["components"]["schemas"]

    def inline(value: Any, depth: int = 0) -> Any:
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/") and depth < 32:
                return inline(schemas[ref.rsplit("/", 1)[1]], depth + 1)
            return {key: inline(member, depth) for key, member in value.items()}
        if isinstance(value, list):
            return [inline(member, depth) for member in value]
        return value

    properties: dict[str, Any] = inline(schemas[item]).get("properties") or {}
    return properties


# --- ASGI pieces ----------------------------------------------------------------------------------


async def _buffered(receive: Receive, limit: int = MAX_JOURNAL_BODY) -> tuple[bytes | None, Receive]:
    """The request's body, read up to `limit` bytes (None past it), and a receive that gives the application
    what was read and then the rest (the application's BodyLimit refuses a body over its own limit)."""
    messages: list[Message] = []
    size, more = 0, True
    while more and size <= limit:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(message.get("body", b"") for message in messages if message["type"] == "http.request")
    return (body if size <= limit else None), replay(messages, receive)


async def _wait(seconds: float, listen: Receive | None) -> bool:
    """Wait `seconds`, or less if the client disconnects first (then False). `listen` is the server's receive
    past the whole body, where only a disconnect comes; without it (a body not read whole), wait it out."""
    if listen is None:
        await asyncio.sleep(seconds)
        return True
    listening = asyncio.ensure_future(listen())
    try:
        done, _ = await asyncio.wait({listening}, timeout=seconds)
    finally:
        if not listening.done():
            listening.cancel()
    return not (done and listening.result().get("type") == "http.disconnect")


def _journal_body(body: bytes | None) -> Any:
    if body is None:
        return f"[over {MAX_JOURNAL_BODY} bytes: not kept]"
    if not body:
        return None
    try:
        return redacted(json.loads(body, parse_constant=str))  # NaN stays text: the answers are strict JSON
    except (ValueError, RecursionError):
        return body.decode("utf-8", errors="replace")


async def _answer(send: Send, fault: Fault) -> None:
    """A fault's own answer: its body as JSON (text as text/plain), by default the API's error body."""
    assert fault.status is not None  # noqa: S101 - only called for a fault with a status
    headers = {name.lower(): value for name, value in fault.headers.items()}
    if fault.body is None and fault.status >= 400:
        message = ERROR_MESSAGES.get(fault.status) or _phrase(fault.status)
        body, kind = json.dumps(error_body(fault.status, message)).encode(), "application/json"
    elif isinstance(fault.body, str):
        body, kind = fault.body.encode(), "text/plain; charset=utf-8"
    elif fault.body is None or fault.status in NO_BODY_STATUSES:
        body, kind = b"", ""
    else:
        body, kind = json.dumps(fault.body).encode(), "application/json"
    if kind:
        headers.setdefault("content-type", kind)
    headers["content-length"] = str(len(body))
    await send(
        {
            "type": "http.response.start",
            "status": fault.status,
            "headers": [(name.encode(), value.encode()) for name, value in headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _drop(scope: Scope, send: Send, *, after_headers: bool) -> None:
    """Drop the connection: in process, raise for the transport; on a server, abort the socket."""
    if scope.get("extensions", {}).get(IN_PROCESS):
        raise ConnectionDropped(after_headers)
    server_send = inspect.unwrap(send)  # the server's own, under the layers that add headers (__wrapped__)
    transport = getattr(getattr(server_send, "__self__", None), "transport", None)  # uvicorn's, through its send()
    if transport is not None:
        transport.abort()
        await asyncio.sleep(0)  # the server sees the connection lost, and sends nothing more
        return
    raise ConnectionDropped(after_headers)  # another server: its own handling of a failed application


def _cut(send: Send, sending: Send, *, keep_body: bool) -> Send:
    """A send that passes the headers of the real answer (its Content-Length kept), then half of its body
    (none with keep_body False), and nothing more: the caller drops the connection once the application
    returns (not inside it, whose error handling would answer a 500 instead)."""
    body: list[bytes] = []

    async def cut(message: Message) -> None:
        if message["type"] != "http.response.body":
            await sending(message)
            return
        body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        whole = b"".join(body)
        if keep_body and whole:
            await send({"type": "http.response.body", "body": whole[: len(whole) // 2], "more_body": True})

    return cut


def _not_json(sending: Send, method: str) -> Send:
    """A send that keeps the real answer's status and puts an HTML page in place of its body (none where
    HTTP has none: a 204, a 304, an answer to HEAD)."""
    bodiless = method == "HEAD"

    async def replace(message: Message) -> None:
        nonlocal bodiless
        if message["type"] == "http.response.start":
            bodiless = bodiless or message["status"] in NO_BODY_STATUSES
            if bodiless:
                await sending(message)
                return
            headers = [
                (name, value)
                for name, value in message.get("headers", [])
                if name.lower() not in (b"content-type", b"content-length")
            ]
            headers += [(b"content-type", b"text/html"), (b"content-length", str(len(NOT_JSON_PAGE)).encode())]
            await sending({**message, "headers": headers})
        elif message["type"] == "http.response.body":
            if bodiless:
                await sending(message)
            elif not message.get("more_body", False):
                await sending({"type": "http.response.body", "body": NOT_JSON_PAGE})
        else:
            await sending(message)

    return replace
