"""The `voipstudio-callmeback` command group: where to connect, the session commands, and a group
of commands for every resource of the client (built from the spec by _commands.py).

Exit status: 0 success, 1 an error from the API (or the connection to it), 2 a usage
error (bad option, bad value, no credentials), 130 interrupted by Ctrl-C. Errors are
one line on stderr, never a traceback, and never carry a credential.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

import click

from .._base import DEFAULT_BASE_URL
from .._client import CallMeBack
from ._commands import resource_group
from ._output import stderr_console
from ._sessions import Session, SessionStore
from ._spec import resources
from ._target import SANDBOX_API_PATH, ApiFailure, Target, UsageProblem, api_errors, pass_target


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--base-url",
    envvar="VOIPSTUDIO_BASE_URL",
    help=f"The API's base URL (VOIPSTUDIO_BASE_URL; default {DEFAULT_BASE_URL}).",
)
@click.option(
    "--sandbox",
    "sandbox_url",
    metavar="URL",
    help="Use the sandbox server at URL (its address or its base URL), as its demo account unless you logged in.",
)
@click.version_option(package_name="voipstudio-callmeback", prog_name="voipstudio-callmeback")
@click.pass_context
def cli(context: click.Context, base_url: str | None, sandbox_url: str | None) -> None:
    """VoIPstudio's Call Me Back API from the command line.

    Credentials: VOIPSTUDIO_API_TOKEN, or VOIPSTUDIO_USER_ID and VOIPSTUDIO_API_KEY, or the
    session stored by `login`.
    """
    if sandbox_url and base_url and context.get_parameter_source("base_url") is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--sandbox and --base-url name two servers; give one")
    if sandbox_url:
        chosen = sandbox_url.rstrip("/")
        if urlsplit(chosen).path in ("", "/"):  # the server's address: its API lives under the service's path
            chosen += SANDBOX_API_PATH
    else:
        chosen = (base_url or DEFAULT_BASE_URL).rstrip("/")
    context.obj = Target(base_url=chosen, sandbox=bool(sandbox_url), store=SessionStore())


@cli.command()
@click.option("--email", help="The account's email address (asked for when omitted).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking.")
@click.option("--otp", "otp_code", help="The two-factor code, when the account asks for one (asked for when omitted).")
@pass_target
def login(target: Target, /, email: str | None, password_stdin: bool, otp_code: str | None) -> None:
    """Log in and store the session token (file mode 0600) for later commands."""
    if email is None:
        email = click.prompt("Email")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageProblem("--password-stdin read no password")
    else:
        password = click.prompt("Password", hide_input=True)

    def ask_code() -> str:
        return otp_code if otp_code is not None else click.prompt("Two-factor code")

    with api_errors(), CallMeBack.login(email, password, otp=ask_code, base_url=target.base_url) as client:
        token = client._auth.credentials.token
    if token is None:  # cannot happen: a client made by login() holds its session token
        raise ApiFailure("the login gave no session token")
    target.store.put(target.base_url, Session(token=token, email=email))
    stderr_console().print(f"Logged in to {target.base_url} as {email}; the session is stored in {target.store.path}")


@cli.command()
@pass_target
def logout(target: Target, /) -> None:
    """Forget the stored session of this base URL."""
    if target.store.remove(target.base_url):
        stderr_console().print(f"Logged out of {target.base_url}: its session was removed from {target.store.path}")
    else:
        stderr_console().print(f"No session of {target.base_url} was stored")


for _resource in resources():
    cli.add_command(resource_group(_resource))


def run() -> None:
    """Run the command line; exit statuses as the module docstring says."""
    cli.main(prog_name="voipstudio-callmeback")
