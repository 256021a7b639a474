"""A sandbox inside the test process, with its faults, clock, data, journal and reset at hand."""

from __future__ import annotations

import datetime
import socket
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from voipstudio_callmeback import AsyncCallMeBack, CallMeBack, format_timestamp
from voipstudio_callmeback_sandbox import (
    BASE_PATH,
    DEMO_ACCOUNT,
    Account,
    Clock,
    Control,
    Fault,
    Request,
    SandboxConfig,
    create_app,
    server_config,
)

from ._transport import AsyncSandboxTransport, SandboxTransport, ThreadLoops

# Where an in-process sandbox answers: https (the client sends credentials over nothing else to another
# host), under a name that never resolves (RFC 2606), so a client without the transport reaches no one.
IN_PROCESS_URL = f"https://sandbox.invalid{BASE_PATH}"
# Call records seeded for each account: three pages of the default size (the command line's own 2,600
# cost more to seed and to restore than a test needs; pass cdrs= for more).
DEFAULT_CDRS = 300


def service_time(value: Any) -> Any:
    """A datetime as the service writes its moments (format_timestamp), in UTC, the sandbox's accounts'
    time (a naive one is taken to be so already); any other value as it is."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return format_timestamp(value)
    return value


@dataclass(frozen=True)
class Served:
    """A sandbox served on loopback: its base URL (http://127.0.0.1:PORT/v1.1/voipstudio), for the command
    line and clients in other languages; its control API is at `control_url`."""

    url: str

    @property
    def address(self) -> str:
        return self.url.removesuffix(BASE_PATH)

    @property
    def control_url(self) -> str:
        return f"{self.address}/_sandbox"


class Sandbox:
    """A stateful sandbox of the API in this process, on an in-memory database.

    Clients reach it through `transport()` or `async_transport()` (no socket), or over
    loopback through `serve()`. Between tests, `reset()` puts back the state it started in.
    """

    def __init__(
        self,
        *,
        accounts: Sequence[Account] = (),
        cdrs: int = DEFAULT_CDRS,
        token_ttl: float = 1800.0,
        spec: Mapping[str, Any] | None = None,
        validate_responses: bool = False,
    ) -> None:
        self.clock = Clock()
        config = SandboxConfig(
            db=":memory:",
            accounts=accounts,
            token_ttl=token_ttl,
            cdrs_per_account=cdrs,
            clock=self.clock,
            spec=spec,
            validate_responses=validate_responses,
        )
        self.config = config
        self.store = config.open_store()
        try:
            app = create_app(config, self.store)
            self.control = Control(self.store, self.clock, serve_api=True)
        except BaseException:
            self.store.close()
            raise
        self.app = self.control.wrap(app)
        self.account = DEMO_ACCOUNT
        self.url = IN_PROCESS_URL
        self._loops = ThreadLoops()
        self._closed = False

    # --- reaching it ------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this sandbox is closed")

    def transport(self) -> httpx.BaseTransport:
        """A transport for httpx.Client that serves the requests in this process: pass it as
        `CallMeBack(..., base_url=sandbox.url, http_client=httpx.Client(transport=sandbox.transport()))`."""
        self._check_open()
        return SandboxTransport(self.app, self._loops)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """The same, for httpx.AsyncClient and AsyncCallMeBack."""
        self._check_open()
        return AsyncSandboxTransport(self.app, self._loops)

    def client(self, *, login: Literal["password", "api_key"] = "password", **options: Any) -> CallMeBack:
        """A CallMeBack of the demo account, in process: logged in with its email and password (a session
        that can expire), or with `login="api_key"` on its API key. `options` go to the client (timeout ...)."""
        http = httpx.Client(transport=self.transport())
        account = self.account
        if login == "api_key":
            return CallMeBack(
                user_id=account.user_id, api_key=account.api_key, base_url=self.url, http_client=http, **options
            )
        return CallMeBack.login(account.email, account.password, base_url=self.url, http_client=http, **options)

    async def async_client(
        self, *, login: Literal["password", "api_key"] = "password", **options: Any
    ) -> AsyncCallMeBack:
        """An AsyncCallMeBack of the demo account, in process (see client())."""
        http = httpx.AsyncClient(transport=self.async_transport())
        account = self.account
        if login == "api_key":
            return AsyncCallMeBack(
                user_id=account.user_id, api_key=account.api_key, base_url=self.url, http_client=http, **options
            )
        return await AsyncCallMeBack.login(
            account.email, account.password, base_url=self.url, http_client=http, **options
        )

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[Served]:
        """Serve this sandbox on 127.0.0.1 (a free port unless given) until the block ends, its control
        API included: for the command line, curl and clients in other languages. Same data, faults,
        clock and journal as in process."""
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
        # A request still open at the end (a fault's delay) is not waited for long: it must not outlive the test.
        config = server_config(self.app, self.config, lifespan="off", timeout_graceful_shutdown=1)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="callmeback-served", daemon=True)
        thread.start()
        try:
            while not server.started:
                if not thread.is_alive():
                    raise RuntimeError("the sandbox's server did not start")
                threading.Event().wait(0.01)
            yield Served(f"http://127.0.0.1:{sock.getsockname()[1]}{BASE_PATH}")
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            sock.close()

    # --- faults -----------------------------------------------------------------------------------

    def fault(
        self,
        operation: str = "*",
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        delay: float = 0.0,
        drop: Literal["before_headers", "after_headers"] | None = None,
        truncate: bool = False,
        not_json: bool = False,
        expire_session: bool = False,
        times: int | None = 1,
        after: int = 0,
    ) -> Fault:
        """Make the next calls of an operation (its operationId, or "*" for all) fail; see Fault.

        `times` calls (None: every call), after letting `after` through. A fault's `status`
        answers with that status, `headers` and `body` (the API's error body by default);
        `delay` waits that many real seconds first (for timeouts); `drop` drops the connection
        before or after the headers; `truncate` cuts the real answer's body short;
        `not_json` answers an HTML page; `expire_session` ends the session of the request's
        token, which then meets the 401 of an expired session. A wrong value raises
        ValueError naming it.
        """
        return self.control.add_fault(
            Fault(
                operation=operation,
                status=status,
                headers=headers if headers is not None else {},
                body=body,
                delay=delay,
                drop=drop,
                truncate=truncate,
                not_json=not_json,
                expire_session=expire_session,
                times=times,
                after=after,
            )
        )

    @property
    def faults(self) -> list[Fault]:
        """The faults still armed."""
        return self.control.faults()

    def clear_faults(self) -> None:
        self.control.clear_faults()

    # --- time ---------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime.datetime:
        """The sandbox's time (UTC): the real time, plus what advance() added."""
        return datetime.datetime.fromtimestamp(self.clock(), datetime.UTC)

    def advance(self, seconds: float | datetime.timedelta) -> datetime.datetime:
        """Move the sandbox's clock on (sessions expire after token_ttl seconds without use); the new time."""
        if isinstance(seconds, datetime.timedelta):
            seconds = seconds.total_seconds()
        self.clock.advance(seconds)
        return self.now

    # --- data ---------------------------------------------------------------------------------------

    def add(self, collection: str, *items: Mapping[str, Any], account: int | None = None) -> list[dict[str, Any]]:
        """Add items to a collection (cdrs, visitors and websites too, which the API cannot write), with the
        values given (datetimes are written as the service writes them) and null for the rest; every
        value is checked against the item's schema (ValueError names the field). The items as the API
        answers them, their ids included. `account`: a user id (default: the demo account)."""
        converted = [{name: service_time(value) for name, value in item.items()} for item in items]
        return self.control.add_items(collection, converted, account)

    # --- the journal --------------------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        """The requests received since the test began (or clear_requests()), oldest first."""
        return self.control.requests()

    def clear_requests(self) -> None:
        self.control.clear_requests()

    # --- isolation ----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the state the sandbox started in: data, sessions, clock, no faults, an empty journal."""
        self.control.reset()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._loops.close()
        self.store.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
