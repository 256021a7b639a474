"""Compare openapi.yaml with its version at a git ref and enforce the versioning rules.

Every difference between the two documents that a client can notice is a finding,
named by a JSON pointer (into the document with its $refs resolved) and classed
breaking or non-breaking according to its direction:

- an operation's operationId changes: generated clients name their methods after it;
- requests (what clients send) break when the server accepts less than before: a
  removed operation, parameter or content type; a new required parameter or body
  property; a removed enum value; a changed type; a tighter bound or pattern.
- responses (what clients receive) break when the client may get something it did
  not expect: a removed status or property; a property no longer required or now
  nullable; a changed type; a looser bound; a new enum value; a new status on an
  operation without a `default` response.

The rules, as the README promises them: a breaking finding needs a higher major
version (unless the changelog section of the new version declares its pointer "Not
breaking", with the reason: for a schema that now states what the service already
required); any other finding (an addition, a looser request, a tighter answer) at least a
higher minor version; a change no client can notice (wording, examples) at least a
higher patch version; and every new `info.version` a `## spec X.Y.Z` section in
CHANGELOG.md.

The ref defaults to HEAD when the working tree holds uncommitted changes to openapi.yaml
or CHANGELOG.md (a change being made), else to HEAD~1 (the last commit's change).
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

import filter_pattern

ROOT = Path(__file__).resolve().parents[2]
SPEC = "openapi.yaml"
CHANGELOG = "CHANGELOG.md"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Bounds whose larger value accepts less, and those whose smaller value accepts less.
LOWER_BOUNDS = ("minimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "maxLength", "maxItems", "maxProperties")

Direction = Literal["request", "response"]
# How a constraint changed: "tighter" accepts less, "looser" accepts more,
# "changed" neither includes the other.
Change = Literal["tighter", "looser", "changed"]


@dataclass(frozen=True)
class Finding:
    pointer: str
    breaking: bool
    message: str

    def __str__(self) -> str:
        return f"{'breaking' if self.breaking else 'non-breaking'}: {self.pointer}: {self.message}"


# --- git and files -------------------------------------------------------------


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run git in repo; the caller checks the return code."""
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)


def ref_exists(repo: Path, ref: str) -> bool:
    return git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0


def has_uncommitted_changes(repo: Path, paths: tuple[str, ...]) -> bool:
    """Whether the working tree differs from HEAD in any of paths (new files included)."""
    result = git(repo, "status", "--porcelain", "--", *paths)
    return result.returncode == 0 and bool(result.stdout.strip())


def default_base(repo: Path, paths: tuple[str, ...]) -> str:
    """HEAD while a change to paths is being made (uncommitted), else HEAD~1: the last commit's change."""
    return "HEAD" if has_uncommitted_changes(repo, paths) else "HEAD~1"


def file_at(repo: Path, ref: str, path: str) -> str | None:
    """The text of path at ref, or None when the file does not exist there."""
    result = git(repo, "show", f"{ref}:{path}")
    return result.stdout if result.returncode == 0 else None


# --- versions and the changelog --------------------------------------------------


def parse_version(text: str) -> tuple[int, int, int]:
    """MAJOR.MINOR.PATCH of a semantic version (a pre-release or build suffix is ignored)."""
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(?:[-+].*)?", text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


# A section heading: `## spec 1.2.0` or `## package 1.0.0`, possibly followed by more words (a date).
HEADING = re.compile(r"^## (spec|package) (\S+)[^\n]*$", re.MULTILINE)


def changelog_sections(text: str) -> dict[tuple[str, str], str]:
    """(kind, version) -> the text of its section (below its heading, up to the next `## ` heading)."""
    found: dict[tuple[str, str], str] = {}
    for match in HEADING.finditer(text):
        following = re.search(r"^## ", text[match.end() :], flags=re.MULTILINE)
        end = match.end() + following.start() if following else len(text)
        found.setdefault((match.group(1), match.group(2)), text[match.end() : end])
    return found


def changelog_versions(text: str, kind: Literal["spec", "package"]) -> set[str]:
    """The versions that have a `## spec X.Y.Z` (or `## package X.Y.Z`) section."""
    return {version for found_kind, version in changelog_sections(text) if found_kind == kind}


