"""A maintainer's spec changes, made on a copy of the project: what follows by regeneration alone
(the client, the command line and the sandbox), and what fails, saying where.

Each test copies the project (the files git knows of, as they are now) into a temporary
repository, edits openapi.yaml there as a maintainer would, runs that copy's
scripts/regenerate and then that copy's gates, type checker and command line, with the
copy's packages first on the path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT

PYTHON = sys.executable
MAJOR, MINOR, PATCH = (
    int(part) for part in yaml.safe_load((ROOT / "openapi.yaml").read_text())["info"]["version"].split(".")
)
# The spec's next versions, from the one it has now.
NEXT_MAJOR, NEXT_MINOR, NEXT_PATCH = f"{MAJOR + 1}.0.0", f"{MAJOR}.{MINOR + 1}.0", f"{MAJOR}.{MINOR}.{PATCH + 1}"
IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]


class Project:
    """A copy of the project in a git repository of its own, HEAD holding the files as they are now."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def copy(cls, destination: Path) -> Project:
        listed = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            check=True,
        ).stdout.split(b"\0")
        for name in filter(None, (entry.decode() for entry in listed)):
            source = ROOT / name
            if source.is_file():
                target = destination / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        project = cls(destination)
        project.git("init", "-q")
        project.git("add", "-A")
        project.git("commit", "-q", "-m", "the project as it is")
        return project

    def git(self, *args: str) -> None:
        subprocess.run(["git", "-C", str(self.root), *IDENTITY, *args], check=True, capture_output=True)

    @property
    def env(self) -> dict[str, str]:
        """The environment that puts this copy's packages before the installed ones."""
        paths = [str(self.root / folder) for folder in ("generated", "overlays", "sandbox")]
        return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "MYPYPATH": os.pathsep.join(paths)}

    def run(self, *command: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=self.root, env=self.env, capture_output=True, text=True, check=False, input=input
        )

    def edit_spec(self, change: Callable[[dict[str, Any]], None], version: str, changelog: str | None) -> None:
        """Change openapi.yaml, set its version and (unless None) add a changelog section for it."""
        path = self.root / "openapi.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(document)
        document["info"]["version"] = version
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
        if changelog is not None:
            log = self.root / "CHANGELOG.md"
            text = log.read_text(encoding="utf-8")
            first = text.index("\n## ")
            log.write_text(f"{text[:first]}\n## spec {version}\n\n{changelog}\n{text[first:]}", encoding="utf-8")

    def regenerate(self) -> None:
        result = self.run(PYTHON, "scripts/lib/regenerate.py")
        assert result.returncode == 0, result.stderr

    def mypy(self, code: str) -> subprocess.CompletedProcess[str]:
        """mypy --strict over a user's module that imports this copy's packages."""
        module = self.root / "user_code.py"
        module.write_text(textwrap.dedent(code), encoding="utf-8")
        return self.run(PYTHON, "-m", "mypy", "--strict", "--no-incremental", "--config-file", os.devnull, str(module))

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        return self.run(PYTHON, "-c", textwrap.dedent(code))

    def against_sandbox(self, code: str) -> subprocess.CompletedProcess[str]:
        """Run `code` (the body of `async def main(cmb)`) with this copy's async client against this copy's sandbox,
        in process, on the demo account; what it prints is the result."""
        body = textwrap.indent(textwrap.dedent(code), "    ")
        program = (
            "import asyncio, httpx\n"
            "from voipstudio_callmeback import AsyncCallMeBack\n"
            "from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, SandboxConfig, create_app\n"
            "config = SandboxConfig(db=':memory:', cdrs_per_account=5, validate_responses=True)\n"
            "app = create_app(config, config.open_store())\n"
            f"async def main(cmb):\n{body}\n"
            "async def run():\n"
            "    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))\n"
            "    async with AsyncCallMeBack(user_id=DEMO_ACCOUNT.user_id, api_key=DEMO_ACCOUNT.api_key,\n"
            "                               base_url='http://127.0.0.1/v1.1/voipstudio', http_client=http) as cmb:\n"
            "        await main(cmb)\n"
            "asyncio.run(run())\n"
        )
        return self.run(PYTHON, "-c", program)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.python(
            f"import sys; sys.argv = ['voipstudio-callmeback', *{list(args)!r}]\n"
            "from voipstudio_callmeback._cli._main import run; run()"
        )


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project.copy(tmp_path / "project")


