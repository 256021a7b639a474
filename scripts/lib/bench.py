"""scripts/bench: four benchmarks, each a ratio (or a time against its target) measured within one run.

a. parse     one 5,000-row CDR page, bytes to models: the overlay's `parse()` (msgspec,
             then the generated `CdrList.from_dict`) against pydantic v2's
             `model_validate_json` on equivalent pydantic models.
b. get       the client's CPU cost of one `settings.get(id)` against a bare
             `httpx.Client.get` and `json.loads` of the same bytes (both on a MockTransport).
c. export    100,000 CDRs from the sandbox (a real process on loopback, 20 ms added to
             every request) through the project's export code to CSV: four pages in
             flight against one at a time, and the exporting process's peak memory growth.
d. regenerate  the wall time of `scripts/regenerate --check`.

Both sides of a ratio are measured in the same run, back to back in every repeat (which
side goes first alternates), and the figure is the median of the per-repeat ratios, so
that a burst of load on a shared machine weighs on both sides. docs/benchmarks.md describes the
method and holds the latest figures; results go to build/bench/ (results.json, results.md).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voipstudio_callmeback_sandbox import RunningSandbox, SandboxError, running_sandbox, sandbox_command

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "build" / "bench"
CHILD_COMMAND = "export-child"

# The sandbox's demo account (HTTP Basic with its API key).
DEMO_USER_ID = 123456
DEMO_API_KEY = "5f1d4c2a9b8e7d6c5b4a39281706f5e4d3c2b1a0"
MOCK_BASE_URL = "https://api.test/v1.1/voipstudio"
MOCK_TOKEN = "9b2f0c3e7a1d4c5b8e6f2a0d3c7b1e4f5a6d8c9b"  # noqa: S105 - made up, for a mock transport

PARSE_TARGET = 1.0  # ours / pydantic, at most
GET_TARGET = 1.3  # settings.get / raw httpx + json.loads, at most
EXPORT_SPEEDUP_TARGET = 3.5  # sequential / concurrent, at least
EXPORT_MEMORY_TARGET_MIB = 64.0  # peak RSS growth of the exporting process, at most
REGENERATE_TARGET_S = 5.0  # wall time, at most

LATENCY_MS = 20.0
PREFETCH = 4
# The page size of the export benchmark: what `voipstudio-callmeback cdrs export` requests
# by default (its --limit), so the figure is that of the command people run. The full run
# also times one pair at the sandbox's default page (100) and at the largest the spec allows
# (5,000), to show how the page size moves the ratio (see docs/benchmarks.md).
EXPORT_LIMIT = 1000
CONTEXT_LIMITS = (100, 5000)
SANDBOX_START_S = 120.0
CHILD_TIMEOUT_S = 600.0


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


FULL = Sizes(
    parse_rows=5000,
    parse_repeats=15,
    parse_block=3,
    get_calls=500,
    get_repeats=15,
    export_cdrs=100_000,
    export_limit=EXPORT_LIMIT,
    export_repeats=5,
    export_context_limits=CONTEXT_LIMITS,
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


# --- small pure helpers ----------------------------------------------------------------------


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


def status_kib(status: str, name: str) -> int:
    """A size from the text of /proc/<pid>/status (VmRSS, VmHWM, ...), in KiB."""
    found = re.search(rf"^{name}:\s+(\d+)\s+kB$", status, re.MULTILINE)
    if found is None:
        raise BenchError(f"no {name} in /proc/self/status")
    return int(found.group(1))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs"


# --- a. parsing a 5,000-row page ---------------------------------------------------------------


def cdr_page_body(rows: int) -> bytes:
    """A page of `rows` call records as the sandbox serves them: its seeded records, with ids, and
    labels decoded to the JSON arrays it answers with (the seed holds them as text)."""
    from voipstudio_callmeback_sandbox._seed import seed_account

    records = seed_account(1, cdrs=rows).tables["cdrs"]
    data = [{"id": index + 1, **record, "labels": json.loads(record["labels"])} for index, record in enumerate(records)]
    return json.dumps({"data": data, "total": rows}).encode()


def pydantic_model(name: str, schema: dict[str, Any]) -> Any:
    """A pydantic v2 model of a JSON object schema, as a pydantic user would write it from the spec:
    required fields required, the others defaulting to None, nullable ones optional, unknown
    members kept (extra="allow")."""
    from pydantic import ConfigDict, create_model

    def annotation(field_name: str, field: dict[str, Any]) -> Any:
        kind = field.get("type")
        found: Any
        if kind == "object" and "properties" in field:
            found = pydantic_model(f"{name}_{field_name}", field)
        elif kind == "array":
            found = list[annotation(field_name, field.get("items") or {})]  # type: ignore[misc]
        else:
            found = {"string": str, "integer": int, "number": float, "boolean": bool}.get(kind or "", Any)
        return found | None if field.get("nullable") and found is not Any else found

    required = set(schema.get("required", []))
    fields: dict[str, Any] = {}
    for field_name, field_schema in (schema.get("properties") or {}).items():
        kind = annotation(field_name, field_schema)
        if field_name in required:
            fields[field_name] = (kind, ...)
        else:
            fields[field_name] = (kind if kind is Any else kind | None, None)
    return create_model(name, __config__=ConfigDict(extra="allow"), **fields)


def pydantic_page_model() -> Any:
    """A pydantic v2 model of a CDR page, built from the schema of listCdrs' answer in the operation table."""
    from voipstudio_callmeback_client.operations import OPERATIONS

    schema = OPERATIONS["listCdrs"].response_schema
    if schema is None:
        raise RuntimeError("listCdrs answers no JSON page: the bench needs one")
    return pydantic_model("PCdrList", dict(schema))


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


