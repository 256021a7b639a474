"""Compare the public API of voipstudio_callmeback with a git ref and enforce the versioning rules.

griffe reads the package (overlays/voipstudio_callmeback) in the working tree and at the
ref, without importing it, and lists the breaking changes between the two: removed
public objects, removed or reordered parameters, new required parameters, changed
defaults and the like. What the package re-exports from the generated package (the
models, the request TypedDicts) is followed to its definition under generated/, so a
field removed from a re-exported model is a removed attribute of the package's API.

The rules: a breaking change needs a higher major version in pyproject.toml than at the
ref; any change of the version needs a `## package X.Y.Z` section in CHANGELOG.md.

The ref defaults to HEAD when the working tree holds uncommitted changes to the package,
the generated package, pyproject.toml or CHANGELOG.md (a change being made), else to
HEAD~1 (the last commit's change).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import griffe

from spec_compat import default_base, file_at, read_changelog, ref_exists, report, version_problems

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "voipstudio_callmeback"
SEARCH = "overlays"
# Where the package's re-exported names are defined.
GENERATED = "generated"
PYPROJECT = "pyproject.toml"
WATCHED = (SEARCH, GENERATED, PYPROJECT, "CHANGELOG.md")


def breaking_changes(repo: Path, base: str) -> list[str]:
    """One line per breaking change of the package's public API since base, re-exported objects included."""
    old = griffe.load_git(
        PACKAGE,
        ref=base,
        repo=repo,
        search_paths=[SEARCH, GENERATED],
        resolve_aliases=True,
        resolve_external=True,
    )
    new = griffe.load(
        PACKAGE,
        search_paths=[repo / SEARCH, repo / GENERATED],
        try_relative_path=False,
        resolve_aliases=True,
        resolve_external=True,
    )
    found = [describe(breakage) for breakage in griffe.find_breaking_changes(old, new)]
    # griffe skips private modules, where the resource classes live (`_resources.Settings`); users
    # reach them through public attributes (`CallMeBack.settings`), so compare them by that path.
    old_reached, new_reached = reached_classes(old), reached_classes(new)
    for access, old_class in sorted(old_reached.items()):
        new_class = new_reached.get(access)
        if new_class is None:
            continue  # the attribute itself was removed or retyped: reported on the public class
        for breakage in griffe.find_breaking_changes(old_class, new_class):
            if _only_self(breakage):
                continue
            found.append(describe(breakage, reached=(old_class.path, f"{PACKAGE}.{access}")))
    return found


def reached_classes(package: griffe.Object | griffe.Alias) -> dict[str, griffe.Class]:
    """Classes of the package's private modules that its public names reach through annotated public
    attributes or properties, by the path a user writes (`CallMeBack.settings` -> `_resources.Settings`)."""
    reached: dict[str, griffe.Class] = {}
    pending: list[tuple[str, griffe.Class]] = []
    for name, member in package.members.items():
        target = _final(member)
        if not name.startswith("_") and isinstance(target, griffe.Class):
            pending.append((name, target))
    while pending:
        access, cls = pending.pop()
        for name, member in cls.all_members.items():
            if name.startswith("_"):
                continue
            typed = _type_of(member)
            canonical = getattr(typed, "canonical_path", None)
            if not isinstance(canonical, str) or not canonical.startswith(f"{PACKAGE}._"):
                continue
            try:
                target = _final(package.modules_collection[canonical])
            except KeyError:
                continue
            path = f"{access}.{name}"
            if isinstance(target, griffe.Class) and path not in reached:
                reached[path] = target
                pending.append((path, target))
    return reached


def _type_of(member: griffe.Object | griffe.Alias) -> object:
    """The type a public attribute gives: its annotation (`settings: Settings`; griffe reads a property as an
    attribute annotated with its return type), else what it is assigned (`self.settings = Settings(self)`)."""
    target = _final(member)
    if not isinstance(target, griffe.Attribute):
        return None
    return target.annotation if target.annotation is not None else getattr(target.value, "function", None)


def _only_self(breakage: griffe.Breakage) -> bool:
    """A method's `self` that became positional-only (`def update(self, id, /)`): no call can tell."""
    changed_kind = breakage.kind is griffe.BreakageKind.PARAMETER_CHANGED_KIND
    return changed_kind and getattr(breakage.old_value, "name", "") == "self"


def _final(member: griffe.Object | griffe.Alias) -> griffe.Object | griffe.Alias | None:
    try:
        return member.final_target if isinstance(member, griffe.Alias) else member
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def describe(breakage: griffe.Breakage, reached: tuple[str, str] | None = None) -> str:
    """`module.object`: *what broke*: old -> new (griffe's Markdown style: no colours, no temporary paths).
    `reached` (class path, public path) names a member of a private class by the public path to it."""
    markdown = breakage.explain(griffe.ExplanationStyle.MARKDOWN)
    if reached is not None:
        private, public = reached
        return markdown.replace(f"- `{private.rsplit('.', 1)[-1]}", f"`{public}", 1)
    return markdown.replace("- `", f"`{breakage.obj.module.path}.", 1)


def project_version(pyproject: str) -> str:
    version: str = tomllib.loads(pyproject)["project"]["version"]
    return version


def check(repo: Path, base: str) -> int:
    """Print the breaking changes and the verdict; 0 when the rules are kept, 1 otherwise."""
    if not ref_exists(repo, base):
        print(f"check-api-compat: {base} does not exist (a shallow or single-commit clone?); nothing to compare")
        return 0
    old_pyproject = file_at(repo, base, PYPROJECT)
    if old_pyproject is None or file_at(repo, base, f"{SEARCH}/{PACKAGE}/__init__.py") is None:
        print(f"check-api-compat: {base} has no {SEARCH}/{PACKAGE} package; nothing to compare")
        return 0
    old_version = project_version(old_pyproject)
    new_version = project_version((repo / PYPROJECT).read_text(encoding="utf-8"))
    breaks = breaking_changes(repo, base)
    problems = version_problems(
        old_version,
        new_version,
        changed=bool(breaks) or old_version != new_version,
        breaking=bool(breaks),
        additive=False,
        changelog=read_changelog(repo),
        kind="package",
    )
    summary = f"{PACKAGE} {old_version} ({base}) -> {new_version}: {len(breaks)} breaking change(s) to the public API"
    return report("check-api-compat", summary, [f"breaking: {line}" for line in breaks], problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/check-api-compat", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base", help="the git ref to compare with (default: HEAD with uncommitted changes, else HEAD~1)"
    )
    parser.add_argument("--repo", type=Path, default=ROOT, help="the repository (default: this one)")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    return check(repo, args.base or default_base(repo, WATCHED))


if __name__ == "__main__":
    sys.exit(main())