# --- the changes --------------------------------------------------------------------------------

COLOR = {"type": "string", "description": "The colour of the widget's button, as a CSS colour."}


def add_color(document: dict[str, Any]) -> None:
    """An optional `color` in the settings' create body, update body and item."""
    schemas = document["components"]["schemas"]
    for name in ("SettingCreate", "SettingUpdate"):
        schemas[name]["properties"]["color"] = dict(COLOR)
    schemas["Setting"]["properties"]["color"] = {**COLOR, "nullable": True}


def add_list_buttons(document: dict[str, Any]) -> None:
    """GET /callmeback/buttons, a page of buttons like every other list."""
    settings = document["paths"]["/callmeback/settings"]["get"]
    components = document["components"]
    components["schemas"]["ButtonSortField"] = {
        "type": "string",
        "description": "A field buttons can be sorted and filtered on.",
        "enum": ["id", "name", "created_at"],
    }
    components["parameters"]["ButtonSort"] = {
        **components["parameters"]["SettingSort"],
        "description": "The field to order the buttons by.",
        "schema": {"$ref": "#/components/schemas/ButtonSortField"},
    }
    components["parameters"]["ButtonFilter"] = {  # a filter of its own: its pattern follows its sort enum
        **components["parameters"]["SettingFilter"],
        "description": "Conditions the buttons must meet.",
        "schema": {**components["parameters"]["SettingFilter"]["schema"], "pattern": "^\\[\\]$"},
    }
    own = {"Sort": "ButtonSort", "Filter": "ButtonFilter"}
    parameters = [
        next(({"$ref": f"#/components/parameters/{own[k]}"} for k in own if k in parameter["$ref"]), parameter)
        for parameter in settings["parameters"]
    ]
    document["paths"]["/callmeback/buttons"]["get"] = {
        "operationId": "listButtons",
        "tags": ["Buttons"],
        "summary": "List buttons",
        "description": "Returns one page of the account's buttons and the number that match the filter.",
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "A page of buttons.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ButtonList"}}},
            },
            "400": settings["responses"]["400"],
            "401": settings["responses"]["401"],
        },
    }
    listing = dict(document["components"]["schemas"]["SettingList"])
    listing["description"] = "A page of buttons."
    listing["properties"] = {**listing["properties"], "data": {**listing["properties"]["data"]}}
    listing["properties"]["data"]["items"] = {"$ref": "#/components/schemas/Button"}
    document["components"]["schemas"]["ButtonList"] = listing


def add_copy_setting(document: dict[str, Any]) -> None:
    """POST /callmeback/settings/{id}/copy: an operation no convention places."""
    get = document["paths"]["/callmeback/settings/{id}"]["get"]
    document["paths"]["/callmeback/settings/{id}/copy"] = {
        "post": {
            "operationId": "copySetting",
            "parameters": get["parameters"],
            "tags": ["Settings"],
            "summary": "Copy widget settings",
            "description": "Creates settings with the fields of the given ones.",
            "responses": {"201": get["responses"]["200"], **{k: v for k, v in get["responses"].items() if k != "200"}},
        },
    }


def remove_title(document: dict[str, Any]) -> None:
    del document["components"]["schemas"]["Setting"]["properties"]["title"]
    for example in document["components"]["examples"].values():
        value = example.get("value")
        for item in [value.get("data")] if isinstance(value, dict) else []:
            for entry in item if isinstance(item, list) else [item]:
                if isinstance(entry, dict):
                    entry.pop("title", None)


