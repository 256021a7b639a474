"""What a new user meets first: where the client connects, what help() and dir() show, how models print."""

from __future__ import annotations

import pydoc
from collections.abc import Callable

import httpx
import pytest
import voipstudio_callmeback
from voipstudio_callmeback import UNSET, AsyncCallMeBack, CallMeBack, Cdr, Setting, Unset
from voipstudio_callmeback._resources import RESOURCE_ITEMS
from voipstudio_callmeback_client import models

from .mocked import PREFIX, SETTING, TOKEN, Mocked, Service, answer

Make = Callable[..., Mocked]
ELSEWHERE = "https://sandbox.test/v1.1/voipstudio"


def login_route(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/login"):
        return answer(200, {"user_token": "a-session", "user_id": 1})
    return answer(200, {"data": SETTING})


class TestTheBaseUrlOfTheEnvironment:
    def test_login_reads_voipstudio_base_url(self, mocked: Make, monkeypatch: pytest.MonkeyPatch) -> None:
        """login() without base_url= goes where VOIPSTUDIO_BASE_URL says, as from_env() does, not to production."""
        monkeypatch.setenv("VOIPSTUDIO_BASE_URL", ELSEWHERE)
        service = Service(route=login_route)
        client = mocked(service, login=("me@example.com", "pw"), base_url=None)
        assert client.client.base_url == ELSEWHERE
        assert service.requests[0].url.host == "sandbox.test"

    def test_the_constructor_reads_it_too(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("VOIPSTUDIO_BASE_URL", ELSEWHERE)
        with CallMeBack(token=TOKEN) as client:
            assert client.base_url == ELSEWHERE

    def test_an_explicit_base_url_wins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("VOIPSTUDIO_BASE_URL", ELSEWHERE)
        with CallMeBack(token=TOKEN, base_url="https://other.test/v1.1/voipstudio") as client:
            assert client.base_url == "https://other.test/v1.1/voipstudio"

    def test_without_it_the_service_s_own(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("VOIPSTUDIO_BASE_URL", raising=False)
        with CallMeBack(token=TOKEN) as client:
            assert client.base_url == voipstudio_callmeback.DEFAULT_BASE_URL

    @pytest.mark.parametrize("client_class", [CallMeBack, AsyncCallMeBack])
    def test_from_env_takes_no_credentials(
        self, client_class: type[CallMeBack] | type[AsyncCallMeBack], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """from_env(token=...) says where credentials go, instead of "got multiple values for keyword argument"."""
        monkeypatch.setenv("VOIPSTUDIO_USER_ID", "1")
        monkeypatch.setenv("VOIPSTUDIO_API_KEY", "k" * 40)
        with pytest.raises(
            TypeError,
            match=f"reads the credentials from the environment, not token=: pass them to {client_class.__name__}",
        ):
            client_class.from_env(token=TOKEN)  # type: ignore[call-arg]

    def test_a_base_url_with_credentials_is_refused(self) -> None:
        """user:password@ in a base URL would travel in logs and messages: refused, without quoting it."""
        with pytest.raises(ValueError, match="credentials") as raised:
            CallMeBack(token=TOKEN, base_url="https://me:hunter2@api.test/v1.1/voipstudio")
        assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize("client_class", [CallMeBack, AsyncCallMeBack])
class TestHelpAndDir:
    def test_help_lists_the_resources(self, client_class: type[CallMeBack] | type[AsyncCallMeBack]) -> None:
        """help(CallMeBack) shows each resource (settings, cdrs ...) with the spec's description of it."""
        shown = pydoc.render_doc(client_class, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
        for attribute in RESOURCE_ITEMS:
            assert f"\n |  {attribute}\n" in shown, attribute
        assert "with_options(" in shown

    def test_dir_lists_the_resources(self, client_class: type[CallMeBack] | type[AsyncCallMeBack]) -> None:
        client = client_class(token=TOKEN, base_url="https://api.test/v1.1/voipstudio")
        assert set(RESOURCE_ITEMS) <= set(dir(client))
        assert set(RESOURCE_ITEMS) <= set(dir(client_class))

    def test_a_resource_is_made_once(self, client_class: type[CallMeBack] | type[AsyncCallMeBack]) -> None:
        client = client_class(token=TOKEN, base_url="https://api.test/v1.1/voipstudio")
        for attribute in RESOURCE_ITEMS:
            assert getattr(client, attribute) is getattr(client, attribute)


class TestModels:
    def test_a_repr_leaves_out_what_the_service_left_out(self) -> None:
        setting = Setting.from_dict({"id": 7, "name": "Shop", "colour": "red"})
        assert repr(setting) == "Setting(id=7, name='Shop', additional_properties={'colour': 'red'})"
        assert "Unset" not in repr(Cdr.from_dict({"id": 1}))
        assert repr(Cdr.from_dict({"id": 1, "clid": None})) == "Cdr(id=1, clid=None)"

    def test_every_model_s_repr_leaves_out_unset_fields(self) -> None:
        """For every model of the package: a model with only its required fields shows no UNSET."""
        for name in models.__all__:
            model = getattr(models, name)
            if hasattr(model, "__attrs_attrs__"):
                fields = [field for field in model.__attrs_attrs__ if field.init]
                values = {field.name: (UNSET if field.default is UNSET else None) for field in fields}
                shown = repr(model(**values))
                assert "Unset" not in shown, name
                assert shown.startswith(f"{name}("), name

    def test_unset_is_exported(self) -> None:
        assert isinstance(UNSET, Unset)
        assert Setting.from_dict({"id": 1}).name is voipstudio_callmeback.UNSET


def test_a_wrong_base_url_is_named_not_taken_for_a_missing_item(mocked: Make) -> None:
    """An HTML 404 of a web server (the base URL misses the API's path) says so, naming the base URL."""
    page = answer(404, content=b"<html>Not Found</html>", headers={"content-type": "text/html"})
    client = mocked(Service(answers=[page]), base_url=f"https://api.test{PREFIX}/oops")
    with pytest.raises(voipstudio_callmeback.APIStatusError) as raised:
        client.run(client.client.settings.get(7))
    assert not isinstance(raised.value, voipstudio_callmeback.NotFoundError)
    assert f"is the base URL https://api.test{PREFIX}/oops right?" in str(raised.value)


@pytest.mark.parametrize("otp", [123456, 12.5, b"123456"])
def test_an_otp_that_is_neither_a_code_nor_a_callable_is_refused_before_the_password_goes(
    mocked: Make, otp: object
) -> None:
    """otp=123456 would lose a code's leading zeros: a TypeError before anything is sent, not after."""
    service = Service(route=login_route)
    with pytest.raises(TypeError, match=f"otp must be the code as a str, or a callable .*not {type(otp).__name__}"):
        mocked(service, login=("me@example.com", "pw"), otp=otp)
    assert service.requests == []