def bench_parse(sizes: Sizes) -> Result:
    import httpx
    import msgspec
    from voipstudio_callmeback._base import parse
    from voipstudio_callmeback_client.models import CdrList

    body = cdr_page_body(sizes.parse_rows)
    pydantic_list = pydantic_page_model()
    request = httpx.Request("GET", MOCK_BASE_URL + "/callmeback/cdrs")

    def ours() -> CdrList:
        response = httpx.Response(200, content=body, headers={"content-type": "application/json"}, request=request)
        return parse(response, 200, CdrList)

    def theirs() -> Any:
        return pydantic_list.model_validate_json(body)

    # The warm-up, which also checks that both read the same page. One result at a time: holding
    # both at once leaves a heap on which our side measured up to 20% slower for the whole run.
    mine = ours()
    seen = (len(mine.data), mine.data[-1].id, mine.data[0].type_, mine.data[0].labels, mine.total)
    del mine
    other = theirs()
    if seen != (len(other.data), other.data[-1].id, other.data[0].type, other.data[0].labels, other.total):
        raise BenchError("the two parsers read the page differently")
    del other
    block = sizes.parse_block
    ours_s, theirs_s = interleave([lambda: best_of(ours, block), lambda: best_of(theirs, block)], sizes.parse_repeats)
    ratio = median_ratio(ours_s, theirs_s)
    ours_median, theirs_median = statistics.median(ours_s), statistics.median(theirs_s)
    # For context, the JSON decoding alone: the overlay's decoder (msgspec) and the standard library's.
    decode = msgspec.json.Decoder().decode
    msgspec_s, json_s = interleave(
        [lambda: best_of(lambda: decode(body), block), lambda: best_of(lambda: json.loads(body), block)],
        sizes.parse_repeats,
    )
    return Result(
        key="parse",
        benchmark=f"a. parse a {sizes.parse_rows:,}-row CDR page: ours / pydantic",
        measured=ratio,
        unit="ratio",
        measured_text=f"{ratio:.2f}x ({ms(ours_median)} vs {ms(theirs_median)})",
        target=PARSE_TARGET,
        target_text=f"≤ {PARSE_TARGET:.2f}x",
        met=ratio <= PARSE_TARGET,
        details={
            "rows": sizes.parse_rows,
            "body_bytes": len(body),
            "repeats": sizes.parse_repeats,
            "calls_per_repeat": block,
            "ours_median_s": ours_median,
            "ours_min_s": min(ours_s),
            "pydantic_median_s": theirs_median,
            "pydantic_min_s": min(theirs_s),
            "decode_msgspec_median_s": statistics.median(msgspec_s),
            "decode_json_loads_median_s": statistics.median(json_s),
            "ours": "voipstudio_callmeback._base.parse(httpx.Response, 200, CdrList): msgspec + CdrList.from_dict",
            "pydantic": "PCdrList.model_validate_json(body), extra='allow'",
        },
    )


# --- b. one settings.get -------------------------------------------------------------------


def settings_example_body() -> bytes:
    """The documented answer of getSetting (components/examples/SettingResponse in openapi.yaml)."""
    import yaml

    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    return json.dumps(spec["components"]["examples"]["SettingResponse"]["value"]).encode()


