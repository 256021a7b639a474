"""Requests past the spec: cmb.get/post/put/patch/delete(path, ...), with the client's auth, retries, session
renewal and errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from voipstudio_callmeback import (
    AuthenticationError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    Setting,
    UnexpectedResponseError,
)
from voipstudio_callmeback_client.models import SettingResponse

from .faults import record_waits
from .mocked import PREFIX, SETTING, TOKEN, Mocked, Service, answer

Make = Callable[..., Mocked]


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return record_waits(monkeypatch)


class TestReading:
    def test_the_json_value_by_default(self, mocked: Make) -> None:
        service = Service(answers=[answer(200, {"data": {"id": 1, "anything": [1, 2]}})])
        client = mocked(service)
        found = client.run(client.client.get("/callmeback/reports/1", params={"period": "week"}))
        assert found == {"data": {"id": 1, "anything": [1, 2]}}
        (sent,) = service.requests
        assert sent.url.path == f"{PREFIX}/callmeback/reports/1"
        assert sent.url.params["period"] == "week"
        assert sent.headers["X-Auth-Token"] == TOKEN

    def test_a_model_checked_against_its_schema(self, mocked: Make) -> None:
        client = mocked(Service(answers=[answer(200, {"data": SETTING}), answer(200, {"data": {"id": "x"}})]))
        found = client.run(client.client.get("/callmeback/settings/7", cast_to=SettingResponse))
        assert isinstance(found, SettingResponse)
        assert isinstance(found.data, Setting)
        with pytest.raises(UnexpectedResponseError, match=re.escape('data.id: expected integer, got "x"')):
            client.run(client.client.get("/callmeback/settings/7", cast_to=SettingResponse))

    def test_dict_and_httpx_response(self, mocked: Make) -> None:
        client = mocked(
            Service(answers=[answer(200, [1, 2]), answer(200, {"a": 1}), answer(200, content=b"<p>hi</p>")])
        )
        with pytest.raises(UnexpectedResponseError, match="expected a JSON object"):
            client.run(client.client.get("/x", cast_to=dict))
        assert client.run(client.client.get("/x", cast_to=dict)) == {"a": 1}
        raw = client.run(client.client.get("/x", cast_to=httpx.Response))
        assert isinstance(raw, httpx.Response)
        assert raw.content == b"<p>hi</p>"
        assert raw.request.headers["X-Auth-Token"] == "[redacted]"  # the answer's request holds no credential
        assert TOKEN not in repr(raw.request.headers)

    def test_an_empty_answer_is_none(self, mocked: Make) -> None:
        client = mocked(Service(answers=[answer(204)]))
        assert client.run(client.client.delete("/callmeback/settings/7")) is None

    def test_a_body_that_is_not_json_is_unexpected(self, mocked: Make) -> None:
        client = mocked(Service(answers=[answer(200, content=b"<html></html>", headers={"content-type": "text/html"})]))
        with pytest.raises(UnexpectedResponseError, match=re.escape("cast_to=httpx.Response")):
            client.run(client.client.get("/x"))


class TestSending:
    @pytest.mark.parametrize("method", ["post", "put", "patch"])
    def test_json_bodies(self, mocked: Make, method: str) -> None:
        service = Service(answers=[answer(200, {"ok": True})])
        client = mocked(service)
        client.run(getattr(client.client, method)("/callmeback/things", json={"name": "x"}, extra_headers={"X-A": "1"}))
        (sent,) = service.requests
        assert (sent.method, json.loads(sent.content), sent.headers["X-A"]) == (method.upper(), {"name": "x"}, "1")

    def test_options_apply(self, mocked: Make) -> None:
        service = Service(answers=[answer(503, {"message": "busy"})])
        client = mocked(service)
        with pytest.raises(InternalServerError):
            client.run(client.client.get("/x", max_retries=4, timeout=2))
        assert len(service.requests) == 5
        assert service.requests[0].extensions["timeout"]["read"] == 2

    def test_an_unknown_option_is_refused(self, mocked: Make) -> None:
        service = Service(answers=[answer(200, {})])
        client = mocked(service)
        with pytest.raises(TypeError, match="'retries'"):
            client.run(client.client.get("/x", retries=3))  # type: ignore[call-overload]
        assert service.requests == []


class TestTheClientsBehaviour:
    def test_errors_are_the_client_s(self, mocked: Make) -> None:
        client = mocked(Service(answers=[answer(404, {"message": "No such report"})]))
        with pytest.raises(NotFoundError, match="No such report"):
            client.run(client.client.get("/callmeback/reports/1"))

    def test_a_post_is_not_retried_on_503_but_is_on_429(self, mocked: Make) -> None:
        busy = Service(answers=[answer(503, {"message": "busy"})])
        client = mocked(busy)
        with pytest.raises(InternalServerError):
            client.run(client.client.post("/x", json={}))
        assert len(busy.requests) == 1
        limited = Service(answers=[answer(429, {"message": "slow"})])
        client = mocked(limited)
        with pytest.raises(RateLimitError):
            client.run(client.client.post("/x", json={}))
        assert len(limited.requests) == 3

    def test_a_login_client_renews_its_session(self, mocked: Make) -> None:
        tokens = iter(["one", "two"])

        def route(request: httpx.Request) -> httpx.Response:
            if request.url.path == f"{PREFIX}/login":
                return answer(200, {"user_token": next(tokens), "user_id": 1})
            if request.headers["X-Auth-Token"] == "one":
                return answer(401, {"message": "expired"})
            return answer(200, {"fine": True})

        client = mocked(Service(route=route), login=("me@example.com", "pw-secret"))
        assert client.run(client.client.get("/anything")) == {"fine": True}

    def test_401_without_a_login_is_an_authentication_error(self, mocked: Make) -> None:
        client = mocked(Service(answers=[answer(401, {"message": "Unauthorized"})]))
        with pytest.raises(AuthenticationError):
            client.run(client.client.get("/x"))


class TestRefusedBeforeSending:
    @pytest.mark.parametrize(
        "path",
        ["https://elsewhere.example/steal", "//elsewhere.example/steal", "callmeback/settings", "", "/x#fragment"],
    )
    def test_a_path_that_is_not_under_the_base_url(self, mocked: Make, path: str) -> None:
        """An absolute URL would carry the credentials to another host: only paths under the base URL are sent."""
        service = Service(answers=[answer(200, {})])
        client = mocked(service)
        with pytest.raises(ValueError, match="path under the base URL"):
            client.run(client.client.get(path))
        assert service.requests == []

    @pytest.mark.parametrize("cast_to", [list, int, "Setting", Any])
    def test_a_cast_to_it_cannot_read(self, mocked: Make, cast_to: Any) -> None:
        service = Service(answers=[answer(200, {})])
        client = mocked(service)
        with pytest.raises(TypeError, match="cast_to"):
            client.run(client.client.get("/x", cast_to=cast_to))
        assert service.requests == []


def test_a_login_sent_by_hand_leaves_its_body_out_of_errors(mocked: Make) -> None:
    """POST /login by cmb.post(): an error's request copy has no body, since it is all credentials."""
    client = mocked(Service(answers=[answer(401, {"message": "Invalid credentials"})]))
    with pytest.raises(AuthenticationError) as raised:
        client.run(client.client.post("/login", json={"email": "me@example.com", "password": "hunter2-canary"}))
    assert raised.value.response.request.content == b""
    assert "hunter2-canary" not in repr(vars(raised.value))
