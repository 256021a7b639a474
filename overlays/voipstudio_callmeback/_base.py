"""What the sync and async clients share: configuration, retry policy, response handling, logging."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import email.utils
import gc
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import msgspec
from httpx_retries import Retry
from voipstudio_callmeback_client.decoders import DECODERS

from ._auth import Credentials, check_transport_security
from ._checks import problem
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    ResponseTooLargeError,
    UnexpectedResponseError,
    status_error,
)
from ._json import loads
from ._types import (
    NOT_GIVEN,
    NotGiven,
    Timeout,
    check_headers,
    check_mapping,
    check_max_retries,
    check_timeout,
    merged_headers,
)

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT"]

DEFAULT_BASE_URL = "https://l7api.com/v1.1/voipstudio"
BASE_URL_VARIABLE = "VOIPSTUDIO_BASE_URL"
# A request may take 30 s in all (the service's largest pages, 5,000 CDRs, come in well
# under that); connecting may take 10 s.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
RETRY_STATUSES = (408, 429, 502, 503, 504)
# A 429 says the request was refused, not acted on: repeating it cannot do anything twice, so
# it is retried whatever the method (a POST too), as openai-python and stripe-python do.
NOT_ACTED_ON_STATUSES = (429,)
# Bodies from this size on are parsed with the garbage collector paused (see parse()): about
# a hundred call records, the size from which a parse makes enough objects to set it off.
PAUSE_GC_BYTES = 64 * 1024
RETRY_METHODS = ("GET", "PUT", "PATCH", "DELETE")
# httpx-retries waits factor * 2**n before retry n (n from 1): at most 0.5 s, 1 s, 2 s ...,
# each with full jitter.
BACKOFF_FACTOR = 0.25
# The longest wait before a retry. An answer whose Retry-After asks for longer (a login locked for 15
# minutes) is not retried: the error is raised at once, its headers saying when to come back.
MAX_RETRY_WAIT = 60.0
# Errors after which a request cannot have reached the service, so even POST is retried.
# The largest answer body the client reads, counted after decompression (max_response_bytes= changes it):
# 64 MiB holds the largest page the spec allows (`limit` at most 5000 items, tests/overlay/test_response_size.py
# reads it) at 13 KiB an item, ten times the largest item the sandbox or the reference page shows, and
# stops a compressed "bomb" (305 KB of gzip that inflates to 650 MiB) long before it fills the memory.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# A compressed body is fed to its decoder this many bytes at a time, so that one step inflates to at most
# about 1 MiB (deflate's largest ratio is 1032:1) and the limit is checked before the next step.
DECODE_STEP = 1024

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
# Retry-After as seconds: RFC 9110 writes whole seconds; fractions are taken too (a test can ask for 0.01 s).
_SECONDS = re.compile(r"^[0-9]{1,10}(\.[0-9]{1,9})?$")

logger = logging.getLogger("voipstudio_callmeback")
# A library's logger prints nothing unless the application configures logging (or VOIPSTUDIO_LOG asks):
# without this, Python's last-resort handler would print its warnings on standard error.
logger.addHandler(logging.NullHandler())

T = TypeVar("T")


class _FallbackHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """VOIPSTUDIO_LOG's handler: standard error, but only while no logger above ours has a handler, so
    that an application that configures logging (logging.basicConfig ...) gets each line once, by its
    own handlers, as Python's last-resort handler behaves."""

    def handle(self, record: logging.LogRecord) -> bool:
        parent = logger.parent if logger.propagate else None
        while parent is not None:
            if parent.handlers:
                return False
            parent = parent.parent if parent.propagate else None
        return super().handle(record)


def setup_logging() -> None:
    """VOIPSTUDIO_LOG=debug prints one line per request to stderr (and =warning only the retries and re-logins)."""
    level = os.environ.get("VOIPSTUDIO_LOG", "").upper()
    if level not in ("DEBUG", "INFO", "WARNING"):
        return
    if not any(isinstance(handler, _FallbackHandler) for handler in logger.handlers):
        handler = _FallbackHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)


def retry_policy(max_retries: int) -> Retry:
    """The policy for one request: which answers are retried and how long to wait (httpx-retries)."""
    check_max_retries(max_retries)
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
    if retry.is_exhausted() or not retry.is_retryable_status_code(response.status_code):
        return False
    asked = retry_after(response.headers)
    if asked is not None and asked > MAX_RETRY_WAIT:  # waiting less would only be refused again
        return False
    return retry.is_retryable_method(method) or response.status_code in NOT_ACTED_ON_STATUSES


