"""Fault injection: the attempts each failure costs and the error (or result) it ends in, for both clients.

Every test runs with `CallMeBack` and with `AsyncCallMeBack`. The mock transport and
the loopback servers count the attempts they see; the retry policy's sleeps are
recorded instead of slept.
"""

from __future__ import annotations

import email.utils
import time
import types
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import httpx_retries.retry
import pytest
from voipstudio_callmeback import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CallMeBack,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    UnexpectedResponseError,
)
from voipstudio_callmeback_sandbox._store import MAX_FAILED_LOGINS
from voipstudio_callmeback_testing import Sandbox

from .faults import (
    BAD_GATEWAY_PAGE,
    BAD_REQUEST,
    BASE_URL,
    CASES,
    HTML_PAGE,
    MALFORMED_JSON,
    MODES,
    NETWORKS,
    NOT_FOUND,
    OK_HTML_PAGE,
    REFUSED,
    REQUESTS,
    Action,
    Behaviour,
    Case,
    ClosedPort,
    MisbehavingServer,
    Mode,
    Network,
    Operation,
    check_success,
    json_answer,
    record_waits,
    respond,
    run,
    script,
    succeed,
)

# The documented backoff: 0.5 s before the first retry, doubling, each with full jitter, at most 60 s.
BACKOFF_FACTOR = 0.5
MAX_WAIT = 60.0


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the retry policy asks for between attempts (recorded: nothing really sleeps)."""
    return record_waits(monkeypatch)


def retry_after_date(seconds: float) -> Action:
    """A 429 whose Retry-After is the HTTP date this many seconds after the moment it is sent."""

    def answer(request: httpx.Request) -> httpx.Response:
        when = datetime.now(UTC) + timedelta(seconds=seconds)
        headers = {"Retry-After": email.utils.format_datetime(when, usegmt=True)}
        return httpx.Response(429, json={"message": "slow down"}, headers=headers)

    return answer


@pytest.mark.parametrize("mode", MODES)
class TestMatrix:
    @pytest.mark.parametrize("fault", CASES)
    def test_attempts_and_outcome(self, mode: Mode, fault: Case, waits: list[float]) -> None:
        """The fault costs exactly the attempts listed and ends in exactly the error listed, or the result."""
        served = script(*fault.actions)
        if fault.error is None:
            check_success(fault.operation, run(mode, fault.operation, served.transport(), **fault.client_options))
        else:
            with pytest.raises(fault.error) as raised:
                run(mode, fault.operation, served.transport(), **fault.client_options)
            assert type(raised.value) is fault.error
        assert served.attempts == fault.attempts
        assert len(waits) == fault.attempts - 1, "every retry waits as the policy says, and only retries wait"
        assert [(sent.method, sent.url.path) for sent in served.requests] == [REQUESTS[fault.operation]] * len(
            served.requests
        )
        assert len({sent.content for sent in served.requests}) == 1, "a retry sends the same body"


@pytest.mark.parametrize("mode", MODES)
class TestRetryAfter:
    def test_seconds_are_waited(self, mode: Mode, waits: list[float]) -> None:
        """429 with Retry-After: 2 and then a 200: two attempts, the setting, and one wait of exactly 2 s."""
        served = script(json_answer(429, {"message": "slow down"}, **{"Retry-After": "2"}), succeed("get"))
        check_success("get", run(mode, "get", served.transport()))
        assert served.attempts == 2
        assert waits == [2.0]

    def test_an_http_date_is_waited_for(self, mode: Mode, waits: list[float]) -> None:
        """A Retry-After HTTP date about 3 s ahead makes a wait of up to 3 s (the date has whole seconds)."""
        served = script(retry_after_date(3), succeed("get"))
        check_success("get", run(mode, "get", served.transport()))
        assert served.attempts == 2
        assert len(waits) == 1
        assert 1.5 < waits[0] <= 3.0

    @pytest.mark.parametrize(
        "answer",
        [json_answer(429, {"message": "slow down"}, **{"Retry-After": "3600"}), retry_after_date(86400)],
        ids=["seconds", "http-date"],
    )
    def test_a_retry_after_beyond_the_longest_wait_is_raised_at_once(
        self, mode: Mode, answer: Action, waits: list[float]
    ) -> None:
        """A Retry-After of an hour (or a day, as a date) is more than the client waits (60 s): a retry sooner
        would be refused again, so the error is raised at once, its headers saying when to come back."""
        served = script(answer, succeed("get"))
        with pytest.raises(RateLimitError) as raised:
            run(mode, "get", served.transport())
        assert served.attempts == 1
        assert waits == []
        assert "retry-after" in raised.value.headers

    def test_a_retry_after_of_the_longest_wait_is_waited(self, mode: Mode, waits: list[float]) -> None:
        served = script(
            json_answer(429, {"message": "slow down"}, **{"Retry-After": str(int(MAX_WAIT))}), succeed("get")
        )
        check_success("get", run(mode, "get", served.transport()))
        assert waits == [MAX_WAIT]

    def test_every_retry_honours_it(self, mode: Mode, waits: list[float]) -> None:
        """429 three times with Retry-After: 2: three attempts, 2 s before each retry, then RateLimitError."""
        served = script(json_answer(429, {"message": "slow down"}, **{"Retry-After": "2"}))
        with pytest.raises(RateLimitError) as raised:
            run(mode, "get", served.transport())
        assert served.attempts == 3
        assert waits == [2.0, 2.0]
        assert raised.value.headers["retry-after"] == "2"

    @pytest.mark.parametrize(("header", "wait"), [("0", 0.0), ("0.25", 0.25), ("1.5", 1.5), (" 3 ", 3.0)])
    def test_zero_and_fractions_are_waited_exactly(
        self, mode: Mode, header: str, wait: float, waits: list[float]
    ) -> None:
        """Retry-After: 0 waits nothing (a test can ask for no wait) and a fraction waits that long, not a backoff."""
        served = script(json_answer(429, {"message": "slow down"}, **{"Retry-After": header}), succeed("get"))
        check_success("get", run(mode, "get", served.transport()))
        assert waits == [wait]

    @pytest.mark.parametrize("header", ["soon", "-1", "1e3", "nan", "Mon, 99 Foo 2026"])
    def test_a_retry_after_it_cannot_read_falls_back_to_the_backoff(
        self, mode: Mode, header: str, waits: list[float]
    ) -> None:
        served = script(json_answer(429, {"message": "slow down"}, **{"Retry-After": header}), succeed("get"))
        check_success("get", run(mode, "get", served.transport()))
        assert len(waits) == 1
        assert 0 <= waits[0] <= BACKOFF_FACTOR

    def test_a_date_in_the_past_waits_nothing(self, mode: Mode, waits: list[float]) -> None:
        served = script(retry_after_date(-30), succeed("get"))
        check_success("get", run(mode, "get", served.transport()))
        assert waits == [0.0]

    def test_a_post_refused_with_429_is_sent_again_after_the_wait(self, mode: Mode, waits: list[float]) -> None:
        """A 429 says the request was not acted on: a POST is retried, honouring Retry-After."""
        served = script(json_answer(429, {"message": "slow down"}, **{"Retry-After": "0.5"}), succeed("create"))
        check_success("create", run(mode, "create", served.transport()))
        assert served.attempts == 2
        assert waits == [0.5]

    def test_503_retry_after_is_honoured(self, mode: Mode, waits: list[float]) -> None:
        """Retry-After on a 503 is waited for as on a 429."""
        served = script(json_answer(503, {"message": "maintenance"}, **{"Retry-After": "1"}), succeed("update"))
        check_success("update", run(mode, "update", served.transport()))
        assert served.attempts == 2
        assert waits == [1.0]


@pytest.mark.parametrize("mode", MODES)
class TestBackoff:
    RUNS = 40

    def test_waits_stay_within_full_jitter_bounds(self, mode: Mode, waits: list[float]) -> None:
        """Without Retry-After, the wait before retry n (from 0) lies in [0, 0.5 * 2**n] s, and does vary."""
        for _ in range(self.RUNS):
            served = script(REFUSED)
            with pytest.raises(APIConnectionError):
                run(mode, "get", served.transport())
            assert served.attempts == 3
        assert len(waits) == 2 * self.RUNS
        firsts, seconds = waits[0::2], waits[1::2]
        assert all(0 <= wait <= BACKOFF_FACTOR for wait in firsts), f"first waits above 0.5 s: {max(firsts)}"
        assert all(0 <= wait <= 2 * BACKOFF_FACTOR for wait in seconds), f"second waits above 1 s: {max(seconds)}"
        assert min(firsts) < BACKOFF_FACTOR / 2 < max(firsts), "full jitter spreads the waits over the range"

    @pytest.mark.parametrize(
        ("jitter", "expected"),
        [
            ("largest", [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, MAX_WAIT]),
            ("smallest", [0.0] * 8),
        ],
    )
    def test_backoff_doubles_from_half_a_second_up_to_60_s(
        self, mode: Mode, jitter: str, expected: list[float], waits: list[float], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With the jitter at its extremes, the waits are 0.5 s, 1 s, 2 s ... capped at 60 s, or all 0."""

        def uniform(low: float, high: float) -> float:
            return high if jitter == "largest" else low

        monkeypatch.setattr(httpx_retries.retry, "random", types.SimpleNamespace(uniform=uniform))
        served = script(json_answer(503, {"message": "maintenance"}))
        with pytest.raises(InternalServerError):
            run(mode, "get", served.transport(), max_retries=8)
        assert served.attempts == 9
        assert waits == expected


