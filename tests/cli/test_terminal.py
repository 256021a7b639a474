"""The command line as a person meets it: in a real pseudo-terminal (the pty module), piped into `head`,
and with the habits of gh and the Stripe CLI (-V, completion, whoami, confirmation, --output, --columns)."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import pty
import re
import select
import signal
import socket
import struct
import subprocess
import termios
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.support import TWO_FACTOR_ACCOUNT, RunningServer

from .conftest import COMMAND, SANDBOX_CDRS, Cli, client, fields, table

ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
WIDTH = 80


@dataclass
class Screen:
    """What a command wrote to its terminal (standard output and error together), and its exit status."""

    text: str
    status: int

    @property
    def plain(self) -> str:
        """The text without escape sequences, lines ended with \\n."""
        return ESCAPE.sub("", self.text).replace("\r\n", "\n").replace("\r", "\n")


def in_terminal(
    *args: str,
    answers: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    stdout: Path | None = None,
    width: int = WIDTH,
    timeout: float = 60,
) -> Screen:
    """Run the console script with a pseudo-terminal of `width` columns as its standard input, output and
    error (or its output to the file `stdout`); each answer is typed after the next prompt ending in ': '
    (output after the previous answer)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, width, 0, 0))
    out = stdout.open("w") if stdout is not None else None
    environment = {**os.environ, "TERM": "xterm-256color", **(env or {})}
    process = subprocess.Popen(
        [str(COMMAND), *args],
        stdin=follower,
        stdout=out if out is not None else follower,
        stderr=follower,
        env=environment,
        close_fds=True,
    )
    os.close(follower)
    received = b""
    pending = list(answers)
    answered = 0
    deadline = time.monotonic() + timeout
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the other side closed: the process ended
                    break
                if not chunk:
                    break
                received += chunk
                # The next prompt: output since the last answer (not the newline after a hidden answer,
                # which leaves the previous prompt at the end) that ends in ':'.
                if pending and received[answered:].rstrip().endswith((b":", b"]:")):
                    os.write(leader, (pending.pop(0) + "\n").encode())
                    answered = len(received)
            elif process.poll() is not None:
                break
            assert time.monotonic() < deadline, f"no end in {timeout} s: {received!r}"
        status = process.wait(timeout=timeout)
    finally:
        os.close(leader)
        if out is not None:
            out.close()
        if process.poll() is None:
            process.kill()
    return Screen(received.decode("utf-8", errors="replace"), status)


# --- tables on a terminal ---------------------------------------------------------------------------


def test_a_table_fits_the_terminal_without_cutting_a_value(cli_sandbox: RunningServer) -> None:
    """On an 80-column terminal every line fits, every cell shown is whole, and the note names what was left out."""
    screen = in_terminal("--sandbox", cli_sandbox.url, "cdrs", "list", "--limit", "5")
    assert screen.status == 0, screen.plain
    lines = screen.plain.splitlines()
    assert all(len(line) <= WIDTH for line in lines[:6]), lines  # the header and five rows
    rows = table("\n".join(lines[:6]))
    with client(cli_sandbox) as python:
        records = [item.to_dict() for item in next(iter(python.cdrs.list(limit=5).pages())).items]
    for row, record in zip(rows, records, strict=True):
        for name, shown in row.items():
            assert shown == ("" if record[name] is None else str(record[name])), name  # whole, not cut
    assert "did not fit:" in screen.plain
    assert "--page 2 for more" in screen.plain


def test_colour_only_without_no_color(cli_sandbox: RunningServer) -> None:
    """The header is bold on a terminal; with NO_COLOR there is no escape sequence at all."""
    coloured = in_terminal("--sandbox", cli_sandbox.url, "settings", "list")
    assert "\x1b[1m" in coloured.text
    plain = in_terminal("--sandbox", cli_sandbox.url, "settings", "list", env={"NO_COLOR": "1"})
    assert plain.status == 0
    assert "\x1b[" not in plain.text


# Values a table must measure in terminal cells and show on one line: CJK characters and an emoji take
# two cells each; a newline, a tab and ESC are shown escaped, as Python writes them.
WIDE_NAME = "漢字" * 10 + " 👍"
CONTROL_NAME = "first line\nsecond\tline \x1b[31mred"
CONTROL_SHOWN = "first line\\nsecond\\tline \\x1b[31mred"


