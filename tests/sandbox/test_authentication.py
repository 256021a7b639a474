"""Session tokens, their expiry on a fake clock, API keys, bad credentials and two-factor login."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT

from .support import (
    SECOND_ACCOUNT,
    SETTINGS,
    TWO_FACTOR_ACCOUNT,
    Client,
    FakeClock,
    InProcessSandbox,
    body,
    error,
    first_error_message,
)

TTL = 600.0
UNAUTHORIZED = {"message": "Unauthorized"}
NONCE_LIFETIME = 300.0
RIGHT_CODE = TWO_FACTOR_ACCOUNT.two_factor_code or "(no code)"


@pytest.fixture
def short_lived(clock: FakeClock) -> Iterator[InProcessSandbox]:
    """A sandbox whose session tokens expire after TTL seconds without use."""
    instance = InProcessSandbox(clock=clock, token_ttl=TTL)
    yield instance
    instance.close()


def by_header(sandbox: InProcessSandbox, token: str) -> Client:
    return sandbox.client(None, headers={"X-Auth-Token": token})


def by_basic(sandbox: InProcessSandbox, token: str, user_id: int = DEMO_ACCOUNT.user_id) -> Client:
    return sandbox.client(httpx.BasicAuth(str(user_id), token))


def raw_authorization(sandbox: InProcessSandbox, value: str) -> Client:
    return sandbox.client(None, headers={"Authorization": value})


def basic_header(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode("latin-1")).decode("ascii")


def works(client: Client) -> bool:
    """Whether the client's credentials are accepted by a module operation (else it must be 401)."""
    response = client.get(SETTINGS)
    if response.status_code == 200:
        return True
    assert error(response, 401) == UNAUTHORIZED
    return False


class TestTokenExpiry:
    """A session token lives while it is used and dies after TTL seconds of inactivity."""

    @pytest.mark.parametrize("carrier", ["X-Auth-Token", "Basic user_id:token"])
    def test_use_keeps_token_alive_then_inactivity_kills_it(
        self, short_lived: InProcessSandbox, clock: FakeClock, carrier: str
    ) -> None:
        """Each use within the TTL resets the timer; after more than TTL seconds idle the token gets 401."""
        token = short_lived.login(DEMO_ACCOUNT)
        client = by_header(short_lived, token) if carrier == "X-Auth-Token" else by_basic(short_lived, token)
        assert works(client)
        for _ in range(5):
            clock.advance(TTL - 1)
            assert works(client), "a token used within the TTL must stay valid"
        clock.advance(TTL + 1)
        assert not works(client)

    @pytest.mark.parametrize("carrier", ["X-Auth-Token", "Basic user_id:token"])
    def test_expired_token_stays_expired(self, short_lived: InProcessSandbox, clock: FakeClock, carrier: str) -> None:
        """An expired token is refused by both carriers, and stays refused."""
        token = short_lived.login(DEMO_ACCOUNT)
        clock.advance(TTL + 1)
        first, second = by_header(short_lived, token), by_basic(short_lived, token)
        if carrier != "X-Auth-Token":
            first, second = second, first
        assert not works(first)
        assert not works(second)
        assert not works(first)

    def test_idle_token_does_not_expire_before_ttl(self, short_lived: InProcessSandbox, clock: FakeClock) -> None:
        """A token left idle for a little less than the TTL still works."""
        token = short_lived.login(DEMO_ACCOUNT)
        clock.advance(TTL - 1)
        assert works(by_header(short_lived, token))

    def test_new_login_gives_a_new_live_token(self, short_lived: InProcessSandbox, clock: FakeClock) -> None:
        """After a token expires, logging in again gives a different token that works."""
        old = short_lived.login(DEMO_ACCOUNT)
        clock.advance(TTL + 1)
        new = short_lived.login(DEMO_ACCOUNT)
        assert new != old
        assert works(by_header(short_lived, new))
        assert not works(by_header(short_lived, old))

    def test_each_token_has_its_own_timer(self, short_lived: InProcessSandbox, clock: FakeClock) -> None:
        """Using one token does not keep another token of the same account alive."""
        used, idle = short_lived.login(DEMO_ACCOUNT), short_lived.login(DEMO_ACCOUNT)
        for _ in range(3):
            clock.advance(TTL / 2)
            assert works(by_header(short_lived, used))
        assert not works(by_header(short_lived, idle))

    def test_api_key_never_expires(self, short_lived: InProcessSandbox, clock: FakeClock) -> None:
        """Basic user_id:api_key keeps working however long the clock runs."""
        client = short_lived.client()
        assert works(client)
        for gap in (TTL + 1, 86_400.0, 10 * 365 * 86_400.0):
            clock.advance(gap)
            assert works(client)


