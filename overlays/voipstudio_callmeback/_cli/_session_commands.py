"""`login`, `logout` and `whoami`: the session the command line keeps, and whose credentials it uses."""

from __future__ import annotations

import sys

import click

from .. import NOT_GIVEN, AuthenticationError, CallMeBack, CallMeBackError
from ._output import note, visible
from ._sessions import Session
from ._spec import resources
from ._target import ApiFailure, Target, UsageProblem, api_errors, insecure_http_refused, pass_target

OTP_HELP = (
    "The two-factor code. Deprecated: a code on the command line is visible to other users of this"
    " machine (ps, /proc/PID/cmdline) and kept in the shell's history; use --otp-stdin, or the prompt."
)


@click.command()
@click.option("--email", help="The account's email address (asked for when omitted).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input instead of asking (needs --email)."
)
@click.option(
    "--otp-stdin",
    is_flag=True,
    help="Read the two-factor code, when the account asks for one, from standard input (one line; with "
    "--password-stdin, the line after the password). Without it, the code is asked on a terminal, without echo.",
)
@click.option("--otp", "otp_code", metavar="CODE", help=OTP_HELP)
@pass_target
def login(target: Target, /, email: str | None, password_stdin: bool, otp_stdin: bool, otp_code: str | None) -> None:
    """Log in and store the session token (file mode 0600) for later commands."""
    if password_stdin and email is None:
        # Standard input carries the password: the email cannot be asked for there too.
        raise UsageProblem("--password-stdin needs --email: standard input holds the password")
    if otp_stdin and otp_code is not None:
        raise UsageProblem("give the two-factor code with --otp-stdin or --otp, not both")
    if email is None:
        email = click.prompt("Email")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageProblem("--password-stdin read no password")
    else:
        password = click.prompt("Password", hide_input=True)

    def ask_code() -> str:
        """The code, asked for only when the login answers that it needs one (202)."""
        if otp_code is not None:
            return otp_code
        if otp_stdin:
            code = sys.stdin.readline().strip()
            if not code:
                raise UsageProblem("--otp-stdin read no two-factor code")
            return code
        if not sys.stdin.isatty():
            raise UsageProblem(
                "the account asks for a two-factor code, and standard input is no terminal to ask it on: "
                "give it with --otp-stdin (a line of standard input)"
            )
        asked: str = click.prompt("Two-factor code", hide_input=True)
        return asked.strip()

    with (
        api_errors(target.base_url),
        insecure_http_refused(target.base_url),
        CallMeBack.login(
            email,
            password,
            otp=ask_code,
            base_url=target.base_url,
            allow_insecure_http=target.allow_http,
            timeout=NOT_GIVEN if target.timeout is None else target.timeout,
        ) as client,
    ):
        token = client.session_token
    if token is None:  # cannot happen: a client made by login() holds its session token
        raise ApiFailure("the login gave no session token")
    target.store.put(target.base_url, Session(token=token, email=email))
    note(f"Logged in to {target.base_url} as {email}; the session is stored in {target.store.path}")


@click.command()
@pass_target
def logout(target: Target, /) -> None:
    """Forget the session stored for this base URL.

    The service offers no way to end a session: its token stays valid there until it
    expires from lack of use. Only this machine's copy is removed.
    """
    if target.store.remove(target.base_url):
        note(
            f"Logged out of {target.base_url}: the session was removed from {target.store.path}. "
            "The service keeps the token valid until it expires unused (the API cannot end a session)."
        )
    else:
        note(f"No session of {target.base_url} was stored")


@click.command()
@pass_target
def whoami(target: Target, /) -> None:
    """Say which credentials the commands use for this base URL, and whether the service accepts them.

    The API has no "who am I": what is known is where the credentials come from (the
    environment, the session login stored, the sandbox's demo account) and whether a
    request made with them is accepted.
    """
    click.echo(visible(f"base URL:    {target.base_url}"))
    # Credentials the client refuses (a newline in VOIPSTUDIO_USER_ID...) are a usage error, as in every command.
    with api_errors(target.base_url):
        source = target.source()
    click.echo(visible(f"credentials: {source}"))
    listable = next((resource for resource in resources() if "list" in resource.operations), None)
    if listable is None:  # pragma: no cover - the spec has lists
        return
    with api_errors(target.base_url):
        made = target.client()
    with made as client:
        try:
            getattr(client, listable.name).list(limit=1).page(1)
        except AuthenticationError:
            click.echo("accepted:    no: the service answers 401; log in again with `voipstudio-callmeback login`")
            raise SystemExit(1) from None
        except CallMeBackError as exc:
            raise ApiFailure(str(exc)) from None
    click.echo(f"accepted:    yes (listing {listable.name} succeeded)")