def remove_delete_setting(document: dict[str, Any]) -> None:
    """DELETE /callmeback/settings/{id} no longer offered (and the links that named it)."""
    del document["paths"]["/callmeback/settings/{id}"]["delete"]
    for path in document["paths"].values():
        for operation in path.values():
            for answer in operation.get("responses", {}).values() if isinstance(operation, dict) else []:
                links = answer.get("links", {})
                for name in [name for name, link in links.items() if link.get("operationId") == "deleteSetting"]:
                    del links[name]


# --- what follows ---------------------------------------------------------------------------------


def test_a_new_optional_field_reaches_the_client_and_the_command_line(project: Project) -> None:
    """`color` in the spec, a minor bump and a changelog entry: regenerating is the only other step."""
    project.edit_spec(add_color, NEXT_MINOR, "Settings gain an optional `color`.")
    project.regenerate()
    for gate in ("scripts/lib/spec_compat.py", "scripts/lib/api_compat.py"):
        result = project.run(PYTHON, gate)
        assert result.returncode == 0, result.stdout + result.stderr

    typed = project.mypy(
        """
        from voipstudio_callmeback import CallMeBack
        from voipstudio_callmeback_client.types import Unset

        def use(cmb: CallMeBack) -> str | Unset | None:
            setting = cmb.settings.create(name="x", color="red")
            return cmb.settings.update(setting.id, color="blue").color
        """
    )
    assert typed.returncode == 0, typed.stdout
    misspelt = project.mypy(
        """
        from voipstudio_callmeback import CallMeBack

        def use(cmb: CallMeBack) -> None:
            cmb.settings.create(name="x", colour="red")
        """
    )
    assert misspelt.returncode == 1, misspelt.stdout  # the check above is a real one
    assert '"colour"' in misspelt.stdout

    sent = project.python(
        """
        import json, httpx
        from voipstudio_callmeback import CallMeBack

        def answer(request):
            body = json.loads(request.content)
            return httpx.Response(201, json={"data": {"id": 1, **body}})

        with CallMeBack(token="t", base_url="https://api.example.com",
                        http_client=httpx.Client(transport=httpx.MockTransport(answer))) as cmb:
            print(cmb.settings.create(name="x", color="red").color)
        """
    )
    assert sent.stdout.strip() == "red", sent.stderr

    shown = project.cli("settings", "create", "--help")
    assert "--color TEXT" in shown.stdout, shown.stdout + shown.stderr
    assert "The colour of the widget's button" in " ".join(shown.stdout.split())
    assert "--color" in project.cli("settings", "update", "--help").stdout
    round_trip = project.against_sandbox(
        """
        created = await cmb.settings.create(name="x", color="red")
        await cmb.settings.update(created.id, color="blue")
        print(created.color, (await cmb.settings.get(created.id)).color)
        """
    )
    assert round_trip.stdout.split() == ["red", "blue"], round_trip.stderr
    helped = project.python("from voipstudio_callmeback import CallMeBack; help(CallMeBack(token='t').settings.create)")
    assert "color (str): The colour of the widget's button" in " ".join(helped.stdout.split())


