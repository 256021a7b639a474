"""scripts/check-spec-compat: direction-aware findings and the versioning rules they enforce."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import filter_pattern
import spec_compat
from conftest import ROOT, load_spec

GET = "/paths/~1widgets/get"
POST = "/paths/~1widgets/post"
BODY = f"{POST}/requestBody/content/application~1json/schema"
LISTED = f"{GET}/responses/200/content/application~1json/schema"
CREATED = f"{POST}/responses/201/content/application~1json/schema"
LIMIT = {"$ref": "#/components/parameters/Limit"}
DELETE = object()
Edit = tuple[tuple[str, ...], Any]


def base_spec() -> dict[str, Any]:
    """A small spec: GET /widgets (a limit, 200 and 400) and POST /widgets (a body, 201), with $refs."""
    widget = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Widget"}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Widgets", "version": "1.0.0"},
        "paths": {
            "/widgets": {
                "get": {
                    "parameters": [LIMIT],
                    "responses": {"200": {"description": "The widget.", **widget}, "400": {"description": "Bad."}},
                },
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WidgetCreate"}}},
                    },
                    "responses": {"201": {"description": "Created.", **widget}},
                },
            }
        },
        "components": {
            "parameters": {
                "Limit": {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                }
            },
            "schemas": {
                "Widget": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
                "WidgetCreate": {
                    "type": "object",
                    "required": ["name"],
                    "additionalProperties": True,
                    "properties": {
                        "name": {"type": "string", "maxLength": 50},
                        "colour": {"type": "string", "enum": ["red", "green"]},
                        "size": {"type": "integer", "minimum": 1},
                    },
                },
            },
        },
    }


def edited(document: dict[str, Any], *edits: Edit) -> dict[str, Any]:
    """A copy of document with each (keys, value) set, or deleted when value is DELETE."""
    result = copy.deepcopy(document)
    for keys, value in edits:
        node = result
        for key in keys[:-1]:
            node = node[key]
        if value is DELETE:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value
    return result


WIDGET = ("components", "schemas", "Widget")
CREATE = ("components", "schemas", "WidgetCreate", "properties")
TENANT = {"name": "tenant", "in": "query", "schema": {"type": "string"}}

BREAKING: dict[str, tuple[list[Edit], set[str]]] = {
    # requests: the server accepts less than before
    "request: new required body property": (
        [
            ((*CREATE, "shape"), {"type": "string"}),
            (("components", "schemas", "WidgetCreate", "required"), ["name", "shape"]),
        ],
        {f"{BODY}/properties/shape"},
    ),
    "request: new required parameter": (
        [(("paths", "/widgets", "get", "parameters"), [LIMIT, {**TENANT, "required": True}])],
        {f"{GET}/parameters/1"},
    ),
    "request: removed operation": ([(("paths", "/widgets", "post"), DELETE)], {POST}),
    "request: removed parameter": ([(("paths", "/widgets", "get", "parameters"), [])], {f"{GET}/parameters/0"}),
    "request: removed enum value": ([((*CREATE, "colour", "enum"), ["red"])], {f"{BODY}/properties/colour/enum"}),
    "request: changed type": ([((*CREATE, "size", "type"), "string")], {f"{BODY}/properties/size/type"}),
    "request: minimum increased": ([((*CREATE, "size", "minimum"), 2)], {f"{BODY}/properties/size/minimum"}),
    "request: maximum decreased": (
        [(("components", "parameters", "Limit", "schema", "maximum"), 50)],
        {f"{GET}/parameters/0/schema/maximum"},
    ),
    "request: new pattern": ([((*CREATE, "name", "pattern"), "^[a-z]+$")], {f"{BODY}/properties/name/pattern"}),
    "request: maxLength decreased": ([((*CREATE, "name", "maxLength"), 40)], {f"{BODY}/properties/name/maxLength"}),
    "request: additionalProperties true to false": (
        [(("components", "schemas", "WidgetCreate", "additionalProperties"), False)],
        {f"{BODY}/additionalProperties"},
    ),
    "request: body removed": ([(("paths", "/widgets", "post", "requestBody"), DELETE)], {f"{POST}/requestBody"}),
    # responses: the client may get what it did not expect
    "response: new content type": (
        [(("paths", "/widgets", "get", "responses", "400", "content"), {"text/csv": {"schema": {"type": "string"}}})],
        {f"{GET}/responses/400/content/text~1csv"},
    ),
    "response: removed property": (
        [((*WIDGET, "properties", "name"), DELETE), ((*WIDGET, "required"), ["id"])],
        {f"{LISTED}/properties/name", f"{CREATED}/properties/name"},
    ),
    "response: renamed property": (
        [((*WIDGET, "properties"), {"id": {"type": "integer"}, "title": {"type": "string"}})],
        {f"{LISTED}/properties/name", f"{CREATED}/properties/name"},
    ),
    "response: changed type": (
        [((*WIDGET, "properties", "id", "type"), "string")],
        {f"{LISTED}/properties/id/type", f"{CREATED}/properties/id/type"},
    ),
    "response: no longer required": (
        [((*WIDGET, "required"), ["id"])],
        {f"{LISTED}/properties/name", f"{CREATED}/properties/name"},
    ),
    "response: becomes nullable": (
        [((*WIDGET, "properties", "name", "nullable"), True)],
        {f"{LISTED}/properties/name/nullable", f"{CREATED}/properties/name/nullable"},
    ),
    "response: removed status": (
        [(("paths", "/widgets", "get", "responses", "400"), DELETE)],
        {f"{GET}/responses/400"},
    ),
    "response: new status without a default response": (
        [(("paths", "/widgets", "get", "responses", "404"), {"description": "Missing."})],
        {f"{GET}/responses/404"},
    ),
}

NON_BREAKING: dict[str, list[Edit]] = {
    "request: new optional parameter": [(("paths", "/widgets", "get", "parameters"), [LIMIT, TENANT])],
    "request: new optional body property": [((*CREATE, "shape"), {"type": "string"})],
    "request: new enum value": [((*CREATE, "colour", "enum"), ["red", "green", "blue"])],
    "request: widened bounds": [
        ((*CREATE, "size", "minimum"), 0),
        ((*CREATE, "name", "maxLength"), 60),
        (("components", "parameters", "Limit", "schema", "maximum"), 500),
    ],
    "request: body property no longer required": [(("components", "schemas", "WidgetCreate", "required"), [])],
    "request: body no longer required": [(("paths", "/widgets", "post", "requestBody", "required"), False)],
    "request: new request content type": [
        (("paths", "/widgets", "post", "requestBody", "content", "text/csv"), {"schema": {"type": "string"}})
    ],
    "response: new optional property": [((*WIDGET, "properties", "colour"), {"type": "string"})],
    "response: new operation": [(("paths", "/gadgets"), {"get": {"responses": {"204": {"description": "None."}}}})],
}


@pytest.mark.parametrize("case", BREAKING)
def test_each_breaking_rule_fires(case: str) -> None:
    """Each rule reports exactly the expected JSON pointers as breaking."""
    edits, pointers = BREAKING[case]
    findings = spec_compat.compare(base_spec(), edited(base_spec(), *edits))
    assert {finding.pointer for finding in findings if finding.breaking} == pointers


@pytest.mark.parametrize("case", NON_BREAKING)
def test_additive_changes_are_not_breaking(case: str) -> None:
    """Additive or widening changes are reported, none of them as breaking."""
    findings = spec_compat.compare(base_spec(), edited(base_spec(), *NON_BREAKING[case]))
    assert findings
    assert not [finding for finding in findings if finding.breaking]


def test_a_renamed_operation_id_is_breaking() -> None:
    """A new operationId renames the generated method in every language: breaking, at the operation's pointer."""
    old = base_spec()
    new = copy.deepcopy(old)
    item = next(iter(new["paths"].values()))
    method = next(name for name in item if name in spec_compat.HTTP_METHODS)
    item[method]["operationId"] = "renamedOperation"
    findings = [finding for finding in spec_compat.compare(old, new) if finding.pointer.endswith("/operationId")]
    assert len(findings) == 1
    assert findings[0].breaking
    assert "-> 'renamedOperation'" in findings[0].message


