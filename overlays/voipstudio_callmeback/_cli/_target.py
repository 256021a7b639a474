"""Where a command connects, and as whom; how the client's errors become exit statuses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click
import httpx

from .. import APIStatusError, AsyncCallMeBack, CallMeBack, CallMeBackError
from .._auth import Credentials, InsecureTransportError
from .._base import credentials_from_env
from ._output import note, visible
from ._sessions import SessionStore

# The published demo account of every sandbox (voipstudio-callmeback-sandbox), used by
# --sandbox when no session was stored for that sandbox.
SANDBOX_USER_ID = "123456"
SANDBOX_API_KEY = "5f1d4c2a9b8e7d6c5b4a39281706f5e4d3c2b1a0"
SANDBOX_API_PATH = "/v1.1/voipstudio"

INTERRUPTED = 130


class Problem(click.ClickException):
    """An error of the command line: its message, which may hold the service's words (an error's
    message, a field's name), is shown with what a terminal would act on escaped (visible())."""

    def format_message(self) -> str:
        return visible(self.message)


class UsageProblem(Problem):
    """A usage error found after the options were parsed: no credentials, a value the client refused."""

    exit_code = 2


class ApiFailure(Problem):
    """An error from the API, or from the connection to it."""

    exit_code = 1


@dataclass
class Target:
    base_url: str
    sandbox: bool
    store: SessionStore
    allow_http: bool = False
    timeout: float | None = None  # --timeout; None: the client's default

    def source(self) -> str:
        """Where the credentials come from, in words (never the secret itself)."""
        found = None if self.sandbox else credentials_from_env()
        if found is not None:
            if found.token:
                return "the session token in VOIPSTUDIO_API_TOKEN"
            return f"the API key of user {found.user_id} in VOIPSTUDIO_USER_ID and VOIPSTUDIO_API_KEY"
        session = self.store.get(self.base_url)
        if session is not None:
            return f"the session of {session.email} that login stored in {self.store.path}"
        if self.sandbox:
            return f"the sandbox's demo account (user {SANDBOX_USER_ID})"
        return "none"

    def credentials(self) -> Credentials:
        """The environment's credentials (as the clients' from_env() reads them), else the stored
        session, else, for a sandbox, its demo account.

        With --sandbox the environment's credentials are not used: they belong to the real
        service and must not be sent to a local server.
        """
        if not self.sandbox:
            found = credentials_from_env()
            if found is not None:
                return found
        session = self.store.get(self.base_url)
        if session is not None:
            return Credentials(token=session.token)
        if self.sandbox:
            return Credentials(user_id=SANDBOX_USER_ID, api_key=SANDBOX_API_KEY)
        raise UsageProblem(
            f"not logged in to {self.base_url}: run `voipstudio-callmeback login`, or set VOIPSTUDIO_API_TOKEN, "
            "or VOIPSTUDIO_USER_ID and VOIPSTUDIO_API_KEY"
        )

    def _client_options(self) -> dict[str, Any]:
        """The constructor arguments of either client: the credentials, where, and whether plain http may carry them."""
        found = self.credentials()
        options: dict[str, Any] = {
            "token": found.token,
            "user_id": found.user_id,
            "api_key": found.api_key,
            "base_url": self.base_url,
            "allow_insecure_http": self.allow_http,
        }
        if self.timeout is not None:
            options["timeout"] = self.timeout
        return options

    def client(self) -> CallMeBack:
        options = self._client_options()
        with insecure_http_refused(self.base_url):
            return CallMeBack(**options)

    def async_client(self, http_client: httpx.AsyncClient | None = None) -> AsyncCallMeBack:
        options = self._client_options()
        with insecure_http_refused(self.base_url):
            return AsyncCallMeBack(**options, http_client=http_client)


@contextmanager
def insecure_http_refused(base_url: str) -> Iterator[None]:
    """The client refuses to send credentials over plain http to another machine: say so in the CLI's words."""
    try:
        yield
    except InsecureTransportError as exc:
        if exc.proxy is not None:  # the proxy is named by its address alone, never its user name or password
            raise UsageProblem(
                f"{base_url} would go through the proxy {exc.proxy} (HTTP_PROXY or ALL_PROXY) in plain http, "
                "so credentials would travel unencrypted to it: use https, set NO_PROXY for this host, "
                "or --allow-http if you mean it"
            ) from None
        raise UsageProblem(
            f"{base_url} is plain http to another machine, so credentials would travel unencrypted: "
            "use https, or --allow-http if you mean it"
        ) from None


pass_target = click.make_pass_decorator(Target)


@contextmanager
def api_errors(base_url: str | None = None) -> Iterator[None]:
    """Turn the client's errors into exit statuses: 1 for the API's, 2 for arguments it refused.

    Where the client says the base URL is probably wrong, the message says how to set it.
    """
    try:
        yield
    except CallMeBackError as exc:
        if isinstance(exc, APIStatusError) and exc.wrong_base_url:
            raise ApiFailure(f"{exc} (--base-url or VOIPSTUDIO_BASE_URL sets it)") from None
        raise ApiFailure(str(exc)) from None
    except (ValueError, TypeError) as exc:
        raise UsageProblem(str(exc)) from None
    except KeyboardInterrupt:
        note("Interrupted")
        raise SystemExit(INTERRUPTED) from None
