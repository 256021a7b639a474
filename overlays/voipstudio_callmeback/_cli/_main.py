"""The `voipstudio-callmeback` command group: where to connect, the session commands, a group of
commands for every resource of the client (built from the spec by _commands.py), and completion.

Exit status: 0 success (also when the reader of standard output leaves early, as `| head`
does), 1 an error from the API or the connection to it, 2 a usage error (bad option, bad
value, no credentials), 130 interrupted by Ctrl-C. Errors are one line on standard error,
never a traceback, and never carry a credential.
"""

from __future__ import annotations

import errno
import os
import sys
from urllib.parse import urlsplit

import click

from .._base import DEFAULT_BASE_URL
from ._api_command import api
from ._commands import resource_group
from ._completion import completion
from ._session_commands import login, logout, whoami
from ._sessions import SessionStore
from ._spec import resources
from ._target import INTERRUPTED, SANDBOX_API_PATH, Target

ENVIRONMENT = """\b
Environment:
  VOIPSTUDIO_API_TOKEN                    a session token (X-Auth-Token)
  VOIPSTUDIO_USER_ID, VOIPSTUDIO_API_KEY  an API key (HTTP Basic)
  VOIPSTUDIO_BASE_URL, VOIPSTUDIO_SANDBOX, VOIPSTUDIO_ALLOW_HTTP, VOIPSTUDIO_TIMEOUT  the options above
  VOIPSTUDIO_LOG=debug                    one line per request on standard error
  NO_COLOR                                no colour
Credentials: the environment's first, then the session `login` stored for the base URL."""


def checked_url(url: str, option: str) -> str:
    """A base URL with a scheme and a host; a usage error saying how to write it otherwise."""
    parts = urlsplit(url)
    if "@" in parts.netloc:  # user:password@: it would be printed (whoami) and stored as a key of sessions.json
        raise click.BadParameter(  # and the URL is not quoted, since it holds them
            "the URL must not carry credentials (user:password@): log in, or set VOIPSTUDIO_API_TOKEN, "
            "or VOIPSTUDIO_USER_ID and VOIPSTUDIO_API_KEY",
            param_hint=option,
        )
    if parts.scheme not in ("http", "https") or not parts.netloc:
        guess = f"https://{url}" if "://" not in url else url
        raise click.BadParameter(f"{url!r} is not a URL with a scheme and a host, such as {guess}", param_hint=option)
    return url.rstrip("/")


class ReaderLeft(Exception):
    """The reader of standard output went away (`| head`): not an error."""


class Group(click.Group):
    """The root group: a closed pipe and Ctrl-C are handled here, before click turns them into status 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise ReaderLeft from None
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise ReaderLeft from None
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted", err=True)
            raise SystemExit(INTERRUPTED) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]}, epilog=ENVIRONMENT)
@click.option(
    "--base-url",
    envvar="VOIPSTUDIO_BASE_URL",
    show_envvar=True,
    metavar="URL",
    help=f"The API's base URL (default {DEFAULT_BASE_URL}).",
)
@click.option(
    "--sandbox",
    "sandbox_url",
    envvar="VOIPSTUDIO_SANDBOX",
    show_envvar=True,
    metavar="URL",
    help="Use the sandbox server at URL (its address or its base URL), as its demo account unless you logged in.",
)
@click.option(
    "--allow-http",
    is_flag=True,
    envvar="VOIPSTUDIO_ALLOW_HTTP",
    show_envvar=True,
    help="Send credentials over plain http to a machine other than this one (they travel unencrypted).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    envvar="VOIPSTUDIO_TIMEOUT",
    show_envvar=True,
    metavar="SECONDS",
    help="How long a request may take (default 30 s, 10 s of it to connect).",
)
@click.version_option(None, "--version", "-V", package_name="voipstudio-callmeback", prog_name="voipstudio-callmeback")
@click.pass_context
def cli(
    context: click.Context, base_url: str | None, sandbox_url: str | None, allow_http: bool, timeout: float | None
) -> None:
    """VoIPstudio's Call Me Back API from the command line."""
    if sandbox_url and base_url and context.get_parameter_source("base_url") is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--sandbox and --base-url name two servers; give one")
    if sandbox_url:
        chosen = checked_url(sandbox_url, "--sandbox")
        if urlsplit(chosen).path in ("", "/"):  # the server's address: its API lives under the service's path
            chosen += SANDBOX_API_PATH
    else:
        chosen = checked_url(base_url or DEFAULT_BASE_URL, "--base-url")
    context.obj = Target(
        base_url=chosen, sandbox=bool(sandbox_url), store=SessionStore(), allow_http=allow_http, timeout=timeout
    )


for _command in (login, logout, whoami, api, completion):
    cli.add_command(_command)
for _resource in resources():
    cli.add_command(resource_group(_resource))


def run() -> None:
    """Run the command line; exit statuses as the module docstring says."""
    try:
        status = cli.main(prog_name="voipstudio-callmeback", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        status = 1
    except click.ClickException as exc:
        exc.show()
        status = exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted", err=True)
        status = INTERRUPTED
    except ReaderLeft:
        status = 0
    _stdout_open()
    sys.exit(status if isinstance(status, int) else 0)


def _stdout_open() -> bool:
    """Flush standard output; when its reader has left, point it at /dev/null so that the interpreter's
    own flush at exit does not complain (Python's advice for SIGPIPE)."""
    try:
        sys.stdout.flush()
        return True
    except (BrokenPipeError, OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return False
