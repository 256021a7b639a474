"""Compare the public API of voipstudio_callmeback with a git ref and enforce the versioning rules.

griffe reads the package (overlays/voipstudio_callmeback) in the working tree and at the
ref, without importing it, and lists the breaking changes between the two: removed
public objects, removed or reordered parameters, new required parameters, changed
defaults and the like. A breaking change needs a higher major version in pyproject.toml
than at the ref and a `## package X.Y.Z` section in CHANGELOG.md.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import griffe

from spec_compat import file_at, read_changelog, ref_exists, report, version_problems

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "voipstudio_callmeback"
SEARCH = "overlays"
PYPROJECT = "pyproject.toml"


def breaking_changes(repo: Path, base: str) -> list[str]:
    """One line per breaking change of the package's public API since base."""
    old = griffe.load_git(PACKAGE, ref=base, repo=repo, search_paths=[SEARCH])
    new = griffe.load(PACKAGE, search_paths=[repo / SEARCH], try_relative_path=False)
    return [describe(breakage) for breakage in griffe.find_breaking_changes(old, new)]


def describe(breakage: griffe.Breakage) -> str:
    """`module.object`: *what broke*: old -> new (griffe's Markdown style: no colours, no temporary paths)."""
    markdown = breakage.explain(griffe.ExplanationStyle.MARKDOWN)
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
        changed=bool(breaks),
        breaking=bool(breaks),
        changelog=read_changelog(repo),
        kind="package",
    )
    summary = f"{PACKAGE} {old_version} ({base}) -> {new_version}: {len(breaks)} breaking change(s) to the public API"
    return report("check-api-compat", summary, [f"breaking: {line}" for line in breaks], problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/check-api-compat", description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD~1", help="the git ref to compare with (default: HEAD~1)")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the repository (default: this one)")
    args = parser.parse_args(argv)
    return check(args.repo.resolve(), args.base)


if __name__ == "__main__":
    sys.exit(main())