def test_a_new_list_operation_becomes_a_method_and_a_command(project: Project) -> None:
    """listButtons: cmb.buttons.list() and `buttons list` follow, and the coverage test passes."""
    project.edit_spec(add_list_buttons, NEXT_MINOR, "`GET /callmeback/buttons` lists buttons.")
    project.regenerate()
    typed = project.mypy(
        """
        from voipstudio_callmeback import AsyncCallMeBack, Button, CallMeBack

        def names(cmb: CallMeBack) -> list[object]:
            return [button.name for button in cmb.buttons.list(limit=10, sort="name", dir="DESC")]

        async def first(cmb: AsyncCallMeBack) -> Button | None:
            async for button in cmb.buttons.list(prefetch=2):
                return button
            return None
        """
    )
    assert typed.returncode == 0, typed.stdout
    shown = project.cli("buttons", "list", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "List buttons" in shown.stdout
    assert "--limit" in shown.stdout
    assert "export" in project.cli("buttons", "--help").stdout
    covered = project.run(PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_resources_cover_spec.py")
    assert covered.returncode == 0, covered.stdout
    served = project.against_sandbox(
        """
        made = await cmb.buttons.create(name="Listed")
        print(made.id in [button.id async for button in cmb.buttons.list(sort="id", dir="DESC")])
        """
    )
    assert served.stdout.strip() == "True", served.stderr


def test_an_operation_no_convention_places_fails_naming_it_and_the_files(project: Project) -> None:
    """copySetting: regeneration succeeds, and the coverage test says which operation and where to edit."""
    project.edit_spec(add_copy_setting, NEXT_MINOR, "`POST /callmeback/settings/{id}/copy` copies settings.")
    project.regenerate()
    covered = project.run(PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_resources_cover_spec.py")
    assert covered.returncode == 1
    assert "copySetting (POST /callmeback/settings/{id}/copy) is not reachable from CallMeBack" in covered.stdout
    assert "overlays/exempt-operations.toml" in covered.stdout
    assert "1 failed" in covered.stdout  # nothing else broke

    exempt = project.root / "overlays" / "exempt-operations.toml"
    exempt.write_text(
        exempt.read_text(encoding="utf-8") + 'copySetting = "Not offered by this client yet: call it with httpx."\n',
        encoding="utf-8",
    )
    project.regenerate()
    covered = project.run(PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_resources_cover_spec.py")
    assert covered.returncode == 0, covered.stdout


def test_a_removed_field_of_a_reexported_model_needs_a_package_major_version(project: Project) -> None:
    """`title` removed from Setting (a spec major version): Setting.title left the API, so the old package version
    fails."""
    project.edit_spec(remove_title, NEXT_MAJOR, "`title` is no longer part of settings.")
    project.regenerate()
    spec_gate = project.run(PYTHON, "scripts/lib/spec_compat.py")
    assert spec_gate.returncode == 0, spec_gate.stdout + spec_gate.stderr
    api_gate = project.run(PYTHON, "scripts/lib/api_compat.py")
    assert api_gate.returncode == 1, api_gate.stdout
    assert "Setting.title" in api_gate.stderr
    assert "breaking changes need a new major version" in api_gate.stderr


def test_a_removed_operation_takes_its_method_and_needs_a_package_major_version(project: Project) -> None:
    """deleteSetting removed (a spec major version): `cmb.settings.delete` goes with it, which check-api-compat
    reports by the path users call it by, though the resource classes live in a private module."""
    project.edit_spec(remove_delete_setting, NEXT_MAJOR, "Settings can no longer be deleted.")
    project.regenerate()
    api_gate = project.run(PYTHON, "scripts/lib/api_compat.py")
    assert api_gate.returncode == 1, api_gate.stdout
    assert "`voipstudio_callmeback.CallMeBack.settings.delete`: *Public object was removed*" in api_gate.stderr
    assert "`voipstudio_callmeback.AsyncCallMeBack.settings.delete`" in api_gate.stderr
    assert "breaking changes need a new major version" in api_gate.stderr


def test_an_additive_change_with_a_patch_bump_fails_the_spec_gate(project: Project) -> None:
    """An added field is more than wording: check-spec-compat refuses a patch bump, before anything is committed."""
    project.edit_spec(add_color, NEXT_PATCH, "Settings gain an optional `color`.")
    gate = project.run(PYTHON, "scripts/lib/spec_compat.py")
    assert gate.returncode == 1
    assert "additions need at least a new minor version" in gate.stderr