def retry_after(headers: httpx.Headers) -> float | None:
    """The wait a Retry-After header asks for, in seconds (0 and fractions too); None when there is none or
    it is neither a number of seconds nor an HTTP date."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if _SECONDS.match(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max((when - datetime.datetime.now(datetime.UTC)).total_seconds(), 0.0)


def retry_wait(retry: Retry, outcome: httpx.Response | Exception) -> float:
    """How long to wait before the next attempt (retry has counted it): what the answer's Retry-After asks
    (never more than MAX_RETRY_WAIT: may_retry_response retries no answer that asks for more), else
    httpx-retries' jittered exponential backoff."""
    if isinstance(outcome, httpx.Response):
        asked = retry_after(outcome.headers)
        if asked is not None:
            return min(asked, MAX_RETRY_WAIT)
    return retry.backoff_strategy()


# The lists record_waits() blocks record in, innermost last; while there is one, nothing is slept.
_recorders: list[list[float]] = []


@contextlib.contextmanager
def record_waits() -> Iterator[list[float]]:
    """For tests: while the block runs, every client of the process records the waits it would make between
    attempts (backoff, Retry-After) in the list this yields, in seconds, instead of sleeping them.

        with record_waits() as waits:
            cmb.settings.get(7)   # a 429 with Retry-After: 3, then a 200
        assert waits == [3.0]
    """
    waits: list[float] = []
    _recorders.append(waits)
    try:
        yield waits
    finally:  # by identity: another block's list may be equal to this one
        del _recorders[next(index for index, found in enumerate(_recorders) if found is waits)]


def sleep(seconds: float) -> None:
    """The clients' wait between attempts (one place, for tests that count the waits instead)."""
    if _recorders:
        _recorders[-1].append(seconds)
        return
    time.sleep(seconds)


async def asleep(seconds: float) -> None:
    if _recorders:
        _recorders[-1].append(seconds)
        await asyncio.sleep(0)  # still a point where other tasks run, as a wait would be
        return
    await asyncio.sleep(seconds)


def check_max_response_bytes(value: object) -> None:
    if type(value) is not int:
        raise TypeError(f"max_response_bytes must be a whole number, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"max_response_bytes must be 1 or more, not {value}")


def _port(url: httpx.URL) -> int | None:
    """The port a URL reaches, its scheme's default included."""
    return url.port or {"http": 80, "https": 443}.get(url.scheme)


def _too_large(response: httpx.Response, limit: int) -> ResponseTooLargeError:
    url = response.request.url
    where = f"{url.scheme}://{url.host}:{_port(url)}{url.path}"  # no query or userinfo: what connection_error names
    return ResponseTooLargeError(method=response.request.method, url=where, limit=limit)


def _fits(response: httpx.Response, limit: int) -> bool | None:
    """Whether the answer is known to fit without reading it: True for a body held already or an uncompressed
    one whose Content-Length is within the limit (h11 reads no more than that), None when it must be counted."""
    if "_content" in response.__dict__:  # a body given whole (a mock transport's): already in memory
        return len(response._content) <= limit
    if response.status_code in (204, 304) or response.request.method == "HEAD":
        return True  # no body, whatever Content-Length says (RFC 9110 6.4.1)
    headers = response.headers
    if "content-encoding" in headers:
        return None
    length = headers.get("content-length")
    return True if length is not None and length.isdigit() and int(length) <= limit else None


class _Bounded:
    """An answer's body decoded in DECODE_STEP pieces of what arrives, refused once more than `limit` bytes
    have come out: what read_bounded and aread_bounded share."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self.response = response
        self.limit = limit
        self.decoder = response._get_content_decoder()
        self.chunks: list[bytes] = []
        self.total = 0

    def _keep(self, part: bytes) -> None:
        self.total += len(part)
        if self.total > self.limit:
            raise _too_large(self.response, self.limit)
        self.chunks.append(part)

    def feed(self, raw: bytes) -> None:
        for start in range(0, len(raw), DECODE_STEP):
            self._keep(self.decoder.decode(raw[start : start + DECODE_STEP]))

    def finish(self) -> None:
        self._keep(self.decoder.flush())
        self.response._content = b"".join(self.chunks)


def read_bounded(response: httpx.Response, limit: int) -> None:
    """Read a streamed answer's body into response.content, stopping with ResponseTooLargeError (and the
    response closed) once more than `limit` bytes have been decoded."""
    fits = _fits(response, limit)
    try:
        if fits is True:
            response.read()
            return
        if fits is False:
            raise _too_large(response, limit)
        body = _Bounded(response, limit)
        for raw in response.iter_raw():
            body.feed(raw)
        body.finish()
    except BaseException:
        response.close()
        raise


async def aread_bounded(response: httpx.Response, limit: int) -> None:
    """read_bounded for an async client's answer."""
    fits = _fits(response, limit)
    try:
        if fits is True:
            await response.aread()
            return
        if fits is False:
            raise _too_large(response, limit)
        body = _Bounded(response, limit)
        async for raw in response.aiter_raw():
            body.feed(raw)
        body.finish()
    except BaseException:
        await response.aclose()
        raise


