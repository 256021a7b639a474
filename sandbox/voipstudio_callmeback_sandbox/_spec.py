"""Where the sandbox finds openapi.yaml."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def spec_path() -> Path:
    """The OpenAPI document the sandbox serves.

    An installed wheel carries a copy inside this package (the build puts it there);
    a working tree (an editable install) has it at the repository root.
    """
    packaged = resources.files(__package__) / "openapi.yaml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "openapi.yaml"
