"""The generated package keeps secrets out of its reprs.

A field the spec marks `format: password` (the OpenAPI way to say "do not show this")
is left out of the generated model's repr by templates/model.py.jinja, and the
generated AuthenticatedClient (templates/client.py.jinja) leaves out its token and
the headers it carries. The list of secret fields is read from openapi.yaml, so a
field newly marked there is covered here without editing this file.
"""

from __future__ import annotations

import importlib
from typing import Any

import attrs
import pytest
import yaml
from voipstudio_callmeback_client import AuthenticatedClient, Client
from voipstudio_callmeback_client.models import LoginRequest, LoginSuccess, TwoFactorRequest

from conftest import ROOT

SECRET = "s3cr3t-value-4711"  # noqa: S105 - a made-up value the reprs must not show


def secret_fields() -> list[tuple[str, str]]:
    """(schema name, property name) for every property the spec marks `format: password`."""
    document = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    found = []
    for schema_name, schema in document["components"]["schemas"].items():
        for name, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict) and prop.get("format") == "password":
                found.append((schema_name, name))
    return sorted(found)


def model_class(schema_name: str) -> type[Any]:
    models = importlib.import_module("voipstudio_callmeback_client.models")
    model: type[Any] = getattr(models, schema_name)
    return model


def test_the_spec_marks_the_credentials_it_carries() -> None:
    # The password, the two-factor code and the session token are the credentials that
    # travel in bodies; each is marked so that generators (this one, pydantic's) hide it.
    assert {("LoginRequest", "password"), ("TwoFactorRequest", "code"), ("LoginSuccess", "user_token")} <= set(
        secret_fields()
    )


SECRET_FIELDS = secret_fields()


@pytest.mark.parametrize(("schema_name", "field_name"), SECRET_FIELDS, ids=[".".join(pair) for pair in SECRET_FIELDS])
def test_every_secret_field_is_left_out_of_the_models_repr(schema_name: str, field_name: str) -> None:
    model = model_class(schema_name)
    field = attrs.fields_dict(model)[field_name]
    # Every other field gets a value of its own, so that the test sees the secret alone.
    values: dict[str, object] = {f.name: f"other-{f.name}" for f in attrs.fields(model) if f.init}
    values[field_name] = SECRET
    if "user_id" in values:
        values["user_id"] = 7
    instance = model(**values)
    assert field.repr is False
    for text in (repr(instance), str(instance), repr([instance]), f"{instance}"):
        assert SECRET not in text, text
        assert f"{field_name}=" in text  # the field is named, its value is not
    assert getattr(instance, field_name) == SECRET
    assert instance.to_dict()[field_name] == SECRET


def test_the_fields_named_in_the_review_are_hidden() -> None:
    login = LoginRequest(email="alice@example.com", password=SECRET)
    two_factor = TwoFactorRequest(code="492817", nonce="n-1")
    success = LoginSuccess(user_token=SECRET, user_id=7)
    assert SECRET not in repr(login)
    assert "alice@example.com" in repr(login)
    assert "492817" not in repr(two_factor)
    assert "492817" not in str(two_factor)
    assert "n-1" in repr(two_factor)
    assert SECRET not in repr(success)
    assert "user_id=7" in repr(success)


def test_the_authenticated_clients_repr_leaves_out_its_token() -> None:
    client = AuthenticatedClient(base_url="http://127.0.0.1:9", token=SECRET, headers={"X-Auth-Token": SECRET})
    assert SECRET not in repr(client)
    assert SECRET not in str(client)
    # Building the httpx client puts the token into the headers: still hidden afterwards.
    with client:
        assert SECRET not in repr(client)
    assert "http://127.0.0.1:9" in repr(client)
    plain = Client(base_url="http://127.0.0.1:9", headers={"X-Auth-Token": SECRET}, cookies={"session": SECRET})
    assert SECRET not in repr(plain)
