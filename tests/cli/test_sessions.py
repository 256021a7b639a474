"""Credentials: `login` and `logout`, the stored session file, the environment's credentials,
and which server --sandbox and --base-url name. No command may print a session token."""

from __future__ import annotations

import json
import stat
from typing import Any

import httpx
import pytest
from voipstudio_callmeback import CallMeBack
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, Account

from sandbox.support import SECOND_ACCOUNT, TWO_FACTOR_ACCOUNT, RunningServer

from .conftest import Cli, Outcome, address, client


def setting_ids(server: RunningServer, account: Account) -> list[int]:
    """The ids of an account's first page of settings, through the Python client."""
    with client(server, account) as python:
        page = next(iter(python.settings.list(limit=50).pages()))
        return [item.to_dict()["id"] for item in page.items]


def listed_ids(found: Outcome) -> list[int]:
    assert found.exit_code == 0, found.stderr
    return [row["id"] for row in found.json()["data"]]


def session_token(server: RunningServer, account: Account) -> str:
    """A session token of an account without two-factor authentication, from POST /login."""
    response = httpx.post(server.url + "/login", json={"email": account.email, "password": account.password})
    assert response.status_code == 200, response.text
    token = response.json()["user_token"]
    assert isinstance(token, str)
    return token


def only_session(cli: Cli, base_url: str) -> dict[str, Any]:
    sessions = cli.sessions()
    assert list(sessions) == [base_url], sessions
    entry = sessions[base_url]
    assert isinstance(entry, dict)
    return entry


def test_demo_and_second_account_differ(cli_sandbox: RunningServer) -> None:
    """The tests below tell the accounts apart by their settings."""
    demo, second = setting_ids(cli_sandbox, DEMO_ACCOUNT), setting_ids(cli_sandbox, SECOND_ACCOUNT)
    assert demo
    assert second
    assert not set(demo) & set(second)


# --- login, the session file, logout -------------------------------------------------------------


def test_login_with_password_stdin_stores_a_private_session(cli: Cli, cli_sandbox: RunningServer) -> None:
    url = cli_sandbox.url
    cli.secrets.update({SECOND_ACCOUNT.password, SECOND_ACCOUNT.api_key})
    demo_ids, second_ids = setting_ids(cli_sandbox, DEMO_ACCOUNT), setting_ids(cli_sandbox, SECOND_ACCOUNT)
    assert listed_ids(cli.run("--sandbox", url, "settings", "list", "--json")) == demo_ids  # no session: the demo

    logged_in = cli.run(
        "--sandbox", url, "login", "--email", SECOND_ACCOUNT.email, "--password-stdin",
        input=SECOND_ACCOUNT.password + "\n",
    )  # fmt: skip
    assert logged_in.exit_code == 0, logged_in.stderr
    assert f"Logged in to {url} as {SECOND_ACCOUNT.email}" in logged_in.stderr
    assert str(cli.sessions_path) in logged_in.stderr
    assert logged_in.stdout == ""

    assert stat.S_IMODE(cli.sessions_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.folder.stat().st_mode) == 0o700
    assert sorted(path.name for path in cli.folder.iterdir()) == ["sessions.json"]  # no temporary file left
    entry = only_session(cli, url)
    assert entry["email"] == SECOND_ACCOUNT.email
    token = entry["token"]
    assert isinstance(token, str)
    assert len(token) >= 16
    with CallMeBack(token=token, base_url=url) as python:  # the stored token is the second account's session
        assert [item.to_dict()["id"] for item in next(iter(python.settings.list(limit=50).pages())).items] == (
            second_ids
        )

    # Later commands send the stored session (in preference to the demo account), as a table and as JSON,
    # whether --sandbox names the server's address or its base URL.
    assert listed_ids(cli.run("--sandbox", url, "settings", "list", "--json")) == second_ids
    assert listed_ids(cli.run("--sandbox", address(cli_sandbox), "settings", "list", "--json")) == second_ids
    assert listed_ids(cli.invoke("--base-url", url, "settings", "list", "--json")) == second_ids
    shown = cli.run("--sandbox", url, "settings", "list")
    assert shown.exit_code == 0, shown.stderr
    assert {line.split()[0] for line in shown.stdout.splitlines()[1:]} == {str(id) for id in second_ids}
    missing = cli.run("--sandbox", url, "settings", "get", str(demo_ids[0]))
    assert missing.exit_code == 1
    cdrs = cli.run("--sandbox", url, "cdrs", "list", "--limit", "3", "--json")
    assert {row["user_id"] for row in cdrs.json()["data"]} == {SECOND_ACCOUNT.user_id}

    logged_out = cli.run("--sandbox", url, "logout")
    assert logged_out.exit_code == 0, logged_out.stderr
    assert f"Logged out of {url}" in logged_out.stderr
    assert cli.sessions() == {}
    assert listed_ids(cli.run("--sandbox", url, "settings", "list", "--json")) == demo_ids
    again = cli.run("--sandbox", url, "logout")
    assert again.exit_code == 0
    assert f"No session of {url} was stored" in again.stderr

    cli.check_no_secret_printed()
    assert token in cli.secrets
    assert all(token not in output for output in cli.outputs)


