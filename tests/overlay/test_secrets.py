"""Credentials stay secret: canaries driven through every failure never show up in errors, reprs or logs.

A canary is a credential no other text contains. Each test sends one through the
clients (sync and async), with the package's debug logging switched on
(VOIPSTUDIO_LOG=debug) and every logger captured at DEBUG, and then looks for it, raw
and in its HTTP Basic (base64) form, in everything a user could print or log.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from voipstudio_callmeback import (
    AsyncCallMeBack,
    AuthenticationError,
    CallMeBack,
    CallMeBackError,
    InternalServerError,
)
from voipstudio_callmeback._auth import Credentials

from .faults import (
    BASE_URL,
    CASES,
    MODES,
    REFUSED,
    REQUESTS,
    Action,
    Case,
    Mode,
    Script,
    json_answer,
    record_waits,
    run,
    script,
    succeed,
)

TOKEN_CANARY = "canary-TOKEN-3f9c2a7e51d84b06"  # noqa: S105 - a canary, not a credential
USER_ID = 4711
KEY_CANARY = "canary-APIKEY-8b1d0c4f92e7a635"
BASIC_CANARY = base64.b64encode(f"{USER_ID}:{KEY_CANARY}".encode()).decode()
PASSWORD_CANARY = "canary-PASSWORD-5e0a9d3c71b2f468"  # noqa: S105 - a canary, not a credential
SESSION_CANARY = "canary-SESSION-a4c7e19f03d6b825"
EMAIL = "owner@example.com"
LOGGER = "voipstudio_callmeback"


@dataclass(frozen=True)
class Canary:
    """Credentials to give a client, the header that must carry them, and the forms that must not leak."""

    options: dict[str, Any]
    header: tuple[str, str]
    forms: tuple[str, ...]


TOKEN = Canary({"token": TOKEN_CANARY}, ("X-Auth-Token", TOKEN_CANARY), (TOKEN_CANARY, "3f9c2a7e51d84b06"))
API_KEY = Canary(
    {"user_id": USER_ID, "api_key": KEY_CANARY},
    ("Authorization", f"Basic {BASIC_CANARY}"),
    (KEY_CANARY, "8b1d0c4f92e7a635", BASIC_CANARY),
)
CANARIES = [pytest.param(TOKEN, id="token"), pytest.param(API_KEY, id="api-key")]


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The retry policy's waits, recorded instead of slept."""
    return record_waits(monkeypatch)


