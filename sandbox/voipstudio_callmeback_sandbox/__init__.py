"""A stateful stand-in for VoIPstudio's Call Me Back API, implementing openapi.yaml.

Run it with ``voipstudio-callmeback-sandbox`` (installed with the ``[sandbox]``
extra), as a child process of your own tests with ``running_sandbox()``, or build the
ASGI application yourself::

    from voipstudio_callmeback_sandbox import SandboxConfig, Store, create_app

    app = create_app(SandboxConfig(db=":memory:"))
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from ._config import BASE_PATH, DEMO_ACCOUNT, SandboxConfig
from ._control import IN_PROCESS, Clock, ConnectionDropped, Control, ControlError, Fault, Request
from ._process import RunningSandbox, SandboxError, running_sandbox, sandbox_command
from ._store import Account, Store

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp

__all__ = [
    "BASE_PATH",
    "DEMO_ACCOUNT",
    "IN_PROCESS",
    "Account",
    "Clock",
    "ConnectionDropped",
    "Control",
    "ControlError",
    "Fault",
    "Request",
    "RunningSandbox",
    "SandboxConfig",
    "SandboxError",
    "Store",
    "create_app",
    "running_sandbox",
    "sandbox_command",
    "server_config",
]


def create_app(config: SandboxConfig, store: Store | None = None) -> ASGIApp:
    """The sandbox as an ASGI application (needs the ``[sandbox]`` extra).

    Without `store`, the configuration's own (`config.open_store()`); a store passed in keeps
    its own database, clock and seed size.
    """
    with warnings.catch_warnings():
        # What connexion's import warns of is not the application's to hear about, and a project whose
        # tests turn warnings into errors would fail on it: starlette.testclient, which connexion imports
        # and the sandbox never uses, and jsonschema's deprecated RefResolver and RefResolutionError.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="connexion")
        warnings.filterwarnings("ignore", message="jsonschema.RefResol", category=DeprecationWarning)
        from ._app import create_app as build

    return build(config, store if store is not None else config.open_store())


def server_config(app: ASGIApp, config: SandboxConfig, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for serving the sandbox's `app` on a socket, with the limits of `config`: its
    h11 implementation (not httptools), request heads of at most MAX_HEADER_BYTES, the header timeout,
    the connection limit, and refusals in VoIPstudio's error shape. `options` are more of uvicorn's
    settings (lifespan ...)."""
    from ._server import server_config as build

    return build(app, config, **options)
