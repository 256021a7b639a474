"""voipstudio-callmeback-sandbox: run the sandbox on this machine."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import signal
import socket
import sqlite3
import sys
import threading
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

from ._config import BASE_PATH, DEMO_ACCOUNT, SandboxConfig
from ._control import Clock, Control
from ._limits import BODY_TIMEOUT, HEADER_TIMEOUT, MAX_CONNECTIONS
from ._model import ModelError
from ._spec import read_yaml
from ._store import Account

ACCOUNT_FIELDS = {"user_id", "email", "password", "api_key", "two_factor_code"}
# What no two accounts may share, the demo account included (the database keeps each unique).
UNIQUE_FIELDS = ("user_id", "email", "api_key")
# The largest user id SQLite stores.
MAX_USER_ID = 2**63 - 1


def load_accounts(path: Path) -> list[Account]:
    """The accounts of an accounts file (see the README): {"accounts": [{...}, ...]}, each checked
    for its fields' types, and for sharing no user id, email or API key with another or the demo's."""
    document = json.loads(path.read_text(encoding="utf-8"))
    entries = document.get("accounts") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected an object with an 'accounts' list")
    accounts = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not {"user_id", "email", "password", "api_key"} <= set(entry):
            raise ValueError(f"{path}: account {index} needs user_id, email, password and api_key")
        unknown = set(entry) - ACCOUNT_FIELDS
        if unknown:
            raise ValueError(f"{path}: account {index} has unknown fields: {', '.join(sorted(unknown))}")
        wrong = account_type_error(entry)
        if wrong:
            raise ValueError(f"{path}: account {index}: {wrong}")
        accounts.append(Account(**entry))
    shared = shared_value([DEMO_ACCOUNT, *accounts])
    if shared:
        raise ValueError(f"{path}: {shared}")
    return accounts


def account_type_error(entry: dict[str, Any]) -> str | None:
    """What is wrong with the types of an account's fields, if anything."""
    user_id = entry["user_id"]
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 1 <= user_id <= MAX_USER_ID:
        return f"user_id must be a whole number from 1 to {MAX_USER_ID}, not {json.dumps(user_id)}"
    for name in ("email", "password", "api_key"):
        if not isinstance(entry[name], str) or not entry[name]:
            return f"{name} must be a non-empty string, not {json.dumps(entry[name])}"
    code = entry.get("two_factor_code")
    if code is not None and (not isinstance(code, str) or not code):
        return f"two_factor_code must be a non-empty string or null, not {json.dumps(code)}"
    return None


def shared_value(accounts: Sequence[Account]) -> str | None:
    """Which account reuses another's user id, email or API key (the first is the demo account), if one does."""
    for name in UNIQUE_FIELDS:
        owners: dict[Any, Account] = {}
        for account in accounts:
            value = getattr(account, name)
            first = owners.setdefault(value, account)
            if first is not account:
                whose = "the demo account's" if first is DEMO_ACCOUNT else f"that of user {first.user_id}"
                return f"the {name} of user {account.user_id} is {whose}"
    return None


