"""The command line follows the spec: a command per resource method, options per request field and
query parameter with the spec's types, bounds and descriptions. Read from the operation table, so
that a spec change is checked without restating it here."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from voipstudio_callmeback._cli._commands import create_command, update_command
from voipstudio_callmeback._cli._main import cli
from voipstudio_callmeback._cli._output import PREFERRED_COLUMNS, page_footer
from voipstudio_callmeback._cli._sessions import SessionStore
from voipstudio_callmeback._cli._spec import Resource, resources
from voipstudio_callmeback._cli._target import Target
from voipstudio_callmeback._resources import OPERATION_METHODS
from voipstudio_callmeback_client.operations import OPERATIONS, Operation

from conftest import load_spec

PLACES = sorted(OPERATION_METHODS.items())
IDS = [operation_id for operation_id, _ in PLACES]


def command(resource: str, method: str) -> click.Command:
    group = cli.commands.get(resource)
    assert isinstance(group, click.Group), f"no command group {resource}"
    found = group.commands.get(method)
    assert found is not None, f"no command {resource} {method}"
    return found


def options(found: click.Command) -> dict[str, click.Option]:
    """Each option of a command by its first long name."""
    return {param.opts[0]: param for param in found.params if isinstance(param, click.Option)}


def normalized(text: str | None) -> str:
    return " ".join((text or "").split())


@pytest.mark.parametrize(("operation_id", "place"), PLACES, ids=IDS)
def test_every_resource_method_is_a_command(operation_id: str, place: tuple[str, str]) -> None:
    """`<resource> <method>` exists and its help starts with the operation's summary."""
    found = command(*place)
    assert normalized(found.help).startswith(normalized(OPERATIONS[operation_id].summary))


BODIES = [(operation_id, place) for operation_id, place in PLACES if OPERATIONS[operation_id].body is not None]


@pytest.mark.parametrize(("operation_id", "place"), BODIES, ids=[item[0] for item in BODIES])
def test_every_request_field_is_an_option(operation_id: str, place: tuple[str, str]) -> None:
    """One option per field: required on create as the spec says, integer ranges and flags as the schema types them."""
    found = options(command(*place))
    body = OPERATIONS[operation_id].body
    assert body is not None
    required = set(body.schema.get("required", []))
    for name, schema in body.schema["properties"].items():
        option = found.get(f"--{name.replace('_', '-')}")
        assert option is not None, f"{place[0]} {place[1]} has no option for {name}"
        assert option.required == (name in required and place[1] == "create"), name
        assert normalized(schema.get("description")) in normalized(option.help), name
        if schema.get("type") == "boolean":
            assert option.secondary_opts == [f"--no-{name.replace('_', '-')}"], name
        elif schema.get("type") == "integer":
            assert isinstance(option.type, click.IntRange), name
            assert option.type.min == schema.get("minimum"), name
            if schema.get("maximum", 2**63 - 1) < 2**31 - 1:
                assert option.type.max == schema["maximum"], name
        elif schema.get("type") == "number":
            assert isinstance(option.type, click.FloatRange), name
            assert option.type.min == schema.get("minimum"), name


LISTS = [(operation_id, place) for operation_id, place in PLACES if place[1] == "list"]


@pytest.mark.parametrize(("operation_id", "place"), LISTS, ids=[item[0] for item in LISTS])
def test_list_options_are_the_query_parameters(operation_id: str, place: tuple[str, str]) -> None:
    """Every query parameter is an option; bounds and choices are the spec's."""
    found = options(command(*place))
    for parameter in OPERATIONS[operation_id].parameters:
        if parameter.location != "query":
            continue
        option = found.get(f"--{parameter.name.replace('_', '-')}")
        assert option is not None, f"{place[0]} list has no --{parameter.name}"
        schema = parameter.schema
        if "enum" in schema:
            assert isinstance(option.type, click.Choice)
            assert sorted(map(str.upper, option.type.choices)) == sorted(str(value).upper() for value in schema["enum"])
        elif schema.get("type") == "integer":
            assert isinstance(option.type, click.IntRange)
            assert option.type.min == schema.get("minimum")
            if schema.get("maximum") is not None and schema["maximum"] < 2**31 - 1:
                assert option.type.max == schema["maximum"]


@pytest.mark.parametrize("resource", resources(), ids=lambda resource: resource.name)
def test_what_lists_can_export(resource: Any) -> None:
    """A resource with a list has `export`; --since and --until exactly when its items declare a timestamp."""
    group = cli.commands[resource.name]
    assert isinstance(group, click.Group)
    if "list" not in resource.operations:
        assert "export" not in group.commands
        return
    found = options(group.commands["export"])
    has_period = "--since" in found
    assert has_period == (resource.timestamp_field is not None)
    if has_period:
        assert resource.timestamp_field in resource.declared_fields


