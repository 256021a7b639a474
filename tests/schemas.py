"""Validate data against schemas of openapi.yaml with OpenAPI 3.0 semantics."""

from __future__ import annotations

from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker


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
    validator = OAS30Validator(root, format_checker=oas30_format_checker)
    return sorted(
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in validator.iter_errors(instance)
    )