def test_a_body_that_becomes_required_is_breaking() -> None:
    """An optional request body made required breaks clients that sent none."""
    optional = edited(base_spec(), (("paths", "/widgets", "post", "requestBody", "required"), False))
    findings = spec_compat.compare(optional, base_spec())
    assert [(f.pointer, f.breaking) for f in findings] == [(f"{POST}/requestBody", True)]


def test_a_new_status_is_not_breaking_when_a_default_response_covered_it() -> None:
    """An operation with a `default` response may gain a status code."""
    old = edited(base_spec(), (("paths", "/widgets", "get", "responses", "default"), {"description": "Other."}))
    new = edited(old, (("paths", "/widgets", "get", "responses", "404"), {"description": "Missing."}))
    assert [(f.pointer, f.breaking) for f in spec_compat.compare(old, new)] == [(f"{GET}/responses/404", False)]


def test_the_real_spec_has_no_findings_against_itself() -> None:
    """Comparing openapi.yaml with itself finds nothing (every $ref resolves)."""
    assert spec_compat.compare(load_spec(), load_spec()) == []


def test_the_changelog_has_sections_for_the_current_versions() -> None:
    """CHANGELOG.md has a section for the spec's info.version and for the package version."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert load_spec()["info"]["version"] in spec_compat.changelog_versions(changelog, "spec")
    assert "0.1.0" in spec_compat.changelog_versions(changelog, "package")


# --- the command, on a temporary git repository -------------------------------------------


def git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "-C", str(repo), *identity, *args], check=True, capture_output=True)


def write(repo: Path, document: dict[str, Any], changelog: str = "## spec 1.0.0\n") -> None:
    (repo / "openapi.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    (repo / "CHANGELOG.md").write_text(f"# Changelog\n\n{changelog}", encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose HEAD holds base_spec() at version 1.0.0 and a changelog."""
    git(tmp_path, "init", "-q")
    write(tmp_path, base_spec())
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "spec 1.0.0")
    return tmp_path