def cells(text: str) -> int:
    """The terminal cells text takes: two for an East Asian wide or full-width character, else one."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


@pytest.fixture
def odd_settings(cli_sandbox: RunningServer) -> Iterator[list[tuple[int, str, str]]]:
    """Settings of the demo account named with wide and control characters: (id, name, as a table shows it)."""
    with client(cli_sandbox) as python:
        made = [
            (python.settings.create(name=name, position=3).id, name, shown)
            for name, shown in ((WIDE_NAME, WIDE_NAME), (CONTROL_NAME, CONTROL_SHOWN), ("Plain", "Plain"))
        ]
        try:
            yield made
        finally:
            for id, _, _ in made:
                python.settings.delete(id)


def only(made: list[tuple[int, str, str]]) -> tuple[str, ...]:
    """--filter options that list exactly these settings (made one after another)."""
    ids = [id for id, _, _ in made]
    return ("--filter", f"id >= {min(ids)}", "--filter", f"id <= {max(ids)}")


def test_wide_and_control_characters_keep_the_columns(
    cli: Cli, cli_sandbox: RunningServer, odd_settings: list[tuple[int, str, str]]
) -> None:
    """Each column starts at the same terminal cell on every line, each row is one line with its control
    characters escaped; JSON and CSV hold the values as they are."""
    args = ("--sandbox", cli_sandbox.url, "settings", "list", *only(odd_settings))
    found = cli.invoke(*args, "--columns", "id,name,position")
    assert found.exit_code == 0, found.stderr
    lines = found.stdout.splitlines()
    assert len(lines) == 1 + len(odd_settings), lines  # the newline in a name did not break its row
    header = lines[0]
    for line, (id, _, shown) in zip(lines[1:], odd_settings, strict=True):
        assert line.startswith(f"{id} ")
        at = line.index(shown)
        assert cells(line[:at]) == header.index("name"), line
        after = at + len(shown)
        position = after + len(line[after:]) - len(line[after:].lstrip(" "))
        assert cells(line[:position]) == header.index("position"), line
        assert line[position:] == "3"
        assert "\x1b" not in line

    item = cli.invoke("--sandbox", cli_sandbox.url, "settings", "get", str(odd_settings[1][0]))
    assert item.exit_code == 0, item.stderr
    assert fields(item.stdout)["name"] == CONTROL_SHOWN
    assert "\x1b" not in item.stdout

    as_json = cli.invoke(*args, "--json")
    assert [item["name"] for item in as_json.json()["data"]] == [name for _, name, _ in odd_settings]
    as_csv = cli.invoke(*args, "--output", "csv", "--columns", "id,name")
    rows = list(csv.reader(io.StringIO(as_csv.stdout, newline="")))
    assert rows == [["id", "name"], *([str(id), name] for id, name, _ in odd_settings)]


def test_wide_characters_fit_the_terminal(cli_sandbox: RunningServer, odd_settings: list[tuple[int, str, str]]) -> None:
    """On a 60-column terminal, a table of wide names shows the columns that fit in cells, one line a row."""
    width = 60
    screen = in_terminal("--sandbox", cli_sandbox.url, "settings", "list", *only(odd_settings), width=width)
    assert screen.status == 0, screen.plain
    lines = screen.plain.splitlines()
    rows = lines[: 1 + len(odd_settings)]
    assert all(cells(line) <= width for line in rows), rows
    assert [line.split()[0] for line in rows[1:]] == [str(id) for id, _, _ in odd_settings]
    assert CONTROL_SHOWN in rows[2]
    assert "did not fit:" in lines[1 + len(odd_settings)]


# --- progress where a person watches it -----------------------------------------------------------


def test_progress_on_the_terminal_while_writing_a_file(cli_sandbox: RunningServer, tmp_path: Path) -> None:
    """An export to a file shows its progress on the terminal."""
    path = tmp_path / "calls.csv"
    screen = in_terminal("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", str(path))
    assert screen.status == 0, screen.plain
    assert f"{SANDBOX_CDRS}/{SANDBOX_CDRS}" in screen.plain
    assert path.read_text().count("\n") == SANDBOX_CDRS + 1


def test_no_progress_over_data_on_the_same_terminal(cli_sandbox: RunningServer) -> None:
    """--out - on a terminal: the CSV alone, no bar drawn over it."""
    screen = in_terminal("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", "-", "--limit", "100")
    assert screen.status == 0, screen.plain
    assert "━" not in screen.plain
    assert f"{SANDBOX_CDRS}/{SANDBOX_CDRS}" not in screen.plain
    assert screen.plain.count("\n") >= SANDBOX_CDRS + 1


def test_progress_on_the_terminal_and_data_in_a_file(cli_sandbox: RunningServer, tmp_path: Path) -> None:
    """--out - with standard output redirected: the data in the file, the bar on the terminal, not in the data."""
    data = tmp_path / "out.csv"
    screen = in_terminal("--sandbox", cli_sandbox.url, "cdrs", "export", "--out", "-", stdout=data)
    assert screen.status == 0, screen.plain
    assert f"{SANDBOX_CDRS}/{SANDBOX_CDRS}" in screen.plain
    text = data.read_text()
    assert text.count("\n") == SANDBOX_CDRS + 1
    assert "━" not in text


# --- a closed pipe ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [("cdrs", "export", "--out", "-", "--limit", "50"), ("cdrs", "list", "--all", "--output", "csv")],
    ids=["export", "list-all"],
)
def test_head_ends_the_command_quietly(cli_sandbox: RunningServer, args: tuple[str, ...]) -> None:
    """`... | head -2`: once head leaves, the command ends with status 0 and says nothing."""
    shell = f"'{COMMAND}' --sandbox {cli_sandbox.url} {' '.join(args)} | head -2; exit ${{PIPESTATUS[0]}}"
    found = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=60, check=False)
    assert found.stdout.count("\n") == 2
    assert found.returncode == 0, found.stderr
    assert found.stderr == ""


# --- confirmation ---------------------------------------------------------------------------------------


def test_delete_asks_on_a_terminal(cli: Cli, cli_sandbox: RunningServer) -> None:
    """On a terminal, delete asks first: no keeps the item (status 1), yes deletes it; --yes does not ask."""
    ids = [
        json.loads(cli.invoke("--sandbox", cli_sandbox.url, "settings", "create", "--name", name, "--json").stdout)[
            "id"
        ]
        for name in ("Ask no", "Ask yes", "No question")
    ]
    kept = in_terminal("--sandbox", cli_sandbox.url, "settings", "delete", str(ids[0]), answers=("n",))
    assert f"Delete setting {ids[0]}? [y/N]:" in kept.plain
    assert kept.status == 1
    assert f"Not deleted: setting {ids[0]}" in kept.plain
    gone = in_terminal("--sandbox", cli_sandbox.url, "settings", "delete", str(ids[1]), answers=("y",))
    assert gone.status == 0, gone.plain
    assert f"Deleted setting {ids[1]}" in gone.plain
    quiet = in_terminal("--sandbox", cli_sandbox.url, "settings", "delete", str(ids[2]), "--yes")
    assert quiet.status == 0
    assert "?" not in quiet.plain
    with client(cli_sandbox) as python:
        listed = {item.id for item in python.settings.list(limit=5000)}
    assert ids[0] in listed
    assert not {ids[1], ids[2]} & listed


def test_login_prompts_for_the_password_without_echo(cli_sandbox: RunningServer, tmp_path: Path) -> None:
    """In a terminal, login asks for the email and the password; the password is not echoed."""
    screen = in_terminal(
        "--sandbox",
        cli_sandbox.url,
        "login",
        answers=("demo@example.com", "demo"),
        env={"XDG_CONFIG_HOME": str(tmp_path)},
    )
    assert screen.status == 0, screen.plain
    assert "Email:" in screen.plain
    assert "Password:" in screen.plain
    assert screen.plain.count("demo@example.com") >= 1
    assert "\ndemo\n" not in screen.plain  # typed, not shown


def test_login_asks_for_the_two_factor_code_without_echo(cli_sandbox: RunningServer, tmp_path: Path) -> None:
    """In a terminal, the two-factor account's login asks for its code after the password, hidden as the
    password is (the terminal shows neither), and the session works."""
    screen = in_terminal(
        "--sandbox", cli_sandbox.url, "login", "--email", TWO_FACTOR_ACCOUNT.email,
        answers=(TWO_FACTOR_ACCOUNT.password, str(TWO_FACTOR_ACCOUNT.two_factor_code)),
        env={"XDG_CONFIG_HOME": str(tmp_path)},
    )  # fmt: skip
    assert screen.status == 0, screen.plain
    assert "Password:" in screen.plain
    assert "Two-factor code:" in screen.plain
    assert str(TWO_FACTOR_ACCOUNT.two_factor_code) not in screen.text  # typed, not echoed
    assert TWO_FACTOR_ACCOUNT.password not in screen.text
    assert f"as {TWO_FACTOR_ACCOUNT.email}" in screen.plain
    listed = in_terminal(
        "--sandbox", cli_sandbox.url, "whoami", env={"XDG_CONFIG_HOME": str(tmp_path), "NO_COLOR": "1"}
    )
    assert listed.status == 0, listed.plain
    assert f"the session of {TWO_FACTOR_ACCOUNT.email}" in listed.plain
    assert "accepted:    yes" in listed.plain


# --- errors that name the fix -------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--base-url", "127.0.0.1:8000", "settings", "list"), "is not a URL with a scheme and a host"),
        (("--base-url", "http://api.example.com/v1.1/voipstudio", "whoami"), "--allow-http"),
        (("login", "--password-stdin"), "--password-stdin needs --email"),
        (("cdrs", "export", "--out", "-", "--since", "2026-03-02", "--until", "2026-03-01"), "nothing could match"),
        (("cdrs", "list", "--since", "2026-02-30"), "no such date"),
        (("cdrs", "list", "--columns", "id,nope"), "nope is not a field"),
        (("cdrs", "list", "--sort", "nope"), "--sort"),
    ],
    ids=["no-scheme", "plain-http", "password-stdin", "inverted", "impossible-date", "column", "sort"],
)
def test_usage_errors(cli: Cli, cli_sandbox: RunningServer, args: tuple[str, ...], message: str) -> None:
    """Mistakes are usage errors (status 2) that say what is wrong, before anything is sent."""
    base = () if "--base-url" in args else ("--sandbox", cli_sandbox.url)
    env = {"VOIPSTUDIO_API_TOKEN": "t" * 40} if "--base-url" in args else None
    found = cli.invoke(*base, *args, env=env, input="secret\n")
    assert found.exit_code == 2, found.stderr
    assert message in found.stderr


def test_a_refused_connection_names_host_and_port(cli: Cli) -> None:
    """Nothing listens: status 1, and the message says where it tried."""
    port = closed_port()
    found = cli.invoke("--base-url", f"http://127.0.0.1:{port}/v1.1/voipstudio", "settings", "list",
                       env={"VOIPSTUDIO_API_TOKEN": "t" * 40})  # fmt: skip
    assert found.exit_code == 1
    assert f"127.0.0.1:{port}" in found.stderr


def test_a_wrong_base_url_gets_a_hint(cli: Cli, cli_sandbox: RunningServer) -> None:
    """A collection answering 404 means the base URL is wrong: the message says so and names it."""
    wrong = cli_sandbox.url.replace("/v1.1/voipstudio", "/nope")
    found = cli.invoke("--base-url", wrong, "settings", "list", env={"VOIPSTUDIO_API_TOKEN": "t" * 40})
    assert found.exit_code == 1
    assert f"is the base URL {wrong} right?" in found.stderr


# --- the habits of gh ----------------------------------------------------------------------------------


def test_version(cli: Cli) -> None:
    """-V and --version print the version."""
    for flag in ("-V", "--version"):
        found = cli.invoke(flag)
        assert found.exit_code == 0
        assert re.match(r"voipstudio-callmeback, version \d+\.\d+\.\d+", found.stdout)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(cli: Cli, shell: str) -> None:
    """completion SHELL prints a script that hooks click's completion for this command."""
    found = cli.invoke("completion", shell)
    assert found.exit_code == 0
    assert "_VOIPSTUDIO_CALLMEBACK_COMPLETE" in found.stdout


