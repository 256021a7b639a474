"""The commands of `voipstudio-callmeback`.

Exit status: 0 success, 1 an error from the API (or the connection to it), 2 a usage
error (bad option, bad value, no credentials), 130 interrupted by Ctrl-C. Errors are
one line on stderr, never a traceback, and never carry a credential.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Literal, TypeVar, cast
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from voipstudio_callmeback_client.models import Cdr, Visitor

from .._auth import Credentials
from .._base import DEFAULT_BASE_URL, credentials_from_env
from .._client import AsyncCallMeBack, CallMeBack
from .._exceptions import CallMeBackError
from .._filters import Filter, FilterValue
from .._pagination import Page
from .._timestamps import parse_timestamp
from ._export import FORMATS, Export, Format, declared_columns, export
from ._sessions import Session, SessionStore

T = TypeVar("T")

# The published demo account of every sandbox (voipstudio-callmeback-sandbox), used by
# --sandbox when no session was stored for that sandbox.
SANDBOX_USER_ID = "123456"
SANDBOX_API_KEY = "5f1d4c2a9b8e7d6c5b4a39281706f5e4d3c2b1a0"

SANDBOX_API_PATH = "/v1.1/voipstudio"

INTERRUPTED = 130
LIST_LIMIT = 50
EXPORT_LIMIT = 1000


# The consoles are made when something is printed, on the streams of that moment (not those of
# import time), so that a caller who redirects sys.stdout or sys.stderr (click's CliRunner)
# gets the output, at the width its stream calls for. No markup and no emoji codes: the text
# printed holds the service's data, file names and URLs, where "[...]" and ":name:" are text.
def stdout_console() -> Console:
    """A console on the current standard output."""
    console = Console(file=sys.stdout, highlight=False, soft_wrap=True, markup=False, emoji=False)
    if not console.is_terminal:  # piped or redirected: whole values, no wrapping at 80 columns
        console = Console(file=sys.stdout, highlight=False, soft_wrap=True, markup=False, emoji=False, width=100_000)
    return console


def stderr_console() -> Console:
    """A console on the current standard error."""
    return Console(file=sys.stderr, highlight=False, soft_wrap=True, markup=False, emoji=False)


class UsageProblem(click.ClickException):
    """A usage error found after the options were parsed: no credentials, a value the client refused."""

    exit_code = 2


# --- where to connect, and as whom ---------------------------------------------------------


@dataclass
class Target:
    base_url: str
    sandbox: bool
    store: SessionStore

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

    def client(self) -> CallMeBack:
        found = self.credentials()
        return CallMeBack(token=found.token, user_id=found.user_id, api_key=found.api_key, base_url=self.base_url)

    def async_client(self) -> AsyncCallMeBack:
        found = self.credentials()
        return AsyncCallMeBack(token=found.token, user_id=found.user_id, api_key=found.api_key, base_url=self.base_url)


pass_target = click.make_pass_decorator(Target)


@contextmanager
def api_errors() -> Iterator[None]:
    """Turn the client's errors into exit statuses: 1 for the API's, 2 for arguments it refused."""
    try:
        yield
    except CallMeBackError as exc:
        raise ApiFailure(str(exc)) from None
    except (ValueError, TypeError) as exc:
        raise UsageProblem(str(exc)) from None
    except KeyboardInterrupt:
        stderr_console().print("Interrupted")
        raise SystemExit(INTERRUPTED) from None


class ApiFailure(click.ClickException):
    exit_code = 1


# --- output --------------------------------------------------------------------------------


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def print_item(item: Any, as_json: bool) -> None:
    fields = item.to_dict()
    if as_json:
        print_json(fields)
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in fields.items():
        table.add_row(name, _plain(value))
    stdout_console().print(table)


# Columns of the list tables, where the whole record is too wide for a terminal (--json has everything).
LIST_COLUMNS = {
    "settings": ["id", "name", "button_id", "position", "culture", "floating_icon", "ddi"],
    "cdrs": ["id", "calldate", "type", "src", "dst", "dst_name", "duration", "billsec", "disposition", "charge"],
}


def print_page(kind: str, page: Page[Any], limit: int, as_json: bool) -> None:
    rows = [item.to_dict() for item in page.items]
    if as_json:
        print_json({"data": rows, "total": page.total, "page": page.number, "limit": limit})
        return
    columns = LIST_COLUMNS.get(kind) or list(dict.fromkeys(["id", *(name for row in rows for name in row)]))[:8]
    table = Table(*columns, box=None, pad_edge=False, header_style="bold")
    for row in rows:
        table.add_row(*(_plain(row.get(name)) for name in columns))
    stdout_console().print(table)
    first = (page.number - 1) * limit + 1
    shown = f"{first:,} to {first + len(rows) - 1:,} of {page.total:,}" if rows else f"none of {page.total:,}"
    pages = max(1, -(-page.total // limit))
    stderr_console().print(f"{kind}: {shown} (page {page.number} of {pages}; --page for more)")


# --- options shared by several commands ----------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def json_option(function: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")(function)


# A value is required: `name=""` compares with the empty string, `name=` is a mistake.
FILTER_PATTERN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|=|>|<|~)\s*(.+?)\s*$", re.DOTALL)
OPERATORS = {"=": "eq", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "~": "like"}


def parse_filter_value(text: str) -> FilterValue:
    """A filter's value: a JSON string, number or boolean as written, else the text itself."""
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    if len(text) >= 2 and text[0] == text[-1] == '"':
        value = json.loads(text)
        if isinstance(value, str):
            return value
    return text


