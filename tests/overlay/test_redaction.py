"""Secrets in answers and half-built clients: nothing leaks through errors or repr."""

from __future__ import annotations

import httpx
import pytest
from voipstudio_callmeback import CallMeBack, UnexpectedResponseError

SESSION_TOKEN = "canary-session-7c1e9b2a"  # noqa: S105 - a canary, not a credential


def test_a_malformed_login_answer_does_not_keep_the_new_token() -> None:
    """A login answer missing user_id raises UnexpectedResponseError whose body hides the session token."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"message": "Login success", "user_token": SESSION_TOKEN})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with pytest.raises(UnexpectedResponseError) as caught:
        CallMeBack.login("jane@example.com", "secret", base_url="https://api.test/v1.1/voipstudio", http_client=http)
    error = caught.value
    assert error.body == {"message": "Login success", "user_token": "[redacted]"}
    assert SESSION_TOKEN not in f"{error!s} {error!r} {error.body} {error.headers} {error.url}"


def test_repr_of_a_client_whose_constructor_refused() -> None:
    """repr works on a client whose constructor raised (as a debugger or traceback shows it)."""
    client = CallMeBack.__new__(CallMeBack)
    with pytest.raises(ValueError, match="plain http"):
        client.__init__(token=SESSION_TOKEN, base_url="http://example.com/v1.1/voipstudio")  # type: ignore[misc]
    assert repr(client) == "CallMeBack(<not configured>)"