def connection_error(error: Exception, method: str, url: str) -> APIConnectionError:
    """The error for a request that got no usable answer. It keeps nothing of the httpx error, whose
    request (headers included) would otherwise travel with it, and names only its kind for errors
    whose text may quote what was sent. Raise it outside the `except` block that caught the httpx
    error, so that it is not its __context__ either."""
    kind = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
    quotes_request = isinstance(error, httpx.LocalProtocolError | httpx.UnsupportedProtocol)
    reason = type(error).__name__ if quotes_request else (str(error) or type(error).__name__)
    target = httpx.URL(url)
    # The host and port say where it was trying to go (URLs of this API carry no credentials).
    return kind(f"{method} {target.host}:{_port(target)}{target.path}: {reason}", method=method, url=url)


def log_retry(method: str, url: str, outcome: httpx.Response | Exception, wait: float, retry: Retry) -> None:
    """One WARNING line per wait before a retry: what failed, how long the client waits, which retry comes."""
    if logger.isEnabledFor(logging.WARNING):
        what = str(outcome.status_code) if isinstance(outcome, httpx.Response) else type(outcome).__name__
        logger.warning(
            "%s %s: %s; retrying in %.2fs (retry %d of %d)",
            method,
            httpx.URL(url).path,
            what,
            wait,
            retry.attempts_made,
            retry.total,
        )


def log_request(method: str, url: str, outcome: str, started: float, retries: int) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        elapsed = (time.monotonic() - started) * 1000
        logger.debug("%s %s %s %.1fms retries=%d", method, httpx.URL(url).path, outcome, elapsed, retries)


def check_status(
    response: httpx.Response, expected_status: int, base_url: str | None = None, *, collection: bool = False
) -> None:
    """Nothing for the expected status; UnexpectedResponseError for another success, else the typed error
    (an answer not from the API itself, or a 404 of a `collection`, names `base_url`: see status_error)."""
    if response.status_code == expected_status:
        return
    if response.is_success:
        raise UnexpectedResponseError(
            f"{response.request.method} {response.request.url.path}: expected {expected_status}, "
            f"got {response.status_code}",
            response=response,
        )
    raise status_error(response, base_url, collection=collection)


def parse_empty(
    response: httpx.Response, expected_status: int, base_url: str | None = None, *, collection: bool = False
) -> None:
    """Nothing, for the expected status (204); a typed error for anything else."""
    check_status(response, expected_status, base_url, collection=collection)


