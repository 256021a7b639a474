"""The sandbox's interactive documentation at /docs: Swagger UI served from this machine.

The plain tests read the page, its spec and its assets over HTTP; the browser test drives
the page in headless Chromium (check_docs.mjs, playwright-core and Debian's chromium):
every operation listed, "Authorize", and "Try it out" on listSettings answered by the sandbox.
What the browser must find (the operations, listSettings' path, parameters and status) is
read from openapi.yaml and the generated operation table.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from voipstudio_callmeback_client.operations import OPERATIONS
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT

from sandbox.support import RunningServer, run_cli

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.yaml"
CHECK_SCRIPT = Path(__file__).with_name("check_docs.mjs")
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_COPY = ROOT / "build" / "docs-screenshot.png"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
BROWSER_SECONDS = 120
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What check_docs.mjs sets: 1280 pixels wide, 1800 high.
SCREENSHOT_SIZE = (1280, 1800)
MIN_SCREENSHOT_BYTES = 50_000
# The operation the browser tries out ("Try it out", then "Execute"): a list of the demo account's items.
TRY_OPERATION = "listSettings"


def load_spec() -> dict[str, Any]:
    """openapi.yaml as plain data."""
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def spec_operations() -> list[dict[str, str]]:
    """Every operation of openapi.yaml: operationId, method (lower case) and path."""
    return [
        {"operationId": item[method]["operationId"], "method": method, "path": path}
        for path, item in load_spec()["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


class References(HTMLParser):
    """The URLs an HTML page loads or names: src, href and data-*-url attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is not None and (name in ("src", "href") or (name.startswith("data-") and name.endswith("-url"))):
                self.urls.append((f"{tag}[{name}]", value))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The sandbox command line on 127.0.0.1, a free port and an in-memory database."""
    with run_cli(tmp_path_factory.mktemp("docs-sandbox"), "--db", ":memory:") as running:
        yield running


@pytest.fixture(scope="module")
def origin(server: RunningServer) -> str:
    """http://127.0.0.1:PORT, where /docs is."""
    parts = urlsplit(server.url)
    assert parts.path == "/v1.1/voipstudio", server.url
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def http(origin: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=origin, timeout=10.0) as client:
        yield client


# --- the page, without a browser ----------------------------------------------------------------


def test_spec_operations_have_distinct_operation_ids() -> None:
    """The spec has operations, each with its own operationId (the browser finds them by it)."""
    operations = spec_operations()
    assert operations, "openapi.yaml has no operation"
    ids = [operation["operationId"] for operation in operations]
    assert len(set(ids)) == len(ids), sorted(ids)


def test_docs_is_an_html_page_with_a_strict_content_security_policy(http: httpx.Client) -> None:
    """/docs is Swagger UI's HTML page, served with a Content-Security-Policy that allows only this origin."""
    response = http.get("/docs")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert '<div id="swagger-ui"' in response.text
    assert "VoIPstudio Call Me Back API" in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy
    assert "connect-src 'self'" in policy
    assert http.head("/docs").status_code == 200
    assert http.get("/docs/").status_code == 200


def test_docs_references_only_local_assets_which_all_load(http: httpx.Client, origin: str) -> None:
    """Every URL the page names is under /docs/ on this origin, and loads."""
    page = http.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text
    references = References()
    references.feed(page.text)
    urls = dict(references.urls)
    assert {"link[href]", "script[src]", "div[data-spec-url]"} <= {where for where, _ in references.urls}, urls
    scripts = [url for where, url in references.urls if where == "script[src]"]
    assert len(scripts) == 2, scripts
    for where, url in references.urls:
        parts = urlsplit(url)
        assert not parts.scheme, f"{where}: {url} names a scheme"
        assert not parts.netloc, f"{where}: {url} names a host"
        assert url.startswith("/docs/"), f"{where}: {url} is not under /docs/"
        asset = http.get(url)
        assert asset.status_code == 200, f"{where}: {url} answered {asset.status_code}"
        assert asset.content, f"{where}: {url} is empty"
        assert urlsplit(str(asset.url)).netloc == urlsplit(origin).netloc
    for url in scripts:
        assert "javascript" in http.get(url).headers["content-type"], url


def test_init_script_loads_the_local_spec_without_the_online_validator(http: httpx.Client) -> None:
    """init.js names no other host and turns Swagger UI's online validator off."""
    script = http.get("/docs/init.js")
    assert script.status_code == 200
    assert "http://" not in script.text
    assert "https://" not in script.text
    assert "validatorUrl: null" in script.text


