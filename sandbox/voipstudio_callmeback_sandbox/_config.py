"""How a sandbox is set up: the demo account and the settings of the command line."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from ._limits import BODY_TIMEOUT, HEADER_TIMEOUT, MAX_CONNECTIONS
from ._store import Account, Store

MAX_BODY_BYTES = 1024 * 1024
# The versions of the API the sandbox serves, each under /VERSION/voipstudio; the first is the one it names.
API_VERSIONS = ("v1.1", "v1.2")
BASE_PATH = f"/{API_VERSIONS[0]}/voipstudio"

# The names of this machine a Host header may always give (with any port): none can be rebound elsewhere.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")

DEMO_ACCOUNT = Account(
    user_id=123456,
    email="demo@example.com",
    password="demo",  # noqa: S106 - the documented demo password of a local sandbox
    api_key="5f1d4c2a9b8e7d6c5b4a39281706f5e4d3c2b1a0",
)


@dataclass
class SandboxConfig:
    """How a sandbox is set up. The defaults are those of the command line."""

    db: str = "voipstudio-callmeback-sandbox.db"
    accounts: Sequence[Account] = ()
    token_ttl: float = 1800.0
    cdrs_per_account: int = 2600
    clock: Callable[[], float] = time.time
    # Added to every request before it is handled, to imitate a distant service.
    latency: float = 0.0
    # Validate every response against the spec too (tests turn this on).
    validate_responses: bool = False
    max_body_bytes: int = MAX_BODY_BYTES
    # Where to write one line per request (the command line: standard error); None writes nothing.
    access_log: IO[str] | None = None
    # The OpenAPI document to serve, as data; None: the packaged openapi.yaml.
    spec: Mapping[str, Any] | None = None
    # The names a request's Host header may give besides this machine's loopback names (LOOPBACK_HOSTS):
    # any other is answered 400, so that no page of another site reaches the sandbox through a name it
    # rebinds to this machine (DNS rebinding). In process, the name of the base URL the client uses.
    allowed_hosts: Sequence[str] = ()
    # Whether the demo account (DEMO_ACCOUNT, published in the README) is served; the command line
    # leaves it out beyond loopback unless --allow-demo-on-network is given.
    demo: bool = True
    # Seconds a request may take to send its body once its head has come: then it is answered 408.
    body_timeout: float = BODY_TIMEOUT
    # Over a socket (server_config in _server.py): seconds to send a request head, connections served at once.
    header_timeout: float = HEADER_TIMEOUT
    max_connections: int = MAX_CONNECTIONS
    all_accounts: list[Account] = field(init=False)

    def open_store(self) -> Store:
        """The store this configuration describes (its database, clock, seed size and spec)."""
        return Store(self.db, clock=self.clock, cdrs_per_account=self.cdrs_per_account, spec=self.spec)

    def __post_init__(self) -> None:
        by_id = {DEMO_ACCOUNT.user_id: DEMO_ACCOUNT} if self.demo else {}
        by_id.update({account.user_id: account for account in self.accounts})
        self.all_accounts = list(by_id.values())
