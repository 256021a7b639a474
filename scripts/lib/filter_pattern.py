"""The `pattern` of each list's `filter` parameter in openapi.yaml, written from the spec itself.

OpenAPI 3.0 can describe a JSON array inside a query string value only as a string; the pattern
makes that string exactly a well-formed array of conditions (FilterCondition) on the fields the
list's `sort` enum names, so that generators, validators and fuzzers make and accept valid filters
only. It is ECMA-262 and Python `re` syntax alike (no lookaround, no \\s, no possessive).

    scripts/filter-pattern            # each list's filter parameter and the pattern it must have

tests/test_spec.py holds openapi.yaml to it: a field added to a `sort` enum fails there, naming
the parameter, until its pattern is the one this prints.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
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


def filter_parameters(document: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """Each list operation's filter parameter: (where openapi.yaml declares it, the parameter, the pattern it
    must have). A list is a GET with a `filter` query parameter; its fields are its `sort` parameter's enum."""
    operators = resolve(document, document["components"]["schemas"]["FilterOperator"])["enum"]
    found = []
    for path, item in document["paths"].items():
        operation = item.get("get") or {}
        raw = [*item.get("parameters", []), *operation.get("parameters", [])]
        named = {}
        for index, parameter in enumerate(raw):
            resolved = resolve(document, parameter)
            inline = f"paths/{path}/get/parameters/{index}"
            where = parameter["$ref"].removeprefix("#/") if "$ref" in parameter else inline
            named[(resolved.get("name"), resolved.get("in"))] = (where, resolved)
        if ("filter", "query") not in named:
            continue
        where, parameter = named[("filter", "query")]
        sort = named.get(("sort", "query"), ("", {}))[1]
        fields = resolve(document, sort.get("schema") or {}).get("enum")
        found.append((where, parameter, pattern(fields, operators)))
    return found


def main() -> int:
    document = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    for where, _parameter, expected in filter_parameters(document):
        print(f"{where}/schema/pattern:\n  '{expected}'\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
