"""The `pattern` of each list's `filter` parameter in openapi.yaml, written from the spec itself.

OpenAPI 3.0 can describe a JSON array inside a query string value only as a string; the pattern
makes that string exactly a well-formed array of conditions (FilterCondition) on the fields the
list's `sort` enum names, so that generators, validators and fuzzers make and accept valid filters
only. It is ECMA-262 and Python `re` syntax alike (no lookaround, no \\s, no possessive).

    scripts/filter-pattern            # each list's filter parameter and the pattern it must have

The pattern is derived, so a maintainer never writes it: `scripts/regenerate` rewrites each filter
parameter's `pattern` in openapi.yaml (in place, touching nothing else of the file) when a `sort`
enum or FilterOperator changed, and `scripts/regenerate --check` fails while one is stale.
`scripts/check-spec-compat` reads a derived pattern by what it was derived from: fields or
operators added widen it (an addition), fields removed narrow it (breaking).
tests/test_spec.py holds openapi.yaml to it too.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
# The pattern does not count how many conditions a filter holds or how long a string value is (the
# sandbox's MAX_FILTER_CONDITIONS and MAX_FILTER_VALUE_LENGTH, which the spec states in each filter
# parameter's x-json-content and in FilterCondition, held to them by tests/test_spec.py): RE2 (Go, and
# Rust's regex in spirit) refuses a counted repetition above 1000 and nested counted repetitions whose
# product exceeds 1000; the parameter's maxLength bounds the whole string instead.
# A JSON string: any character but a quote, a backslash or a control character, or an escape; \u
# escapes of surrogates only in pairs (a lone one is no character, and the service refuses it).
STRING = (
    r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u(?:[0-9a-cA-CeEfF][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}'
    r'|[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2})))*"'
)
# A JSON number of at most 19 digits before its point (so that every 64-bit integer, such as an id up
# to 2^63 - 1, can be written; the service refuses an integer beyond 64 bits), 17 after it and a
# two-digit exponent (so that it is a finite double).
NUMBER = r"-?(?:0|[1-9][0-9]{0,18})(?:\.[0-9]{1,17})?(?:[eE][+-]?[0-9]{1,2})?"
ANY_FIELD = "[a-z][a-z0-9_]{0,63}"
TEXT_ONLY = ("like",)  # operators whose value is a string (an SQL LIKE pattern)


def pattern(fields: Sequence[str] | None, operators: Sequence[str]) -> str:
    """The pattern of a filter on these fields (None: any field name) with these operators."""
    prop = '"(?:' + "|".join(fields) + ')"' if fields else f'"{ANY_FIELD}"'
    text_only = [op for op in operators if op in TEXT_ONLY]
    others = [op for op in operators if op not in TEXT_ONLY]
    choices = []
    if text_only:
        choices.append('"(?:' + "|".join(text_only) + ')", ?"value": ?' + STRING)
    if others:
        choices.append('"(?:' + "|".join(others) + ')", ?"value": ?(?:' + STRING + "|" + NUMBER + "|true|false)")
    condition = r'\{"property": ?' + prop + r', ?"operator": ?(?:' + "|".join(choices) + r")\}"
    return r"^\[(?:" + condition + r"(?:, ?" + condition + r")*)?\]$"


def resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@dataclass(frozen=True)
class FilterParameter:
    """A list's filter parameter: where openapi.yaml declares it (as text, and as the keys that lead to it),
    the parameter, what its pattern is derived from, and the pattern that gives."""

    where: str
    keys: tuple[str | int, ...]
    parameter: dict[str, Any]
    fields: tuple[str, ...] | None  # None: any field name (a list without a sort enum)
    operators: tuple[str, ...]

    @property
    def pattern(self) -> str:
        return pattern(self.fields, self.operators)


def operators_of(document: dict[str, Any]) -> tuple[str, ...]:
    schemas = document.get("components", {}).get("schemas", {})
    return tuple(resolve(document, schemas["FilterOperator"])["enum"]) if "FilterOperator" in schemas else ()


def list_filters(document: dict[str, Any]) -> dict[str, FilterParameter]:
    """Each list's filter parameter, by the list's path. A list is a GET with a `filter` query parameter;
    its fields are its `sort` parameter's enum."""
    operators = operators_of(document)
    found: dict[str, FilterParameter] = {}
    if not operators:  # a spec without FilterOperator has no filter grammar to derive from
        return found
    for path, item in document["paths"].items():
        operation = item.get("get") or {}
        raw = [
            *((("paths", path, "parameters", index), p) for index, p in enumerate(item.get("parameters", []))),
            *(
                (("paths", path, "get", "parameters", index), p)
                for index, p in enumerate(operation.get("parameters", []))
            ),
        ]
        named: dict[tuple[Any, Any], tuple[str, tuple[str | int, ...], dict[str, Any]]] = {}
        for keys, parameter in raw:
            resolved = resolve(document, parameter)
            if not isinstance(resolved, dict):
                continue
            if isinstance(parameter, dict) and isinstance(parameter.get("$ref"), str):
                where = parameter["$ref"].removeprefix("#/")
                keys = tuple(where.split("/"))
            else:
                where = "/".join(str(key) for key in keys)
            named[(resolved.get("name"), resolved.get("in"))] = (where, keys, resolved)
        if ("filter", "query") not in named:
            continue
        where, keys, parameter = named[("filter", "query")]
        sort = named.get(("sort", "query"), ("", (), {}))[2]
        enum = resolve(document, sort.get("schema") or {}).get("enum")
        fields = tuple(str(value) for value in enum) if enum else None
        found[path] = FilterParameter(where, keys, parameter, fields, operators)
    return found