def version_problems(
    old: str,
    new: str,
    *,
    changed: bool,
    breaking: bool,
    additive: bool,
    changelog: str,
    kind: Literal["spec", "package"],
) -> list[str]:
    """What the versioning rules say is wrong with going from old to new.

    `breaking` needs a higher major version, `additive` (a change clients can notice that
    breaks none) at least a higher minor one, any other change at least a higher patch; a
    new version needs its own section in the changelog.
    """
    if not changed:
        return []
    old_number, new_number = parse_version(old), parse_version(new)
    problems = []
    if breaking:
        if new_number[0] <= old_number[0]:
            problems.append(f"breaking changes need a new major version: {old} -> {new} is not one")
    elif additive:
        if new_number[:2] <= old_number[:2]:
            problems.append(
                f"additions need at least a new minor version: {old} -> {new} is not one "
                f"(try {old_number[0]}.{old_number[1] + 1}.0)"
            )
    elif new_number <= old_number:
        problems.append(f"the {kind} changed but its version did not go up ({old} -> {new})")
    if new_number != old_number and new not in changelog_versions(changelog, kind):
        what = "what broke and how to move" if breaking else "what changed"
        problems.append(f"version {new} needs a '## {kind} {new}' section in {CHANGELOG} saying {what}")
    return problems


def read_changelog(repo: Path) -> str:
    path = repo / CHANGELOG
    return path.read_text(encoding="utf-8") if path.exists() else ""


def report(command: str, summary: str, lines: list[str], problems: list[str]) -> int:
    """Print the lines and the verdict, to standard error on failure; 1 when there are problems."""
    stream = sys.stderr if problems else sys.stdout
    for line in lines:
        print(f"  {line}", file=stream)
    print(f"{command}: {'FAILED' if problems else 'ok'}. {summary}", file=stream)
    for problem in problems:
        print(f"  {problem}", file=stream)
    return 1 if problems else 0


# --- the document -----------------------------------------------------------------


def escape(token: str) -> str:
    """A JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def resolve(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every local $ref replaced by what it points to (a cycle is left as a $ref)."""

    def target(ref: str) -> Any:
        node: Any = document
        for token in ref[2:].split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
                return walk(target(ref), (*seen, ref))
            return {key: walk(value, seen) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item, seen) for item in node]
        return node

    resolved: dict[str, Any] = walk(document, ())
    return resolved


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation, keyed by (METHOD, path)."""
    return {
        (method.upper(), path): item[method]
        for path, item in (document.get("paths") or {}).items()
        for method in HTTP_METHODS
        if method in item
    }


def parameters(document: dict[str, Any], path: str, method: str) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """The parameters of an operation (the path item's, overridden by the operation's), keyed by (in, name)."""
    item = document["paths"][path]
    found = {}
    for where, owner in ((f"/paths/{escape(path)}", item), (f"/paths/{escape(path)}/{method}", item[method])):
        for index, parameter in enumerate(owner.get("parameters", [])):
            found[(parameter["in"], parameter["name"])] = (f"{where}/parameters/{index}", parameter)
    return found


# --- comparison ---------------------------------------------------------------------


def breaks(change: Change, direction: Direction) -> bool:
    """Whether a change breaks clients: accepting less from them, or sending them more."""
    return change == "changed" or change == ("tighter" if direction == "request" else "looser")


def bound_change(key: str, old: Any, new: Any) -> Change | None:
    if old == new:
        return None
    if old is None or new is None:
        return "tighter" if old is None else "looser"
    larger_is_tighter = key in LOWER_BOUNDS
    return "tighter" if (new > old) == larger_is_tighter else "looser"


def shown(value: Any) -> str:
    return "(none)" if value is None else repr(value)


def constraint_changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, Change, str]]:
    """(keyword, change, description) for each constraint of a schema that differs."""
    found: list[tuple[str, Change, str]] = []
    for key in (*LOWER_BOUNDS, *UPPER_BOUNDS):
        bound = bound_change(key, old.get(key), new.get(key))
        if bound:
            found.append((key, bound, f"{key} {shown(old.get(key))} -> {shown(new.get(key))}"))
    for key in ("type", "pattern"):
        before, after = old.get(key), new.get(key)
        if before != after:
            change: Change = "tighter" if before is None else "looser" if after is None else "changed"
            found.append((key, change, f"{key} {shown(before)} -> {shown(after)}"))
    before_values, after_values = old.get("enum"), new.get("enum")
    if before_values is None or after_values is None:
        if before_values != after_values:
            change = "tighter" if before_values is None else "looser"
            found.append(("enum", change, f"enum {shown(before_values)} -> {shown(after_values)}"))
    else:
        removed = [value for value in before_values if value not in after_values]
        added = [value for value in after_values if value not in before_values]
        if removed or added:
            change = "changed" if removed and added else "tighter" if removed else "looser"
            found.append(("enum", change, f"enum values removed {removed}, added {added}"))
    # Absent means false for nullable and true for additionalProperties; a schema counts as true.
    for key, default in (("nullable", False), ("additionalProperties", True)):
        before_open, after_open = old.get(key, default) is not False, new.get(key, default) is not False
        if before_open != after_open:
            change = "looser" if after_open else "tighter"
            found.append((key, change, f"{key} {str(before_open).lower()} -> {str(after_open).lower()}"))
    return found


def compare_schemas(old: Any, new: Any, pointer: str, direction: Direction) -> list[Finding]:
    """Findings for one schema, its properties and its items, in the given direction."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    findings = [
        Finding(f"{pointer}/{key}", breaks(change, direction), f"{direction} schema {change}: {text}")
        for key, change, text in constraint_changes(old, new)
    ]
    old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(old_properties.keys() | new_properties.keys()):
        where = f"{pointer}/properties/{escape(name)}"
        if name not in new_properties:
            findings.append(Finding(where, True, f"{direction} property {name!r} removed"))
        elif name not in old_properties:
            required = name in new_required
            kind = "required" if required else "optional"
            findings.append(
                Finding(where, required and direction == "request", f"{direction} property {name!r} added ({kind})")
            )
        else:
            if (name in old_required) != (name in new_required):
                now = "required" if name in new_required else "optional"
                breaking = (now == "required") == (direction == "request")
                findings.append(Finding(where, breaking, f"{direction} property {name!r} became {now}"))
            findings += compare_schemas(old_properties[name], new_properties[name], where, direction)
    findings += compare_schemas(old.get("items"), new.get("items"), f"{pointer}/items", direction)
    findings += compare_schemas(
        old.get("additionalProperties"), new.get("additionalProperties"), f"{pointer}/additionalProperties", direction
    )
    return findings