def test_timestamp_fields_are_the_specs_timestamps() -> None:
    """The field --since and --until filter on is the item schema's first property that is the spec's Timestamp."""
    schemas = load_spec()["components"]["schemas"]
    for resource in resources():
        assert resource.item is not None
        properties = schemas[resource.item.__name__]["properties"]
        expected = next(
            (name for name, prop in properties.items() if prop.get("$ref") == "#/components/schemas/Timestamp"), None
        )
        assert resource.timestamp_field == expected, resource.name


@pytest.mark.parametrize("resource", sorted(PREFERRED_COLUMNS))
def test_preferred_columns_are_declared_fields(resource: str) -> None:
    """The hand-picked columns of a list table name fields the spec declares (else: edit _cli/_output.py)."""
    known = {found.name: found for found in resources()}
    assert resource in known, f"PREFERRED_COLUMNS in overlays/voipstudio_callmeback/_cli/_output.py names {resource}"
    declared = set(known[resource].declared_fields)
    unknown = [name for name in PREFERRED_COLUMNS[resource] if name not in declared]
    assert not unknown, (
        f"PREFERRED_COLUMNS[{resource!r}] in overlays/voipstudio_callmeback/_cli/_output.py names {unknown}, "
        f"which the spec does not declare for {resource}: remove them or pick others"
    )


def test_the_footer_suggests_a_page_that_page_accepts() -> None:
    """Page 1,000 of 2,600 items, one a page: the footer's `--page N` is a value the list's --page takes."""
    footer = page_footer("cdrs", 1000, 1, 1, 2600)
    assert "(page 1,000 of 2,600;" in footer  # counts for reading keep their separators
    found = re.search(r"--page (\S+) for more", footer)
    assert found is not None, footer
    page = options(command("cdrs", "list"))["--page"]
    assert page.type.convert(found.group(1), page, None) == 1001


# Body fields named as the other parameters of create and update are: the output options' destinations
# (output, as_json, columns) and option names (json, output), and the path parameter of update (id).
CLASHING_FIELDS: dict[str, Any] = {
    "output": {"type": "string"},
    "as_json": {"type": "boolean"},
    "columns": {"type": "string"},
    "json": {"type": "string"},
    "id": {"type": "integer", "minimum": 1},
    "name": {"type": "string"},
}


class Answer:
    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields

    def to_dict(self) -> dict[str, Any]:
        return dict(self.fields)


class Things:
    """A resource of a client that answers with what it was sent, and keeps it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def create(self, **fields: Any) -> Answer:
        self.calls.append(("create", (), fields))
        return Answer(fields)

    def update(self, *path: Any, **fields: Any) -> Answer:
        self.calls.append(("update", path, fields))
        return Answer(fields)


class FakeClient:
    def __init__(self) -> None:
        self.things = Things()

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def clashing(operation_id: str) -> Operation:
    """An operation of the spec whose body has CLASHING_FIELDS instead of its own."""
    operation = OPERATIONS[operation_id]
    assert operation.body is not None
    schema = {**operation.body.schema, "properties": CLASHING_FIELDS, "required": ["name"]}
    return dataclasses.replace(operation, body=dataclasses.replace(operation.body, schema=schema))


def test_body_fields_do_not_take_other_parameters_places(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fields named output, as_json, columns, json or id are sent as given, and --output, --json and the
    path's ID keep working beside them."""
    fake = FakeClient()
    monkeypatch.setattr(Target, "client", lambda self: fake)
    target = Target(base_url="https://api.example.com/v1.1/voipstudio", sandbox=False, store=SessionStore(tmp_path))
    create, update = clashing("createSetting"), clashing("updateSetting")
    resource = Resource(name="things", item=None, operations={"create": create, "update": update})
    sent = {"output": "csv", "as_json": True, "columns": "a,b", "json": "[1]", "id": 9, "name": "N"}
    field_args = ["--output-field", "csv", "--as-json", "--columns-field", "a,b", "--json-field", "[1]", "--id", "9"]

    made = CliRunner().invoke(
        create_command(resource, create), [*field_args, "--name", "N", "--output", "json"], obj=target
    )
    assert made.exit_code == 0, made.output
    updated = CliRunner().invoke(
        update_command(resource, update), ["7", *field_args, "--name", "N", "--json"], obj=target
    )
    assert updated.exit_code == 0, updated.output
    assert fake.things.calls == [("create", (), sent), ("update", (7,), sent)]
    assert json.loads(updated.stdout) == sent  # --json is the output option, not the as_json field

    as_table = CliRunner().invoke(update_command(resource, update), ["7", "--output-field", "table"], obj=target)
    assert as_table.exit_code == 0, as_table.output
    assert fake.things.calls[-1] == ("update", (7,), {"output": "table"})
    assert as_table.stdout.split() == ["output", "table"]


@pytest.mark.parametrize("place", [place for _, place in PLACES], ids=IDS)
def test_no_two_parameters_of_a_command_share_a_name(place: tuple[str, str]) -> None:
    names = [param.name for param in command(*place).params]
    assert len(names) == len(set(names)), names
