"""The clients: CallMeBack (sync) and AsyncCallMeBack.

Every request goes through one flow, written once (`_Client._flow`): a generator that says
what to do next (send, wait before a retry, log in again, ask for a two-factor code) and
decides on every outcome: retry, wait how long, log in again, give up with which error. Each
client only carries the steps out, the sync one blocking and the async one with `await`,
as httpx's `Auth.auth_flow` serves both of httpx's clients.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple, Protocol, Self, TypedDict, TypeVar, Unpack, overload

import httpx
from voipstudio_callmeback_client.models import LoginSuccess, TwoFactorChallenge
from voipstudio_callmeback_client.operations import OPERATIONS

from . import _base
from ._auth import CredentialAuth, Credentials, check_proxy_security
from ._base import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    ClientConfig,
    Login,
    connection_error,
    env_credentials,
    log_request,
    log_retry,
    logger,
    may_retry_error,
    may_retry_response,
    parse,
    retry_policy,
    retry_wait,
    setup_logging,
)
from ._exceptions import AuthenticationError, UnexpectedResponseError
from ._generic import check_cast_to, generic_request, read_as
from ._redact import CREDENTIALS_IN_BODY
from ._resource_base import request
from ._resources import AsyncResources, SyncResources
from ._types import (
    DEFAULT_OPTIONS,
    NOT_GIVEN,
    NotGiven,
    Options,
    Query,
    RequestOptions,
    Timeout,
    merged_headers,
    options_of,
)

T = TypeVar("T")
OTP = str | Callable[[], str] | Callable[[], Awaitable[str]]


class Model(Protocol):
    """A model of the generated package: what cast_to= reads an answer into."""

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self: ...

    def to_dict(self) -> dict[str, Any]: ...


# What cast_to= takes (a model, dict or httpx.Response), so that a type checker refuses cast_to=int.
CastTo = TypeVar("CastTo", bound=Model | dict[Any, Any] | httpx.Response)


class ClientOptions(TypedDict, total=False):
    """The keywords of both clients' constructors besides the credentials and base_url (login(), from_env())."""

    timeout: Timeout | NotGiven
    max_retries: int
    default_headers: Mapping[str, str] | None
    default_query: Query | None
    allow_insecure_http: bool
    max_response_bytes: int


class SyncClientOptions(ClientOptions, total=False):
    http_client: httpx.Client | None


class AsyncClientOptions(ClientOptions, total=False):
    http_client: httpx.AsyncClient | None


# The session's own operations (overlays/exempt-operations.toml): login() calls them.
LOG_IN = OPERATIONS["logIn"]
VERIFY_TWO_FACTOR_CODE = OPERATIONS["verifyTwoFactorCode"]
# The answer of POST /login that asks for a two-factor code instead of giving the token.
TWO_FACTOR_STATUS = next(status for status, model in LOG_IN.responses.items() if model is TwoFactorChallenge)


def _login_request(login: Login) -> dict[str, Any]:
    return request(LOG_IN, fields={"email": login.email, "password": login.password})


def _two_factor_request(code: str, challenge: TwoFactorChallenge) -> dict[str, Any]:
    return request(VERIFY_TWO_FACTOR_CODE, fields={"code": code, "nonce": challenge.nonce})


def _two_factor_required(response: httpx.Response) -> AuthenticationError:
    return AuthenticationError("two-factor code required: pass otp= to login()", response=response)


# --- the steps of a request's flow -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Send:
    """Send the request; the flow is given the httpx.Response, or the httpx.RequestError it ended with."""

    method: str
    url: str
    params: Any
    json: Any
    headers: Any
    auth: httpx.Auth | None
    timeout: Any
    extensions: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class _Wait:
    seconds: float


@dataclass(frozen=True, slots=True)
class _Discard:
    """Close an answer that will be retried."""

    response: httpx.Response


