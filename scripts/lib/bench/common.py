"""What the benchmarks share: sizes, results, the way both sides of a ratio are measured, and
the comparison models built from openapi.yaml (a pydantic model, a msgspec struct)."""

from __future__ import annotations

import gc
import json
import re
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OUT = ROOT / "build" / "bench"

# The sandbox's demo account (HTTP Basic with its API key).
DEMO_USER_ID = 123456
DEMO_API_KEY = "5f1d4c2a9b8e7d6c5b4a39281706f5e4d3c2b1a0"
MOCK_BASE_URL = "https://api.test/v1.1/voipstudio"
MOCK_TOKEN = "9b2f0c3e7a1d4c5b8e6f2a0d3c7b1e4f5a6d8c9b"  # noqa: S105 - made up, for a mock transport

LATENCY_MS = 20.0
PREFETCH = 4


@dataclass(frozen=True)
class Sizes:
    """How much work each benchmark does."""

    parse_rows: int
    parse_repeats: int
    parse_block: int
    get_calls: int
    get_repeats: int
    export_cdrs: int
    export_limit: int
    export_repeats: int
    export_context_limits: tuple[int, ...]
    regenerate_repeats: int


# The page size of the export benchmark: what `voipstudio-callmeback cdrs export` requests
# by default (its --limit), so the figure is that of the command people run. The full run
# also times one pair at the sandbox's default page (100) and at the largest the spec allows
# (5,000), to show how the page size moves the ratio (see docs/benchmarks.md).
EXPORT_LIMIT = 1000

FULL = Sizes(
    parse_rows=5000,
    parse_repeats=15,
    parse_block=3,
    get_calls=500,
    get_repeats=15,
    export_cdrs=100_000,
    export_limit=EXPORT_LIMIT,
    export_repeats=5,
    export_context_limits=(100, 5000),
    regenerate_repeats=3,
)
QUICK = Sizes(
    parse_rows=500,
    parse_repeats=5,
    parse_block=2,
    get_calls=50,
    get_repeats=5,
    export_cdrs=2000,
    export_limit=200,
    export_repeats=1,
    export_context_limits=(),
    regenerate_repeats=1,
)


class BenchError(Exception):
    """A benchmark that could not produce a valid figure (wrong output, a failed command)."""


@dataclass
class Result:
    """One row of the table. `measured` is the headline number (a ratio, or seconds), `met` is
    None for a quick run or an error."""

    key: str
    benchmark: str
    measured: float
    unit: str
    measured_text: str
    target: float
    target_text: str
    met: bool | None
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def at_most(key: str, benchmark: str, measured: float, target: float, text: str, details: dict[str, Any]) -> Result:
    """A ratio whose target is a ceiling."""
    return Result(key, benchmark, measured, "ratio", text, target, f"≤ {target:.2f}x", measured <= target, details)


# --- measuring ---------------------------------------------------------------------------------


def interleave(sides: Sequence[Callable[[], float]], repeats: int) -> list[list[float]]:
    """Run each side once per repeat, back to back, in an order that alternates between repeats
    (forwards, backwards, ...). Each side returns the seconds it measured; the result holds
    one list of figures per side, in the order of `sides`."""
    figures: list[list[float]] = [[] for _ in sides]
    for repeat in range(repeats):
        order = range(len(sides)) if repeat % 2 == 0 else reversed(range(len(sides)))
        for index in order:
            figures[index].append(sides[index]())
    return figures


def median_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """The median of the per-repeat ratios numerator / denominator."""
    if not numerators or len(numerators) != len(denominators):
        raise ValueError("need as many denominators as numerators, at least one")
    return statistics.median(n / d for n, d in zip(numerators, denominators, strict=True))


def timed(call: Callable[[], object]) -> float:
    """Seconds one call takes, after a full collection so that neither side pays for the other's
    garbage (the collector stays enabled while it runs)."""
    gc.collect()
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def best_of(call: Callable[[], object], times: int) -> float:
    """The fastest of `times` consecutive calls: each side in its steady state (a call that
    follows the other side's runs a few percent differently), and a burst of load on the
    machine during one call does not count."""
    return min(timed(call) for _ in range(times))


def status_kib(status: str, name: str) -> int:
    """A size from the text of /proc/<pid>/status (VmRSS, VmHWM, ...), in KiB."""
    found = re.search(rf"^{name}:\s+(\d+)\s+kB$", status, re.MULTILINE)
    if found is None:
        raise BenchError(f"no {name} in /proc/self/status")
    return int(found.group(1))


# --- reporting ---------------------------------------------------------------------------------


def met_text(result: Result, quick: bool) -> str:
    if result.error is not None:
        return "error"
    if quick or result.met is None:
        return "n/a (quick)"
    return "yes" if result.met else "no"


def format_table(results: Sequence[Result], quick: bool) -> str:
    """The results as a Markdown table: benchmark | measured | target | met."""
    header = ("benchmark", "measured", "target", "met")
    rows = [
        (
            result.benchmark,
            f"error: {result.error}" if result.error is not None else result.measured_text,
            result.target_text,
            met_text(result, quick),
        )
        for result in results
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (width + 2) for width in widths) + "|", *map(line, rows)])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-4 else f"{seconds * 1e6:.0f} µs"