def test_completion_completes_commands(cli_sandbox: RunningServer) -> None:
    """The completion the scripts ask for lists the resource groups."""
    env = {**os.environ, "_VOIPSTUDIO_CALLMEBACK_COMPLETE": "bash_complete", "COMP_WORDS": "voipstudio-callmeback cd",
           "COMP_CWORD": "1"}  # fmt: skip
    found = subprocess.run([str(COMMAND)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert "cdrs" in found.stdout


def test_every_environment_variable_is_shown(cli: Cli) -> None:
    """The help names the environment variables of the options and of the credentials."""
    shown = cli.invoke("--help").stdout
    for name in ("VOIPSTUDIO_BASE_URL", "VOIPSTUDIO_SANDBOX", "VOIPSTUDIO_ALLOW_HTTP", "VOIPSTUDIO_API_TOKEN",
                 "VOIPSTUDIO_USER_ID", "VOIPSTUDIO_API_KEY", "VOIPSTUDIO_LOG", "NO_COLOR"):  # fmt: skip
        assert name in shown, name


def test_whoami(cli: Cli, cli_sandbox: RunningServer) -> None:
    """whoami names where the credentials come from and whether the service takes them."""
    demo = cli.invoke("--sandbox", cli_sandbox.url, "whoami")
    assert demo.exit_code == 0, demo.stderr
    assert "demo account" in demo.stdout
    assert "accepted:    yes" in demo.stdout
    wrong = cli.invoke("--base-url", cli_sandbox.url, "whoami", env={"VOIPSTUDIO_API_TOKEN": "0" * 40})
    assert wrong.exit_code == 1
    assert "VOIPSTUDIO_API_TOKEN" in wrong.stdout
    assert "401" in wrong.stdout
    nobody = cli.invoke("--base-url", cli_sandbox.url, "whoami")
    assert nobody.exit_code == 2
    assert "not logged in" in nobody.stderr


def test_logout_says_the_token_lives_on(cli: Cli, cli_sandbox: RunningServer) -> None:
    """logout removes the local session and says the service keeps the token until it expires."""
    cli.invoke("--sandbox", cli_sandbox.url, "login", "--email", "demo@example.com", "--password-stdin", input="demo\n")
    found = cli.invoke("--sandbox", cli_sandbox.url, "logout")
    assert found.exit_code == 0
    assert "until it expires unused" in found.stderr


# --- output like the tools people know -----------------------------------------------------------------


def test_output_csv_columns_and_all(cli: Cli, cli_sandbox: RunningServer) -> None:
    """--output csv with --columns writes those columns; --all reads every page; json is the shorthand's."""
    found = cli.invoke(
        "--sandbox", cli_sandbox.url, "cdrs", "list", "--all", "--output", "csv", "--columns", "id,duration"
    )
    assert found.exit_code == 0, found.stderr
    lines = found.stdout.splitlines()
    assert lines[0] == "id,duration"
    assert len(lines) == SANDBOX_CDRS + 1
    as_json = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "list", "--limit", "3", "-o", "json")
    assert as_json.stdout == cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "list", "--limit", "3", "--json").stdout