def compare_content(old: dict[str, Any], new: dict[str, Any], pointer: str, direction: Direction) -> list[Finding]:
    """Findings for the media types of a request body or a response."""
    findings = []
    old_content, new_content = old.get("content", {}), new.get("content", {})
    for media_type in old_content:
        where = f"{pointer}/content/{escape(media_type)}"
        if media_type not in new_content:
            findings.append(Finding(where, True, f"{direction} content type {media_type} removed"))
        else:
            findings += compare_schemas(
                old_content[media_type].get("schema"),
                new_content[media_type].get("schema"),
                f"{where}/schema",
                direction,
            )
    for media_type in new_content.keys() - old_content.keys():
        # A new request media type is one more thing clients may send; a new response media type
        # is one more thing they may receive and cannot read.
        where = f"{pointer}/content/{escape(media_type)}"
        findings.append(Finding(where, direction == "response", f"{direction} content type {media_type} added"))
    return findings


def derived_filter_change(
    old: filter_pattern.FilterParameter, new: filter_pattern.FilterParameter
) -> tuple[Change, str] | None:
    """How a derived filter pattern changed, read by what it is derived from: the fields it names (the list's
    sort enum; None, any field) and the operators. More of either accepts more filters; fewer accepts less."""
    changes: list[Change] = []
    words = []
    for label, before, after in (("fields", old.fields, new.fields), ("operators", old.operators, new.operators)):
        if before == after:
            continue
        if after is None or (before is not None and set(before) <= set(after)):
            changes.append("looser")
        elif before is None or set(after) <= set(before):
            changes.append("tighter")
        else:
            changes.append("changed")
        removed = sorted(set(before or ()) - set(after or ()))
        added = sorted(set(after or ()) - set(before or ()))
        words.append(f"{label} removed {removed}, added {added}")
    if not changes:
        return None
    change: Change = changes[0] if len(set(changes)) == 1 else "changed"
    return change, f"derived filter pattern ({'; '.join(words)})"