def filter_parameters(document: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """Each list operation's filter parameter: (where openapi.yaml declares it, the parameter, the pattern it
    must have)."""
    return [(found.where, found.parameter, found.pattern) for found in list_filters(document).values()]


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _child(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((value for name, value in node.value if name.value == key), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        item: yaml.Node = node.value[key]
        return item
    return None


def rewrite(text: str) -> tuple[str, list[str]]:
    """openapi.yaml's text with every filter pattern the derived one, and the parameters whose pattern
    changed. Only the pattern's own scalar is replaced (or a `pattern:` line added to the schema),
    so comments, order and every other line stay as the maintainer wrote them."""
    document = yaml.safe_load(text)
    tree = yaml.compose(text)
    edits: list[tuple[int, int, str]] = []
    changed = []
    lists = list_filters(document)
    by_place: dict[str, set[str]] = {}
    for path, found in lists.items():
        by_place.setdefault(found.where, set()).add(path)
    for where, paths in by_place.items():
        if len({lists[path].pattern for path in paths}) > 1:
            raise ValueError(
                f"openapi.yaml {where} is the filter parameter of {', '.join(sorted(paths))}, whose sort enums differ: "
                "give each list a filter parameter of its own (its pattern is derived from its list's sort enum)"
            )
    for found in {found.where: found for found in lists.values()}.values():
        schema = found.parameter.get("schema")
        if not isinstance(schema, dict) or schema.get("pattern") == found.pattern:
            continue
        node: yaml.Node | None = tree
        for key in found.keys:
            node = _child(node, key) if node is not None else None
        schema_node = _child(node, "schema") if node is not None else None
        if not isinstance(schema_node, yaml.MappingNode) or not schema_node.value:
            raise ValueError(f"openapi.yaml {found.where}: its schema must be a mapping to hold the filter's pattern")
        value = _child(schema_node, "pattern")
        if value is not None:
            edits.append((value.start_mark.index, value.end_mark.index, _quoted(found.pattern)))
        else:
            first = schema_node.value[0][0]
            separator = ", " if schema_node.flow_style else "\n" + " " * first.start_mark.column
            edits.append(
                (first.start_mark.index, first.start_mark.index, f"pattern: {_quoted(found.pattern)}{separator}")
            )
        changed.append(found.where)
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    if changed:
        again = list_filters(yaml.safe_load(text))
        stale = [
            f.where
            for f in again.values()
            if isinstance(f.parameter.get("schema"), dict) and f.parameter["schema"].get("pattern") != f.pattern
        ]
        if stale:  # the edit did not land where the parser reads it: refuse rather than write a wrong spec
            raise ValueError(f"openapi.yaml: could not rewrite the filter pattern of {', '.join(stale)}")
    return text, changed


def main() -> int:
    document = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    for where, _parameter, expected in filter_parameters(document):
        print(f"{where}/schema/pattern:\n  '{expected}'\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