class TestBadCredentials:
    """Whatever is wrong with the credentials, the answer is 401 {"message": "Unauthorized"}."""

    def test_no_credentials(self, sandbox: InProcessSandbox) -> None:
        """A request without credentials gets 401."""
        assert not works(sandbox.client(None))

    @pytest.mark.parametrize("token", ["nope", "0" * 40, "5f1d4c2a9b8e7d6c5b4a39281706f5e4d3c2b1a0"])
    def test_bad_token_header(self, sandbox: InProcessSandbox, token: str) -> None:
        """An X-Auth-Token that no login issued (the API key included) gets 401."""
        assert not works(by_header(sandbox, token))

    @pytest.mark.parametrize(
        ("user", "password"),
        [
            (str(DEMO_ACCOUNT.user_id), "wrong"),
            (str(DEMO_ACCOUNT.user_id), SECOND_ACCOUNT.api_key),
            (str(DEMO_ACCOUNT.user_id), ""),
            ("999999", DEMO_ACCOUNT.api_key),
            ("0", DEMO_ACCOUNT.api_key),
            (DEMO_ACCOUNT.email, DEMO_ACCOUNT.password),
            (DEMO_ACCOUNT.email, DEMO_ACCOUNT.api_key),
            ("", DEMO_ACCOUNT.api_key),
        ],
        ids=[
            "wrong-key",
            "other-accounts-key",
            "empty-key",
            "unknown-user",
            "user-zero",
            "email-and-password",
            "email-and-key",
            "empty-user",
        ],
    )
    def test_wrong_basic_credentials(self, sandbox: InProcessSandbox, user: str, password: str) -> None:
        """Basic with a wrong key, an unknown or non-numeric user id gets 401."""
        assert not works(raw_authorization(sandbox, basic_header(user, password)))

    @pytest.mark.parametrize(
        "user",
        ["1" * 30, "99999999999999999999", "\u00b2", "\u00b9\u00b2\u00b3"],
        ids=["30-digits", "above-int64", "superscript-two", "superscripts"],
    )
    def test_odd_numeric_user_ids(self, sandbox: InProcessSandbox, user: str) -> None:
        """A user id too large for any account, or made of non-ASCII digits, gets 401 (not 500)."""
        assert not works(raw_authorization(sandbox, basic_header(user, DEMO_ACCOUNT.api_key)))

    @pytest.mark.parametrize(
        "value",
        [
            "Garbage",
            "Basic",
            "Basic !!!not-base64!!!",
            "Basic " + base64.b64encode(b"no-colon").decode("ascii"),
            "Bearer " + DEMO_ACCOUNT.api_key,
            "Digest username=123456",
        ],
    )
    def test_garbage_authorization_header(self, sandbox: InProcessSandbox, value: str) -> None:
        """An Authorization header that is not valid Basic gets 401."""
        assert not works(raw_authorization(sandbox, value))

    def test_token_of_another_user_id(self, sandbox: InProcessSandbox) -> None:
        """Basic with one account's user id and another account's session token gets 401."""
        token = sandbox.login(DEMO_ACCOUNT)
        assert not works(by_basic(sandbox, token, SECOND_ACCOUNT.user_id))
        assert works(by_basic(sandbox, token, DEMO_ACCOUNT.user_id))

    def test_wrong_password_login(self, sandbox: InProcessSandbox) -> None:
        """POST /login with a wrong password or an unknown email gets 401 with errors[0].message."""
        anonymous = sandbox.client(None)
        for email, password in ((DEMO_ACCOUNT.email, "wrong"), ("nobody@example.com", DEMO_ACCOUNT.password)):
            found = error(anonymous.post("/login", {"email": email, "password": password}), 401)
            assert "user_token" not in found
            first_error_message(found)

    def test_good_credentials_still_work(self, sandbox: InProcessSandbox) -> None:
        """The correct API key, token and header all work (so the 401s above are about the credentials)."""
        token = sandbox.login(DEMO_ACCOUNT)
        assert works(sandbox.client())
        assert works(by_header(sandbox, token))
        assert works(by_basic(sandbox, token))
        assert works(raw_authorization(sandbox, basic_header(str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)))