def compare_operation(
    old: dict[str, Any],
    new: dict[str, Any],
    path: str,
    method: str,
    filters: tuple[dict[str, filter_pattern.FilterParameter], dict[str, filter_pattern.FilterParameter]] = ({}, {}),
) -> list[Finding]:
    findings = []
    pointer = f"/paths/{escape(path)}/{method}"
    old_id, new_id = old["paths"][path][method].get("operationId"), new["paths"][path][method].get("operationId")
    if old_id != new_id:
        # Generators name methods and types after the operationId: a new one renames them in every language.
        findings.append(Finding(f"{pointer}/operationId", True, f"operationId {old_id!r} -> {new_id!r}"))
    old_parameters, new_parameters = parameters(old, path, method), parameters(new, path, method)
    for key in sorted(old_parameters.keys() | new_parameters.keys()):
        label = f"{key[0]} parameter {key[1]!r}"
        if key not in new_parameters:
            findings.append(Finding(old_parameters[key][0], True, f"{label} removed"))
            continue
        where, parameter = new_parameters[key]
        if key not in old_parameters:
            required = bool(parameter.get("required"))
            findings.append(Finding(where, required, f"{label} added ({'required' if required else 'optional'})"))
            continue
        before = old_parameters[key][1]
        if bool(parameter.get("required")) != bool(before.get("required")):
            now = "required" if parameter.get("required") else "optional"
            findings.append(Finding(where, now == "required", f"{label} became {now}"))
        found = compare_schemas(before.get("schema"), parameter.get("schema"), f"{where}/schema", "request")
        old_filter, new_filter = filters[0].get(path), filters[1].get(path)
        if method == "get" and key == ("query", "filter") and old_filter and new_filter:
            patterns = ((before.get("schema") or {}).get("pattern"), (parameter.get("schema") or {}).get("pattern"))
            if patterns == (old_filter.pattern, new_filter.pattern):
                # Both patterns are the derived ones (scripts/regenerate writes them): judge the change by
                # what the pattern was derived from, not by its text, which any new field changes.
                found = [f for f in found if not f.pointer.endswith("/schema/pattern")]
                derived = derived_filter_change(old_filter, new_filter)
                if derived:
                    change, text = derived
                    found.append(
                        Finding(
                            f"{where}/schema/pattern", breaks(change, "request"), f"request schema {change}: {text}"
                        )
                    )
        findings += found

    old_operation, new_operation = old["paths"][path][method], new["paths"][path][method]
    old_body, new_body = old_operation.get("requestBody"), new_operation.get("requestBody")
    body_pointer = f"{pointer}/requestBody"
    if old_body is None and new_body is not None:
        required = bool(new_body.get("required"))
        findings.append(Finding(body_pointer, required, f"{'required' if required else 'optional'} request body added"))
    elif old_body is not None and new_body is None:
        findings.append(Finding(body_pointer, True, "request body removed"))
    elif old_body is not None and new_body is not None:
        if bool(old_body.get("required")) != bool(new_body.get("required")):
            now = "required" if new_body.get("required") else "optional"
            findings.append(Finding(body_pointer, now == "required", f"request body became {now}"))
        findings += compare_content(old_body, new_body, body_pointer, "request")

    old_responses, new_responses = old_operation["responses"], new_operation["responses"]
    for status in sorted(old_responses.keys() | new_responses.keys(), key=str):
        where = f"{pointer}/responses/{escape(str(status))}"
        if status not in new_responses:
            findings.append(Finding(where, True, f"response {status} removed"))
        elif status not in old_responses:
            covered = "default" in old_responses
            note = "the old default response covered it" if covered else "the operation has no default response"
            findings.append(Finding(where, not covered, f"response {status} added ({note})"))
        else:
            findings += compare_content(old_responses[status], new_responses[status], where, "response")
    return findings


def compare(old_document: dict[str, Any], new_document: dict[str, Any]) -> list[Finding]:
    """Every client-visible difference between two OpenAPI documents."""
    old, new = resolve(old_document), resolve(new_document)
    old_operations, new_operations = operations(old), operations(new)
    filters = (filter_pattern.list_filters(old), filter_pattern.list_filters(new))
    findings = []
    for method, path in sorted(old_operations.keys() | new_operations.keys(), key=lambda key: (key[1], key[0])):
        pointer = f"/paths/{escape(path)}/{method.lower()}"
        if (method, path) not in new_operations:
            findings.append(Finding(pointer, True, f"operation {method} {path} removed"))
        elif (method, path) not in old_operations:
            findings.append(Finding(pointer, False, f"operation {method} {path} added"))
        else:
            findings += compare_operation(old, new, path, method.lower(), filters)
    # A path-level parameter is shared by the path's operations: report it once.
    return list(dict.fromkeys(findings))


# --- declared exceptions ------------------------------------------------------------------