# --- what the spec says ------------------------------------------------------------------------


def spec() -> dict[str, Any]:
    import yaml

    document: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    return document


def answer_example(operation_id: str) -> Any:
    """The first example the spec documents for an operation's success answer (references resolved)."""
    from voipstudio_callmeback_client.operations import OPERATIONS
    from voipstudio_callmeback_sandbox.convention import resolved

    operation = OPERATIONS[operation_id]
    document = spec()
    answers = document["paths"][operation.path][operation.method.lower()]["responses"]
    examples = resolved(document, answers[str(operation.status)])["content"]["application/json"]["examples"]
    return resolved(document, next(iter(examples.values())))["value"]


def operation_url(operation_id: str, *path: Any) -> str:
    """The URL of an operation under the mock base URL, its path arguments in order (the table's build())."""
    from voipstudio_callmeback_client.operations import OPERATIONS

    operation = OPERATIONS[operation_id]
    names = [parameter.python_name for parameter in operation.parameters if parameter.location == "path"]
    return MOCK_BASE_URL + str(operation.build(**dict(zip(names, path, strict=True)))["url"])


def page_size_parameter(operation_id: str) -> str:
    """The name of a list operation's page size: its integer query parameter besides the page."""
    from voipstudio_callmeback._resource_base import PAGE_PARAMETER
    from voipstudio_callmeback_client.operations import OPERATIONS

    (name,) = (
        parameter.name
        for parameter in OPERATIONS[operation_id].parameters
        if parameter.location == "query"
        and parameter.name != PAGE_PARAMETER
        and parameter.schema.get("type") == "integer"
    )
    return name


def list_answer_schema(operation_id: str) -> dict[str, Any]:
    """The JSON schema of a list operation's page, from the operation table (references resolved)."""
    from voipstudio_callmeback_client.operations import OPERATIONS

    schema = OPERATIONS[operation_id].response_schema
    if schema is None:
        raise BenchError(f"{operation_id} answers no JSON page: the bench needs one")
    plain: dict[str, Any] = json.loads(json.dumps(schema))  # a plain dict
    return plain


def cdr_page_body(rows: int) -> bytes:
    """A page of `rows` call records as the sandbox serves them: its seeded records (which hold each
    value as the sandbox answers it, `labels` arrays included), with ids."""
    from voipstudio_callmeback_sandbox._seed import seed_account

    records = seed_account(1, cdrs=rows).tables["cdrs"]
    data = [{"id": index + 1, **record} for index, record in enumerate(records)]
    return json.dumps({"data": data, "total": rows}).encode()


_JSON_TYPES: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool}


def _schema_fields(
    name: str, schema: dict[str, Any], nested: Callable[[str, dict[str, Any]], Any]
) -> Iterator[tuple[str, Any, bool]]:
    """Each property of a JSON object schema: its name, its Python type as a user of either library
    would write it (nested objects made by `nested`, nullable ones `| None`), and whether it is required."""

    def annotation(field_name: str, field: dict[str, Any]) -> Any:
        kind = field.get("type")
        found: Any
        if kind == "object" and "properties" in field:
            found = nested(f"{name}_{field_name}", field)
        elif kind == "array":
            found = list[annotation(field_name, field.get("items") or {})]  # type: ignore[misc]
        else:
            found = _JSON_TYPES.get(kind or "", Any)
        return found | None if field.get("nullable") and found is not Any else found

    required = set(schema.get("required", []))
    for field_name, field_schema in (schema.get("properties") or {}).items():
        yield field_name, annotation(field_name, field_schema), field_name in required


def pydantic_model(name: str, schema: dict[str, Any]) -> Any:
    """A pydantic v2 model of a JSON object schema, as a pydantic user would write it from the spec:
    required fields required, the others defaulting to None, nullable ones optional, unknown
    members kept (extra="allow")."""
    from pydantic import ConfigDict, create_model

    fields: dict[str, Any] = {
        field_name: (kind, ...) if required else (kind if kind is Any else kind | None, None)
        for field_name, kind, required in _schema_fields(name, schema, pydantic_model)
    }
    return create_model(name, __config__=ConfigDict(extra="allow"), **fields)


def msgspec_struct(name: str, schema: dict[str, Any]) -> Any:
    """A msgspec Struct of a JSON object schema, as a msgspec user would write it from the spec:
    required fields required, the others defaulting to UNSET, nullable ones optional. The floor
    of decoding: msgspec's fastest typed reading of the same bytes."""
    import msgspec

    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [
        (field_name, kind)
        if required
        else (field_name, kind if kind is Any else kind | msgspec.UnsetType, msgspec.UNSET)
        for field_name, kind, required in _schema_fields(name, schema, msgspec_struct)
    ]
    return msgspec.defstruct(name, fields, kw_only=True)