def test_footer_points_to_more_only_when_there_is_more(cli: Cli, cli_sandbox: RunningServer) -> None:
    """A middle page names the next one; the last page does not."""
    pages = -(-SANDBOX_CDRS // 100)
    middle = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "list", "--limit", "100", "--page", "2")
    assert f"(page 2 of {pages}; --page 3 for more, or --all)" in middle.stderr
    last = cli.invoke("--sandbox", cli_sandbox.url, "cdrs", "list", "--limit", "100", "--page", str(pages))
    assert last.stderr.rstrip().endswith(f"(page {pages} of {pages})")


def test_the_suggested_next_page_is_accepted(cli: Cli, slow_sandbox: RunningServer) -> None:
    """From page 1,000 on, the footer's `--page N` still works when typed back: no thousands separator."""
    limit, number = 10, 1000
    shown = cli.invoke("--sandbox", slow_sandbox.url, "cdrs", "list", "--limit", str(limit), "--page", str(number))
    assert shown.exit_code == 0, shown.stderr
    suggested = re.search(r"--page (\S+) for more", shown.stderr)
    assert suggested is not None, shown.stderr
    following = cli.invoke(
        "--sandbox", slow_sandbox.url, "cdrs", "list", "--limit", str(limit), "--page", suggested.group(1), "--json"
    )
    assert following.exit_code == 0, following.stderr
    assert following.json()["page"] == number + 1
    with client(slow_sandbox) as python:
        expected = [item.to_dict() for item in python.cdrs.list(limit=limit).page(number + 1).items]
    assert following.json()["data"] == expected != []


def test_an_interrupt_in_a_terminal(slow_sandbox: RunningServer, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the foreground command) during a long export ends it with 130 and no traceback."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [
            str(COMMAND),
            "--sandbox",
            slow_sandbox.url,
            "cdrs",
            "export",
            "--out",
            str(tmp_path / "x.csv"),
            "--limit",
            "1",
            "--concurrency",
            "1",
        ],
        stdin=follower,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    status = process.wait(timeout=30)
    received = b""
    while select.select([leader], [], [], 0.2)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    text = received.decode(errors="replace")
    assert status == 130, text
    assert "Traceback" not in text
    assert "Interrupted" in text
