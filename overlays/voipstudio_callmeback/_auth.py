"""Credentials: how they are sent, and where they may be sent."""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._types import BASIC_HEADER, TOKEN_HEADER


@dataclass(frozen=True)
class Credentials:
    """A session token (X-Auth-Token) or a user id and API key (HTTP Basic). Never shown in repr or str."""

    token: str | None = field(default=None, repr=False)
    user_id: str | None = None
    api_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.token is not None and (self.user_id is not None or self.api_key is not None):
            raise ValueError("give either token= or user_id= with api_key=, not both")
        if self.token is None and (self.user_id is None or self.api_key is None):
            raise ValueError("credentials are needed: token=, or user_id= with api_key=")
        for name, value in (("token", self.token), ("api_key", self.api_key), ("user_id", self.user_id)):
            if value is not None and not value.strip():
                raise ValueError(f"{name} is empty")
            if value is not None and not (value.isascii() and value.isprintable() and value == value.strip()):
                # A header cannot carry it, and the error would quote it.
                raise ValueError(f"{name} must be printable ASCII without surrounding spaces or newlines")

    def __str__(self) -> str:
        return f"user {self.user_id} with an API key" if self.token is None else "a session token"

    def headers(self) -> dict[str, str]:
        if self.token is not None:
            return {TOKEN_HEADER: self.token}
        pair = f"{self.user_id}:{self.api_key}".encode()
        return {BASIC_HEADER: "Basic " + base64.b64encode(pair).decode("ascii")}


class CredentialAuth(httpx.Auth):
    """Adds the credentials to every request (replaced when a login client logs in again)."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def __repr__(self) -> str:
        return f"CredentialAuth({self.credentials!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.credentials.headers())
        yield request


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class InsecureTransportError(ValueError):
    """Credentials would travel in clear text over a network: plain http to another machine, or a
    plain-http request through a proxy that is not on this machine. `host` is the base URL's host;
    `proxy` the proxy's scheme, host and port (never its user name or password), or None."""

    def __init__(self, message: str, *, host: str, proxy: str | None = None) -> None:
        super().__init__(message)
        self.host = host
        self.proxy = proxy


REFUSED_CREDENTIALS_IN_URL = (
    "base_url must not carry credentials (user:password@): pass token=, or user_id= with api_key="
)


def check_no_userinfo(base_url: str) -> None:
    """Refuse a base URL with `user:password@` (or `user@`), without quoting it: it would be sent as HTTP
    Basic and shown wherever the base URL is (messages, logs, reprs, the command line's sessions file)."""
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL:
        return  # not a URL at all: the caller's own check says so
    if url.userinfo:
        raise ValueError(REFUSED_CREDENTIALS_IN_URL)


def check_transport_security(base_url: str, *, allow_insecure_http: bool) -> httpx.URL:
    """Refuse to send credentials in clear text, except to this machine or when explicitly allowed."""
    url = httpx.URL(base_url)
    check_no_userinfo(base_url)
    if url.scheme not in ("http", "https"):
        raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
    if url.scheme == "http" and not is_loopback(url.host) and not allow_insecure_http:
        raise InsecureTransportError(
            f"refusing to send credentials over plain http to {url.host}; use https, "
            "or pass allow_insecure_http=True if you really mean it",
            host=url.host,
        )
    return url


def shown_proxy(proxy: httpx.URL) -> str:
    """A proxy's URL as a message names it: scheme, host and port, never its user name or password."""
    port = f":{proxy.port}" if proxy.port is not None else ""
    host = f"[{proxy.host}]" if ":" in proxy.host else proxy.host
    return f"{proxy.scheme}://{host}{port}"


def proxy_of(http_client: httpx.Client | httpx.AsyncClient, url: httpx.URL) -> httpx.URL | None:
    """The proxy through which `http_client` would send a request to `url`, as far as it can be told:
    the transport httpx mounted for the URL (an explicit `proxy=`, `mounts=`, or HTTP_PROXY, HTTPS_PROXY,
    ALL_PROXY and NO_PROXY, which httpx reads when the client is made with trust_env), and, for an
    httpx-aiohttp transport, its `proxy=` or, when its aiohttp session trusts the environment,
    aiohttp's own reading of it (no ALL_PROXY there). None for a direct connection, or a transport
    that does not say."""
    transport_for_url = getattr(http_client, "_transport_for_url", None)
    if transport_for_url is None:  # pragma: no cover - every httpx client since 0.18 has it
        return None
    transport: Any = transport_for_url(url)
    pool = getattr(transport, "_pool", None)  # httpx's own transports: httpcore's pool, or its proxy
    found = getattr(pool, "_proxy_url", None)
    if found is not None:
        return httpx.URL(scheme=found.scheme.decode("ascii"), host=found.host.decode("ascii"), port=found.port)
    proxy = getattr(transport, "proxy", None)  # httpx-aiohttp's AiohttpTransport
    if isinstance(proxy, httpx.Proxy):
        return proxy.url
    session = getattr(transport, "client", None)
    if getattr(session, "trust_env", False) is True and type(session).__module__.startswith("aiohttp"):
        from aiohttp.helpers import get_env_proxy_for_url
        from yarl import URL

        try:
            proxy_url, _ = get_env_proxy_for_url(URL(str(url)))
        except LookupError:
            return None
        return httpx.URL(str(proxy_url.with_user(None)))
    return None


def check_proxy_security(
    http_client: httpx.Client | httpx.AsyncClient, base_url: str, *, allow_insecure_http: bool
) -> None:
    """Refuse, before anything is sent, a plain-http base URL that `http_client` would send through a proxy
    on another machine: the credentials would cross the network in clear text to it (and a loopback
    base URL would name the proxy's own machine). An https base URL through an http:// proxy is a CONNECT
    tunnel, encrypted end to end, and goes; so does any base URL through a proxy on this machine."""
    url = httpx.URL(base_url)
    if url.scheme != "http" or allow_insecure_http:
        return
    proxy = proxy_of(http_client, url)
    if proxy is not None and not is_loopback(proxy.host):
        shown = shown_proxy(proxy)
        raise InsecureTransportError(
            f"refusing to send credentials over plain http to {url.host} through the proxy {shown} "
            "(HTTP_PROXY, ALL_PROXY or the http client's proxy=), which would carry them in clear text; "
            "use https, set NO_PROXY for this host, or pass allow_insecure_http=True if you really mean it",
            host=url.host,
            proxy=shown,
        )
