"""Credentials of the sandbox: accounts reconciled with the configuration at start, sessions and nonces
purged and bounded, failed logins counted (429 with Retry-After), HTTP Basic doing the same work for known
and unknown user ids, and database files readable by their owner only."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import httpx
import yaml
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, Account
from voipstudio_callmeback_sandbox import _store as store_module

from .support import (
    SECOND_ACCOUNT,
    SETTINGS,
    TWO_FACTOR_ACCOUNT,
    FakeClock,
    InProcessSandbox,
    api_key_auth,
    body,
    error,
)

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
LOCKOUT_SENTENCE = re.compile(
    r"refuses after (\d+) failures within (\d+) minutes,\s+for (\d+)\s+minutes from the last of them"
)


def login(sandbox: InProcessSandbox, email: str, password: str) -> httpx.Response:
    return sandbox.client(None).post("/login", {"email": email, "password": password})


def code(sandbox: InProcessSandbox, nonce: str, value: str) -> httpx.Response:
    return sandbox.client(None).post("/login2fa", {"nonce": nonce, "code": value})


def nonce_of(sandbox: InProcessSandbox) -> str:
    found = body(login(sandbox, TWO_FACTOR_ACCOUNT.email, TWO_FACTOR_ACCOUNT.password), 202)
    nonce = found["nonce"]
    assert isinstance(nonce, str)
    return nonce


def token_auth(token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}


# --- the lockout ---------------------------------------------------------------------------------


def test_the_lockout_constants_are_those_the_spec_states() -> None:
    """The spec's TooManyFailedLogins says the sandbox's figures in words; the two must agree."""
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    description = " ".join(spec["components"]["responses"]["TooManyFailedLogins"]["description"].split())
    found = LOCKOUT_SENTENCE.search(description)
    assert found, "openapi.yaml's TooManyFailedLogins no longer states the sandbox's figures; edit the test's pattern"
    failures, window, lockout = (int(part) for part in found.groups())
    stated = (failures, window * 60.0, lockout * 60.0)
    constants = (store_module.MAX_FAILED_LOGINS, store_module.FAILED_LOGIN_WINDOW, store_module.LOCKOUT_SECONDS)
    assert stated == constants, (
        f"openapi.yaml (TooManyFailedLogins) states {stated}, "
        f"sandbox/voipstudio_callmeback_sandbox/_store.py holds {constants}: edit one of them"
    )


def test_wrong_passwords_lock_the_account_even_against_the_right_one(
    sandbox: InProcessSandbox, clock: FakeClock
) -> None:
    for _ in range(store_module.MAX_FAILED_LOGINS):
        error(login(sandbox, SECOND_ACCOUNT.email, "wrong"), 401)
    locked = login(sandbox, SECOND_ACCOUNT.email, SECOND_ACCOUNT.password)
    found = error(locked, 429)
    assert found["message"] == "Too many failed login attempts"
    assert int(locked.headers["Retry-After"]) == int(store_module.LOCKOUT_SECONDS)
    clock.advance(store_module.LOCKOUT_SECONDS - 1)
    error(login(sandbox, SECOND_ACCOUNT.email, SECOND_ACCOUNT.password), 429)
    clock.advance(1)
    body(login(sandbox, SECOND_ACCOUNT.email, SECOND_ACCOUNT.password))
    # Another account is not affected by this one's failures.
    body(login(sandbox, DEMO_ACCOUNT.email, DEMO_ACCOUNT.password))


def test_failures_older_than_the_window_do_not_count(sandbox: InProcessSandbox, clock: FakeClock) -> None:
    for _ in range(store_module.MAX_FAILED_LOGINS - 1):
        error(login(sandbox, SECOND_ACCOUNT.email, "wrong"), 401)
    clock.advance(store_module.FAILED_LOGIN_WINDOW)
    error(login(sandbox, SECOND_ACCOUNT.email, "wrong"), 401)
    body(login(sandbox, SECOND_ACCOUNT.email, SECOND_ACCOUNT.password))


def test_wrong_codes_and_passwords_count_together_and_lock_the_code(sandbox: InProcessSandbox) -> None:
    """The finding: the right code was still accepted after 1,233 wrong ones."""
    half = store_module.MAX_FAILED_LOGINS // 2
    for _ in range(half):
        error(login(sandbox, TWO_FACTOR_ACCOUNT.email, "wrong"), 401)
    for _ in range(store_module.MAX_FAILED_LOGINS - half):
        error(code(sandbox, nonce_of(sandbox), "000000"), 401)
    error(login(sandbox, TWO_FACTOR_ACCOUNT.email, TWO_FACTOR_ACCOUNT.password), 429)


def test_a_nonce_opened_before_the_lock_meets_the_lock(sandbox: InProcessSandbox) -> None:
    spare = nonce_of(sandbox)
    for _ in range(store_module.MAX_FAILED_LOGINS):
        error(code(sandbox, nonce_of(sandbox), "000000"), 401)
    locked = code(sandbox, spare, TWO_FACTOR_ACCOUNT.two_factor_code or "")
    error(locked, 429)
    assert int(locked.headers["Retry-After"]) >= 1


# --- sessions and nonces, purged and bounded ----------------------------------------------------


def test_expired_sessions_and_nonces_are_purged(sandbox: InProcessSandbox, clock: FakeClock) -> None:
    """The finding: 2,000 logins left 1,001 expired sessions and 1,001 nonces."""
    for _ in range(20):
        sandbox.login(SECOND_ACCOUNT)
        nonce_of(sandbox)
        clock.advance(sandbox.config.token_ttl + 1)
    held = sandbox.store.credentials_held()
    assert held["sessions"] == 1
    assert held["nonces"] == 1


def test_live_sessions_and_nonces_are_bounded_per_account(sandbox: InProcessSandbox) -> None:
    first = sandbox.login(SECOND_ACCOUNT)
    for _ in range(store_module.MAX_SESSIONS_PER_ACCOUNT):
        last = sandbox.login(SECOND_ACCOUNT)
    first_nonce = nonce_of(sandbox)
    for _ in range(store_module.MAX_NONCES_PER_ACCOUNT):
        nonce_of(sandbox)
    held = sandbox.store.credentials_held()
    assert held["sessions"] == store_module.MAX_SESSIONS_PER_ACCOUNT
    assert held["nonces"] == store_module.MAX_NONCES_PER_ACCOUNT
    error(sandbox.client(None, headers=token_auth(first)).get(SETTINGS), 401)  # the oldest was ended
    body(sandbox.client(None, headers=token_auth(last)).get(SETTINGS))
    error(code(sandbox, first_nonce, TWO_FACTOR_ACCOUNT.two_factor_code or ""), 401)


# --- HTTP Basic: the same work for known and unknown user ids -------------------------------------


def test_basic_does_the_same_work_for_known_and_unknown_ids(sandbox: InProcessSandbox, monkeypatch: Any) -> None:
    """The finding: an existing id also ran a session lookup, which its time gave away. Counted, not timed:
    the store's calls and the SQL statements of a refusal."""
    calls: list[str] = []
    store = sandbox.store
    for name in ("account_by_id", "touch_session"):
        original = getattr(store, name)

        def spy(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(store, name, spy)
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    try:
        seen = []
        for user_id in (SECOND_ACCOUNT.user_id, 999_999_999):
            calls.clear()
            statements.clear()
            error(sandbox.client(httpx.BasicAuth(str(user_id), "not-the-key")).get(SETTINGS), 401)
            seen.append((list(calls), [re.sub(r"\d+|'[^']*'", "?", sql) for sql in statements]))
    finally:
        store._db.set_trace_callback(None)
    known, unknown = seen
    assert known == unknown
    assert "touch_session" in known[0]


def test_a_session_token_of_another_account_is_neither_accepted_nor_kept_alive(
    sandbox: InProcessSandbox, clock: FakeClock
) -> None:
    token = sandbox.login(SECOND_ACCOUNT)
    clock.advance(sandbox.config.token_ttl - 1)
    error(sandbox.client(httpx.BasicAuth(str(DEMO_ACCOUNT.user_id), token)).get(SETTINGS), 401)
    clock.advance(2)  # the refused request did not reset the other account's inactivity timer
    error(sandbox.client(None, headers=token_auth(token)).get(SETTINGS), 401)


# --- accounts reconciled with the configuration at start ----------------------------------------


def start(db: Path, clock: FakeClock, accounts: tuple[Account, ...]) -> InProcessSandbox:
    return InProcessSandbox(clock=clock, db=str(db), accounts=accounts, cdrs_per_account=1)


def test_an_account_removed_from_the_configuration_is_disabled(tmp_path: Path, clock: FakeClock) -> None:
    """The finding: after a restart without it, a removed account's token, key and password still worked,
    and its two-factor login still got a nonce."""
    db = tmp_path / "sandbox.db"
    first = start(db, clock, (SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT))
    try:
        token = first.login(SECOND_ACCOUNT)
        first.client(api_key_auth(SECOND_ACCOUNT)).create_setting(name="kept")
    finally:
        first.close()
    second = start(db, clock, ())
    try:
        error(second.client(None, headers=token_auth(token)).get(SETTINGS), 401)
        error(second.client(api_key_auth(SECOND_ACCOUNT)).get(SETTINGS), 401)
        error(second.client(httpx.BasicAuth(str(SECOND_ACCOUNT.user_id), token)).get(SETTINGS), 401)
        error(login(second, SECOND_ACCOUNT.email, SECOND_ACCOUNT.password), 401)
        error(login(second, TWO_FACTOR_ACCOUNT.email, TWO_FACTOR_ACCOUNT.password), 401)
        body(second.client().get(SETTINGS))  # the demo account is always configured
    finally:
        second.close()
    third = start(db, clock, (SECOND_ACCOUNT,))  # configured again: its data is still there
    try:
        names = [item["name"] for item in body(third.client(api_key_auth(SECOND_ACCOUNT)).get(SETTINGS))["data"]]
        assert "kept" in names
    finally:
        third.close()


def test_changed_credentials_end_the_sessions_and_nonces_they_opened(tmp_path: Path, clock: FakeClock) -> None:
    """The finding: after a password and key change the old session token still worked."""
    db = tmp_path / "sandbox.db"
    first = start(db, clock, (SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT))
    try:
        token = first.login(SECOND_ACCOUNT)
        nonce = nonce_of(first)
    finally:
        first.close()
    changed = Account(
        user_id=SECOND_ACCOUNT.user_id,
        email=SECOND_ACCOUNT.email,
        password="a-new-password",  # noqa: S106 - a test account
        api_key="a-new-api-key",
    )
    new_code = Account(**{**TWO_FACTOR_ACCOUNT.__dict__, "two_factor_code": "654321"})
    second = start(db, clock, (changed, new_code))
    try:
        error(second.client(None, headers=token_auth(token)).get(SETTINGS), 401)
        error(second.client(api_key_auth(SECOND_ACCOUNT)).get(SETTINGS), 401)
        error(login(second, SECOND_ACCOUNT.email, SECOND_ACCOUNT.password), 401)
        error(code(second, nonce, "654321"), 401)
        body(second.client(api_key_auth(changed)).get(SETTINGS))
        body(login(second, changed.email, changed.password))
    finally:
        second.close()


def test_an_unchanged_account_keeps_its_sessions(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / "sandbox.db"
    first = start(db, clock, (SECOND_ACCOUNT,))
    try:
        token = first.login(SECOND_ACCOUNT)
    finally:
        first.close()
    second = start(db, clock, (SECOND_ACCOUNT,))
    try:
        body(second.client(None, headers=token_auth(token)).get(SETTINGS))
    finally:
        second.close()


def test_a_removed_accounts_email_can_go_to_a_new_user_id(tmp_path: Path, clock: FakeClock) -> None:
    """It used to stop the start (UNIQUE constraint failed); the removed account's credentials are erased."""
    db = tmp_path / "sandbox.db"
    start(db, clock, (SECOND_ACCOUNT,)).close()
    moved = Account(user_id=7, email=SECOND_ACCOUNT.email, password="x", api_key=SECOND_ACCOUNT.api_key)  # noqa: S106
    second = start(db, clock, (moved,))
    try:
        assert body(login(second, moved.email, moved.password))["user_id"] == moved.user_id
    finally:
        second.close()


# --- files ----------------------------------------------------------------------------------------


def test_database_files_are_readable_by_their_owner_only(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / "sandbox.db"
    sandbox = start(db, clock, (SECOND_ACCOUNT,))
    try:
        sandbox.login(SECOND_ACCOUNT)
        made = [path for path in tmp_path.iterdir() if path.name.startswith("sandbox.db")]
        assert {path.name for path in made} >= {"sandbox.db", "sandbox.db-wal", "sandbox.db-shm"}
        assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in made} == dict.fromkeys(
            (path.name for path in made), 0o600
        )
    finally:
        sandbox.close()
    db.chmod(0o644)  # a database made before: narrowed at the next start
    start(db, clock, (SECOND_ACCOUNT,)).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


# --- what held: credentials kept out of reprs ---------------------------------------------------


def test_an_accounts_repr_holds_no_credential() -> None:
    shown = repr(TWO_FACTOR_ACCOUNT)
    for secret in (TWO_FACTOR_ACCOUNT.password, TWO_FACTOR_ACCOUNT.api_key, TWO_FACTOR_ACCOUNT.two_factor_code):
        assert secret is not None
        assert secret not in shown
