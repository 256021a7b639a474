"""`voipstudio-callmeback api METHOD PATH`: an authenticated request to any path of the API, as `gh api` makes one.

    voipstudio-callmeback api GET /callmeback/settings -f limit=5
    voipstudio-callmeback api POST /callmeback/settings -f name=Shop -F position=3 -F floating_icon=true
    voipstudio-callmeback api DELETE /callmeback/settings/7 -i

The request goes through the library's `cmb.get()` ... (credentials, retries, session errors);
fields are query parameters of GET and DELETE and the members of a JSON body otherwise. The
answer's JSON is printed indented on standard output (its text, when it is not JSON); with an
error status too, and the error's message on standard error (exit status 1). Control characters
and bidi overrides in the answer are printed escaped (_output.py): in JSON as JSON escapes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

import click
import httpx

from .. import APIStatusError
from ._output import json_text, visible, visible_lines
from ._target import ApiFailure, Target, UsageProblem, api_errors, pass_target

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Methods whose fields are query parameters (they send no body).
QUERY_METHODS = frozenset({"GET", "DELETE"})
# The largest --input file read, like the sandbox's body limit: a body is a request, not a bulk upload.
MAX_INPUT_BYTES = 1024 * 1024


def _pairs(values: Iterable[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise UsageProblem(f"{option} takes key=value, not {value!r}")
        pairs.append((key, rest))
    return pairs


def typed(value: str) -> Any:
    """A -F value as gh reads it: true, false, null and numbers as JSON, anything else as text."""
    if value in ("true", "false", "null"):
        return json.loads(value)
    try:
        number = json.loads(value)
    except ValueError:
        return value
    return number if isinstance(number, int | float) and not isinstance(number, bool) else value


def _headers(values: Iterable[str]) -> dict[str, str]:
    found = {}
    for value in values:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip():
            raise UsageProblem(f"-H takes 'Name: value', not {value!r}")
        found[name.strip()] = rest.strip()
    return found


def _body(input_file: str | None) -> Any:
    if input_file is None:
        return None
    stream = sys.stdin.buffer if input_file == "-" else None
    try:
        if stream is None:
            with open(input_file, "rb") as handle:
                content = handle.read(MAX_INPUT_BYTES + 1)
        else:
            content = stream.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise UsageProblem(f"--input {input_file}: {exc.strerror}") from None
    if len(content) > MAX_INPUT_BYTES:
        raise UsageProblem(f"--input {input_file}: more than {MAX_INPUT_BYTES // 1024} KiB")
    try:
        return json.loads(content)
    except ValueError:
        raise UsageProblem(f"--input {input_file} is not JSON") from None


def _show(response: httpx.Response, include: bool) -> None:
    """The answer on standard output: what a terminal would act on escaped (the server chose every
    byte): in JSON as JSON escapes (the same value), elsewhere as visible() writes it."""
    if include:
        click.echo(visible(f"HTTP/1.1 {response.status_code} {response.reason_phrase}"))
        for name, value in response.headers.multi_items():
            click.echo(visible(f"{name}: {value}"))
        click.echo()
    if not response.content:
        return
    try:
        value = json.loads(response.content)
    except ValueError:
        click.echo(visible_lines(response.text))
        return
    click.echo(json_text(value))


@click.command("api")
@click.argument("method", type=click.Choice(METHODS, case_sensitive=False), metavar="METHOD")
@click.argument("path")
@click.option("-f", "--raw-field", "raw_fields", multiple=True, metavar="KEY=VALUE", help="A field with a text value.")
@click.option(
    "-F",
    "--field",
    "fields",
    multiple=True,
    metavar="KEY=VALUE",
    help="A field whose value is typed: true, false, null and numbers as JSON, anything else as text.",
)
@click.option("-H", "--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="A header to send as well.")
@click.option("--input", "input_file", metavar="FILE", help="The JSON body, from FILE ('-': standard input).")
@click.option("-i", "--include", is_flag=True, help="Print the status line and the headers before the body.")
@pass_target
def api(
    target: Target,
    /,
    method: str,
    path: str,
    raw_fields: tuple[str, ...],
    fields: tuple[str, ...],
    headers: tuple[str, ...],
    input_file: str | None,
    include: bool,
) -> None:
    """Send METHOD to PATH (under the base URL, such as /callmeback/settings) with your credentials; print the answer.

    Fields (-f, -F) are query parameters of GET and DELETE, and the members of a JSON body of
    POST, PUT and PATCH (which --input gives whole instead). The answer's JSON is printed
    indented, also for an error status, whose message goes to standard error (exit status 1).
    """
    method = method.upper()
    values: dict[str, Any] = dict(_pairs(raw_fields, "-f"))
    values.update((key, typed(value)) for key, value in _pairs(fields, "-F"))
    body = _body(input_file)
    if body is not None and values and method not in QUERY_METHODS:
        raise UsageProblem("give the body as --input or as fields (-f, -F), not both")
    if body is not None and method in QUERY_METHODS:
        raise UsageProblem(f"{method} sends no body: give its parameters as fields (-f, -F)")
    params = values if method in QUERY_METHODS else None
    json_body = (body if body is not None else values or None) if method not in QUERY_METHODS else None
    where = path if path.startswith("/") or "://" in path else f"/{path}"  # an absolute URL: the client refuses it
    with api_errors(target.base_url), target.client() as client:
        send = getattr(client, method.lower())
        options: dict[str, Any] = {"params": params, "cast_to": httpx.Response, "extra_headers": _headers(headers)}
        if method not in QUERY_METHODS:
            options["json"] = json_body
        try:
            response = send(where, **options)
        except APIStatusError as error:
            _show(error.response, include)
            raise ApiFailure(str(error)) from None
    _show(response, include)
