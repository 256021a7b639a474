"""Where the sandbox finds openapi.yaml."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any


def spec_path() -> Path:
    """The OpenAPI document the sandbox serves.

    An installed wheel carries a copy inside this package (the build puts it there);
    a working tree (an editable install) has it at the repository root.
    """
    packaged = resources.files(__package__) / "openapi.yaml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "openapi.yaml"


def read_yaml(text: str) -> Any:
    """A YAML (or JSON) document as data, safely; with libyaml's parser where PyYAML has it (the pure-Python
    one takes most of a second for the spec). Raises yaml.YAMLError."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