def bench_get(sizes: Sizes) -> Result:
    import httpx
    from voipstudio_callmeback import CallMeBack

    body = settings_example_body()
    setting_id = json.loads(body)["data"]["id"]
    url = f"{MOCK_BASE_URL}/callmeback/settings/{setting_id}"
    headers = {"X-Auth-Token": MOCK_TOKEN}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = CallMeBack(token=MOCK_TOKEN, base_url=MOCK_BASE_URL, http_client=http)
    raw = httpx.Client(transport=httpx.MockTransport(handler))
    calls = sizes.get_calls

    def ours() -> float:
        started = time.perf_counter()
        for _ in range(calls):
            client.settings.get(setting_id)
        return (time.perf_counter() - started) / calls

    def theirs() -> float:
        started = time.perf_counter()
        for _ in range(calls):
            json.loads(raw.get(url, headers=headers).content)
        return (time.perf_counter() - started) / calls

    try:
        if client.settings.get(setting_id).id != json.loads(raw.get(url, headers=headers).content)["data"]["id"]:
            raise BenchError("the two sides read different settings")
        ours(), theirs()  # warm-up
        ours_s, theirs_s = interleave([ours, theirs], sizes.get_repeats)
    finally:
        http.close()
        raw.close()
    ratio = median_ratio(ours_s, theirs_s)
    ours_median, theirs_median = statistics.median(ours_s), statistics.median(theirs_s)
    return Result(
        key="get",
        benchmark="b. settings.get CPU: ours / httpx + json.loads",
        measured=ratio,
        unit="ratio",
        measured_text=f"{ratio:.2f}x ({us(ours_median)} vs {us(theirs_median)} a call)",
        target=GET_TARGET,
        target_text=f"≤ {GET_TARGET:.2f}x",
        met=ratio <= GET_TARGET,
        details={
            "calls_per_repeat": calls,
            "repeats": sizes.get_repeats,
            "ours_median_s": ours_median,
            "ours_min_s": min(ours_s),
            "raw_median_s": theirs_median,
            "raw_min_s": min(theirs_s),
            "body_bytes": len(body),
            "transport": "httpx.MockTransport, the same handler and body on both sides",
        },
    )


# --- c. exporting 100,000 CDRs -----------------------------------------------------------------


def export_child(argv: Sequence[str]) -> int:
    """In a process of its own: export every CDR to a CSV file, print what it measured as JSON.

    The baseline is the resident set (VmRSS) after the imports and the client's creation; the
    peak is the high-water mark of the resident set (VmHWM) after the export. Not ru_maxrss:
    Linux folds the peak of the process image that exec replaced into it, and a child that
    subprocess starts from a large parent (vfork) reports at least the parent's peak. It is
    recorded too, for comparison.
    """
    url, limit, prefetch, path = argv[0], int(argv[1]), int(argv[2]), Path(argv[3])
    from voipstudio_callmeback import AsyncCallMeBack
    from voipstudio_callmeback._cli._export import Export, declared_columns, export
    from voipstudio_callmeback_client.models import Cdr

    async def run() -> dict[str, Any]:
        client = AsyncCallMeBack(user_id=DEMO_USER_ID, api_key=DEMO_API_KEY, base_url=url)
        declared = declared_columns(Cdr)
        baseline = status_kib(Path("/proc/self/status").read_text(encoding="ascii"), "VmRSS")
        try:
            with path.open("w", encoding="utf-8", newline="") as out:
                pages = client.cdrs.list(limit=limit, prefetch=prefetch).pages()
                started, cpu_started = time.perf_counter(), time.process_time()
                progress = await export(pages, out, "csv", declared, Export())
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        finally:
            await client.close()
        peak = status_kib(Path("/proc/self/status").read_text(encoding="ascii"), "VmHWM")
        return {
            "seconds": seconds,
            "cpu_s": cpu,
            "rows": progress.rows,
            "total": progress.total,
            "baseline_kib": baseline,
            "peak_kib": peak,
            "growth_mib": (peak - baseline) / 1024,
            "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }

    print(json.dumps(asyncio.run(run())))
    return 0


@contextmanager
def sandbox(work: Path, cdrs: int) -> Iterator[RunningSandbox]:
    """voipstudio-callmeback-sandbox on 127.0.0.1 and a free port, seeded with `cdrs` records,
    with LATENCY_MS added to every request; stopped on exit."""
    options = ("--cdrs", str(cdrs), "--latency-ms", f"{LATENCY_MS:g}", "--db", str(work / "sandbox.db"), "--quiet")
    stderr_path = work / "sandbox.stderr"
    print(f"  $ {' '.join(sandbox_command(*options))}", flush=True)
    with stderr_path.open("w", encoding="utf-8") as stderr:
        try:
            with running_sandbox(*options, stderr=stderr, start_seconds=SANDBOX_START_S) as server:
                yield server
        except SandboxError as exc:
            raise BenchError(f"{exc}: {stderr_path.read_text(encoding='utf-8')[-2000:]}") from None


def run_export(server: RunningSandbox, work: Path, limit: int, prefetch: int, cdrs: int) -> dict[str, Any]:
    """One export in a child process; checks the rows it wrote and the lines of the CSV."""
    path = work / f"export-{limit}-{prefetch}.csv"
    command = [sys.executable, str(Path(__file__).resolve()), CHILD_COMMAND, server.url, str(limit), str(prefetch)]
    result = subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False)
    if result.returncode != 0:
        raise BenchError(f"the export (limit {limit}, prefetch {prefetch}) failed: {result.stderr.strip()[-2000:]}")
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    with path.open(encoding="utf-8", newline="") as written:
        lines = sum(1 for _ in written)
    path.unlink()
    measured.update(limit=limit, prefetch=prefetch, csv_lines=lines)
    if measured["rows"] != cdrs or lines != cdrs + 1:
        raise BenchError(
            f"the export (limit {limit}, prefetch {prefetch}) wrote {measured['rows']} rows and "
            f"{lines} lines; expected {cdrs} rows and {cdrs + 1} lines (a header and a line per row)"
        )
    print(
        f"    limit {limit}, prefetch {prefetch}: {measured['seconds']:.2f} s ({measured['cpu_s']:.2f} s CPU), "
        f"{measured['rows']:,} rows, "
        f"peak RSS +{measured['growth_mib']:.1f} MiB",
        flush=True,
    )
    return measured