def parse_filters(values: tuple[str, ...]) -> list[Filter]:
    filters = []
    for text in values:
        match = FILTER_PATTERN.match(text)
        if match is None:
            raise click.BadParameter(
                f"{text!r}: write FIELD OP VALUE, with OP one of = > >= < <= ~ (~ is SQL LIKE)", param_hint="--filter"
            )
        field, operator, value = match.groups()
        try:
            filters.append(Filter(field, cast(Any, OPERATORS[operator]), parse_filter_value(value)))
        except (ValueError, TypeError) as exc:
            raise click.BadParameter(f"{text!r}: {exc}", param_hint="--filter") from None
    return filters


def filter_option(function: F) -> F:
    return click.option(
        "--filter",
        "filters",
        multiple=True,
        metavar="'FIELD OP VALUE'",
        help="Only items where FIELD OP VALUE holds; OP is = > >= < <= or ~ (SQL LIKE, % any text). Repeatable.",
    )(function)


def list_options(function: F) -> F:
    function = json_option(function)
    function = filter_option(function)
    function = click.option("--dir", type=click.Choice(["ASC", "DESC"]), help="Sort direction.")(function)
    function = click.option("--sort", help="The field to sort by.")(function)
    function = click.option(
        "--limit", type=click.IntRange(1, 5000), default=LIST_LIMIT, show_default=True, help="Items per page."
    )(function)
    function = click.option(
        "--page", "page_number", type=click.IntRange(1, 2**31 - 1), default=1, show_default=True, help="Page to show."
    )(function)
    return function


# --- the command group -----------------------------------------------------------------------


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


# --- settings and buttons --------------------------------------------------------------------

SETTING_FIELDS: list[tuple[str, Any, str]] = [
    ("button_id", int, "The id of the button the widget shows."),
    ("position", click.IntRange(0, 7), "Where the widget sits on the page, 0 to 7."),
    ("culture", int, "The widget's language, as the service's culture id."),
    ("allowed_countries", str, "The countries whose visitors may call, as the service lists them."),
    ("welcome_screen_msg", str, "The message of the welcome screen."),
    ("privacy_policy_url", str, "The address of the privacy policy."),
    ("ddi_e164", int, "The number calls come from, E.164 digits."),
    ("max_call_rate", float, "The highest price per minute a call may cost."),
]
SETTING_FLAGS = [
    ("floating_icon", "Show the floating icon."),
    ("show_to_allowed_countries_only", "Show the widget only in the allowed countries."),
]
BUTTON_FIELDS: list[tuple[str, Any, str]] = [
    ("data_online", str, "The button's content while agents are online."),
    ("data_offline", str, "The button's content while agents are offline."),
]


def field_options(
    fields: list[tuple[str, Any, str]], flags: list[tuple[str, str]], *, name_required: bool
) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        for name, help in reversed(flags):
            dashed = name.replace("_", "-")
            function = click.option(f"--{dashed}/--no-{dashed}", name, default=None, help=help)(function)
        for name, kind, help in reversed(fields):
            function = click.option(f"--{name.replace('_', '-')}", name, type=kind, help=help)(function)
        return click.option("--name", required=name_required, help="The name.")(function)

    return decorate