def fail(message: object) -> int:
    """Say on one line of standard error why the sandbox cannot start; the exit status for it."""
    print(f"voipstudio-callmeback-sandbox: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


def read_spec(path: Path) -> dict[str, Any]:
    """An OpenAPI document as data (YAML or JSON)."""
    import yaml

    try:
        document = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path} is not YAML or JSON: {exc}") from exc
    if not isinstance(document, dict) or "paths" not in document:
        raise ValueError(f"{path} is not an OpenAPI document")
    return document


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="voipstudio-callmeback-sandbox",
        description="A stateful stand-in for VoIPstudio's Call Me Back API, implementing openapi.yaml.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    p.add_argument(
        "--port", type=int, default=8000, help="port to listen on; 0 picks a free one (default: %(default)s)"
    )
    p.add_argument(
        "--db", default="voipstudio-callmeback-sandbox.db", help="SQLite file, or :memory: (default: %(default)s)"
    )
    p.add_argument("--accounts", type=Path, help="JSON file of further accounts (see the README)")
    p.add_argument(
        "--token-ttl",
        type=float,
        default=1800.0,
        help="seconds a session token lives without use (default: %(default)s)",
    )
    p.add_argument(
        "--cdrs", type=int, default=2600, help="call records seeded for each new account (default: %(default)s)"
    )
    p.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every request (default: none)")
    p.add_argument("--quiet", action="store_true", help="write no line per request to standard error")
    p.add_argument(
        "--spec", type=Path, help="the OpenAPI document to serve (default: the openapi.yaml the sandbox ships with)"
    )
    p.add_argument(
        "--control",
        action="store_true",
        help="serve the test controls under /_sandbox/: faults, clock, data, request journal, reset (docs/testing.md)",
    )
    p.add_argument(
        "--allow-remote-control",
        action="store_true",
        help="let --control listen on an address other than loopback (anyone who reaches it can change the data)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests whose Host header names NAME (repeatable); by default only 127.0.0.1, "
        "localhost, [::1] and the --host address: a page elsewhere cannot reach the sandbox by rebinding a name",
    )
    p.add_argument(
        "--allow-demo-on-network",
        action="store_true",
        help="serve the demo account, whose password is published, on an address other than loopback "
        "(without it, --accounts is required there and the demo account is not served)",
    )
    p.add_argument(
        "--header-timeout",
        type=positive,
        default=HEADER_TIMEOUT,
        metavar="SECONDS",
        help="seconds a connection may take to send a request's line and headers; then 408 (default: %(default)s)",
    )
    p.add_argument(
        "--body-timeout",
        type=positive,
        default=BODY_TIMEOUT,
        metavar="SECONDS",
        help="seconds a request may take to send its body; then 408 (default: %(default)s)",
    )
    p.add_argument(
        "--max-connections",
        type=int,
        default=MAX_CONNECTIONS,
        metavar="N",
        help="connections served at once; a request on one more is answered 503 with Retry-After "
        "(default: %(default)s)",
    )
    return p


