"""The command line sends no credential in clear text through a proxy on another machine, and takes none in a URL.

Nothing here is sent beyond 127.0.0.1: the proxy named is an address of TEST-NET-1 (RFC 5737), the
commands run in this process (CliRunner), and `loopback_only` fails a test that tries to connect to it.
"""

from __future__ import annotations

import pytest
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT

from sandbox.support import RunningServer

from .conftest import Cli, address

FAR_PROXY = "http://192.0.2.10:3128"
URL_PASSWORD = "pa55-in-the-url"  # noqa: S105 - made up, refused before use


@pytest.mark.parametrize(
    "args",
    [
        ("settings", "list"),
        ("whoami",),
        ("login", "--email", DEMO_ACCOUNT.email, "--password-stdin"),
    ],
    ids=["settings-list", "whoami", "login"],
)
def test_a_far_plain_http_proxy_is_refused(
    cli: Cli, cli_sandbox: RunningServer, args: tuple[str, ...], loopback_only: list[object]
) -> None:
    env = {"HTTP_PROXY": FAR_PROXY, "NO_PROXY": ""}
    if args[0] != "login":
        env |= {"VOIPSTUDIO_USER_ID": str(DEMO_ACCOUNT.user_id), "VOIPSTUDIO_API_KEY": DEMO_ACCOUNT.api_key}
    found = cli.invoke("--base-url", cli_sandbox.url, *args, env=env, input=DEMO_ACCOUNT.password + "\n")
    assert found.exit_code == 2, found.stderr
    assert loopback_only == []
    assert f"through the proxy {FAR_PROXY}" in found.stderr
    assert "--allow-http" in found.stderr
    assert "NO_PROXY" in found.stderr
    assert cli.sessions() == {}


@pytest.mark.usefixtures("loopback_only")
def test_no_proxy_for_the_host_lets_it_through(cli: Cli, cli_sandbox: RunningServer) -> None:
    env = {"HTTP_PROXY": FAR_PROXY, "NO_PROXY": "127.0.0.1"}
    env |= {"VOIPSTUDIO_USER_ID": str(DEMO_ACCOUNT.user_id), "VOIPSTUDIO_API_KEY": DEMO_ACCOUNT.api_key}
    found = cli.invoke("--base-url", cli_sandbox.url, "settings", "list", "--json", env=env)
    assert found.exit_code == 0, found.stderr


@pytest.mark.parametrize("option", ["--base-url", "--sandbox", "VOIPSTUDIO_BASE_URL"])
@pytest.mark.parametrize("scheme", ["http", "https", "ftp"])
@pytest.mark.parametrize("command", [("whoami",), ("login", "--email", DEMO_ACCOUNT.email, "--password-stdin")])
def test_credentials_in_the_url_are_refused_without_being_shown(
    cli: Cli, cli_sandbox: RunningServer, option: str, scheme: str, command: tuple[str, ...]
) -> None:
    cli.secrets.add(URL_PASSWORD)  # checked after the test: in no output of any command
    hostport = address(cli_sandbox).removeprefix("http://")
    url = f"{scheme}://demo:{URL_PASSWORD}@{hostport}/v1.1/voipstudio"
    args, env = ((option, url), {}) if option.startswith("--") else ((), {option: url})
    found = cli.invoke(*args, *command, env=env, input=DEMO_ACCOUNT.password + "\n")
    assert found.exit_code == 2, found.stderr
    assert "must not carry credentials" in found.stderr
    assert cli.sessions() == {}