def run(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the check against HEAD; return its exit code and everything it printed."""
    code = spec_compat.main(["--repo", str(repo), "--base", "HEAD"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


REMOVE_NAME: list[Edit] = [((*WIDGET, "properties", "name"), DELETE), ((*WIDGET, "required"), ["id"])]


def version(number: str) -> Edit:
    return (("info", "version"), number)


def test_removed_response_property_fails_naming_the_pointer(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A breaking change without a major bump fails, naming the JSON pointer and the rule."""
    write(repo, edited(base_spec(), *REMOVE_NAME, version("1.1.0")))
    code, output = run(repo, capsys)
    assert code == 1
    assert f"breaking: {LISTED}/properties/name: response property 'name' removed" in output
    assert "check-spec-compat: FAILED" in output
    assert "breaking changes need a new major version: 1.0.0 -> 1.1.0 is not one" in output


def test_major_bump_without_changelog_entry_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A breaking change with a major bump still needs its changelog section."""
    write(repo, edited(base_spec(), *REMOVE_NAME, version("2.0.0")))
    code, output = run(repo, capsys)
    assert code == 1
    assert "version 2.0.0 needs a '## spec 2.0.0' section in CHANGELOG.md" in output


def test_major_bump_and_changelog_entry_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same breaking change passes with a major bump and a changelog section."""
    write(
        repo, edited(base_spec(), *REMOVE_NAME, version("2.0.0")), "## spec 2.0.0\n\nRemoved name.\n\n## spec 1.0.0\n"
    )
    code, output = run(repo, capsys)
    assert code == 0, output
    assert "check-spec-compat: ok. openapi.yaml 1.0.0 (HEAD) -> 2.0.0: 2 breaking, 0 non-breaking" in output


def test_a_breaking_finding_declared_not_breaking_passes_with_a_minor_bump(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A changelog line `Not breaking: `<pointer>`: reason` reclassifies that finding, and says why."""
    pattern = "/paths/~1widgets/*/properties/name"
    changelog = f"## spec 1.1.0\n\n- Not breaking: `{pattern}`: the service never sent it.\n\n## spec 1.0.0\n"
    write(repo, edited(base_spec(), *REMOVE_NAME, version("1.1.0")), changelog)
    code, output = run(repo, capsys)
    assert code == 0, output
    assert f"non-breaking: {LISTED}/properties/name: response property 'name' removed (not breaking: the" in output
    assert "0 breaking, 2 non-breaking" in output


def test_a_declaration_matching_nothing_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A declaration whose pointer matches no breaking finding is a mistake, and fails naming it."""
    changelog = "## spec 1.1.0\n\n- Not breaking: `/paths/*/nothing`: stale.\n\n## spec 1.0.0\n"
    write(repo, edited(base_spec(), ADD_COLOUR, version("1.1.0")), changelog)
    code, output = run(repo, capsys)
    assert code == 1
    assert "declares `/paths/*/nothing` not breaking, but no breaking change of 1.1.0 is there" in output


@pytest.mark.parametrize(
    ("declaration", "complaint"),
    [
        ("`*`: everything is fine.", "the pattern must be a JSON pointer whose last segment names the keyword"),
        ("`/paths/~1widgets/*`: all of it.", "the pattern must be a JSON pointer whose last segment names the keyword"),
        (f"`{LISTED}/properties/name`:", "not breaking without saying why"),
    ],
)
def test_a_declaration_too_broad_or_without_reason_does_not_count(
    repo: Path, capsys: pytest.CaptureFixture[str], declaration: str, complaint: str
) -> None:
    """A bare wildcard (or one in the last segment) cannot excuse every finding, and every declaration says why."""
    changelog = f"## spec 1.1.0\n\n- Not breaking: {declaration}\n\n## spec 1.0.0\n"
    write(repo, edited(base_spec(), *REMOVE_NAME, version("1.1.0")), changelog)
    code, output = run(repo, capsys)
    assert code == 1
    assert complaint in output
    assert "breaking changes need a new major version" in output


def test_a_heading_with_more_words_holds_its_declarations(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`## spec 1.1.0 (2026-12-01)` is the section of 1.1.0 for the version rule and for declarations alike."""
    pattern = "/paths/~1widgets/*/properties/name"
    changelog = f"## spec 1.1.0 (2026-12-01)\n\n- Not breaking: `{pattern}`: never sent.\n\n## spec 1.0.0\n"
    write(repo, edited(base_spec(), *REMOVE_NAME, version("1.1.0")), changelog)
    code, output = run(repo, capsys)
    assert code == 0, output


def test_declarations_of_another_version_do_not_count(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Only the new version's section can declare its findings not breaking."""
    pointer = f"{LISTED}/properties/name"
    changelog = f"## spec 1.1.0\n\nNothing.\n\n## spec 1.0.0\n\n- Not breaking: `{pointer}`: old.\n"
    write(repo, edited(base_spec(), *REMOVE_NAME, version("1.1.0")), changelog)
    code, output = run(repo, capsys)
    assert code == 1
    assert "breaking changes need a new major version" in output


ADD_COLOUR: Edit = ((*WIDGET, "properties", "colour"), {"type": "string"})


def test_additive_change_with_a_minor_bump_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An added optional response property with a minor bump and its changelog section passes, as non-breaking."""
    write(repo, edited(base_spec(), ADD_COLOUR, version("1.1.0")), "## spec 1.1.0\n\nColour.\n\n## spec 1.0.0\n")
    code, output = run(repo, capsys)
    assert code == 0, output
    assert f"non-breaking: {LISTED}/properties/colour: response property 'colour' added (optional)" in output
    assert "0 breaking, 2 non-breaking" in output


def test_additive_change_with_a_patch_bump_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An addition is more than wording: a patch bump is refused, and the message names the minor version to use."""
    write(repo, edited(base_spec(), ADD_COLOUR, version("1.0.1")), "## spec 1.0.1\n\nColour.\n\n## spec 1.0.0\n")
    code, output = run(repo, capsys)
    assert code == 1
    assert "additions need at least a new minor version: 1.0.0 -> 1.0.1 is not one (try 1.1.0)" in output


def test_every_new_version_needs_its_changelog_section(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A minor bump, or a patch bump for wording, fails until CHANGELOG.md has a section for it."""
    write(repo, edited(base_spec(), ADD_COLOUR, version("1.1.0")))
    code, output = run(repo, capsys)
    assert code == 1
    assert "version 1.1.0 needs a '## spec 1.1.0' section in CHANGELOG.md saying what changed" in output
    write(repo, edited(base_spec(), (("info", "description"), "Now described."), version("1.0.1")))
    code, output = run(repo, capsys)
    assert code == 1
    assert "version 1.0.1 needs a '## spec 1.0.1' section" in output
    write(
        repo,
        edited(base_spec(), (("info", "description"), "Now described."), version("1.0.1")),
        "## spec 1.0.1\n\nWording.\n\n## spec 1.0.0\n",
    )
    assert run(repo, capsys)[0] == 0


def test_change_without_version_bump_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Any change to the document, even a description, needs a higher info.version."""
    write(repo, edited(base_spec(), (("info", "description"), "Now described.")))
    code, output = run(repo, capsys)
    assert code == 1
    assert "the spec changed but its version did not go up (1.0.0 -> 1.0.0)" in output


def test_unchanged_spec_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The spec as committed passes and says it is unchanged."""
    code, output = run(repo, capsys)
    assert code == 0
    assert "openapi.yaml is unchanged since HEAD (version 1.0.0)" in output


def test_nothing_to_compare_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A ref that does not exist, or one without the spec, is reported and passes."""
    assert spec_compat.main(["--repo", str(repo), "--base", "HEAD~1"]) == 0
    assert "HEAD~1 does not exist" in capsys.readouterr().out
    git(repo, "mv", "openapi.yaml", "spec.yaml")
    git(repo, "commit", "-q", "-m", "rename")
    write(repo, base_spec())
    assert spec_compat.main(["--repo", str(repo), "--base", "HEAD"]) == 0
    assert "openapi.yaml does not exist at HEAD" in capsys.readouterr().out


def test_command_line_compares_an_uncommitted_change_with_head(repo: Path) -> None:
    """With openapi.yaml edited but not committed, the command compares the working tree with HEAD."""
    write(repo, edited(base_spec(), ADD_COLOUR, version("1.0.1")))
    command = [str(ROOT / "scripts" / "check-spec-compat"), "--repo", str(repo)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "openapi.yaml 1.0.0 (HEAD) -> 1.0.1" in result.stderr
    assert "additions need at least a new minor version" in result.stderr


def test_command_line_compares_with_the_previous_commit(repo: Path) -> None:
    """scripts/check-spec-compat fails on a committed breaking change and names its pointer."""
    write(repo, edited(base_spec(), *REMOVE_NAME))
    git(repo, "commit", "-q", "-am", "remove name")
    command = [str(ROOT / "scripts" / "check-spec-compat"), "--repo", str(repo)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert f"{LISTED}/properties/name: response property 'name' removed" in result.stderr
    assert "(HEAD~1) -> 1.0.0" in result.stderr


def with_settings_sort(document: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The real spec with the settings list's sort enum set to fields and its filter pattern the derived one."""
    changed = copy.deepcopy(document)
    changed["components"]["schemas"]["SettingSortField"]["enum"] = fields
    derived = filter_pattern.list_filters(changed)["/callmeback/settings"]
    changed["components"]["parameters"]["SettingFilter"]["schema"]["pattern"] = derived.pattern
    return changed


def test_a_derived_filter_pattern_is_judged_by_its_fields() -> None:
    """A sort field added widens the derived filter pattern (an addition); one removed narrows it (breaking),
    though either rewrites the pattern's text."""
    spec = load_spec()
    fields = spec["components"]["schemas"]["SettingSortField"]["enum"]
    wider = spec_compat.compare(spec, with_settings_sort(spec, [*fields, "theme"]))
    patterns = [f for f in wider if f.pointer.endswith("/schema/pattern")]
    assert patterns
    assert not any(f.breaking for f in patterns), patterns
    assert "added ['theme']" in patterns[0].message
    narrower = spec_compat.compare(spec, with_settings_sort(spec, fields[:-1]))
    patterns = [f for f in narrower if f.pointer.endswith("/schema/pattern")]
    assert patterns
    assert all(f.breaking for f in patterns), patterns
    assert f"removed [{fields[-1]!r}]" in patterns[0].message


def test_a_hand_written_filter_pattern_is_judged_by_its_text() -> None:
    """A pattern that is not the derived one is compared as any pattern is: a changed text breaks."""
    spec = load_spec()
    changed = copy.deepcopy(spec)
    changed["components"]["parameters"]["SettingFilter"]["schema"]["pattern"] = "^\\[\\]$"
    findings = [f for f in spec_compat.compare(spec, changed) if f.pointer.endswith("/schema/pattern")]
    assert findings
    assert all(f.breaking for f in findings)