def bench_export(sizes: Sizes) -> Result:
    cdrs, limit = sizes.export_cdrs, sizes.export_limit
    with tempfile.TemporaryDirectory(prefix="voipstudio-bench-") as folder:
        work = Path(folder)
        with sandbox(work, cdrs) as server:
            runs: dict[int, list[dict[str, Any]]] = {1: [], PREFETCH: []}

            def side(prefetch: int, page: int) -> Callable[[], float]:
                def run() -> float:
                    measured = run_export(server, work, page, prefetch, cdrs)
                    runs[prefetch].append(measured)
                    return float(measured["seconds"])

                return run

            sequential, concurrent = interleave([side(1, limit), side(PREFETCH, limit)], sizes.export_repeats)
            context = []
            for page in sizes.export_context_limits:
                pair = interleave([side(1, page), side(PREFETCH, page)], 1)
                context.append(
                    {
                        "limit": page,
                        "sequential_s": pair[0][0],
                        "concurrent_s": pair[1][0],
                        "speedup": pair[0][0] / pair[1][0],
                        "concurrent_growth_mib": runs[PREFETCH][-1]["growth_mib"],
                    }
                )
    speedup = median_ratio(sequential, concurrent)
    main_runs = [run for side_runs in runs.values() for run in side_runs if run["limit"] == limit]
    growth = max(run["growth_mib"] for run in main_runs)
    pages = -(-cdrs // limit)
    return Result(
        key="export",
        benchmark=f"c. export {cdrs:,} CDRs, {limit:,}/page, {LATENCY_MS:g} ms: prefetch {PREFETCH} vs 1; RSS growth",
        measured=speedup,
        unit="speedup",
        measured_text=(
            f"{speedup:.2f}x faster ({statistics.median(sequential):.2f} s vs {statistics.median(concurrent):.2f} s); "
            f"+{growth:.1f} MiB"
        ),
        target=EXPORT_SPEEDUP_TARGET,
        target_text=f"≥ {EXPORT_SPEEDUP_TARGET:g}x faster; ≤ {EXPORT_MEMORY_TARGET_MIB:g} MiB",
        met=speedup >= EXPORT_SPEEDUP_TARGET and growth <= EXPORT_MEMORY_TARGET_MIB,
        details={
            "cdrs": cdrs,
            "limit": limit,
            "pages": pages,
            "latency_ms": LATENCY_MS,
            "prefetch": PREFETCH,
            "repeats": sizes.export_repeats,
            "sequential_s": sequential,
            "concurrent_s": concurrent,
            "max_growth_mib": growth,
            "sequential_cpu_s": statistics.median(run["cpu_s"] for run in runs[1] if run["limit"] == limit),
            "concurrent_cpu_s": statistics.median(run["cpu_s"] for run in runs[PREFETCH] if run["limit"] == limit),
            "runs": [run for side_runs in runs.values() for run in side_runs],
            "other_page_sizes": context,
        },
    )


# --- d. scripts/regenerate --check -----------------------------------------------------------


def bench_regenerate(sizes: Sizes) -> Result:
    command = [str(ROOT / "scripts" / "regenerate"), "--check"]
    seconds = []
    for _ in range(sizes.regenerate_repeats):
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise BenchError(f"scripts/regenerate --check exited {result.returncode}: {result.stdout}{result.stderr}")
    median = statistics.median(seconds)
    return Result(
        key="regenerate",
        benchmark="d. scripts/regenerate --check (temporary tree, no writes)",
        measured=median,
        unit="seconds",
        measured_text=f"{median:.2f} s ({median / REGENERATE_TARGET_S:.2f} of the target)",
        target=REGENERATE_TARGET_S,
        target_text=f"≤ {REGENERATE_TARGET_S:g} s",
        met=median <= REGENERATE_TARGET_S,
        details={"repeats": sizes.regenerate_repeats, "seconds": seconds, "command": "scripts/regenerate --check"},
    )


# --- the command --------------------------------------------------------------------------------

BENCHMARKS: tuple[tuple[str, str, Callable[[Sizes], Result]], ...] = (
    ("parse", "a. parse a CDR page: ours / pydantic", bench_parse),
    ("get", "b. settings.get CPU: ours / httpx + json.loads", bench_get),
    ("export", f"c. export CDRs: prefetch {PREFETCH} vs 1; RSS growth", bench_export),
    ("regenerate", "d. scripts/regenerate --check", bench_regenerate),
)


def environment(quick: bool) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": quick,
        "command": "scripts/bench --quick" if quick else "scripts/bench",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def markdown(results: Sequence[Result], meta: dict[str, Any]) -> str:
    quick = bool(meta["quick"])
    lines = [
        "# scripts/bench results",
        "",
        f"{meta['date']}; `{meta['command']}`; Python {meta['python']}, {meta['cpus']} CPUs, {meta['platform']}.",
        "",
    ]
    if quick:
        lines += ["Quick run: small sizes; the figures are not compared with the targets.", ""]
    lines += [format_table(results, quick), ""]
    for result in results:
        if result.key == "parse" and result.error is None and result.details:
            lines.append(
                f"Parse: decoding the page alone takes {ms(result.details['decode_msgspec_median_s'])} with msgspec "
                f"(the overlay's decoder) and {ms(result.details['decode_json_loads_median_s'])} with json.loads."
            )
        if result.key == "export" and result.error is None and result.details:
            details = result.details
            lines.append(
                f"Export: {details['cdrs']:,} CDRs, {details['limit']:,} a page ({details['pages']} pages), "
                f"{details['latency_ms']:g} ms added per request; the exporting process used "
                f"{details['sequential_cpu_s']:.2f} s of CPU with prefetch 1 and {details['concurrent_cpu_s']:.2f} s "
                f"with prefetch {PREFETCH} (medians)."
            )
            for other in details["other_page_sizes"]:
                lines.append(
                    f"Export at {other['limit']:,} a page: {other['speedup']:.2f}x faster "
                    f"({other['sequential_s']:.2f} s vs {other['concurrent_s']:.2f} s), "
                    f"+{other['concurrent_growth_mib']:.1f} MiB with prefetch {PREFETCH}."
                )
    return "\n".join(lines).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == [CHILD_COMMAND]:
        return export_child(args_list[1:])
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description="Four benchmarks, each a ratio measured within one run."
    )
    parser.add_argument("--quick", action="store_true", help="small sizes; figures not compared with targets")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for results.json and results.md")
    args = parser.parse_args(args_list)
    sizes = QUICK if args.quick else FULL
    meta = environment(args.quick)
    print(f"scripts/bench{' --quick' if args.quick else ''}: {meta['date']}, {meta['cpus']} CPUs", flush=True)
    results: list[Result] = []
    for key, label, bench in BENCHMARKS:
        print(f"{label} ...", flush=True)
        started = time.perf_counter()
        try:
            result = bench(sizes)
        except Exception as exc:  # reported in the table; the run exits non-zero
            result = Result(key, label, 0.0, "", "", 0.0, "", None, error=f"{type(exc).__name__}: {exc}")
        if args.quick and result.error is None:
            result.met = None
        print(
            f"  {result.error or result.measured_text} ({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        results.append(result)
    print()
    if args.quick:
        print("Quick run: small sizes; the figures are not compared with the targets.")
    print(format_table(results, args.quick))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    document = {**meta, "results": [asdict(result) for result in results]}
    (out / "results.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "results.md").write_text(markdown(results, meta), encoding="utf-8")
    print(f"\nwrote {out / 'results.json'} and {out / 'results.md'}")
    return 1 if any(result.error is not None for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
