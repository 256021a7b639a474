"""scripts/check-api-compat: griffe's breaking changes to voipstudio_callmeback need a major version."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import api_compat
from conftest import ROOT

MODULE = "overlays/voipstudio_callmeback/__init__.py"
API = '''"""A tiny stand-in for the overlay."""


def hello(name: str) -> str:
    return f"hello {name}"


def bye() -> None:
    pass
'''


def git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "-C", str(repo), *identity, *args], check=True, capture_output=True)


def write(repo: Path, api: str, version: str = "1.0.0", changelog: str = "## package 1.0.0\n") -> None:
    (repo / MODULE).parent.mkdir(parents=True, exist_ok=True)
    (repo / MODULE).write_text(api, encoding="utf-8")
    (repo / "pyproject.toml").write_text(f'[project]\nname = "tiny"\nversion = "{version}"\n', encoding="utf-8")
    (repo / "CHANGELOG.md").write_text(f"# Changelog\n\n{changelog}", encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose HEAD holds a tiny voipstudio_callmeback with hello() and bye(), version 1.0.0."""
    git(tmp_path, "init", "-q")
    write(tmp_path, API)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "package 1.0.0")
    return tmp_path


def run(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the check against HEAD; return its exit code and everything it printed."""
    code = api_compat.main(["--repo", str(repo), "--base", "HEAD"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


WITHOUT_BYE = API.split("\n\ndef bye")[0] + "\n"


def test_removed_function_fails_without_a_major_bump(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Removing a public function is reported, and a minor bump is not enough."""
    write(repo, WITHOUT_BYE, version="1.1.0", changelog="## package 1.1.0\n")
    code, output = run(repo, capsys)
    assert code == 1
    assert "breaking: `voipstudio_callmeback.bye`: *Public object was removed*" in output
    assert "breaking changes need a new major version: 1.0.0 -> 1.1.0 is not one" in output


def test_removed_function_needs_a_changelog_entry(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A major bump without its changelog section fails."""
    write(repo, WITHOUT_BYE, version="2.0.0")
    code, output = run(repo, capsys)
    assert code == 1
    assert "version 2.0.0 needs a '## package 2.0.0' section in CHANGELOG.md" in output


def test_removed_function_passes_with_a_major_bump(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same removal passes with a major bump and a changelog section."""
    write(repo, WITHOUT_BYE, version="2.0.0", changelog="## package 2.0.0\n\nbye() is gone.\n")
    code, output = run(repo, capsys)
    assert code == 0, output
    assert "check-api-compat: ok. voipstudio_callmeback 1.0.0 (HEAD) -> 2.0.0: 1 breaking change(s)" in output


def test_new_required_parameter_is_breaking(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A required parameter added to a public function is a breaking change."""
    write(repo, API.replace("def hello(name: str)", "def hello(name: str, greeting: str)"))
    code, output = run(repo, capsys)
    assert code == 1
    assert "breaking: `voipstudio_callmeback.hello(greeting)`: *Parameter was added as required*" in output


def test_additive_change_passes_without_a_bump(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A new public function and a new optional parameter break nothing."""
    api = API.replace("def hello(name: str)", 'def hello(name: str, greeting: str = "hello")')
    write(repo, api + "\n\ndef wave() -> None:\n    pass\n")
    code, output = run(repo, capsys)
    assert code == 0, output
    assert "0 breaking change(s)" in output


def test_ref_without_the_package_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A ref that does not exist, or one from before the overlay, is reported and passes."""
    assert api_compat.main(["--repo", str(repo), "--base", "HEAD~1"]) == 0
    assert "HEAD~1 does not exist" in capsys.readouterr().out
    git(repo, "rm", "-q", "-r", "overlays")
    git(repo, "commit", "-q", "-m", "before the overlay")
    write(repo, API)
    assert api_compat.main(["--repo", str(repo), "--base", "HEAD"]) == 0
    assert "HEAD has no overlays/voipstudio_callmeback package" in capsys.readouterr().out


def test_command_line_compares_with_the_previous_commit(repo: Path) -> None:
    """scripts/check-api-compat fails on a committed removal that kept the version."""
    write(repo, WITHOUT_BYE)
    git(repo, "commit", "-q", "-am", "remove bye")
    command = [str(ROOT / "scripts" / "check-api-compat"), "--repo", str(repo)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "breaking: `voipstudio_callmeback.bye`: *Public object was removed*" in result.stderr
    assert "voipstudio_callmeback 1.0.0 (HEAD~1) -> 1.0.0: 1 breaking change(s)" in result.stderr


GENERATED_MODEL = '''"""A stand-in for a generated model."""


class Widget:
    id: int
    title: str | None = None
'''
REEXPORT = '''"""A tiny overlay that re-exports a generated model."""

from tinygen.models import Widget

__all__ = ["Widget"]
'''


def test_a_field_removed_from_a_reexported_model_is_breaking(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What the package re-exports from generated/ is part of its API: a removed model field needs a major bump."""
    model = repo / "generated" / "tinygen" / "models.py"
    model.parent.mkdir(parents=True)
    (model.parent / "__init__.py").write_text("", encoding="utf-8")
    model.write_text(GENERATED_MODEL, encoding="utf-8")
    write(repo, REEXPORT)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "re-export Widget")
    model.write_text(GENERATED_MODEL.replace("    title: str | None = None\n", ""), encoding="utf-8")
    code, output = run(repo, capsys)
    assert code == 1
    assert "Widget.title" in output, output
    assert "removed" in output
    assert "breaking changes need a new major version" in output
    write(repo, REEXPORT, version="2.0.0", changelog="## package 2.0.0\n\nWidget.title is gone.\n")
    assert run(repo, capsys)[0] == 0


def test_a_version_bump_needs_its_changelog_section(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Even with nothing broken, a new package version needs its section in CHANGELOG.md."""
    write(repo, API, version="1.0.1")
    code, output = run(repo, capsys)
    assert code == 1
    assert "version 1.0.1 needs a '## package 1.0.1' section in CHANGELOG.md" in output


def test_the_command_line_compares_uncommitted_changes_with_head(repo: Path) -> None:
    """With the package edited but not committed, the command compares the working tree with HEAD."""
    write(repo, WITHOUT_BYE)
    command = [str(ROOT / "scripts" / "check-api-compat"), "--repo", str(repo)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "voipstudio_callmeback 1.0.0 (HEAD) -> 1.0.0: 1 breaking change(s)" in result.stderr


RESOURCES_MODULE = "overlays/voipstudio_callmeback/_resources.py"
RESOURCES = '''"""Resources, in a private module, reached through a property of the public client."""


class Settings:
    def get(self, id: int, *, timeout: float | None = None) -> None:
        pass
'''
CLIENT = '''"""A client whose resource is a property."""

from ._resources import Settings


class Client:
    @property
    def settings(self) -> Settings:
        return Settings()
'''


def test_a_method_of_a_resource_reached_by_a_property_is_compared(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`Client.settings` is a property returning a private class: a keyword removed from its method is breaking."""
    write(repo, CLIENT)
    (repo / RESOURCES_MODULE).write_text(RESOURCES, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a client with a resource")
    (repo / RESOURCES_MODULE).write_text(RESOURCES.replace(", *, timeout: float | None = None", ""), encoding="utf-8")
    code, output = run(repo, capsys)
    assert code == 1
    assert "voipstudio_callmeback.Client.settings.get(timeout)" in output