@pytest.fixture
def debug_logging(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Iterator[logging.Logger]:
    """VOIPSTUDIO_LOG=debug and every logger captured at DEBUG; the package logger is restored afterwards.

    The package logger's handlers are taken off for the test, so that the client installs
    its VOIPSTUDIO_LOG handler (on the test's stderr) anew.
    """
    logger = logging.getLogger(LOGGER)
    handlers, level = list(logger.handlers), logger.level
    logger.handlers.clear()
    monkeypatch.setenv("VOIPSTUDIO_LOG", "debug")
    caplog.set_level(logging.DEBUG)
    yield logger
    for handler in logger.handlers:
        handler.close()
    logger.handlers[:] = handlers
    logger.setLevel(level)


def echoing(action: Action, secret: str) -> Action:
    """The action, with a server that echoes the credential back in the response headers meant for secrets."""

    def answer(request: httpx.Request) -> httpx.Response:
        response = action(request)
        response.headers["X-Auth-Token"] = secret
        response.headers["Set-Cookie"] = f"session={secret}; Secure; HttpOnly"
        response.headers["Authorization"] = secret
        return response

    return answer


def texts_of_error(error: BaseException) -> list[str]:
    """What a user could print or log of an error: str, repr, args, its traceback, its attributes."""
    found = [
        str(error),
        repr(error),
        repr(error.args),
        "".join(traceback.format_exception(error)),
    ]
    for name in ("headers", "body", "url", "method", "status_code", "errors"):
        if hasattr(error, name):
            value = getattr(error, name)
            found += [str(value), repr(value)]
    return found


def texts_of_client(client: CallMeBack | AsyncCallMeBack) -> list[str]:
    """What a user could print of a client and of its credentials."""
    credentials: Credentials = client._auth.credentials
    return [
        str(client),
        repr(client),
        repr(vars(client)),
        repr(vars(client._config)),
        repr(client._auth),
        str(credentials),
        repr(credentials),
    ]


def texts_of_logs(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Every captured log record (message, arguments, exception text) and everything printed."""
    captured = capsys.readouterr()
    found = [caplog.text, captured.out, captured.err]
    for record in caplog.records:
        found += [record.getMessage(), repr(record.args), record.exc_text or ""]
    return found


def assert_hidden(texts: list[str], forms: tuple[str, ...]) -> None:
    """No text holds any form of the canary."""
    leaks = [(form, text[:300]) for text in texts for form in forms if form in text]
    assert not leaks, f"the credential leaked: {leaks}"


def outcome_of(call: Callable[[], object]) -> object:
    """What the call returns, or the CallMeBackError it raises."""
    try:
        return call()
    except CallMeBackError as error:
        return error


def check_outcome(fault: Case, outcome: object) -> None:
    """The outcome is the case's error, of exactly its class, or no error at all."""
    if fault.error is None:
        assert not isinstance(outcome, CallMeBackError), outcome
    else:
        assert type(outcome) is fault.error, outcome


def package_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


@pytest.mark.usefixtures("debug_logging")
@pytest.mark.parametrize("mode", MODES)
class TestCanaries:
    @pytest.mark.parametrize("canary", CANARIES)
    @pytest.mark.parametrize("fault", CASES)
    def test_no_failure_shows_the_credential(
        self,
        mode: Mode,
        canary: Canary,
        fault: Case,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Whatever the fault, the credential is sent but shows in no error, repr, log line or output."""
        served = script(*(echoing(action, canary.header[1]) for action in fault.actions))
        clients: list[CallMeBack | AsyncCallMeBack] = []
        options = {**canary.options, **fault.client_options}
        outcome = outcome_of(lambda: run(mode, fault.operation, served.transport(), clients=clients, **options))
        check_outcome(fault, outcome)
        texts = texts_of_error(outcome) if isinstance(outcome, CallMeBackError) else [repr(outcome)]
        name, value = canary.header
        assert [sent.headers[name] for sent in served.requests] == [value] * fault.attempts
        assert package_lines(caplog), "the debug log was on"
        (client,) = clients
        texts += texts_of_client(client) + texts_of_logs(caplog, capsys)
        assert_hidden(texts, canary.forms)

    @pytest.mark.parametrize("canary", CANARIES)
    def test_credentials_objects_hide_the_secret(self, mode: Mode, canary: Canary) -> None:
        """Credentials, their auth and a fresh client show who they are, never the secret."""
        credentials = Credentials(
            token=canary.options.get("token"),
            user_id=None if "user_id" not in canary.options else str(canary.options["user_id"]),
            api_key=canary.options.get("api_key"),
        )
        texts = [str(credentials), repr(credentials)]
        if mode == "sync":
            with CallMeBack(**canary.options) as client:
                texts += texts_of_client(client)
        else:
            client_async = AsyncCallMeBack(**canary.options)
            texts += texts_of_client(client_async)
            asyncio.run(client_async.close())
        assert credentials.headers()[canary.header[0]] == canary.header[1]
        assert_hidden(texts, canary.forms)


# --- logging in ---------------------------------------------------------------------------------


Handler = Callable[[httpx.Request], httpx.Response]


def login_server(*after_login: Action, login: Action | None = None) -> tuple[Handler, Script, Script]:
    """A handler answering /login with `login` (a session token by default) and the rest by script.

    Returns the handler, the script of logins and the script of the other requests.
    """
    rest = script(*after_login) if after_login else script(succeed("get"))
    logins = script(login or json_answer(200, {"user_token": SESSION_CANARY, "user_id": USER_ID}))

    def handler(request: httpx.Request) -> httpx.Response:
        return logins(request) if request.url.path.endswith("/login") else rest(request)

    return handler, logins, rest


def run_login(mode: Mode, handler: Handler, texts: list[str]) -> None:
    """Log in with the password canary and get a setting; the texts of the client and any error go to `texts`."""
    transport = httpx.MockTransport(handler)
    if mode == "sync":
        with httpx.Client(transport=transport) as http:
            try:
                with CallMeBack.login(EMAIL, PASSWORD_CANARY, base_url=BASE_URL, http_client=http) as client:
                    texts.extend(texts_of_client(client))
                    client.settings.get(7)
            except CallMeBackError as error:
                texts.extend(texts_of_error(error))
                raise
        return

    async def main() -> None:
        async with httpx.AsyncClient(transport=transport) as http:
            try:
                client = await AsyncCallMeBack.login(EMAIL, PASSWORD_CANARY, base_url=BASE_URL, http_client=http)
                async with client:
                    texts.extend(texts_of_client(client))
                    await client.settings.get(7)
            except CallMeBackError as error:
                texts.extend(texts_of_error(error))
                raise

    asyncio.run(main())


@pytest.mark.usefixtures("debug_logging")
@pytest.mark.parametrize("mode", MODES)
class TestLogin:
    FORMS = (PASSWORD_CANARY, "5e0a9d3c71b2f468", SESSION_CANARY, "a4c7e19f03d6b825")

    def test_a_refused_login_hides_the_password(
        self, mode: Mode, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A login answered 401: AuthenticationError, and the password is in none of it."""
        handler, logins, _ = login_server(login=json_answer(401, {"message": "Invalid email or password"}))
        texts: list[str] = []
        with pytest.raises(AuthenticationError, match="Invalid email or password"):
            run_login(mode, handler, texts)
        texts += texts_of_logs(caplog, capsys)
        assert PASSWORD_CANARY in logins.requests[0].content.decode(), "the password was sent"
        assert_hidden(texts, self.FORMS)

    @pytest.mark.parametrize(
        ("answers", "requests"),
        [
            pytest.param((json_answer(500, {"message": "boom"}),), 1, id="500"),
            pytest.param((json_answer(401, {"message": "Token expired"}),), 2, id="expired-twice"),
        ],
    )
    def test_the_session_token_stays_hidden(
        self,
        mode: Mode,
        answers: tuple[Action, ...],
        requests: int,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """After a login, failing requests (and a second login) show neither the password nor the session token."""
        handler, logins, rest = login_server(*answers)
        texts: list[str] = []
        with pytest.raises((InternalServerError, AuthenticationError)):
            run_login(mode, handler, texts)
        texts += texts_of_logs(caplog, capsys)
        assert rest.attempts == requests
        assert logins.attempts == requests, "an expired session logs in once more, once"
        assert [sent.headers["X-Auth-Token"] for sent in rest.requests] == [SESSION_CANARY] * requests
        assert_hidden(texts, self.FORMS)


# --- plain http ---------------------------------------------------------------------------------

CLIENTS = [pytest.param(CallMeBack, id="sync"), pytest.param(AsyncCallMeBack, id="async")]
ClientClass = type[CallMeBack] | type[AsyncCallMeBack]


def close(client: CallMeBack | AsyncCallMeBack) -> None:
    if isinstance(client, AsyncCallMeBack):
        asyncio.run(client.close())
    else:
        client.close()


@pytest.mark.parametrize("client_class", CLIENTS)
class TestTransportSecurity:
    @pytest.mark.parametrize("canary", CANARIES)
    @pytest.mark.parametrize(
        "base_url",
        [
            "http://example.com/v1.1/voipstudio",
            "http://l7api.com/v1.1/voipstudio",
            "http://10.0.0.1:8080/v1.1/voipstudio",
            "http://localhost.example.com/v1.1/voipstudio",
            "http://127.0.0.1.nip.io/v1.1/voipstudio",
        ],
    )
    def test_plain_http_elsewhere_is_refused(self, client_class: ClientClass, canary: Canary, base_url: str) -> None:
        """Credentials are not sent in clear text to another machine: ValueError, which does not quote them."""
        with pytest.raises(ValueError, match="plain http") as raised:
            client_class(base_url=base_url, **canary.options)
        assert_hidden(texts_of_error(raised.value), canary.forms)

    def test_plain_http_is_allowed_when_asked_for(self, client_class: ClientClass) -> None:
        """allow_insecure_http=True lets a client use plain http to another machine."""
        client = client_class(
            token=TOKEN_CANARY, base_url="http://example.com/v1.1/voipstudio", allow_insecure_http=True
        )
        assert client.base_url == "http://example.com/v1.1/voipstudio"
        close(client)

    @pytest.mark.parametrize(
        "base_url",
        [
            "http://127.0.0.1:8080/v1.1/voipstudio",
            "http://127.0.0.2/v1.1/voipstudio",
            "http://localhost/v1.1/voipstudio",
            "http://localhost:5000/v1.1/voipstudio",
            "http://[::1]:8080/v1.1/voipstudio",
        ],
    )
    def test_plain_http_to_this_machine_is_allowed(self, client_class: ClientClass, base_url: str) -> None:
        """Loopback addresses and localhost may use plain http (the sandbox)."""
        client = client_class(token=TOKEN_CANARY, base_url=base_url)
        assert client.base_url == base_url
        close(client)

    def test_mixed_credentials_are_refused_without_quoting_them(self, client_class: ClientClass) -> None:
        """A token and an API key together: ValueError, quoting neither."""
        with pytest.raises(ValueError, match="not both") as raised:
            client_class(token=TOKEN_CANARY, user_id=USER_ID, api_key=KEY_CANARY)
        assert_hidden(texts_of_error(raised.value), TOKEN.forms + API_KEY.forms)


# --- the debug log ------------------------------------------------------------------------------

LINE = re.compile(r"(?P<method>[A-Z]+) (?P<path>\S+) (?P<outcome>\S+) (?P<elapsed>\d+\.\d)ms retries=(?P<retries>\d+)")


@pytest.mark.usefixtures("debug_logging")
@pytest.mark.parametrize("mode", MODES)
class TestDebugLog:
    @pytest.mark.parametrize("fault", CASES)
    def test_one_line_per_request(self, mode: Mode, fault: Case, caplog: pytest.LogCaptureFixture) -> None:
        """Each request, retried or not, makes one line: method, path, outcome, elapsed ms and its retries."""
        served = script(*fault.actions)
        outcome = outcome_of(lambda: run(mode, fault.operation, served.transport(), **fault.client_options))
        check_outcome(fault, outcome)
        (line,) = package_lines(caplog)
        match = LINE.fullmatch(line)
        assert match is not None, line
        assert (match["method"], match["path"]) == REQUESTS[fault.operation]
        assert int(match["retries"]) == fault.attempts - 1

    def test_the_lines_name_the_outcome(
        self, mode: Mode, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Four requests, four lines (also on stderr): the status, or the transport error, and the retries."""
        run(mode, "get", script(succeed("get")).transport())
        run(mode, "update", script(json_answer(503, {"message": "maintenance"}), succeed("update")).transport())
        with pytest.raises(CallMeBackError):
            run(mode, "create", script(REFUSED).transport())
        with pytest.raises(CallMeBackError):
            run(mode, "delete", script(json_answer(404, {"message": "Not found"})).transport())
        lines = package_lines(caplog)
        expected = [
            ("GET", REQUESTS["get"][1], "200", "0"),
            ("PATCH", REQUESTS["update"][1], "200", "1"),
            ("POST", REQUESTS["create"][1], "ConnectError", "2"),
            ("DELETE", REQUESTS["delete"][1], "404", "0"),
        ]
        found = []
        for line in lines:
            match = LINE.fullmatch(line)
            assert match is not None, line
            found.append((match["method"], match["path"], match["outcome"], match["retries"]))
        assert found == expected
        printed = [line for line in capsys.readouterr().err.splitlines() if f" {LOGGER} DEBUG " in line]
        assert len(printed) == 4
        assert all(line.endswith(text) for line, text in zip(printed, lines, strict=True))