def positive(text: str) -> float:
    """A number of seconds above zero, for argparse."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above zero, not {text}")
    return value


# What the command line prints on standard error when it serves the demo account beyond loopback.
DEMO_ON_NETWORK_WARNING = (
    "WARNING: the sandbox listens on {host}, beyond this machine, and serves the demo account, whose "
    "password and API key are published: anyone who reaches {host} can log in, read and change its data."
)


def is_loopback(host: str) -> bool:
    """Whether an address to listen on is this machine's alone."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def banner(config: SandboxConfig, url: str, accounts: Sequence[Account], control: bool = False) -> list[str]:
    """What the sandbox prints once it listens: where, and as whom to use it. The first line names the URL."""
    address = url.removesuffix(BASE_PATH)
    lines = [
        f"VoIPstudio Call Me Back sandbox: {url} (and /v1.2/voipstudio)",
        f"  interactive documentation: {address}/docs",
        f"  database: {config.db}",
    ]
    if config.demo:
        lines += [
            f"  demo login: {DEMO_ACCOUNT.email} / {DEMO_ACCOUNT.password}",
            f"  demo API key: user id {DEMO_ACCOUNT.user_id}, key {DEMO_ACCOUNT.api_key} (HTTP Basic)",
        ]
    for account in accounts:
        two_factor = ", two-factor" if account.two_factor_code else ""
        lines.append(f"  account: {account.email} (user id {account.user_id}{two_factor})")
    if control:
        lines.append(f"  test controls: {address}/_sandbox/ (faults, clock, data, requests, reset)")
    lines.append("Press Ctrl-C to stop.")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until Ctrl-C or SIGTERM; 0 when stopped so, 2 when it cannot start."""
    args = parser().parse_args(argv)
    try:
        import uvicorn  # noqa: F401 - what the sandbox's extra installs, checked before anything is done

        from . import create_app
        from ._server import server_config
    except ImportError as exc:
        print(
            f"voipstudio-callmeback-sandbox: {exc.name} is missing; "
            "install the sandbox with: pip install 'voipstudio-callmeback[sandbox]'",
            file=sys.stderr,
        )
        return 2
    if args.control and not is_loopback(args.host) and not args.allow_remote_control:
        return fail(
            f"--control lets whoever reaches {args.host} change the data and inject faults: it listens on "
            "loopback only (127.0.0.1, ::1), unless --allow-remote-control is given too"
        )
    on_network = not is_loopback(args.host)
    if on_network and not args.accounts and not args.allow_demo_on_network:
        return fail(
            f"{args.host} is not loopback: anyone who reaches it could log in with the demo account's published "
            "password. Give your own accounts (--accounts FILE; the demo account is then not served), "
            "or --allow-demo-on-network to serve the demo account there anyway"
        )
    if args.max_connections < 1:
        return fail(f"--max-connections must be at least 1, not {args.max_connections}")
    clock = Clock()
    try:
        accounts = load_accounts(args.accounts) if args.accounts else []
        spec = read_spec(args.spec) if args.spec else None
    except (OSError, ValueError) as exc:
        return fail(exc)
    config = SandboxConfig(
        db=args.db,
        accounts=accounts,
        token_ttl=args.token_ttl,
        cdrs_per_account=args.cdrs,
        latency=args.latency_ms / 1000,
        access_log=None if args.quiet else sys.stderr,
        spec=spec,
        clock=clock,
        # The address it listens on, as its banner's URL names it (0.0.0.0 too: an address, which no one can
        # rebind); the machine's other names and addresses only with --allow-host.
        allowed_hosts=[*args.allow_host, args.host],
        demo=not on_network or args.allow_demo_on_network,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        max_connections=args.max_connections,
    )
    try:
        store = config.open_store()
    except ModelError as exc:
        return fail(exc)
    except (sqlite3.Error, OSError, TypeError, ValueError) as exc:
        return fail(f"cannot open the database {args.db}: {exc}")
    try:
        app = create_app(config, store)  # refuses a spec it cannot serve, before anything is printed
        if args.control:
            app = Control(store, clock, serve_api=True).wrap(app)
    except ModelError as exc:
        store.close()
        return fail(exc)
    except (sqlite3.Error, OSError, TypeError, ValueError) as exc:
        store.close()
        return fail(f"cannot set up the accounts in {args.db}: {exc}")
    try:
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        # Listening before the banner: a client that read the URL can connect at once (the
        # server accepts what waits in the backlog once it runs).
        sock.listen(2048)
    except OSError as exc:
        print(
            f"voipstudio-callmeback-sandbox: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr
        )
        store.close()
        return 2
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    server = quiet_server(server_config(app, config, lifespan="on"))
    try:
        if on_network and config.demo:
            print(DEMO_ON_NETWORK_WARNING.format(host=args.host), file=sys.stderr, flush=True)
        print("\n".join(banner(config, f"http://{shown}:{port}{BASE_PATH}", accounts, args.control)), flush=True)
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C before the server took over the signal, or a second one while stopping
        pass
    finally:
        store.close()
    print("Stopped.", flush=True)
    return 0


def quiet_server(config: Any) -> Any:
    """uvicorn's server, stopped by Ctrl-C or SIGTERM without the signal being raised again afterwards
    (uvicorn re-raises it, which ends the process with a traceback or a signal's status)."""
    import uvicorn

    class QuietServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

        def stop(self, sig: int, frame: Any) -> None:
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True  # a second Ctrl-C: stop without waiting for open connections
            self.should_exit = True

    return QuietServer(config)


if __name__ == "__main__":
    sys.exit(main())