def decode_json(response: httpx.Response) -> Any:
    """The body's JSON value (_json.loads); ValueError when it is not JSON."""
    return loads(response.content)


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
    spec declares, else (members the spec does not declare, other types, not quite JSON) checked against
    the model's schema (_checks.py) and read by from_dict. Errors are raised outside the `except` blocks,
    so that they hold nothing of the body (their __context__ is not the decoder's error)."""
    decode = DECODERS.get(model)
    if decode is not None:
        try:
            decoded: T = decode(content)
            return decoded
        except (msgspec.MsgspecError, RecursionError):  # too deep: loads() says so below
            pass
    failure: str
    try:
        value = decode_json(response)
    except ValueError:
        failure = "the body is not JSON"
    else:
        found = problem(model, value)
        if found is None:
            try:
                parsed: T = model.from_dict(value)  # type: ignore[attr-defined]
                return parsed
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                failure = f"the body does not match the spec ({type(exc).__name__}: {exc})"
        else:
            failure = f"the body does not match the spec: {found}"
    raise UnexpectedResponseError(f"{_where(response)}: {failure}", response=response)


def parse(
    response: httpx.Response,
    expected_status: int,
    model: type[T],
    base_url: str | None = None,
    *,
    collection: bool = False,
) -> T:
    """The model of a successful answer; a typed error for anything else."""
    check_status(response, expected_status, base_url, collection=collection)
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
    # Paging relies on these two (the schema check has seen them when the decoder did not).
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

    def __post_init__(self) -> None:
        # checked before the password is sent; a code as an int would lose its leading zeros
        otp: object = self.otp  # the annotation is a promise callers may break
        if otp is not None and not isinstance(otp, str) and not callable(otp):
            kind = type(otp).__name__
            raise TypeError(f"otp must be the code as a str, or a callable that returns it, not {kind}")

    def __repr__(self) -> str:
        return f"Login(email={self.email!r})"


@dataclass(frozen=True)
class ClientConfig:
    """Configuration shared by the sync and async clients; with_options() makes a changed copy."""

    base_url: str
    # The timeout of every request: a value, or httpx's USE_CLIENT_DEFAULT to keep an injected client's own.
    timeout: httpx.Timeout | httpx._client.UseClientDefault | None
    max_retries: int
    # Every request starts from this policy; httpx-retries' Retry.increment() returns a new one,
    # so it is shared, not rebuilt per request (it costs more than a request's other bookkeeping).
    retry: Retry
    default_headers: Mapping[str, str] | None = None
    default_query: Mapping[str, Any] | None = None
    # The largest answer body read, decompressed (DEFAULT_MAX_RESPONSE_BYTES unless given).
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @classmethod
    def make(
        cls,
        *,
        base_url: str | None,
        timeout: Timeout | NotGiven,
        injected: bool,
        max_retries: int,
        allow_insecure_http: bool,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> ClientConfig:
        """Checked configuration: base_url None is VOIPSTUDIO_BASE_URL or the service's; a timeout not given is
        an injected http client's own, else DEFAULT_TIMEOUT."""
        chosen = base_url_from_env() if base_url is None else base_url
        url = str(check_transport_security(chosen, allow_insecure_http=allow_insecure_http)).rstrip("/")
        check_timeout(timeout)
        check_headers(default_headers, "default_headers")
        check_mapping(default_query, "default_query")
        check_max_response_bytes(max_response_bytes)
        if isinstance(timeout, NotGiven):
            resolved: httpx.Timeout | httpx._client.UseClientDefault | None = (
                httpx.USE_CLIENT_DEFAULT if injected else DEFAULT_TIMEOUT
            )
        else:
            resolved = timeout if isinstance(timeout, httpx.Timeout) or timeout is None else httpx.Timeout(timeout)
        return cls(
            url, resolved, max_retries, retry_policy(max_retries), default_headers, default_query, max_response_bytes
        )

    def changed(
        self,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
    ) -> ClientConfig:
        """This configuration with the options given changed (headers and query merged into the defaults)."""
        check_timeout(timeout)
        check_headers(default_headers, "default_headers")
        check_mapping(default_query, "default_query")
        changes: dict[str, Any] = {}
        if not isinstance(timeout, NotGiven):
            changes["timeout"] = (
                timeout if isinstance(timeout, httpx.Timeout) or timeout is None else httpx.Timeout(timeout)
            )
        if not isinstance(max_retries, NotGiven):
            changes["max_retries"], changes["retry"] = max_retries, retry_policy(max_retries)
        if default_headers is not None:
            changes["default_headers"] = merged_headers(self.default_headers, default_headers)
        if default_query is not None:
            changes["default_query"] = {**(self.default_query or {}), **default_query}
        if not isinstance(max_response_bytes, NotGiven):
            check_max_response_bytes(max_response_bytes)
            changes["max_response_bytes"] = max_response_bytes
        return dataclasses.replace(self, **changes)


def base_url_from_env() -> str:
    """VOIPSTUDIO_BASE_URL, else the service's own base URL."""
    return os.environ.get(BASE_URL_VARIABLE) or DEFAULT_BASE_URL


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
    return credentials, base_url_from_env()
