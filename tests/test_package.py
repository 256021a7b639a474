"""The generated package as users get it: importable, typed, and packaged whole."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import zipfile
from pathlib import Path

import voipstudio_callmeback_client

from conftest import ROOT


def test_every_module_imports() -> None:
    """Every module of the generated package imports (no module is left half-generated)."""
    names = [
        info.name
        for info in pkgutil.walk_packages(voipstudio_callmeback_client.__path__, "voipstudio_callmeback_client.")
    ]
    assert "voipstudio_callmeback_client.api.settings.list_settings" in names
    for name in names:
        importlib.import_module(name)


def test_package_exports_the_clients() -> None:
    """The package root exports the two client classes, as openapi-python-client documents."""
    assert voipstudio_callmeback_client.__all__ == ("AuthenticatedClient", "Client")


def test_generated_package_passes_mypy_strict() -> None:
    """mypy --strict finds nothing in the generated package."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            str(ROOT / "generated" / "voipstudio_callmeback_client"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_wheel_holds_the_typed_packages_and_the_spec(tmp_path: Path) -> None:
    """The wheel holds the client, the sandbox and the test kit, with py.typed and every module; the spec too."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("voipstudio_callmeback-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packaged = {name for name in names if not name.startswith("voipstudio_callmeback-")}
    expected = {"voipstudio_callmeback_sandbox/openapi.yaml"}
    for folder, package in (
        ("generated", "voipstudio_callmeback_client"),
        ("overlays", "voipstudio_callmeback"),
        ("sandbox", "voipstudio_callmeback_sandbox"),
        ("testing", "voipstudio_callmeback_testing"),
    ):
        expected |= {
            str(path.relative_to(ROOT / folder))
            for path in (ROOT / folder / package).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
    assert packaged == expected
    assert {
        "voipstudio_callmeback_client/py.typed",
        "voipstudio_callmeback/py.typed",
        "voipstudio_callmeback_sandbox/py.typed",
        "voipstudio_callmeback_testing/py.typed",
        # The schemathesis hooks other projects load by name (SCHEMATHESIS_HOOKS).
        "voipstudio_callmeback_sandbox/schemathesis_hooks.py",
    } <= packaged
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Provides-Extra: sandbox" in metadata
    assert "Requires-Dist: connexion[swagger-ui,uvicorn]<4,>=3.1; extra == 'sandbox'" in metadata
    assert "Requires-Dist: msgspec<1,>=0.18\n" in metadata
    assert "Provides-Extra: cli" in metadata
    assert "Requires-Dist: click<9,>=8.2; extra == 'cli'" in metadata
    assert "Requires-Dist: rich>=13; extra == 'cli'" in metadata
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "voipstudio-callmeback = voipstudio_callmeback._cli:main" in entry_points.splitlines()
    assert "voipstudio-callmeback-sandbox = voipstudio_callmeback_sandbox._cli:main" in entry_points.splitlines()
    # the test kit's fixtures, for any project that installs the package
    assert "[pytest11]" in entry_points.splitlines()
    assert "voipstudio_callmeback = voipstudio_callmeback_testing.plugin" in entry_points.splitlines()


def test_the_command_line_without_its_extra_says_what_to_install() -> None:
    """Without click (the [cli] extra not installed) the command exits 1 with the pip command, not a traceback."""
    code = "import sys; sys.modules['click'] = None; from voipstudio_callmeback._cli import main; main()"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stderr == (
        "voipstudio-callmeback: the command line needs the [cli] extra: pip install 'voipstudio-callmeback[cli]'\n"
    )
    assert "Traceback" not in result.stderr