class TestTwoFactorLogin:
    """An account with two-factor authentication logs in through /login then /login2fa."""

    @staticmethod
    def challenge(sandbox: InProcessSandbox) -> str:
        """Log the two-factor account in with its password; return the nonce of the 202 answer."""
        response = sandbox.client(None).post(
            "/login", {"email": TWO_FACTOR_ACCOUNT.email, "password": TWO_FACTOR_ACCOUNT.password}
        )
        found = body(response, 202)
        assert "user_token" not in found
        nonce = found["nonce"]
        assert isinstance(nonce, str)
        assert nonce
        return nonce

    @staticmethod
    def verify(sandbox: InProcessSandbox, nonce: str, code: str) -> httpx.Response:
        return sandbox.client(None).post("/login2fa", {"code": code, "nonce": nonce})

    def test_password_login_answers_202_with_a_nonce(self, sandbox: InProcessSandbox) -> None:
        """/login of the two-factor account answers 202 with a fresh nonce, and no token."""
        assert self.challenge(sandbox) != self.challenge(sandbox)

    def test_right_code_gives_a_working_token(self, sandbox: InProcessSandbox) -> None:
        """The right code with the nonce answers 200 with a token that works on a module operation."""
        found = body(self.verify(sandbox, self.challenge(sandbox), RIGHT_CODE))
        assert found["user_id"] == TWO_FACTOR_ACCOUNT.user_id
        token = found["user_token"]
        assert isinstance(token, str)
        settings = body(by_header(sandbox, token).get(SETTINGS))
        assert settings["total"] >= 1
        assert works(by_basic(sandbox, token, TWO_FACTOR_ACCOUNT.user_id))
        assert not works(by_basic(sandbox, token, DEMO_ACCOUNT.user_id))

    def test_wrong_code_is_refused(self, sandbox: InProcessSandbox) -> None:
        """A wrong code answers 401 with errors[0].message and no token."""
        found = error(self.verify(sandbox, self.challenge(sandbox), "000000"), 401)
        assert "user_token" not in found
        first_error_message(found)

    def test_nonce_is_spent_by_a_failed_attempt(self, sandbox: InProcessSandbox) -> None:
        """A nonce is good for one attempt: after a wrong code, even the right code with it is refused."""
        nonce = self.challenge(sandbox)
        error(self.verify(sandbox, nonce, "000000"), 401)
        first_error_message(error(self.verify(sandbox, nonce, RIGHT_CODE), 401))

    def test_nonce_is_spent_by_a_successful_attempt(self, sandbox: InProcessSandbox) -> None:
        """A nonce that completed a login cannot complete another."""
        nonce = self.challenge(sandbox)
        body(self.verify(sandbox, nonce, RIGHT_CODE))
        error(self.verify(sandbox, nonce, RIGHT_CODE), 401)

    def test_fresh_nonce_after_a_failure(self, sandbox: InProcessSandbox) -> None:
        """After a failed attempt, a new /login gives a nonce with which the right code succeeds."""
        error(self.verify(sandbox, self.challenge(sandbox), "000000"), 401)
        found = body(self.verify(sandbox, self.challenge(sandbox), RIGHT_CODE))
        assert found["user_id"] == TWO_FACTOR_ACCOUNT.user_id

    def test_unknown_nonce_is_refused(self, sandbox: InProcessSandbox) -> None:
        """A nonce /login never issued answers 401."""
        first_error_message(error(self.verify(sandbox, "0" * 32, RIGHT_CODE), 401))

    def test_nonce_expires(self, sandbox: InProcessSandbox, clock: FakeClock) -> None:
        """A nonce older than its lifetime (five minutes in the sandbox) is refused even with the right code."""
        nonce = self.challenge(sandbox)
        clock.advance(NONCE_LIFETIME + 1)
        error(self.verify(sandbox, nonce, RIGHT_CODE), 401)

    def test_wrong_password_is_refused_before_the_code(self, sandbox: InProcessSandbox) -> None:
        """/login of the two-factor account with a wrong password answers 401 with errors[0].message, no nonce."""
        response = sandbox.client(None).post("/login", {"email": TWO_FACTOR_ACCOUNT.email, "password": "wrong"})
        found = error(response, 401)
        assert "nonce" not in found
        first_error_message(found)

    def test_password_alone_gives_no_access(self, sandbox: InProcessSandbox) -> None:
        """The nonce is not a token: it does not authenticate a module operation."""
        nonce = self.challenge(sandbox)
        assert not works(by_header(sandbox, nonce))
        assert not works(by_basic(sandbox, nonce, TWO_FACTOR_ACCOUNT.user_id))
