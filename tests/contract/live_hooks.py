"""Schemathesis hooks for runs against the real service (schemathesis.live.toml).

The same generation hooks as against the sandbox, plus a guard: unless
VOIPSTUDIO_ALLOW_WRITES=1 is set, every operation that changes data (POST, PATCH,
DELETE other than the two logins) is removed from the document before schemathesis
sees it, together with the links that lead to it, so a run reads and never writes.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

# The generation hooks shared with the runs against the sandbox (importing them registers them).
import voipstudio_callmeback_sandbox.schemathesis_hooks  # noqa: F401

WRITES = ("post", "put", "patch", "delete")
LOGINS = ("/login", "/login2fa")


def read_only(document: dict[str, Any]) -> None:
    """Remove the operations that change data, and every link to them, from an OpenAPI document."""
    removed: set[str] = set()
    for path, item in document.get("paths", {}).items():
        for method in WRITES:
            if method in item and path not in LOGINS:
                removed.add(item.pop(method).get("operationId", ""))
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                links = response.get("links", {}) if isinstance(response, dict) else {}
                for name in [name for name, link in links.items() if link.get("operationId") in removed]:
                    del links[name]


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    if os.environ.get("VOIPSTUDIO_ALLOW_WRITES") != "1":
        read_only(raw_schema)
