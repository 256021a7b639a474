"""Fixtures shared by the test suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from reference_page import DocumentedOperation, read_page

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load_spec() -> dict[str, Any]:
    """openapi.yaml as plain data."""
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation of the spec, keyed by (METHOD, path)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                found[(method.upper(), path)] = item[method]
    return found


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """openapi.yaml as plain data."""
    return load_spec()


@pytest.fixture(scope="session")
def page() -> list[DocumentedOperation]:
    """The operations of VoIPstudio's reference page."""
    return read_page()