def test_the_folder_is_made_private_when_it_exists(cli: Cli, cli_sandbox: RunningServer) -> None:
    cli.folder.mkdir(parents=True, mode=0o755)
    cli.folder.chmod(0o755)
    found = cli.run(
        "--sandbox", cli_sandbox.url, "login", "--email", DEMO_ACCOUNT.email, "--password-stdin",
        input=DEMO_ACCOUNT.password + "\n",
    )  # fmt: skip
    assert found.exit_code == 0, found.stderr
    assert stat.S_IMODE(cli.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(cli.sessions_path.stat().st_mode) == 0o600


def test_login_with_the_hidden_prompt(cli: Cli, cli_sandbox: RunningServer) -> None:
    cli.secrets.add(SECOND_ACCOUNT.password)
    found = cli.invoke(
        "--sandbox", cli_sandbox.url, "login", input=f"{SECOND_ACCOUNT.email}\n{SECOND_ACCOUNT.password}\n"
    )
    assert found.exit_code == 0, found.stderr
    assert "Email: " in found.stdout
    assert "Password: " in found.stdout
    assert SECOND_ACCOUNT.password not in found.stdout  # not echoed
    assert only_session(cli, cli_sandbox.url)["email"] == SECOND_ACCOUNT.email
    assert listed_ids(cli.invoke("--sandbox", cli_sandbox.url, "settings", "list", "--json")) == setting_ids(
        cli_sandbox, SECOND_ACCOUNT
    )
    assert stat.S_IMODE(cli.sessions_path.stat().st_mode) == 0o600


def test_login_with_a_wrong_password(cli: Cli, cli_sandbox: RunningServer) -> None:
    cli.secrets.add("not-the-password")
    found = cli.run(
        "--sandbox", cli_sandbox.url, "login", "--email", SECOND_ACCOUNT.email, "--password-stdin",
        input="not-the-password\n",
    )  # fmt: skip
    assert found.exit_code == 1
    assert "401" in found.stderr
    assert cli.sessions() == {}

    prompted = cli.invoke(
        "--sandbox", cli_sandbox.url, "login", "--email", SECOND_ACCOUNT.email, input="not-the-password\n"
    )
    assert prompted.exit_code == 1
    assert "401" in prompted.stderr
    assert cli.sessions() == {}


def test_login_reads_no_empty_password(cli: Cli, cli_sandbox: RunningServer) -> None:
    found = cli.run("--sandbox", cli_sandbox.url, "login", "--email", DEMO_ACCOUNT.email, "--password-stdin", input="")
    assert found.exit_code == 2
    assert "no password" in found.stderr


def test_a_session_the_server_refuses_is_an_error_not_the_demo(cli: Cli, cli_sandbox: RunningServer) -> None:
    url = cli_sandbox.url
    login = cli.run(
        "--sandbox", url, "login", "--email", DEMO_ACCOUNT.email, "--password-stdin", input=DEMO_ACCOUNT.password
    )
    assert login.exit_code == 0, login.stderr
    content = json.loads(cli.sessions_path.read_text(encoding="utf-8"))
    content["sessions"][url]["token"] = "0" * 40
    cli.sessions_path.write_text(json.dumps(content), encoding="utf-8")
    found = cli.run("--sandbox", url, "settings", "list", "--json")
    assert found.exit_code == 1
    assert "401" in found.stderr
    assert found.stdout == ""


def test_sessions_are_kept_per_server(cli: Cli, cli_sandbox: RunningServer, slow_sandbox: RunningServer) -> None:
    second = cli.invoke(
        "--sandbox", cli_sandbox.url, "login", "--email", SECOND_ACCOUNT.email, "--password-stdin",
        input=SECOND_ACCOUNT.password + "\n",
    )  # fmt: skip
    assert second.exit_code == 0, second.stderr
    demo = cli.invoke(
        "--sandbox", address(slow_sandbox), "login", "--email", DEMO_ACCOUNT.email, "--password-stdin",
        input=DEMO_ACCOUNT.password + "\n",
    )  # fmt: skip
    assert demo.exit_code == 0, demo.stderr
    sessions = cli.sessions()
    assert set(sessions) == {cli_sandbox.url, slow_sandbox.url}
    assert sessions[cli_sandbox.url]["email"] == SECOND_ACCOUNT.email
    assert sessions[slow_sandbox.url]["email"] == DEMO_ACCOUNT.email
    assert sessions[cli_sandbox.url]["token"] != sessions[slow_sandbox.url]["token"]

    assert cli.invoke("--sandbox", cli_sandbox.url, "logout").exit_code == 0
    assert set(cli.sessions()) == {slow_sandbox.url}
    slow = cli.invoke("--sandbox", slow_sandbox.url, "cdrs", "list", "--limit", "1", "--json")
    assert slow.exit_code == 0, slow.stderr
    assert slow.json()["data"][0]["user_id"] == DEMO_ACCOUNT.user_id


# --- two-factor authentication (the shared sandbox has the two-factor account) ----------------------


def test_login_with_otp_option(cli: Cli, cli_sandbox: RunningServer) -> None:
    cli.secrets.add(TWO_FACTOR_ACCOUNT.password)
    found = cli.run(
        "--sandbox", cli_sandbox.url, "login", "--email", TWO_FACTOR_ACCOUNT.email, "--password-stdin",
        "--otp", str(TWO_FACTOR_ACCOUNT.two_factor_code), input=TWO_FACTOR_ACCOUNT.password + "\n",
    )  # fmt: skip
    assert found.exit_code == 0, found.stderr
    assert "Two-factor code" not in found.stdout + found.stderr  # not asked: given
    assert only_session(cli, cli_sandbox.url)["email"] == TWO_FACTOR_ACCOUNT.email
    assert stat.S_IMODE(cli.sessions_path.stat().st_mode) == 0o600
    cdrs = cli.run("--sandbox", cli_sandbox.url, "cdrs", "list", "--limit", "2", "--json")
    assert cdrs.exit_code == 0, cdrs.stderr
    assert {row["user_id"] for row in cdrs.json()["data"]} == {TWO_FACTOR_ACCOUNT.user_id}


def test_login_with_otp_stdin(cli: Cli, cli_sandbox: RunningServer) -> None:
    """--otp-stdin reads the code from standard input (the line after the password with --password-stdin;
    stripped), in this process and as the console script; nothing is asked."""
    cli.secrets.add(TWO_FACTOR_ACCOUNT.password)
    args = ("--sandbox", cli_sandbox.url, "login", "--email", TWO_FACTOR_ACCOUNT.email, "--password-stdin")
    for run in (cli.invoke, cli.run):
        lines = f"{TWO_FACTOR_ACCOUNT.password}\n  {TWO_FACTOR_ACCOUNT.two_factor_code} \n"
        found = run(*args, "--otp-stdin", input=lines)
        assert found.exit_code == 0, found.stderr
        assert "Two-factor code" not in found.stdout + found.stderr
        assert only_session(cli, cli_sandbox.url)["email"] == TWO_FACTOR_ACCOUNT.email
        assert cli.invoke("--sandbox", cli_sandbox.url, "logout").exit_code == 0
    prompted = cli.invoke(
        "--sandbox", cli_sandbox.url, "login", "--otp-stdin",
        input=f"{TWO_FACTOR_ACCOUNT.email}\n{TWO_FACTOR_ACCOUNT.password}\n{TWO_FACTOR_ACCOUNT.two_factor_code}\n",
    )  # fmt: skip
    assert prompted.exit_code == 0, prompted.stderr
    assert "Two-factor code" not in prompted.stdout + prompted.stderr
    listed = cli.invoke("--sandbox", cli_sandbox.url, "settings", "list", "--json")
    assert listed_ids(listed) == setting_ids(cli_sandbox, TWO_FACTOR_ACCOUNT)


def test_login_without_a_code_off_a_terminal_names_otp_stdin(cli: Cli, cli_sandbox: RunningServer) -> None:
    """Standard input is no terminal and no code was given: a usage error naming --otp-stdin, not a
    code read from the pipe unasked, nor a prompt nobody sees; no session stored."""
    cli.secrets.add(TWO_FACTOR_ACCOUNT.password)
    args = ("--sandbox", cli_sandbox.url, "login", "--email", TWO_FACTOR_ACCOUNT.email, "--password-stdin")
    for run in (cli.invoke, cli.run):
        found = run(*args, input=f"{TWO_FACTOR_ACCOUNT.password}\n{TWO_FACTOR_ACCOUNT.two_factor_code}\n")
        assert found.exit_code == 2, found.stderr
        assert "--otp-stdin" in found.stderr
        assert "two-factor code" in found.stderr
        assert cli.sessions() == {}
    empty = cli.run(*args, "--otp-stdin", input=f"{TWO_FACTOR_ACCOUNT.password}\n")
    assert empty.exit_code == 2
    assert "--otp-stdin read no two-factor code" in empty.stderr
    both = cli.run(*args, "--otp-stdin", "--otp", "123456", input=f"{TWO_FACTOR_ACCOUNT.password}\n")
    assert both.exit_code == 2
    assert "not both" in both.stderr
    assert cli.sessions() == {}


def test_login_otp_option_says_it_is_visible(cli: Cli) -> None:
    """--otp still works (test_login_with_otp_option), and its help says who can see it."""
    found = cli.invoke("login", "--help")
    assert found.exit_code == 0
    text = " ".join(found.stdout.split())
    assert "--otp-stdin" in text
    assert "visible to other users of this machine" in text


def test_login_with_a_wrong_code(cli: Cli, cli_sandbox: RunningServer) -> None:
    cli.secrets.add(TWO_FACTOR_ACCOUNT.password)
    wrong = "000000" if TWO_FACTOR_ACCOUNT.two_factor_code != "000000" else "111111"
    found = cli.run(
        "--sandbox", cli_sandbox.url, "login", "--email", TWO_FACTOR_ACCOUNT.email, "--password-stdin",
        "--otp", wrong, input=TWO_FACTOR_ACCOUNT.password + "\n",
    )  # fmt: skip
    assert found.exit_code == 1
    assert "401" in found.stderr
    assert cli.sessions() == {}
    from_stdin = cli.invoke(
        "--sandbox", cli_sandbox.url, "login", "--email", TWO_FACTOR_ACCOUNT.email, "--password-stdin", "--otp-stdin",
        input=f"{TWO_FACTOR_ACCOUNT.password}\n{wrong}\n",
    )  # fmt: skip
    assert from_stdin.exit_code == 1
    assert "401" in from_stdin.stderr
    assert cli.sessions() == {}


# --- credentials from the environment ------------------------------------------------------------


def test_environment_api_key_with_base_url(cli: Cli, cli_sandbox: RunningServer) -> None:
    cli.secrets.add(SECOND_ACCOUNT.api_key)
    env = {"VOIPSTUDIO_USER_ID": str(SECOND_ACCOUNT.user_id), "VOIPSTUDIO_API_KEY": SECOND_ACCOUNT.api_key}
    found = cli.run("--base-url", cli_sandbox.url, "settings", "list", "--json", env=env)
    assert listed_ids(found) == setting_ids(cli_sandbox, SECOND_ACCOUNT)
    in_process = cli.invoke("--base-url", cli_sandbox.url, "cdrs", "list", "--limit", "2", "--json", env=env)
    assert {row["user_id"] for row in in_process.json()["data"]} == {SECOND_ACCOUNT.user_id}
    from_variable = cli.run("settings", "list", "--json", env={**env, "VOIPSTUDIO_BASE_URL": cli_sandbox.url})
    assert listed_ids(from_variable) == setting_ids(cli_sandbox, SECOND_ACCOUNT)
    error = cli.run("--base-url", cli_sandbox.url, "settings", "get", "999999999", env=env)
    assert error.exit_code == 1


def test_environment_token_with_base_url(cli: Cli, cli_sandbox: RunningServer) -> None:
    token = session_token(cli_sandbox, SECOND_ACCOUNT)
    cli.secrets.add(token)
    found = cli.run("--base-url", cli_sandbox.url, "settings", "list", "--json", env={"VOIPSTUDIO_API_TOKEN": token})
    assert listed_ids(found) == setting_ids(cli_sandbox, SECOND_ACCOUNT)
    refused = cli.run("--base-url", cli_sandbox.url, "settings", "list", env={"VOIPSTUDIO_API_TOKEN": "f" * 40})
    assert refused.exit_code == 1
    assert "401" in refused.stderr


def test_environment_wins_over_the_stored_session_without_sandbox(cli: Cli, cli_sandbox: RunningServer) -> None:
    login = cli.run(
        "--base-url", cli_sandbox.url, "login", "--email", SECOND_ACCOUNT.email, "--password-stdin",
        input=SECOND_ACCOUNT.password + "\n",
    )  # fmt: skip
    assert login.exit_code == 0, login.stderr
    assert listed_ids(cli.run("--base-url", cli_sandbox.url, "settings", "list", "--json")) == setting_ids(
        cli_sandbox, SECOND_ACCOUNT
    )
    env = {"VOIPSTUDIO_USER_ID": str(DEMO_ACCOUNT.user_id), "VOIPSTUDIO_API_KEY": DEMO_ACCOUNT.api_key}
    found = cli.run("--base-url", cli_sandbox.url, "settings", "list", "--json", env=env)
    assert listed_ids(found) == setting_ids(cli_sandbox, DEMO_ACCOUNT)


def test_a_malformed_environment_token_is_refused_not_skipped(cli: Cli, cli_sandbox: RunningServer) -> None:
    """A token a header cannot carry is a usage error, even with a stored session to fall back on."""
    login = cli.run(
        "--base-url", cli_sandbox.url, "login", "--email", SECOND_ACCOUNT.email, "--password-stdin",
        input=SECOND_ACCOUNT.password + "\n",
    )  # fmt: skip
    assert login.exit_code == 0, login.stderr
    bad = "canary-token-with-a-newline\n-inside"
    cli.secrets.add("canary-token-with-a-newline")
    found = cli.run("--base-url", cli_sandbox.url, "settings", "list", env={"VOIPSTUDIO_API_TOKEN": bad})
    assert found.exit_code == 2
    assert "token must be printable ASCII" in found.stderr
    assert found.stdout == ""


@pytest.mark.parametrize(
    "malformed",
    [
        {"VOIPSTUDIO_USER_ID": "12\n3", "VOIPSTUDIO_API_KEY": "canary-api-key-" + "k" * 25},
        {"VOIPSTUDIO_USER_ID": "123", "VOIPSTUDIO_API_KEY": "canary-api-key\n-with-a-newline"},
        {"VOIPSTUDIO_API_TOKEN": "canary-token-with-a-newline\n-inside"},
    ],
    ids=["user-id", "api-key", "token"],
)
def test_whoami_with_malformed_environment_credentials(
    cli: Cli, cli_sandbox: RunningServer, malformed: dict[str, str]
) -> None:
    """whoami refuses credentials a header cannot carry as every command does: the same one line, the same
    status as `settings list`, no traceback (Cli.record checks) and no secret."""
    cli.secrets.update(part for value in malformed.values() for part in value.split("\n") if "canary" in part)
    listed = cli.run("--base-url", cli_sandbox.url, "settings", "list", env=malformed)
    assert listed.exit_code == 2, listed.stderr
    found = cli.run("--base-url", cli_sandbox.url, "whoami", env=malformed)
    assert found.exit_code == listed.exit_code, found.stderr
    assert found.stderr == listed.stderr
    assert found.stderr.startswith("Error: ")
    assert "printable ASCII" in found.stderr
    assert len(found.stderr.strip().splitlines()) == 1
    assert "accepted:" not in found.stdout


def test_sandbox_ignores_the_environments_credentials(cli: Cli, cli_sandbox: RunningServer) -> None:
    token = session_token(cli_sandbox, SECOND_ACCOUNT)
    cli.secrets.update({token, SECOND_ACCOUNT.api_key})
    demo_ids = setting_ids(cli_sandbox, DEMO_ACCOUNT)
    api_key = {"VOIPSTUDIO_USER_ID": str(SECOND_ACCOUNT.user_id), "VOIPSTUDIO_API_KEY": SECOND_ACCOUNT.api_key}
    assert listed_ids(cli.run("--sandbox", cli_sandbox.url, "settings", "list", "--json", env=api_key)) == demo_ids
    with_token = cli.invoke(
        "--sandbox", address(cli_sandbox), "settings", "list", "--json", env={"VOIPSTUDIO_API_TOKEN": token}
    )
    assert listed_ids(with_token) == demo_ids
    # VOIPSTUDIO_BASE_URL names the real service; --sandbox on the command line overrides it.
    elsewhere = {**api_key, "VOIPSTUDIO_BASE_URL": "https://api.example.invalid/v1.1/voipstudio"}
    assert listed_ids(cli.run("--sandbox", cli_sandbox.url, "settings", "list", "--json", env=elsewhere)) == demo_ids


def test_sandbox_and_base_url_together_are_a_usage_error(cli: Cli, cli_sandbox: RunningServer) -> None:
    found = cli.run("--sandbox", cli_sandbox.url, "--base-url", cli_sandbox.url, "settings", "list")
    assert found.exit_code == 2
    assert "--sandbox and --base-url" in found.stderr
    assert found.stdout == ""


def test_no_credentials_for_a_base_url(cli: Cli, cli_sandbox: RunningServer) -> None:
    found = cli.run("settings", "list", env={"VOIPSTUDIO_BASE_URL": cli_sandbox.url})
    assert found.exit_code == 2
    assert f"not logged in to {cli_sandbox.url}" in found.stderr
    only_key = cli.invoke("--base-url", cli_sandbox.url, "settings", "list", env={"VOIPSTUDIO_API_KEY": "x" * 40})
    assert only_key.exit_code == 2
    assert "not logged in" in only_key.stderr


def test_sandbox_address_is_its_base_url(cli: Cli, cli_sandbox: RunningServer) -> None:
    full = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "list", "--limit", "3", "--json")
    assert full.exit_code == 0, full.stderr
    for given in (address(cli_sandbox), address(cli_sandbox) + "/", cli_sandbox.url + "/"):
        found = cli.invoke("--sandbox", given, "cdrs", "list", "--limit", "3", "--json")
        assert found.exit_code == 0, found.stderr
        assert found.stdout == full.stdout
    subprocess_found = cli.run("--sandbox", address(cli_sandbox), "cdrs", "list", "--limit", "3", "--json")
    assert subprocess_found.stdout == full.stdout
