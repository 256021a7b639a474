"""The forks of openapi-python-client's templates are guarded against upstream changes.

openapi-python-client tests its custom-template feature against pinned expected output
(end_to_end_tests); here the pinned output is generated/ itself (`scripts/regenerate
--check`), and this module pins the upstream templates each fork was made from, so that a
generator upgrade that changes one of them fails here, saying which fork to update, instead
of silently keeping an old template beside a new generator.
"""

from __future__ import annotations

import difflib
from importlib import resources

import pytest

import join
from conftest import ROOT

TEMPLATES = ROOT / "templates"
UPSTREAM = TEMPLATES / "upstream"
# The forks: every template outside upstream/ and join/, by its path (property_templates/... included).
FORKS = sorted(
    path.relative_to(TEMPLATES).as_posix()
    for path in TEMPLATES.rglob("*.jinja")
    if path.relative_to(TEMPLATES).parts[0] not in {UPSTREAM.name, "join"}
)


def installed(name: str) -> str:
    """The installed generator's own template of that name."""
    return (resources.files("openapi_python_client") / "templates" / name).read_text(encoding="utf-8")


def test_every_fork_replaces_a_template_of_the_generator() -> None:
    """A fork (outside upstream/ and join/) has the path of one of the generator's templates (else it is never used)."""
    assert FORKS, "templates/ holds no fork"
    for name in FORKS:
        assert (resources.files("openapi_python_client") / "templates" / name).is_file(), (
            f"templates/{name} replaces no template of openapi-python-client; move it or remove it"
        )


@pytest.mark.parametrize("name", FORKS)
def test_each_fork_was_made_from_the_installed_generators_template(name: str) -> None:
    """upstream/ holds the generator's template as it was when the fork was made; it must still be that."""
    base = UPSTREAM / name
    assert base.is_file(), f"templates/{name} has no base: copy openapi-python-client's {name} to templates/upstream/"
    current = installed(name)
    recorded = base.read_text(encoding="utf-8")
    if current != recorded:
        changes = "".join(
            difflib.unified_diff(
                recorded.splitlines(keepends=True),
                current.splitlines(keepends=True),
                f"templates/upstream/{name}",
                f"openapi-python-client's {name}",
            )
        )
        pytest.fail(
            f"openapi-python-client changed {name} since templates/{name} was forked from it: merge this change "
            f"into templates/{name}, then copy the new template over templates/upstream/{name}\n{changes}"
        )


def test_upstream_holds_only_bases_of_forks() -> None:
    """No stale base is kept for a fork that is gone."""
    assert sorted(path.relative_to(UPSTREAM).as_posix() for path in UPSTREAM.rglob("*.jinja")) == FORKS


@pytest.mark.parametrize("name", FORKS)
def test_the_fork_differs_from_its_base(name: str) -> None:
    """A fork that no longer changes anything should be deleted rather than kept."""
    assert (TEMPLATES / name).read_text(encoding="utf-8") != (UPSTREAM / name).read_text(encoding="utf-8")


def test_every_join_template_is_rendered() -> None:
    """Each template in templates/join/ is one the join renders (none lies there unused)."""
    assert {path.name for path in (TEMPLATES / join.JOIN_TEMPLATES).glob("*.jinja")} == {
        f"{name}.jinja" for name in join.MODULES
    }
