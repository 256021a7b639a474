"""Interactive documentation of openapi.yaml at /docs: Swagger UI, served from this machine.

Swagger UI's files come from the `swagger_ui_bundle` package (connexion's `swagger-ui`
extra), so the page loads nothing from other hosts; its Content-Security-Policy forbids
it to. The document shown is openapi.yaml with one change: its server is this sandbox
(`/{version}/voipstudio`, v1.1 or v1.2), so "Try it out" calls the sandbox.

Only GET and HEAD of the page, its spec and its assets are answered here; any other
request goes on to the API, which answers it as it answers every unknown path.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.responses import FileResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped] # ships no type information

DOCS_PATH = "/docs"
SPEC_FILE = "openapi.json"
INIT_FILE = "init.js"
ASSETS_DIR = "assets"
# The files of the bundle the page uses (and the source maps the scripts name).
ASSETS = (
    "swagger-ui.css",
    "swagger-ui.css.map",
    "swagger-ui-bundle.js",
    "swagger-ui-bundle.js.map",
    "index.css",
    "favicon-32x32.png",
    "favicon-16x16.png",
)
# Swagger UI styles with inline style attributes and draws some icons as data: URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SANDBOX_SERVER_DESCRIPTION = "This sandbox"

PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>{title} (sandbox)</title>
    <link rel="stylesheet" type="text/css" href="{assets}/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="{assets}/index.css">
    <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="{assets}/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui" data-spec-url="{spec}"></div>
    <script src="{assets}/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="{init}" charset="UTF-8"></script>
  </body>
</html>
"""

# A script file rather than an inline script, so that the policy can forbid inline scripts.
INIT_SCRIPT = """window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayOperationId: true,
    displayRequestDuration: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""


def sandbox_spec(spec: Mapping[str, Any], root_path: str = "") -> dict[str, Any]:
    """openapi.yaml with this sandbox as its only server; the version stays a variable."""
    document = copy.deepcopy(dict(spec))
    variables: dict[str, Any] = {}
    for server in spec.get("servers") or []:
        variables = copy.deepcopy(server.get("variables") or {})
        if "version" in variables:
            break
    document["servers"] = [
        {
            "url": f"{root_path}/{{version}}/voipstudio",
            "description": SANDBOX_SERVER_DESCRIPTION,
            "variables": variables,
        }
    ]
    return document


class DocsPage:
    """Answer GET and HEAD of /docs and its files; pass every other request to `app`."""

    def __init__(self, app: ASGIApp, spec: Mapping[str, Any]) -> None:
        self.app = app
        self.spec = spec
        self.title = str(spec.get("info", {}).get("title", "API"))
        bundle = Path(swagger_ui_path)
        self.assets = {name: bundle / name for name in ASSETS if (bundle / name).is_file()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self._response(scope) if scope["type"] == "http" else None
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

    def _response(self, scope: Scope) -> Response | None:
        if scope["method"] not in ("GET", "HEAD"):
            return None
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if path.startswith(root) and root:
            path = path[len(root) :]
        base = root + DOCS_PATH
        if path in (DOCS_PATH, DOCS_PATH + "/"):
            page = PAGE.format(
                title=html.escape(self.title),
                assets=html.escape(f"{base}/{ASSETS_DIR}"),
                spec=html.escape(f"{base}/{SPEC_FILE}"),
                init=html.escape(f"{base}/{INIT_FILE}"),
            )
            return Response(
                page,
                media_type="text/html",
                headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-cache"},
            )
        if path == f"{DOCS_PATH}/{SPEC_FILE}":
            return JSONResponse(sandbox_spec(self.spec, root), headers={"Cache-Control": "no-cache"})
        if path == f"{DOCS_PATH}/{INIT_FILE}":
            return Response(INIT_SCRIPT, media_type="text/javascript")
        prefix = f"{DOCS_PATH}/{ASSETS_DIR}/"
        if path.startswith(prefix) and path[len(prefix) :] in self.assets:
            return FileResponse(self.assets[path[len(prefix) :]])
        return None
