"""What the sync and async clients share: configuration, retry policy, response handling, logging."""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import msgspec
from httpx_retries import Retry
from voipstudio_callmeback_client.decoders import DECODERS

from ._auth import Credentials, check_transport_security
from ._exceptions import APIConnectionError, APITimeoutError, UnexpectedResponseError, status_error

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT"]

DEFAULT_BASE_URL = "https://l7api.com/v1.1/voipstudio"
# A request may take 30 s in all (the service's largest pages, 5,000 CDRs, come in well
# under that); connecting may take 10 s.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
RETRY_STATUSES = (408, 429, 502, 503, 504)
# Bodies from this size on are parsed with the garbage collector paused (see parse()): about
# a hundred call records, the size from which a parse makes enough objects to set it off.
PAUSE_GC_BYTES = 64 * 1024
RETRY_METHODS = ("GET", "PATCH", "DELETE")
# httpx-retries waits factor * 2**n before retry n (n from 1): at most 0.5 s, 1 s, 2 s ...,
# each with full jitter.
BACKOFF_FACTOR = 0.25
MAX_RETRY_WAIT = 60.0  # also caps Retry-After
# Errors after which a request cannot have reached the service, so even POST is retried.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

logger = logging.getLogger("voipstudio_callmeback")

T = TypeVar("T")


def setup_logging() -> None:
    """VOIPSTUDIO_LOG=debug prints one line per request to stderr."""
    if os.environ.get("VOIPSTUDIO_LOG", "").lower() == "debug" and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)


def retry_policy(max_retries: int) -> Retry:
    """The policy for one request: which answers are retried and how long to wait (httpx-retries)."""
    if max_retries < 0:
        raise ValueError("max_retries must be 0 or more")
    return Retry(
        total=max_retries,
        allowed_methods=RETRY_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=BACKOFF_FACTOR,
        backoff_jitter=1.0,
        max_backoff_wait=MAX_RETRY_WAIT,
        respect_retry_after_header=True,
    )


def may_retry_error(retry: Retry, method: str, error: Exception) -> bool:
    if retry.is_exhausted():
        return False
    if isinstance(error, NOT_SENT):
        return True
    return retry.is_retryable_method(method) and isinstance(error, MAYBE_SENT)


def may_retry_response(retry: Retry, method: str, response: httpx.Response) -> bool:
    return (
        not retry.is_exhausted()
        and retry.is_retryable_method(method)
        and retry.is_retryable_status_code(response.status_code)
    )


def connection_error(error: Exception, method: str, url: str) -> APIConnectionError:
    """The error for a request that got no usable answer. It does not chain the httpx error, whose
    request (headers included) would otherwise travel with it, and names only its kind for errors
    whose text may quote what was sent."""
    kind = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
    quotes_request = isinstance(error, httpx.LocalProtocolError | httpx.UnsupportedProtocol)
    reason = type(error).__name__ if quotes_request else (str(error) or type(error).__name__)
    target = httpx.URL(url)
    port = target.port or {"http": 80, "https": 443}.get(target.scheme)
    # The host and port say where it was trying to go (URLs of this API carry no credentials).
    failure = kind(f"{method} {target.host}:{port}{target.path}: {reason}", method=method, url=url)
    failure.__suppress_context__ = True
    return failure


def log_request(method: str, url: str, outcome: str, started: float, retries: int) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        elapsed = (time.monotonic() - started) * 1000
        logger.debug("%s %s %s %.1fms retries=%d", method, httpx.URL(url).path, outcome, elapsed, retries)


def _check_status(response: httpx.Response, expected_status: int) -> None:
    if response.status_code == expected_status:
        return
    if response.is_success:
        raise UnexpectedResponseError(
            f"{response.request.method} {response.request.url.path}: expected {expected_status}, "
            f"got {response.status_code}",
            response=response,
        )
    raise status_error(response)


def parse_empty(response: httpx.Response, expected_status: int) -> None:
    """Nothing, for the expected status (204); a typed error for anything else."""
    _check_status(response, expected_status)


_decode_json = msgspec.json.Decoder().decode


def decode_json(response: httpx.Response) -> Any:
    """The body's JSON value.

    msgspec's decoder reads a 5,000-row page in about 60% of the standard library's
    time (scripts/bench). What it refuses (a body not in UTF-8, NaN, a number
    beyond a double) goes to the standard library's, as before, so that nothing that
    parsed with httpx's `Response.json()` stops parsing.
    """
    try:
        return _decode_json(response.content)
    except msgspec.DecodeError:
        return response.json()


