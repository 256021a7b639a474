"""Credentials: how they are sent, and where they may be sent."""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Generator
from dataclasses import dataclass, field

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


def check_transport_security(base_url: str, *, allow_insecure_http: bool) -> httpx.URL:
    """Refuse to send credentials in clear text, except to this machine or when explicitly allowed."""
    url = httpx.URL(base_url)
    if url.userinfo:
        # It would be sent as HTTP Basic to the server and shown wherever the base URL is (messages, logs).
        raise ValueError("base_url must not carry credentials (user:password@): pass token=, or user_id= with api_key=")
    if url.scheme not in ("http", "https"):
        raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
    if url.scheme == "http" and not is_loopback(url.host) and not allow_insecure_http:
        raise ValueError(
            f"refusing to send credentials over plain http to {url.host}; use https, "
            "or pass allow_insecure_http=True if you really mean it"
        )
    return url