@dataclass(frozen=True, slots=True)
class _Renew:
    """Log in again, unless another request already did since `used` was sent."""

    used: Credentials


@dataclass(frozen=True, slots=True)
class _AskCode:
    """Call the login's `otp` for a two-factor code (awaiting what it returns, in the async client)."""

    otp: Callable[[], Any]


_Step = _Send | _Wait | _Discard | _Renew | _AskCode


class Sent(NamedTuple):
    """What a request came to: the answer it got, after how many retries, and the seconds its last attempt took."""

    response: httpx.Response
    retries_taken: int
    seconds: float = 0.0


Flow = Generator[_Step, Any, T]


class _Session:
    """The credentials and the login of a client, shared with the copies with_options() makes: a session that
    one of them renews is renewed for all."""

    __slots__ = ("auth", "lock", "login")

    def __init__(self, credentials: Credentials, lock: threading.Lock | asyncio.Lock) -> None:
        self.auth = CredentialAuth(credentials)
        self.login: Login | None = None
        self.lock = lock


class _Client:
    """What both clients share: configuration, the flow of a request, repr, from_env."""

    _config: ClientConfig
    _session: _Session
    _owns_http: bool

    def _configure(
        self,
        *,
        token: str | None,
        user_id: int | str | None,
        api_key: str | None,
        base_url: str | None,
        timeout: Timeout | NotGiven,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        default_query: Query | None,
        allow_insecure_http: bool,
        injected: bool,
        lock: threading.Lock | asyncio.Lock,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        setup_logging()
        credentials = Credentials(token=token, user_id=None if user_id is None else str(user_id), api_key=api_key)
        self._config = ClientConfig.make(
            base_url=base_url,
            timeout=timeout,
            injected=injected,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
            default_headers=default_headers,
            default_query=default_query,
            max_response_bytes=max_response_bytes,
        )
        self._session = _Session(credentials, lock)
        self._owns_http = not injected

    def _check_route(self, http: httpx.Client | httpx.AsyncClient, allow_insecure_http: bool) -> None:
        """Refuse a proxy that would carry the credentials in clear text (see check_proxy_security), before any
        request; the http client made for this client is closed then (one passed in is the caller's)."""
        try:
            check_proxy_security(http, self._config.base_url, allow_insecure_http=allow_insecure_http)
        except ValueError:
            if self._owns_http and isinstance(http, httpx.Client):  # an unused AsyncClient holds no connection
                http.close()
            raise

    def __repr__(self) -> str:
        config, session = getattr(self, "_config", None), getattr(self, "_session", None)
        if config is None or session is None:  # the constructor refused its arguments
            return f"{type(self).__name__}(<not configured>)"
        return f"{type(self).__name__}(base_url={config.base_url!r}, credentials={session.auth.credentials})"

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def timeout(self) -> httpx.Timeout | None:
        """The timeout of every request: the one given, else an injected http client's own, else DEFAULT_TIMEOUT."""
        timeout = self._config.timeout
        if isinstance(timeout, httpx._client.UseClientDefault):
            own: httpx.Timeout = self._http.timeout  # type: ignore[attr-defined]
            return own
        return timeout

    @property
    def max_retries(self) -> int:
        return self._config.max_retries

    @property
    def max_response_bytes(self) -> int:
        """The largest answer body the client reads, counted decompressed (ResponseTooLargeError beyond)."""
        return self._config.max_response_bytes

    @property
    def session_token(self) -> str | None:
        """The session token the client sends (one made by `login()`, or passed as `token=`); None with an API key.

        It is a credential: keep it as you would a password (the command line stores it in a 0600 file).
        """
        return self._session.auth.credentials.token

    @classmethod
    def _from_env(cls, base_url: str | None, kwargs: Mapping[str, Any]) -> Self:
        given = sorted({"token", "user_id", "api_key"} & set(kwargs))
        if given:
            raise TypeError(
                f"from_env() reads the credentials from the environment, not {', '.join(given)}=: "
                f"pass them to {cls.__name__}() instead"
            )
        credentials, from_environment = env_credentials()
        make: Callable[..., Self] = cls  # each subclass takes the credentials as keywords
        return make(
            token=credentials.token,
            user_id=credentials.user_id,
            api_key=credentials.api_key,
            base_url=from_environment if base_url is None else base_url,
            **kwargs,
        )

    def with_options(
        self,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        default_query: Query | None = None,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A client with other defaults that shares this one's credentials, session renewal and connection pool.

        `timeout`, `max_retries` and `max_response_bytes` replace this client's; `default_headers` and
        `default_query` are added to its own (sent with every request). Closing the copy leaves the pool
        open: the client that made the pool closes it.
        """
        copy = object.__new__(type(self))
        copy._config = self._config.changed(
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            max_response_bytes=max_response_bytes,
        )
        copy._session = self._session
        copy._http = self._http  # type: ignore[attr-defined]
        copy._owns_http = False
        return copy

    # --- one request ----------------------------------------------------------------------------

    def _prepared(self, kwargs: dict[str, Any], options: Options) -> dict[str, Any]:
        """The request with the client's default headers and query and the call's extra ones merged in."""
        config = self._config
        if options is DEFAULT_OPTIONS and config.default_headers is None and config.default_query is None:
            return kwargs
        merged = dict(kwargs)
        if config.default_headers or options.extra_headers:
            merged["headers"] = merged_headers(config.default_headers, kwargs.get("headers"), options.extra_headers)
        if config.default_query or options.extra_query:
            merged["params"] = {**(config.default_query or {}), **(kwargs.get("params") or {})}
            merged["params"].update(options.extra_query or {})
        if options.extra_body is not None:
            body = kwargs.get("json")
            if body is not None and not isinstance(body, dict):
                raise TypeError(f"extra_body adds members to a JSON object; this request sends {type(body).__name__}")
            # Where the operation sends no body, extra_body is the body (as in openai-python).
            merged["json"] = {**(body or {}), **options.extra_body}
        return merged

    def _attempts(self, kwargs: dict[str, Any], options: Options, authenticated: bool) -> Flow[Sent]:
        """Send the request until it gets an answer that is not retried (see the README's retry table)."""
        config = self._config
        method = str(kwargs["method"]).upper()
        url = config.base_url + kwargs["url"]
        retry = config.retry if isinstance(options.max_retries, NotGiven) else retry_policy(options.max_retries)
        timeout = config.timeout if isinstance(options.timeout, NotGiven) else options.timeout
        send = _Send(
            method,
            url,
            kwargs.get("params"),
            kwargs.get("json"),
            kwargs.get("headers"),
            self._session.auth if authenticated else None,
            timeout,
            kwargs.get("extensions") if authenticated else {CREDENTIALS_IN_BODY: True},
        )
        started = time.monotonic()
        while True:
            sent_at = time.monotonic()
            outcome = yield send
            if isinstance(outcome, httpx.Response):
                if not may_retry_response(retry, method, outcome):
                    log_request(method, url, str(outcome.status_code), started, retry.attempts_made)
                    return Sent(outcome, retry.attempts_made, time.monotonic() - sent_at)
            elif not may_retry_error(retry, method, outcome):
                log_request(method, url, type(outcome).__name__, started, retry.attempts_made)
                failure = connection_error(outcome, method, url)
                outcome = None  # nothing of the httpx error (its request's headers) stays with the failure
                raise failure
            retry = retry.increment()
            wait = retry_wait(retry, outcome)
            log_retry(method, url, outcome, wait, retry)
            if isinstance(outcome, httpx.Response):
                yield _Discard(outcome)
            outcome = None
            yield _Wait(wait)

    def _flow(self, kwargs: dict[str, Any], options: Options) -> Flow[Sent]:
        """An authenticated request, sent again once after logging in again when a login client's session expired."""
        session = self._session
        used = session.auth.credentials
        sent = yield from self._attempts(kwargs, options, True)
        if sent.response.status_code == 401 and session.login is not None:
            request = sent.response.request
            logger.warning("%s %s: 401, the session expired; logging in again", request.method, request.url.path)
            yield _Renew(used)
            again = yield from self._attempts(kwargs, options, True)
            # the send after the new login is a retry too: retries_taken counts every send after the first
            sent = again._replace(retries_taken=sent.retries_taken + 1 + again.retries_taken)
        return sent

    def _login_flow(self, login: Login) -> Flow[None]:
        """Exchange the login for a session token and send it from now on."""
        base_url = self._config.base_url
        response = (yield from self._attempts(_login_request(login), DEFAULT_OPTIONS, False)).response
        if response.status_code == TWO_FACTOR_STATUS:
            challenge = parse(response, TWO_FACTOR_STATUS, TwoFactorChallenge, base_url)
            if login.otp is None:
                raise _two_factor_required(response)
            code = login.otp if isinstance(login.otp, str) else (yield _AskCode(login.otp))
            two_factor = _two_factor_request(str(code), challenge)
            response = (yield from self._attempts(two_factor, DEFAULT_OPTIONS, False)).response
            success = parse(response, VERIFY_TWO_FACTOR_CODE.status, LoginSuccess, base_url)
        else:
            success = parse(response, LOG_IN.status, LoginSuccess, base_url)
        try:
            credentials = Credentials(token=success.user_token)
        except ValueError:  # a token that cannot go into a header: named, its value never shown
            credentials = None
        if credentials is None:
            raise UnexpectedResponseError(
                f"{response.request.method} {response.request.url.path}: the login answered a user_token that is not"
                " printable ASCII",
                response=response,
            )
        self._session.auth.credentials = credentials
        self._session.login = login

    def _generic_flow(
        self, method: str, path: str, params: Query | None, json: Any, cast_to: Any, options: Mapping[str, Any]
    ) -> Flow[Sent]:
        """The flow of a request the spec does not describe; its arguments are checked before anything is sent."""
        kwargs = generic_request(method, path, params, json)
        check_cast_to(cast_to)
        checked = options_of(options)
        return self._flow(self._prepared(kwargs, checked), checked)


class CallMeBack(_Client, SyncResources):
    """A client of the Call Me Back API.

    `CallMeBack(token=...)` sends a session token (X-Auth-Token); `CallMeBack(user_id=...,
    api_key=...)` sends HTTP Basic. `CallMeBack.from_env()` reads VOIPSTUDIO_API_TOKEN, or
    VOIPSTUDIO_USER_ID and VOIPSTUDIO_API_KEY; `CallMeBack.login()` logs in with an email
    address and password. The base URL is `base_url`, else VOIPSTUDIO_BASE_URL, else the
    service's. One connection pool serves every request; close the client (or use it as a
    context manager) when done.

    The resources are attributes: `settings`, `buttons`, `websites`, `cdrs`, `visitors` (see
    `help(CallMeBack.settings)`); `get()`, `post()` ... send requests the spec does not describe.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        user_id: int | str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Query | None = None,
        http_client: httpx.Client | None = None,
        allow_insecure_http: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        """`timeout` defaults to an injected `http_client`'s own, else to DEFAULT_TIMEOUT (30 s, 10 s to connect);
        `default_headers` and `default_query` go with every request; an answer whose body is longer than
        `max_response_bytes` once decompressed (DEFAULT_MAX_RESPONSE_BYTES, 64 MiB) raises ResponseTooLargeError."""
        self._configure(
            token=token,
            user_id=user_id,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            allow_insecure_http=allow_insecure_http,
            injected=http_client is not None,
            max_response_bytes=max_response_bytes,
            lock=threading.Lock(),
        )
        self._http = http_client if http_client is not None else httpx.Client()
        self._check_route(self._http, allow_insecure_http)

    @classmethod
    def from_env(cls, *, base_url: str | None = None, **kwargs: Unpack[SyncClientOptions]) -> Self:
        """A client with the credentials of the environment (VOIPSTUDIO_API_TOKEN, or VOIPSTUDIO_USER_ID and
        VOIPSTUDIO_API_KEY) and its base URL (base_url, else VOIPSTUDIO_BASE_URL, else the service's)."""
        return cls._from_env(base_url, kwargs)

    @classmethod
    def login(
        cls,
        email: str,
        password: str,
        *,
        otp: str | Callable[[], str] | None = None,
        base_url: str | None = None,
        **kwargs: Unpack[SyncClientOptions],
    ) -> Self:
        """Log in and return a client with the session token; `otp` answers a two-factor challenge.

        `otp` is the code, or a callable that returns it (called only when the account asks
        for one). When the session expires, the client logs in again once by itself. The
        base URL is `base_url`, else VOIPSTUDIO_BASE_URL, else the service's.
        """
        login = Login(email=email, password=password, otp=otp)
        client = cls(token="pending-login", base_url=base_url, **kwargs)  # noqa: S106 - replaced before any request
        try:
            client._run(client._login_flow(login))
        except BaseException:
            client.close()
            raise
        return client

    def _run(self, flow: Flow[T]) -> T:
        """Carry out a flow's steps, blocking."""
        result: Any = None
        try:
            while True:
                step = flow.send(result)
                result = None
                if type(step) is _Send:
                    try:
                        request = self._http.build_request(
                            step.method,
                            step.url,
                            params=step.params,
                            json=step.json,
                            headers=step.headers,
                            timeout=step.timeout,
                            extensions=step.extensions,
                        )
                        # A redirect would carry X-Auth-Token to whatever host it names. The body is read
                        # here, counted as it is decompressed: at most max_response_bytes of it.
                        result = self._http.send(request, auth=step.auth, follow_redirects=False, stream=True)
                        _base.read_bounded(result, self._config.max_response_bytes)
                    except httpx.RequestError as exc:
                        result = exc  # the flow decides; it raises outside this block, so without this context
                elif type(step) is _Wait:
                    _base.sleep(step.seconds)
                elif type(step) is _Discard:
                    step.response.close()
                elif type(step) is _Renew:
                    session = self._session
                    with session.lock:  # type: ignore[union-attr]
                        if session.auth.credentials is step.used and session.login is not None:
                            self._run(self._login_flow(session.login))
                elif type(step) is _AskCode:
                    result = step.otp()
        except StopIteration as stop:
            value: T = stop.value
            return value

    def _request(self, kwargs: dict[str, Any], options: Options) -> Sent:
        """Send an operation's request (see _resource_base.request) with the call's options."""
        return self._run(self._flow(self._prepared(kwargs, options), options))

    # --- requests the spec does not describe ------------------------------------------------

    @overload
    def get(
        self, path: str, *, cast_to: type[CastTo], params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> CastTo: ...
    @overload
    def get(self, path: str, *, params: Query | None = None, **options: Unpack[RequestOptions]) -> Any: ...
    def get(
        self, path: str, *, cast_to: Any = None, params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> Any:
        """GET `path` (under the base URL) with the client's credentials, retries, session renewal and errors.

        `cast_to` reads the answer: a model of the generated package (checked against its schema),
        `dict` (a JSON object), `httpx.Response` (as it is); left out, the JSON value, or None
        for an empty body. `options` are RequestOptions (timeout, max_retries, extra_headers ...).
        """
        return self._generic("GET", path, params, None, cast_to, options)

    @overload
    def post(
        self,
        path: str,
        *,
        cast_to: type[CastTo],
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> CastTo: ...
    @overload
    def post(
        self, path: str, *, json: Any = None, params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> Any: ...
    def post(
        self,
        path: str,
        *,
        cast_to: Any = None,
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """POST `json` to `path`: see get()."""
        return self._generic("POST", path, params, json, cast_to, options)

    @overload
    def put(
        self,
        path: str,
        *,
        cast_to: type[CastTo],
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> CastTo: ...
    @overload
    def put(
        self, path: str, *, json: Any = None, params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> Any: ...
    def put(
        self,
        path: str,
        *,
        cast_to: Any = None,
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """PUT `json` to `path`: see get()."""
        return self._generic("PUT", path, params, json, cast_to, options)

    @overload
    def patch(
        self,
        path: str,
        *,
        cast_to: type[CastTo],
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> CastTo: ...
    @overload
    def patch(
        self, path: str, *, json: Any = None, params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> Any: ...
    def patch(
        self,
        path: str,
        *,
        cast_to: Any = None,
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """PATCH `path` with `json`: see get()."""
        return self._generic("PATCH", path, params, json, cast_to, options)

    @overload
    def delete(
        self, path: str, *, cast_to: type[CastTo], params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> CastTo: ...
    @overload
    def delete(self, path: str, *, params: Query | None = None, **options: Unpack[RequestOptions]) -> Any: ...
    def delete(
        self, path: str, *, cast_to: Any = None, params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> Any:
        """DELETE `path`: see get()."""
        return self._generic("DELETE", path, params, None, cast_to, options)

    def _generic(
        self, method: str, path: str, params: Query | None, json: Any, cast_to: Any, options: Mapping[str, Any]
    ) -> Any:
        sent = self._run(self._generic_flow(method, path, params, json, cast_to, options))
        return read_as(sent.response, cast_to, self._config.base_url)

    def close(self) -> None:
        """Close the connection pool (not an http_client you passed in, nor the pool of the client a
        with_options() copy came from)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class AsyncCallMeBack(_Client, AsyncResources):
    """The asyncio form of CallMeBack: the same constructor, `async with`, `await`, `async for`."""

    def __init__(
        self,
        *,
        token: str | None = None,
        user_id: int | str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Query | None = None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        """The arguments of CallMeBack; `http_client` is an httpx.AsyncClient."""
        self._configure(
            token=token,
            user_id=user_id,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            allow_insecure_http=allow_insecure_http,
            injected=http_client is not None,
            max_response_bytes=max_response_bytes,
            lock=asyncio.Lock(),
        )
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        self._check_route(self._http, allow_insecure_http)

    @classmethod
    def from_env(cls, *, base_url: str | None = None, **kwargs: Unpack[AsyncClientOptions]) -> Self:
        """A client with the credentials and base URL of the environment: see CallMeBack.from_env()."""
        return cls._from_env(base_url, kwargs)

    @classmethod
    async def login(
        cls,
        email: str,
        password: str,
        *,
        otp: OTP | None = None,
        base_url: str | None = None,
        **kwargs: Unpack[AsyncClientOptions],
    ) -> Self:
        """Log in and return a client with the session token; `otp` may also be an async callable."""
        login = Login(email=email, password=password, otp=otp)  # type: ignore[arg-type]
        client = cls(token="pending-login", base_url=base_url, **kwargs)  # noqa: S106 - replaced before any request
        try:
            await client._run(client._login_flow(login))
        except BaseException:
            await client.close()
            raise
        return client

    async def _run(self, flow: Flow[T]) -> T:
        """Carry out a flow's steps, with await."""
        result: Any = None
        try:
            while True:
                step = flow.send(result)
                result = None
                if type(step) is _Send:
                    try:
                        request = self._http.build_request(
                            step.method,
                            step.url,
                            params=step.params,
                            json=step.json,
                            headers=step.headers,
                            timeout=step.timeout,
                            extensions=step.extensions,
                        )
                        # A redirect would carry X-Auth-Token to whatever host it names. The body is read
                        # here, counted as it is decompressed: at most max_response_bytes of it.
                        result = await self._http.send(request, auth=step.auth, follow_redirects=False, stream=True)
                        await _base.aread_bounded(result, self._config.max_response_bytes)
                    except httpx.RequestError as exc:
                        result = exc  # the flow decides; it raises outside this block, so without this context
                elif type(step) is _Wait:
                    await _base.asleep(step.seconds)
                elif type(step) is _Discard:
                    await step.response.aclose()
                elif type(step) is _Renew:
                    session = self._session
                    async with session.lock:  # type: ignore[union-attr]
                        if session.auth.credentials is step.used and session.login is not None:
                            await self._run(self._login_flow(session.login))
                elif type(step) is _AskCode:
                    result = step.otp()
                    if inspect.isawaitable(result):
                        result = await result
        except StopIteration as stop:
            value: T = stop.value
            return value

    async def _request(self, kwargs: dict[str, Any], options: Options) -> Sent:
        """Send an operation's request (see _resource_base.request) with the call's options."""
        return await self._run(self._flow(self._prepared(kwargs, options), options))

    # --- requests the spec does not describe ------------------------------------------------

    @overload
    async def get(
        self, path: str, *, cast_to: type[CastTo], params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> CastTo: ...
    @overload
    async def get(self, path: str, *, params: Query | None = None, **options: Unpack[RequestOptions]) -> Any: ...
    async def get(
        self, path: str, *, cast_to: Any = None, params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> Any:
        """GET `path`: see CallMeBack.get()."""
        return await self._generic("GET", path, params, None, cast_to, options)

    @overload
    async def post(
        self,
        path: str,
        *,
        cast_to: type[CastTo],
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> CastTo: ...
    @overload
    async def post(
        self, path: str, *, json: Any = None, params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> Any: ...
    async def post(
        self,
        path: str,
        *,
        cast_to: Any = None,
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """POST `json` to `path`: see CallMeBack.get()."""
        return await self._generic("POST", path, params, json, cast_to, options)

    @overload
    async def put(
        self,
        path: str,
        *,
        cast_to: type[CastTo],
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> CastTo: ...
    @overload
    async def put(
        self, path: str, *, json: Any = None, params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> Any: ...
    async def put(
        self,
        path: str,
        *,
        cast_to: Any = None,
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """PUT `json` to `path`: see CallMeBack.get()."""
        return await self._generic("PUT", path, params, json, cast_to, options)

    @overload
    async def patch(
        self,
        path: str,
        *,
        cast_to: type[CastTo],
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> CastTo: ...
    @overload
    async def patch(
        self, path: str, *, json: Any = None, params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> Any: ...
    async def patch(
        self,
        path: str,
        *,
        cast_to: Any = None,
        json: Any = None,
        params: Query | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """PATCH `path` with `json`: see CallMeBack.get()."""
        return await self._generic("PATCH", path, params, json, cast_to, options)

    @overload
    async def delete(
        self, path: str, *, cast_to: type[CastTo], params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> CastTo: ...
    @overload
    async def delete(self, path: str, *, params: Query | None = None, **options: Unpack[RequestOptions]) -> Any: ...
    async def delete(
        self, path: str, *, cast_to: Any = None, params: Query | None = None, **options: Unpack[RequestOptions]
    ) -> Any:
        """DELETE `path`: see CallMeBack.get()."""
        return await self._generic("DELETE", path, params, None, cast_to, options)

    async def _generic(
        self, method: str, path: str, params: Query | None, json: Any, cast_to: Any, options: Mapping[str, Any]
    ) -> Any:
        sent = await self._run(self._generic_flow(method, path, params, json, cast_to, options))
        return read_as(sent.response, cast_to, self._config.base_url)

    async def close(self) -> None:
        """Close the connection pool (not an http_client you passed in, nor a with_options() original's)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()


__all__ = ["AsyncCallMeBack", "CallMeBack", "RequestOptions"]