@pytest.mark.parametrize("mode", MODES)
class TestErrorDetails:
    def test_not_found_keeps_the_body_and_the_service_message(self, mode: Mode) -> None:
        """A 404 with a JSON error: NotFoundError with the parsed body, the request, and the service's message."""
        with pytest.raises(NotFoundError) as raised:
            run(mode, "get", script(json_answer(404, NOT_FOUND)).transport())
        error = raised.value
        assert error.body == NOT_FOUND
        assert error.status_code == 404
        assert error.method == "GET"
        assert error.url == f"{BASE_URL}/callmeback/settings/7"
        assert error.headers["content-type"] == "application/json"
        assert "Setting not found" in str(error)
        assert "404" in str(error)

    def test_bad_request_lists_the_errors(self, mode: Mode) -> None:
        """A 400: BadRequestError whose .errors is the service's list, and whose message is the first of them."""
        with pytest.raises(BadRequestError) as raised:
            run(mode, "create", script(json_answer(400, BAD_REQUEST)).transport())
        assert raised.value.errors == BAD_REQUEST["errors"]
        assert "name must not be blank" in str(raised.value)
        assert raised.value.method == "POST"

    def test_bad_request_errors_keyed_by_field_become_a_list(self, mode: Mode) -> None:
        """Errors given as an object keyed by field come out as a list of field/message pairs."""
        answer = json_answer(400, {"errors": {"name": "is required"}})
        with pytest.raises(BadRequestError) as raised:
            run(mode, "create", script(answer).transport())
        assert raised.value.errors == [{"field": "name", "message": "is required"}]

    def test_an_html_error_page_is_kept_as_text(self, mode: Mode) -> None:
        """A 502 HTML page (three times): InternalServerError whose body is the page's text."""
        served = script(BAD_GATEWAY_PAGE)
        with pytest.raises(InternalServerError) as raised:
            run(mode, "get", served.transport())
        assert served.attempts == 3
        assert raised.value.status_code == 502
        assert raised.value.body == HTML_PAGE.decode()
        assert raised.value.headers["content-type"] == "text/html"

    @pytest.mark.parametrize(
        "answer",
        [
            respond(404, content=b"<html><h1>404 Not Found</h1></html>", headers={"content-type": "text/html"}),
            respond(404),
            respond(404, {"detail": "Not Found"}),  # another framework's JSON 404
            respond(405, content=b"Method Not Allowed", headers={"content-type": "text/plain"}),
        ],
        ids=["html", "empty", "other-json", "text-405"],
    )
    def test_a_client_error_from_another_server_names_the_base_url(self, mode: Mode, answer: Action) -> None:
        """A 4xx that is not the API's JSON error body: not NotFoundError, but an APIStatusError that says the
        base URL is probably wrong and names it."""
        with pytest.raises(APIStatusError) as raised:
            run(mode, "get", script(answer).transport())
        error = raised.value
        assert type(error) is APIStatusError
        assert not error.from_api
        assert error.wrong_base_url
        assert "probably not the Call Me Back API" in str(error)
        assert f"is the base URL {BASE_URL} right?" in str(error)

    def test_the_api_s_own_404_is_not_found(self, mode: Mode) -> None:
        with pytest.raises(NotFoundError) as raised:
            run(mode, "get", script(json_answer(404, {"message": "Resource not found"})).transport())
        assert raised.value.from_api
        assert not raised.value.wrong_base_url
        assert "base URL" not in str(raised.value)

    @pytest.mark.parametrize("operation", ["list", "create"])
    def test_a_collection_not_found_names_the_base_url(self, mode: Mode, operation: Operation) -> None:
        """A collection always exists: the API's 404 for one means the base URL's path is wrong, and says so."""
        with pytest.raises(NotFoundError) as raised:
            run(mode, operation, script(json_answer(404, {"message": "Resource not found"})).transport())
        assert raised.value.wrong_base_url
        assert f"a collection always exists: is the base URL {BASE_URL} right?" in str(raised.value)

    def test_html_with_a_success_status_is_unexpected(self, mode: Mode) -> None:
        """A 200 in text/html: UnexpectedResponseError naming the content type, with the page as its body."""
        with pytest.raises(UnexpectedResponseError, match="text/html") as raised:
            run(mode, "get", script(OK_HTML_PAGE).transport())
        assert raised.value.status_code == 200
        assert raised.value.body == HTML_PAGE.decode()

    def test_an_empty_success_is_unexpected(self, mode: Mode) -> None:
        """A 200 with no body and no content type: UnexpectedResponseError, with no body."""
        with pytest.raises(UnexpectedResponseError, match="no content type") as raised:
            run(mode, "get", script(respond(200, content=b"")).transport())
        assert raised.value.body is None

    def test_malformed_json_is_unexpected(self, mode: Mode) -> None:
        """A 200 whose JSON is cut short: UnexpectedResponseError saying so, with the text as its body."""
        with pytest.raises(UnexpectedResponseError, match="the body is not JSON") as raised:
            run(mode, "get", script(MALFORMED_JSON).transport())
        assert raised.value.body == '{"data": {"id": 7,'

    def test_connection_errors_name_the_request(self, mode: Mode) -> None:
        """APIConnectionError carries the method and URL, and says what failed and where (host and port)."""
        with pytest.raises(APIConnectionError) as raised:
            run(mode, "create", script(REFUSED).transport())
        assert raised.value.method == "POST"
        assert raised.value.url == f"{BASE_URL}/callmeback/settings"
        assert "POST api.test:443/v1.1/voipstudio/callmeback/settings" in str(raised.value)
        assert "Connection refused" in str(raised.value)