# In the changelog section of the new version, a line such as
#   - Not breaking: `/paths/*/get/parameters/2/schema/enum`: the service refused other values already.
# declares the breaking findings at those pointers (shell-style wildcards) a documented
# statement of what the service already did, not a change of it. The reason is required, and
# the pattern's last segment must name the keyword that changed (`enum`, `pattern`) without a
# wildcard, so that one declaration cannot excuse every finding.
NOT_BREAKING = re.compile(r"^[-*]\s*not breaking:\s*`([^`]+)`\s*:?\s*(.*)$", re.IGNORECASE)


def declared_not_breaking(changelog: str, version: str) -> tuple[dict[str, str], list[str]]:
    """Pointer pattern -> reason, from the `## spec <version>` section of the changelog; and what is
    wrong with the declarations that cannot count (no reason, a pattern that names no keyword)."""
    section = changelog_sections(changelog).get(("spec", version), "")
    declared, problems = {}, []
    for item in re.split(r"\n(?=[-*]\s)", section):  # one bullet each, its wrapped lines joined
        match = NOT_BREAKING.match(" ".join(item.split()))
        if not match:
            continue
        pattern, reason = match.group(1), match.group(2).strip()
        last = pattern.rsplit("/", 1)[-1]
        if not pattern.startswith("/") or not last or any(mark in last for mark in "*?["):
            problems.append(
                f"{CHANGELOG} declares `{pattern}` not breaking: the pattern must be a JSON pointer whose last "
                "segment names the keyword that changed, without wildcards"
            )
        elif not reason:
            problems.append(f"{CHANGELOG} declares `{pattern}` not breaking without saying why")
        else:
            declared[pattern] = reason
    return declared, problems


def apply_declarations(findings: list[Finding], declared: dict[str, str]) -> tuple[list[Finding], list[str]]:
    """The findings with those declared not breaking reclassified (each saying so), and the declarations
    that matched no breaking finding (which are mistakes: a stale pointer, or nothing to declare)."""
    used: set[str] = set()
    kept = []
    for finding in findings:
        pattern = next((p for p in declared if finding.breaking and fnmatch.fnmatchcase(finding.pointer, p)), None)
        if pattern is None:
            kept.append(finding)
            continue
        used.add(pattern)
        kept.append(Finding(finding.pointer, False, f"{finding.message} (not breaking: {declared[pattern]})"))
    return kept, [pattern for pattern in declared if pattern not in used]


# --- the command ----------------------------------------------------------------------


def check(repo: Path, base: str) -> int:
    """Print the findings and the verdict; 0 when the rules are kept, 1 otherwise."""
    if not ref_exists(repo, base):
        print(f"check-spec-compat: {base} does not exist (a shallow or single-commit clone?); nothing to compare")
        return 0
    old_text = file_at(repo, base, SPEC)
    if old_text is None:
        print(f"check-spec-compat: {SPEC} does not exist at {base}; nothing to compare")
        return 0
    old_document = yaml.safe_load(old_text)
    new_document = yaml.safe_load((repo / SPEC).read_text(encoding="utf-8"))
    old_version, new_version = str(old_document["info"]["version"]), str(new_document["info"]["version"])
    if old_document == new_document:
        return report("check-spec-compat", f"{SPEC} is unchanged since {base} (version {new_version})", [], [])
    changelog = read_changelog(repo)
    findings = compare(old_document, new_document)
    declared, declaration_problems = declared_not_breaking(changelog, new_version)
    findings, unmatched = apply_declarations(findings, declared)
    breaking = sum(finding.breaking for finding in findings)
    try:
        problems = version_problems(
            old_version,
            new_version,
            changed=True,
            breaking=breaking > 0,
            additive=len(findings) > breaking,
            changelog=changelog,
            kind="spec",
        )
    except ValueError as exc:
        problems = [f"info.version: {exc}"]
    problems += declaration_problems
    problems += [
        f"{CHANGELOG} declares `{pattern}` not breaking, but no breaking change of {new_version} is there"
        for pattern in unmatched
    ]
    summary = (
        f"{SPEC} {old_version} ({base}) -> {new_version}: "
        f"{breaking} breaking, {len(findings) - breaking} non-breaking change(s)"
    )
    return report("check-spec-compat", summary, [str(finding) for finding in findings], problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/check-spec-compat", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base", help="the git ref to compare with (default: HEAD with uncommitted changes, else HEAD~1)"
    )
    parser.add_argument("--repo", type=Path, default=ROOT, help="the repository (default: this one)")
    args = parser.parse_args(argv)
    return check(args.repo, args.base or default_base(args.repo, (SPEC, CHANGELOG)))


if __name__ == "__main__":
    sys.exit(main())