def test_served_spec_is_openapi_yaml_with_this_sandbox_as_its_server(http: httpx.Client) -> None:
    """/docs/openapi.json is openapi.yaml, with this sandbox as its only server."""
    response = http.get("/docs/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    served = response.json()
    original = load_spec()
    assert served["servers"] == [
        {
            "url": "/{version}/voipstudio",
            "description": "This sandbox",
            "variables": original["servers"][0]["variables"],
        }
    ]
    assert served["servers"][0]["variables"]["version"]["default"] == "v1.1"
    assert {name: value for name, value in served.items() if name != "servers"} == {
        name: value for name, value in original.items() if name != "servers"
    }


def test_only_the_page_and_its_assets_are_served(http: httpx.Client) -> None:
    """Files of the bundle the page does not use, and other paths under /docs, answer the API's 404."""
    # Files of the bundle the page does not use (its sample page loads the Petstore), the
    # package around the bundle (the path is percent-decoded before it is looked up), and
    # paths the page does not have: the API answers them, with its own 404.
    for path in (
        "/docs/assets/index.html",
        "/docs/assets/swagger-initializer.js",
        "/docs/assets/..%2F..%2F__init__.py",
        "/docs/assets/",
        "/docs/nothing",
        "/docsx",
    ):
        response = http.get(path)
        assert response.status_code == 404, f"{path}: {response.status_code}"
        assert response.json() == {"message": "Resource not found"}, path


def test_docs_leaves_the_api_as_it_was(http: httpx.Client) -> None:
    """The API under both versions answers as before, beside /docs."""
    # Other methods on /docs go on to the API, which knows no such path.
    response = http.post("/docs", json={})
    assert response.status_code == 404
    assert response.json() == {"message": "Resource not found"}
    assert http.get("/v1.1/voipstudio/callmeback/settings").status_code == 401
    for version in ("v1.1", "v1.2"):
        answer = http.get(
            f"/{version}/voipstudio/callmeback/settings", auth=(str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)
        )
        assert answer.status_code == 200, answer.text
        assert isinstance(answer.json()["total"], int)
    # The spec connexion serves per API version is still there, unchanged.
    assert http.get("/v1.1/voipstudio/openapi.json").status_code == 200


# --- the page in a browser ----------------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG, from its IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path} has no IHDR chunk first"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_docs_page_in_headless_chromium(origin: str, tmp_path: Path) -> None:
    """check_docs.mjs in headless Chromium: every operation listed, Authorize, and listSettings tried out."""
    node = shutil.which("node")
    assert node is not None, "node is not on PATH (scripts/bootstrap installs it)"
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing (scripts/bootstrap installs Debian's chromium)"
    screenshot = tmp_path / "docs.png"
    tried = OPERATIONS[TRY_OPERATION]
    operations = spec_operations()
    env = {
        **os.environ,
        "DOCS_BASE_URL": origin,
        "DOCS_OPERATIONS": json.dumps(operations),
        "DOCS_TRY": json.dumps(
            {
                "operationId": tried.id,
                "path": tried.path,
                "parameters": len(tried.parameters),
                "status": tried.status,
            }
        ),
        "DOCS_USER_ID": str(DEMO_ACCOUNT.user_id),
        "DOCS_API_KEY": DEMO_ACCOUNT.api_key,
        "DOCS_SCREENSHOT": str(screenshot),
        "CHROMIUM": str(CHROMIUM),
    }
    started = time.monotonic()
    result = subprocess.run(
        [node, str(CHECK_SCRIPT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BROWSER_SECONDS,
        check=False,
    )
    report = f"exit {result.returncode} after {time.monotonic() - started:.1f} s\n{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, report
    lines = result.stdout.splitlines()
    assert lines[-1] == "docs page OK", report
    assert "title: VoIPstudio Call Me Back API" in lines, report
    assert f"operations listed: {len(operations)} of {len(operations)}" in lines, report
    assert "server: /{version}/voipstudio = /v1.1/voipstudio" in lines, report
    assert "authorized: basicAuth" in lines, report
    assert f"request url: {origin}/v1.1/voipstudio{tried.path}" in lines, report
    (listed,) = [line for line in lines if line.startswith(f"{tried.id}: ")]
    assert listed.startswith(f"{tried.id}: {tried.status} total="), report
    assert f"screenshot: {screenshot}" in lines, report
    assert screenshot.is_file(), report
    assert png_size(screenshot) == SCREENSHOT_SIZE
    assert screenshot.stat().st_size > MIN_SCREENSHOT_BYTES, screenshot.stat().st_size
    SCREENSHOT_COPY.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot, SCREENSHOT_COPY)