# --- real sockets on 127.0.0.1 ------------------------------------------------------------------


@pytest.fixture
def loopback() -> Iterator[Callable[..., MisbehavingServer]]:
    """Starts MisbehavingServers on 127.0.0.1 (`loopback("close", "answer")`); stops them at teardown."""
    servers: list[MisbehavingServer] = []

    def start(*behaviours: Behaviour) -> MisbehavingServer:
        server = MisbehavingServer(*behaviours)
        servers.append(server.__enter__())
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def closed_port() -> Iterator[ClosedPort]:
    """A loopback port where nothing listens."""
    with ClosedPort() as port:
        yield port


@pytest.mark.parametrize("network", NETWORKS, ids=str)
class TestRealSockets:
    """Real sockets, for each client and each network transport it may run on."""

    @pytest.mark.parametrize("operation", ["get", "create"])
    def test_connection_refused_is_retried_for_every_method(
        self, network: Network, operation: Operation, closed_port: ClosedPort
    ) -> None:
        """Nothing listens on the port: GET and POST (it never left) are tried 3 times, then APIConnectionError."""
        transport = network.transport()
        with pytest.raises(APIConnectionError) as raised:
            run(network.mode, operation, transport, base_url=closed_port.base_url)
        assert type(raised.value) is APIConnectionError
        where = httpx.URL(closed_port.base_url)
        method, path = REQUESTS[operation]
        assert str(raised.value).startswith(f"{method} {where.host}:{where.port}{path}: ")
        assert transport.attempts == 3

    @pytest.mark.parametrize("behaviour", ["close", "reset", "partial", "garbled", "bad_chunk"])
    def test_a_broken_connection_is_retried_for_get(
        self, network: Network, behaviour: Behaviour, loopback: Callable[..., MisbehavingServer]
    ) -> None:
        """The server closes, resets, cuts short or garbles every answer: a GET is tried 3 times, then
        APIConnectionError."""
        server = loopback(behaviour)
        transport = network.transport()
        with pytest.raises(APIConnectionError) as raised:
            run(network.mode, "get", transport, base_url=server.base_url)
        assert type(raised.value) is APIConnectionError
        assert server.requests == 3
        assert transport.attempts == 3

    @pytest.mark.parametrize("behaviour", ["close", "reset", "partial", "garbled", "bad_chunk"])
    def test_a_broken_connection_is_not_retried_for_post(
        self, network: Network, behaviour: Behaviour, loopback: Callable[..., MisbehavingServer]
    ) -> None:
        """The request reached the server before the connection broke: a POST is tried once."""
        server = loopback(behaviour)
        with pytest.raises(APIConnectionError) as raised:
            run(network.mode, "create", network.transport(), base_url=server.base_url)
        assert type(raised.value) is APIConnectionError
        assert server.requests == 1

    def test_a_dropped_connection_then_an_answer_succeeds(
        self, network: Network, loopback: Callable[..., MisbehavingServer], waits: list[float]
    ) -> None:
        """The first connection is closed unanswered, the second answers: two requests and the setting."""
        server = loopback("close", "answer")
        check_success("get", run(network.mode, "get", network.transport(), base_url=server.base_url))
        assert server.requests == 2
        assert len(waits) == 1

    def test_a_silent_server_times_out_a_post_once(
        self, network: Network, loopback: Callable[..., MisbehavingServer]
    ) -> None:
        """A server that never answers: APITimeoutError after the 0.5 s timeout, with a single POST."""
        server = loopback("silent")
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            run(network.mode, "create", network.transport(), base_url=server.base_url, timeout=0.5)
        elapsed = time.monotonic() - started
        assert server.requests == 1
        assert 0.45 <= elapsed < 5

    @pytest.mark.parametrize(("max_retries", "attempts"), [(2, 3), (0, 1)])
    def test_a_silent_server_times_out_every_get(
        self, network: Network, max_retries: int, attempts: int, loopback: Callable[..., MisbehavingServer]
    ) -> None:
        """A server that never answers: each GET attempt times out (0.2 s), then APITimeoutError."""
        server = loopback("silent")
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            run(
                network.mode, "get", network.transport(), base_url=server.base_url, timeout=0.2, max_retries=max_retries
            )
        elapsed = time.monotonic() - started
        assert server.requests == attempts
        assert 0.2 * attempts * 0.9 <= elapsed < 5


def test_a_locked_login_is_raised_at_once(waits: list[float]) -> None:
    """The sandbox locks an account after repeated wrong passwords and asks for minutes (Retry-After):
    the login raises RateLimitError at once, with the default retries, instead of waiting to be refused again."""
    with Sandbox() as sandbox:
        account = sandbox.account
        http = httpx.Client(transport=sandbox.transport())
        for _ in range(MAX_FAILED_LOGINS):
            with pytest.raises(AuthenticationError):
                CallMeBack.login(account.email, "wrong", base_url=sandbox.url, http_client=http)
        with pytest.raises(RateLimitError) as raised:
            CallMeBack.login(account.email, account.password, base_url=sandbox.url, http_client=http)
        assert int(raised.value.headers["Retry-After"]) > MAX_WAIT
        assert raised.value.retry_after == float(raised.value.headers["Retry-After"])
        assert waits == []
        assert sum(request.operation == "logIn" for request in sandbox.requests) == MAX_FAILED_LOGINS + 1
        http.close()