def pause_collection(size: int) -> bool:
    """Pause the garbage collector before a body of `size` bytes becomes objects, if it is large
    (PAUSE_GC_BYTES) and the collector is on; whether it did, for resume_collection().

    Running, the collector would pass over everything the parse has made so far every 700 new
    objects, and find nothing to free: a third of the time of a 5,000-row page (scripts/bench).
    It is process-wide, so other threads go without it for the few milliseconds of the parse;
    it is switched back on only if it was on (Mercurial's `util.nogc` does the same around its
    large parses).
    """
    if size < PAUSE_GC_BYTES or not gc.isenabled():
        return False
    gc.disable()
    return True


def resume_collection(paused: bool) -> None:
    """Undo pause_collection(). The pass over the new objects that the pause put off comes with the next
    allocation, as the collector chooses it: forcing a young one here (gc.collect(0)) starves its older
    generations, where the cycles httpx leaves behind each request wait, and an export's memory grew by
    the size of a page every page."""
    if paused:
        gc.enable()


def _read(response: httpx.Response, content: bytes, model: type[T]) -> T:
    """The model of the body: by the model's decoder when it has one and the body is exactly what the
    spec declares, else (members the spec does not declare, other types, not quite JSON) by from_dict."""
    decode = DECODERS.get(model)
    if decode is not None:
        try:
            decoded: T = decode(content)
            return decoded
        except msgspec.MsgspecError:
            pass
    try:
        parsed: T = model.from_dict(decode_json(response))  # type: ignore[attr-defined]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UnexpectedResponseError(
            f"{_where(response)}: the body does not match the spec ({type(exc).__name__}: {exc})",
            response=response,
        ) from None
    return parsed


def parse(response: httpx.Response, expected_status: int, model: type[T]) -> T:
    """The model of a successful answer; a typed error for anything else."""
    _check_status(response, expected_status)
    content_type = _content_type(response)
    if not content_type.startswith("application/json"):
        found = content_type or "no content type"
        raise UnexpectedResponseError(f"{_where(response)}: expected JSON, got {found}", response=response)
    content = response.content
    paused = pause_collection(len(content))
    try:
        parsed: Any = _read(response, content, model)
    finally:
        resume_collection(paused)
    # The generated models check presence, not types; paging relies on these two.
    if hasattr(parsed, "total"):
        total = parsed.total
        if type(total) is not int or not isinstance(parsed.data, list):
            raise UnexpectedResponseError(
                f"{_where(response)}: a page needs a list in data and an integer total", response=response
            )
    model_of_body: T = parsed
    return model_of_body


def _content_type(response: httpx.Response) -> str:
    """The Content-Type header ("" when there is none): what Headers.get() gives, read in a third of its time
    (it works out the headers' encoding on every call), which counts on every answer parsed."""
    for name, value in response.headers.raw:
        if len(name) == 12 and name.lower() == b"content-type":
            return value.decode("latin-1")
    return ""


def _where(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.path}"


@dataclass
class Login:
    """What a client made by login() needs to log in again when its session expires."""

    email: str
    password: str
    otp: str | Callable[[], str] | None

    def __repr__(self) -> str:
        return f"Login(email={self.email!r})"


class ClientConfig:
    """Configuration shared by the sync and async clients."""

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        allow_insecure_http: bool,
    ) -> None:
        self.base_url = str(check_transport_security(base_url, allow_insecure_http=allow_insecure_http)).rstrip("/")
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) or timeout is None else httpx.Timeout(timeout)
        self.max_retries = max_retries
        # Every request starts from this policy; httpx-retries' Retry.increment() returns a new one,
        # so it is shared, not rebuilt per request (it costs more than a request's other bookkeeping).
        self.retry = retry_policy(max_retries)  # also validates max_retries now rather than at the first request


def credentials_from_env() -> Credentials | None:
    """VOIPSTUDIO_API_TOKEN, or VOIPSTUDIO_USER_ID and VOIPSTUDIO_API_KEY; None when neither is set.

    Values a header cannot carry raise ValueError, as they do when passed to a client.
    """
    token = os.environ.get("VOIPSTUDIO_API_TOKEN")
    user_id = os.environ.get("VOIPSTUDIO_USER_ID")
    api_key = os.environ.get("VOIPSTUDIO_API_KEY")
    if token:
        return Credentials(token=token)
    if user_id and api_key:
        return Credentials(user_id=user_id, api_key=api_key)
    return None


def env_credentials() -> tuple[Credentials, str]:
    """Credentials and base URL from VOIPSTUDIO_API_TOKEN, or VOIPSTUDIO_USER_ID and VOIPSTUDIO_API_KEY."""
    credentials = credentials_from_env()
    if credentials is None:
        raise ValueError("set VOIPSTUDIO_API_TOKEN, or VOIPSTUDIO_USER_ID and VOIPSTUDIO_API_KEY")
    return credentials, os.environ.get("VOIPSTUDIO_BASE_URL", DEFAULT_BASE_URL)