def given(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


@cli.group()
def settings() -> None:
    """Widget settings."""


@settings.command("list")
@list_options
@pass_target
def settings_list(target: Target, /, **options: Any) -> None:
    """List widget settings, a page at a time."""
    show_page(target, "settings", **options)


@settings.command("get")
@click.argument("id", type=click.IntRange(1))
@json_option
@pass_target
def settings_get(target: Target, /, id: int, as_json: bool) -> None:
    """Show one widget setting."""
    with api_errors(), target.client() as client:
        print_item(client.settings.get(id), as_json)


@settings.command("create")
@field_options(SETTING_FIELDS, SETTING_FLAGS, name_required=True)
@json_option
@pass_target
def settings_create(target: Target, /, as_json: bool, **fields: Any) -> None:
    """Create widget settings."""
    with api_errors(), target.client() as client:
        print_item(client.settings.create(**given(fields)), as_json)


@settings.command("update")
@click.argument("id", type=click.IntRange(1))
@field_options(SETTING_FIELDS, SETTING_FLAGS, name_required=False)
@json_option
@pass_target
def settings_update(target: Target, /, id: int, as_json: bool, **fields: Any) -> None:
    """Change fields of widget settings."""
    changes = given(fields)
    if not changes:
        raise UsageProblem("give at least one field to change, such as --name")
    with api_errors(), target.client() as client:
        print_item(client.settings.update(id, **changes), as_json)


@settings.command("delete")
@click.argument("id", type=click.IntRange(1))
@pass_target
def settings_delete(target: Target, /, id: int) -> None:
    """Delete widget settings."""
    with api_errors(), target.client() as client:
        client.settings.delete(id)
    stderr_console().print(f"Deleted settings {id}")


@cli.group()
def buttons() -> None:
    """Call Me Back buttons."""


@buttons.command("get")
@click.argument("id", type=click.IntRange(1))
@json_option
@pass_target
def buttons_get(target: Target, /, id: int, as_json: bool) -> None:
    """Show one button."""
    with api_errors(), target.client() as client:
        print_item(client.buttons.get(id), as_json)


@buttons.command("create")
@field_options(BUTTON_FIELDS, [], name_required=True)
@json_option
@pass_target
def buttons_create(target: Target, /, as_json: bool, **fields: Any) -> None:
    """Create a button."""
    with api_errors(), target.client() as client:
        print_item(client.buttons.create(**given(fields)), as_json)


@buttons.command("update")
@click.argument("id", type=click.IntRange(1))
@field_options(BUTTON_FIELDS, [], name_required=False)
@json_option
@pass_target
def buttons_update(target: Target, /, id: int, as_json: bool, **fields: Any) -> None:
    """Change fields of a button."""
    changes = given(fields)
    if not changes:
        raise UsageProblem("give at least one field to change, such as --name")
    with api_errors(), target.client() as client:
        print_item(client.buttons.update(id, **changes), as_json)


@buttons.command("delete")
@click.argument("id", type=click.IntRange(1))
@pass_target
def buttons_delete(target: Target, /, id: int) -> None:
    """Delete a button."""
    with api_errors(), target.client() as client:
        client.buttons.delete(id)
    stderr_console().print(f"Deleted button {id}")


# --- collections -----------------------------------------------------------------------------


def show_page(
    target: Target,
    kind: Literal["settings", "websites", "visitors", "cdrs"],
    *,
    page_number: int,
    limit: int,
    sort: str | None,
    dir: Literal["ASC", "DESC"] | None,
    filters: tuple[str, ...],
    as_json: bool,
) -> None:
    conditions = parse_filters(filters)
    with api_errors(), target.client() as client:
        collection = getattr(client, kind)
        paginator = collection.list(limit=limit, sort=sort, dir=dir, filter=conditions)
        page = paginator._fetch(page_number)
    print_page(kind, page, limit, as_json)


@cli.group()
def websites() -> None:
    """The websites the widget runs on."""


@websites.command("list")
@list_options
@pass_target
def websites_list(target: Target, /, **options: Any) -> None:
    """List websites, a page at a time."""
    show_page(target, "websites", **options)


@cli.group()
def visitors() -> None:
    """Visitors who used the widget."""


@visitors.command("list")
@list_options
@pass_target
def visitors_list(target: Target, /, **options: Any) -> None:
    """List visitors, a page at a time."""
    show_page(target, "visitors", **options)


@cli.group()
def cdrs() -> None:
    """Call detail records of the calls the widget placed."""


@cdrs.command("list")
@list_options
@pass_target
def cdrs_list(target: Target, /, **options: Any) -> None:
    """List call records, a page at a time."""
    show_page(target, "cdrs", **options)


# --- exports ---------------------------------------------------------------------------------


class Moment(click.ParamType[datetime | date, Any]):
    """A date (YYYY-MM-DD) or a moment (YYYY-MM-DD HH:MM:SS, or with T), in the account's time."""

    name = "moment"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime | date:
        if isinstance(value, datetime | date):
            return value
        text = str(value).strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return date.fromisoformat(text)
            return parse_timestamp(text.replace("T", " "))
        except ValueError:
            self.fail(f"{value!r} is neither YYYY-MM-DD nor YYYY-MM-DD HH:MM:SS", param, ctx)


def period_filters(field: str, since: datetime | date | None, until: datetime | date | None) -> list[Filter]:
    """--since is inclusive; --until a date includes that whole day, a moment includes that second."""
    conditions = []
    if since is not None:
        conditions.append(Filter(field, "gte", since))
    if until is not None:
        if isinstance(until, datetime):
            conditions.append(Filter(field, "lte", until))
        else:
            conditions.append(Filter(field, "lt", until + timedelta(days=1)))
    return conditions


def export_options(date_field: str) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        options = [
            click.option(
                "--since", type=Moment(), help=f"Only items with {date_field} at or after this date or moment."
            ),
            click.option(
                "--until",
                type=Moment(),
                help=f"Only items with {date_field} up to this moment, or through this whole date.",
            ),
            filter_option,
            click.option(
                "--format",
                "format",
                type=click.Choice(FORMATS),
                help="csv or jsonl (default: from the --out suffix, else csv).",
            ),
            click.option(
                "--out",
                required=True,
                type=click.Path(dir_okay=False, writable=True, allow_dash=True),
                help="The file to write (- for standard output). It is replaced.",
            ),
            click.option(
                "--limit",
                type=click.IntRange(1, 5000),
                default=EXPORT_LIMIT,
                show_default=True,
                help="Items per page requested.",
            ),
            click.option(
                "--concurrency",
                type=click.IntRange(1, 32),
                default=4,
                show_default=True,
                help="Pages fetched at once, ahead of the writing (1: one after another).",
            ),
            click.option("--no-progress", is_flag=True, help="Show no progress bar."),
        ]
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def choose_format(format: Format | None, out: str) -> Format:
    if format is not None:
        return format
    return "jsonl" if Path(out).suffix.lower() in (".jsonl", ".ndjson") else "csv"


def run_export(
    target: Target,
    kind: Literal["cdrs", "visitors"],
    model: type[Any],
    date_field: str,
    *,
    since: datetime | date | None,
    until: datetime | date | None,
    filters: tuple[str, ...],
    format: Format | None,
    out: str,
    limit: int,
    concurrency: int,
    no_progress: bool,
) -> None:
    conditions = period_filters(date_field, since, until) + parse_filters(filters)
    chosen = choose_format(format, out)
    where = "standard output" if out == "-" else out
    progress = Export()
    bar = Progress(
        TextColumn(f"{kind}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr_console(),
        disable=no_progress,
        transient=False,
    )
    task = bar.add_task(kind, total=None)

    def on_page(state: Export) -> None:
        bar.update(task, completed=state.rows, total=state.total)

    with api_errors():  # credentials and arguments, checked before the file is touched
        client = target.async_client()
        pages = getattr(client, kind).list(limit=limit, filter=conditions, prefetch=concurrency).pages()

    async def main(file: IO[str]) -> None:
        async with client:
            await export(pages, file, chosen, declared_columns(model), progress, on_page=on_page)

    def summary() -> str:
        of = f" of {progress.total:,}" if progress.total is not None else ""
        return f"{where} holds {progress.rows:,} complete rows{of}"

    try:
        file: IO[str] = sys.stdout if out == "-" else open(out, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:  # no such folder, no permission: the --out given cannot be used
        asyncio.run(client.close())
        raise UsageProblem(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        try:
            with bar:
                asyncio.run(main(file))
        finally:
            if file is sys.stdout:
                file.flush()
            else:
                file.close()
    except KeyboardInterrupt:
        stderr_console().print(f"Interrupted: {summary()}")
        raise SystemExit(INTERRUPTED) from None
    except CallMeBackError as exc:
        raise ApiFailure(f"{exc}; {summary()}") from None
    except BrokenPipeError:  # the reader of standard output left: click exits quietly
        raise
    except OSError as exc:  # the disk is full, the file system went away
        raise click.ClickException(f"cannot write {where}: {exc.strerror or exc}") from None
    stderr_console().print(f"Exported {progress.rows:,} {kind}: {summary()}")


@cdrs.command("export")
@export_options("calldate")
@pass_target
def cdrs_export(target: Target, /, **options: Any) -> None:
    """Write every call record (of a period) to a CSV or JSON Lines file."""
    run_export(target, "cdrs", Cdr, "calldate", **options)


@visitors.command("export")
@export_options("created_at")
@pass_target
def visitors_export(target: Target, /, **options: Any) -> None:
    """Write every visitor (of a period) to a CSV or JSON Lines file.

    The service documents no visitor fields; --since and --until filter on created_at,
    the sandbox's name for when a visitor arrived.
    """
    run_export(target, "visitors", Visitor, "created_at", **options)


def run() -> None:
    """Run the command line; exit statuses as the module docstring says."""
    cli.main(prog_name="voipstudio-callmeback")
