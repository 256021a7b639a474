"""voipstudio-callmeback-sandbox: run the sandbox on this machine."""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from ._config import DEMO_ACCOUNT, SandboxConfig
from ._store import Account

ACCOUNT_FIELDS = {"user_id", "email", "password", "api_key", "two_factor_code"}


def load_accounts(path: Path) -> list[Account]:
    """The accounts of an accounts file (see the README): {"accounts": [{...}, ...]}."""
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
        accounts.append(Account(**entry))
    return accounts


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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        import uvicorn

        from . import create_app
    except ImportError as exc:
        print(
            f"voipstudio-callmeback-sandbox: {exc.name} is missing; "
            "install the sandbox with: pip install 'voipstudio-callmeback[sandbox]'",
            file=sys.stderr,
        )
        return 2
    try:
        accounts = load_accounts(args.accounts) if args.accounts else []
    except (OSError, ValueError) as exc:
        print(f"voipstudio-callmeback-sandbox: {exc}", file=sys.stderr)
        return 2
    config = SandboxConfig(
        db=args.db,
        accounts=accounts,
        token_ttl=args.token_ttl,
        cdrs_per_account=args.cdrs,
        latency=args.latency_ms / 1000,
    )
    store = config.open_store()
    app = create_app(config, store)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"VoIPstudio Call Me Back sandbox: http://{shown}:{port}/v1.1/voipstudio (and /v1.2/voipstudio)")
    print(f"  database: {config.db}")
    print(f"  demo login: {DEMO_ACCOUNT.email} / {DEMO_ACCOUNT.password}")
    print(f"  demo API key: user id {DEMO_ACCOUNT.user_id}, key {DEMO_ACCOUNT.api_key} (HTTP Basic)")
    for account in accounts:
        print(
            f"  account: {account.email} (user id {account.user_id}{', two-factor' if account.two_factor_code else ''})"
        )
    print("Press Ctrl-C to stop.", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    try:
        server.run(sockets=[sock])
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
