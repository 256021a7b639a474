"""Sample items of a collection that has no hand-written seed (`_seed.py`): made from the spec alone.

A collection the spec gains (a new resource) has data at once: a few items built from the examples
the spec gives of its items (its operations' answers), varied so that sorting, filtering and paging
have distinct values to work on, and from each field's schema where no example has the field: an
enum's values in turn, numbers within their bounds, a date or date-time for those formats. A field
whose schema admits no value this can make (a pattern, an array or object without an example) is
left null, which every item schema of the spec admits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ._model import Resource, operations, resolved, success_status

SAMPLE_ITEMS = 5  # items of each collection without a seed, in every new account
_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_MISSING: Any = object()


def example_items(spec: Mapping[str, Any], resource: Resource) -> list[dict[str, Any]]:
    """The items the spec's examples show for a resource: the `data` of its operations' success answers."""
    found: list[dict[str, Any]] = []
    ids = set(resource.operations.values())
    for _method, _path, _item, operation in operations(spec):
        status = success_status(operation)
        if operation.get("operationId") not in ids or status is None:
            continue
        response = resolved(spec, (operation.get("responses") or {}).get(status) or {})
        media = (response.get("content") or {}).get("application/json") or {}
        examples = [media["example"]] if "example" in media else []
        examples += [resolved(spec, example).get("value") for example in (media.get("examples") or {}).values()]
        for example in examples:
            data = example.get("data") if isinstance(example, dict) else None
            found += [value for value in (data if isinstance(data, list) else [data]) if isinstance(value, dict)]
    return found


def sample_items(spec: Mapping[str, Any], resource: Resource, count: int = SAMPLE_ITEMS) -> list[dict[str, Any]]:
    """`count` items of the resource, as the API answers them (without ids, which the store gives)."""
    examples = example_items(spec, resource) or [{}]
    items = []
    for index in range(count):
        base = examples[index % len(examples)]
        items.append(
            {
                found.name: _varied(found.schema, base.get(found.name, _MISSING), index, found.timestamp)
                for found in resource.fields
            }
        )
    return items


def _within(schema: Mapping[str, Any], number: float) -> bool:
    low, high = schema.get("minimum"), schema.get("maximum")
    return (low is None or number >= low) and (high is None or number <= high)


def _varied(schema: Mapping[str, Any], value: Any, index: int, timestamp: bool) -> Any:
    """The index-th sample of a field: the example's value varied, or one made from the schema."""
    enum = [choice for choice in schema.get("enum") or () if choice is not None]
    if enum:
        return enum[index % len(enum)]
    kind = schema.get("type")
    if value is _MISSING:
        if "default" in schema:
            return schema["default"]
        if kind == "boolean":
            return index % 2 == 0
        if kind in ("integer", "number"):
            low = schema.get("minimum", 0)
            number = low + index + (0 if schema.get("exclusiveMinimum") is True else 1)
            return (float(number) if kind == "number" else number) if _within(schema, number) else None
        if kind == "string" and schema.get("format") == "date":
            return (_START + timedelta(days=index)).date().isoformat()
        if kind == "string" and schema.get("format") == "date-time":
            return (_START + timedelta(hours=index)).isoformat().replace("+00:00", "Z")
        return None
    if isinstance(value, bool) or value is None or index == 0:
        return value
    if kind in ("integer", "number") and isinstance(value, int | float):
        return value + index if _within(schema, value + index) else value
    plain = "pattern" not in schema and "format" not in schema and not timestamp
    if kind == "string" and isinstance(value, str) and plain:
        text = f"{value} {index + 1}"
        return text if len(text) <= schema.get("maxLength", len(text)) else value
    return value
