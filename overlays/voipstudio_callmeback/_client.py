"""The clients: CallMeBack (sync) and AsyncCallMeBack."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from voipstudio_callmeback_client.models import LoginSuccess, TwoFactorChallenge
from voipstudio_callmeback_client.operations import OPERATIONS, Operation

from ._auth import CredentialAuth, Credentials
from ._base import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ClientConfig,
    Login,
    connection_error,
    env_credentials,
    log_request,
    may_retry_error,
    may_retry_response,
    parse,
    parse_empty,
    setup_logging,
)
from ._exceptions import AuthenticationError
from ._resource_base import request
from ._resources import AsyncResources, SyncResources

T = TypeVar("T")
OTP = str | Callable[[], str] | Callable[[], Awaitable[str]]

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


class _Client:
    """What both clients share: credentials, configuration, repr, from_env."""

    _config: ClientConfig
    _auth: CredentialAuth

    def _configure(
        self,
        *,
        token: str | None,
        user_id: int | str | None,
        api_key: str | None,
        base_url: str,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        allow_insecure_http: bool,
    ) -> None:
        setup_logging()
        credentials = Credentials(token=token, user_id=None if user_id is None else str(user_id), api_key=api_key)
        self._config = ClientConfig(
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
        )
        self._auth = CredentialAuth(credentials)
        self._login: Login | None = None

    def __repr__(self) -> str:
        config, auth = getattr(self, "_config", None), getattr(self, "_auth", None)
        if config is None or auth is None:  # the constructor refused its arguments
            return f"{type(self).__name__}(<not configured>)"
        return f"{type(self).__name__}(base_url={config.base_url!r}, credentials={auth.credentials})"

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def session_token(self) -> str | None:
        """The session token the client sends (one made by `login()`, or passed as `token=`); None with an API key.

        It is a credential: keep it as you would a password (the command line stores it in a 0600 file).
        """
        return self._auth.credentials.token

    @classmethod
    def from_env(cls, **kwargs: Any) -> Self:
        """A client with the credentials and base URL of the environment (see the class docstring)."""
        credentials, base_url = env_credentials()
        kwargs.setdefault("base_url", base_url)
        make: Callable[..., Self] = cls  # each subclass takes the credentials as keywords
        return make(token=credentials.token, user_id=credentials.user_id, api_key=credentials.api_key, **kwargs)


class CallMeBack(_Client, SyncResources):
    """A client of the Call Me Back API.

    `CallMeBack(token=...)` sends a session token (X-Auth-Token); `CallMeBack(user_id=...,
    api_key=...)` sends HTTP Basic. `CallMeBack.from_env()` reads VOIPSTUDIO_API_TOKEN, or
    VOIPSTUDIO_USER_ID and VOIPSTUDIO_API_KEY, and VOIPSTUDIO_BASE_URL; `CallMeBack.login()`
    logs in with an email address and password. One connection pool serves every request;
    close the client (or use it as a context manager) when done.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        user_id: int | str | None = None,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        self._configure(
            token=token,
            user_id=user_id,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
        )
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client()
        self._relogin = threading.Lock()
        self._attach_resources(self)

    @classmethod
    def login(
        cls,
        email: str,
        password: str,
        *,
        otp: str | Callable[[], str] | None = None,
        base_url: str = DEFAULT_BASE_URL,
        **kwargs: Any,
    ) -> Self:
        """Log in and return a client with the session token; `otp` answers a two-factor challenge.

        `otp` is the code, or a callable that returns it (called only when the account asks
        for one). When the session expires, the client logs in again once by itself.
        """
        login = Login(email=email, password=password, otp=otp)
        client = cls(token="pending-login", base_url=base_url, **kwargs)  # noqa: S106 - replaced before any request
        try:
            client._log_in(login)
        except BaseException:
            client.close()
            raise
        return client

    def _log_in(self, login: Login) -> None:
        """Exchange the login for a session token and send it from now on."""
        response = self._send(_login_request(login), authenticated=False)
        if response.status_code == TWO_FACTOR_STATUS:
            challenge = parse(response, TWO_FACTOR_STATUS, TwoFactorChallenge)
            if login.otp is None:
                raise _two_factor_required(response)
            code = login.otp() if callable(login.otp) else login.otp
            response = self._send(_two_factor_request(str(code), challenge), authenticated=False)
            success = parse(response, VERIFY_TWO_FACTOR_CODE.status, LoginSuccess)
        else:
            success = parse(response, LOG_IN.status, LoginSuccess)
        self._auth.credentials = Credentials(token=success.user_token)
        self._login = login

    def _send(self, kwargs: dict[str, Any], *, authenticated: bool = True) -> httpx.Response:
        method = str(kwargs["method"]).upper()
        url = self._config.base_url + kwargs["url"]
        retry = self._config.retry
        started = time.monotonic()
        while True:
            try:
                response = self._http.request(
                    method,
                    url,
                    params=kwargs.get("params"),
                    json=kwargs.get("json"),
                    headers=kwargs.get("headers"),
                    auth=self._auth if authenticated else None,
                    timeout=self._config.timeout,
                    # A redirect would carry X-Auth-Token to whatever host it names.
                    follow_redirects=False,
                )
            except httpx.RequestError as exc:
                if may_retry_error(retry, method, exc):
                    retry = retry.increment()
                    retry.sleep(exc)
                    continue
                log_request(method, url, type(exc).__name__, started, retry.attempts_made)
                raise connection_error(exc, method, url) from None
            if may_retry_response(retry, method, response):
                response.close()
                retry = retry.increment()
                retry.sleep(response)
                continue
            log_request(method, url, str(response.status_code), started, retry.attempts_made)
            return response

    def _call(self, operation: Operation, request: dict[str, Any]) -> Any:
        """Send an operation's request (see _resource_base.request) and parse its answer as the table says."""
        response = self._answer(request)
        if operation.response is None:
            parse_empty(response, operation.status)
            return None
        return parse(response, operation.status, operation.response)

    def _answer(self, kwargs: dict[str, Any]) -> httpx.Response:
        used = self._auth.credentials
        response = self._send(kwargs)
        if response.status_code == 401 and self._login is not None:
            # The session expired: log in once more (once for all threads) and repeat the request.
            with self._relogin:
                if self._auth.credentials is used:
                    self._log_in(self._login)
            response = self._send(kwargs)
        return response

    def close(self) -> None:
        """Close the connection pool (not an http_client you passed in)."""
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
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        self._configure(
            token=token,
            user_id=user_id,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
        )
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        self._relogin = asyncio.Lock()
        self._attach_resources(self)

    @classmethod
    async def login(
        cls,
        email: str,
        password: str,
        *,
        otp: OTP | None = None,
        base_url: str = DEFAULT_BASE_URL,
        **kwargs: Any,
    ) -> Self:
        """Log in and return a client with the session token; `otp` may also be an async callable."""
        login = Login(email=email, password=password, otp=otp)  # type: ignore[arg-type]
        client = cls(token="pending-login", base_url=base_url, **kwargs)  # noqa: S106 - replaced before any request
        try:
            await client._log_in(login)
        except BaseException:
            await client.close()
            raise
        return client

    async def _log_in(self, login: Login) -> None:
        response = await self._send(_login_request(login), authenticated=False)
        if response.status_code == TWO_FACTOR_STATUS:
            challenge = parse(response, TWO_FACTOR_STATUS, TwoFactorChallenge)
            if login.otp is None:
                raise _two_factor_required(response)
            code: Any = login.otp() if callable(login.otp) else login.otp
            if inspect.isawaitable(code):
                code = await code
            response = await self._send(_two_factor_request(str(code), challenge), authenticated=False)
            success = parse(response, VERIFY_TWO_FACTOR_CODE.status, LoginSuccess)
        else:
            success = parse(response, LOG_IN.status, LoginSuccess)
        self._auth.credentials = Credentials(token=success.user_token)
        self._login = login

    async def _send(self, kwargs: dict[str, Any], *, authenticated: bool = True) -> httpx.Response:
        method = str(kwargs["method"]).upper()
        url = self._config.base_url + kwargs["url"]
        retry = self._config.retry
        started = time.monotonic()
        while True:
            try:
                response = await self._http.request(
                    method,
                    url,
                    params=kwargs.get("params"),
                    json=kwargs.get("json"),
                    headers=kwargs.get("headers"),
                    auth=self._auth if authenticated else None,
                    timeout=self._config.timeout,
                    # A redirect would carry X-Auth-Token to whatever host it names.
                    follow_redirects=False,
                )
            except httpx.RequestError as exc:
                if may_retry_error(retry, method, exc):
                    retry = retry.increment()
                    await retry.asleep(exc)
                    continue
                log_request(method, url, type(exc).__name__, started, retry.attempts_made)
                raise connection_error(exc, method, url) from None
            if may_retry_response(retry, method, response):
                await response.aclose()
                retry = retry.increment()
                await retry.asleep(response)
                continue
            log_request(method, url, str(response.status_code), started, retry.attempts_made)
            return response

    async def _call(self, operation: Operation, request: dict[str, Any]) -> Any:
        """Send an operation's request (see _resource_base.request) and parse its answer as the table says."""
        response = await self._answer(request)
        if operation.response is None:
            parse_empty(response, operation.status)
            return None
        return parse(response, operation.status, operation.response)

    async def _answer(self, kwargs: dict[str, Any]) -> httpx.Response:
        used = self._auth.credentials
        response = await self._send(kwargs)
        if response.status_code == 401 and self._login is not None:
            async with self._relogin:
                if self._auth.credentials is used:
                    await self._log_in(self._login)
            response = await self._send(kwargs)
        return response

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()
