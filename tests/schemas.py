"""Validate data against schemas of openapi.yaml with OpenAPI 3.0 semantics."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

from openapi_schema_validator import OAS30Validator, oas30_format_checker


def is_uri(value: object) -> bool:
    """An absolute URI, as format: uri requires (a scheme and, for http(s), a host)."""
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and (parts.scheme not in ("http", "https") or bool(parts.netloc))


# The OpenAPI 3.0 format checks, plus `uri`, which jsonschema checks only when an
# optional package is installed.
FORMATS = copy.deepcopy(oas30_format_checker)
FORMATS.checkers["uri"] = (is_uri, ())


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow a local $ref (one level) to the object it names."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def errors(spec: dict[str, Any], schema: dict[str, Any], instance: Any) -> list[str]:
    """Each way instance breaks schema, as 'path: message'; empty when it is valid.

    The schema is wrapped so that its local $refs resolve against the spec's
    components; nullable, formats and the other OpenAPI 3.0 keywords apply.
    """
    root = {"allOf": [schema], "components": spec["components"]}
    validator = OAS30Validator(root, format_checker=FORMATS)
    return sorted(
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in validator.iter_errors(instance)
    )
