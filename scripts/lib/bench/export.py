"""c. Exporting 100,000 CDRs from the sandbox (a real process on loopback, 20 ms added to every
request) through `voipstudio-callmeback cdrs export`'s own code to CSV. Three figures of the
same runs:

- export: four pages in flight against one at a time (wall time), and the exporting
  process's peak memory growth;
- export_cpu: the client's CPU per exported record (pages read ahead, as the command line
  exports), against its floor measured in the same process: msgspec decoding the same pages
  into dicts and csv.writer writing the same columns;
- sandbox_page: the sandbox's CPU to answer a page (its CPU-time clock read around each
  export), against the client's CPU to export that page: the sandbox must not be what the
  benchmark measures.

The exports use the HTTP client of `cdrs export` (httpx over aiohttp: _cli/_http.py).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from voipstudio_callmeback_sandbox import RunningSandbox, SandboxError, running_sandbox, sandbox_command

from .common import (
    DEMO_API_KEY,
    DEMO_USER_ID,
    LATENCY_MS,
    PREFETCH,
    BenchError,
    Result,
    Sizes,
    at_most,
    interleave,
    list_answer_schema,
    median_ratio,
    page_size_parameter,
    status_kib,
    us,
)

EXPORT_SPEEDUP_TARGET = 3.5  # sequential / concurrent, at least
EXPORT_MEMORY_TARGET_MIB = 64.0  # peak RSS growth of the exporting process, at most
EXPORT_CPU_TARGET = 1.5  # client CPU per record / floor, at most
SANDBOX_PAGE_TARGET = 0.5  # sandbox CPU per page / client CPU per page, at most
RESOURCE = "cdrs"
CHILD_COMMAND = "export-child"
SANDBOX_START_S = 120.0
CHILD_TIMEOUT_S = 600.0
FLOOR_PAGES = 10  # pages the floor is measured on, after the export
FLOOR_REPEATS = 5


def export_child(argv: Sequence[str]) -> int:
    """In a process of its own: export every CDR to a CSV file as the command line does, then
    measure the floor on pages of the same export; print what it measured as JSON.

    The baseline is the resident set (VmRSS) after the imports and the client's creation; the
    peak is the high-water mark of the resident set (VmHWM) after the export. Not ru_maxrss:
    Linux folds the peak of the process image that exec replaced into it, and a child that
    subprocess starts from a large parent (vfork) reports at least the parent's peak. It is
    recorded too, for comparison.
    """
    url, limit, prefetch, path = argv[0], int(argv[1]), int(argv[2]), Path(argv[3])
    from voipstudio_callmeback import AsyncCallMeBack
    from voipstudio_callmeback._cli._export import Export, export, resource_pages
    from voipstudio_callmeback._cli._http import export_http_client
    from voipstudio_callmeback._cli._spec import resources

    listed = next(found for found in resources() if found.name == RESOURCE)

    async def run() -> dict[str, Any]:
        # The HTTP client `cdrs export` uses (aiohttp's connections behind httpx's API).
        http = export_http_client()
        client = AsyncCallMeBack(user_id=DEMO_USER_ID, api_key=DEMO_API_KEY, base_url=url, http_client=http)
        baseline = status_kib(Path("/proc/self/status").read_text(encoding="ascii"), "VmRSS")
        try:
            # A first page of one record, not measured: what the first export of a process imports and
            # builds once (the HTTP stack, the row decoder) is no cost of a record.
            pages, special = resource_pages(client, listed, "csv", {"limit": 1}, prefetch=1)
            await export(stop_after_one(pages), io.StringIO(), "csv", listed.declared_fields, Export(), special=special)
            with path.open("w", encoding="utf-8", newline="") as out:
                pages, special = resource_pages(client, listed, "csv", {"limit": limit}, prefetch=prefetch)
                started, cpu_started = time.perf_counter(), time.process_time()
                progress = await export(pages, out, "csv", listed.declared_fields, Export(), special=special)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        finally:
            await client.close()
            if http is not None:
                await http.aclose()
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
            "floor_cpu_per_record_s": floor_cpu_per_record(
                url, listed.operations["list"].id, limit, listed.declared_fields, path
            ),
        }

    print(json.dumps(asyncio.run(run())))
    return 0


async def stop_after_one(pages: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for page in pages:
        yield page
        break


def floor_cpu_per_record(url: str, operation_id: str, limit: int, columns: list[str], path: Path) -> float:
    """The floor of an export's CPU per record: a few pages of the same export, fetched as bytes,
    decoded by msgspec into dicts, each row's columns written by csv.writer to a file; the median
    of a few repeats (the export it is compared with is measured once, not at its best)."""
    import httpx
    import msgspec
    from voipstudio_callmeback._resource_base import PAGE_PARAMETER
    from voipstudio_callmeback_client.operations import OPERATIONS

    route, size = OPERATIONS[operation_id].path, page_size_parameter(operation_id)
    # The page's member that holds the items: its array.
    (items,) = (
        name for name, member in list_answer_schema(operation_id)["properties"].items() if member.get("type") == "array"
    )
    decode = msgspec.json.Decoder().decode
    with httpx.Client(base_url=url, auth=(str(DEMO_USER_ID), DEMO_API_KEY)) as http:
        bodies = [
            http.get(route, params={size: limit, PAGE_PARAMETER: number}).content
            for number in range(1, FLOOR_PAGES + 1)
        ]
    figures = []
    for _ in range(FLOOR_REPEATS):
        with path.with_suffix(".floor.csv").open("w", encoding="utf-8", newline="") as out:
            started, records = time.process_time(), 0
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns)
            for body in bodies:
                for row in decode(body)[items]:
                    writer.writerow([row.get(name) for name in columns])
                    records += 1
            figures.append((time.process_time() - started) / max(records, 1))
    path.with_suffix(".floor.csv").unlink()
    return statistics.median(figures)


def process_cpu_s(pid: int) -> float:
    """The CPU seconds another process has used, to the nanosecond: its CPU-time clock (Linux's
    MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)). /proc/<pid>/stat counts in ticks of 10 ms, which
    a process that wakes for a millisecond every 20 ms is charged whole or not at all."""
    return time.clock_gettime((~pid << 3) | 2)


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
    command = [sys.executable, str(Path(__file__).resolve().parent), CHILD_COMMAND, server.url, str(limit)]
    sandbox_before = process_cpu_s(server.process.pid)
    result = subprocess.run(
        [*command, str(prefetch), str(path)], capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False
    )
    sandbox_cpu = process_cpu_s(server.process.pid) - sandbox_before
    if result.returncode != 0:
        raise BenchError(f"the export (limit {limit}, prefetch {prefetch}) failed: {result.stderr.strip()[-2000:]}")
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    with path.open(encoding="utf-8", newline="") as written:
        lines = sum(1 for _ in written)
    path.unlink()
    pages = -(-cdrs // limit)
    # The sandbox's CPU over the run also covers the first page of the warm-up and the floor's pages.
    measured.update(
        limit=limit,
        prefetch=prefetch,
        csv_lines=lines,
        pages=pages,
        sandbox_cpu_s=sandbox_cpu,
        sandbox_cpu_per_page_s=sandbox_cpu / (pages + FLOOR_PAGES),
    )
    if measured["rows"] != cdrs or lines != cdrs + 1:
        raise BenchError(
            f"the export (limit {limit}, prefetch {prefetch}) wrote {measured['rows']} rows and "
            f"{lines} lines; expected {cdrs} rows and {cdrs + 1} lines (a header and a line per row)"
        )
    print(
        f"    limit {limit}, prefetch {prefetch}: {measured['seconds']:.2f} s ({measured['cpu_s']:.2f} s CPU; "
        f"sandbox {sandbox_cpu:.2f} s), {measured['rows']:,} rows, peak RSS +{measured['growth_mib']:.1f} MiB",
        flush=True,
    )
    return measured


def bench_export(sizes: Sizes) -> list[Result]:
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
    main_runs = [run for side_runs in runs.values() for run in side_runs if run["limit"] == limit]
    one_at_a_time = [run for run in runs[1] if run["limit"] == limit]
    speedup = median_ratio(sequential, concurrent)
    growth = max(run["growth_mib"] for run in main_runs)
    pages = -(-cdrs // limit)
    # CPU figures from the exports with pages read ahead, as the command line runs them: there the
    # client works page after page, as the floor does. One page at a time it also idles 20 ms after
    # every page and pays for waking up (cold caches) on the next: that figure is in the details.
    read_ahead = [run for run in runs[PREFETCH] if run["limit"] == limit]
    client_per_record = [run["cpu_s"] / run["rows"] for run in read_ahead]
    floor_per_record = [run["floor_cpu_per_record_s"] for run in read_ahead]
    client_per_page = [run["cpu_s"] / run["pages"] for run in read_ahead]
    sandbox_per_page = [run["sandbox_cpu_per_page_s"] for run in read_ahead]
    cpu_ratio = median_ratio(client_per_record, floor_per_record)
    page_ratio = median_ratio(sandbox_per_page, client_per_page)
    details = {
        "cdrs": cdrs,
        "limit": limit,
        "pages": pages,
        "latency_ms": LATENCY_MS,
        "prefetch": PREFETCH,
        "repeats": sizes.export_repeats,
        "sequential_s": sequential,
        "concurrent_s": concurrent,
        "max_growth_mib": growth,
        "sequential_cpu_s": statistics.median(run["cpu_s"] for run in one_at_a_time),
        "concurrent_cpu_s": statistics.median(run["cpu_s"] for run in runs[PREFETCH] if run["limit"] == limit),
        "client_cpu_per_record_s": statistics.median(client_per_record),
        "client_cpu_per_record_one_at_a_time_s": statistics.median(run["cpu_s"] / run["rows"] for run in one_at_a_time),
        "floor_cpu_per_record_s": statistics.median(floor_per_record),
        "client_cpu_per_page_s": statistics.median(client_per_page),
        "sandbox_cpu_per_page_s": statistics.median(sandbox_per_page),
        "floor": "msgspec.json.Decoder().decode(page)['data'] + csv.writer.writerow([row.get(column) ...])",
        "runs": [run for side_runs in runs.values() for run in side_runs],
        "other_page_sizes": context,
    }
    export_result = Result(
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
        details=details,
    )
    cpu_text = f"{cpu_ratio:.2f}x ({us(details['client_cpu_per_record_s'])} vs {us(details['floor_cpu_per_record_s'])})"
    page_text = (
        f"{page_ratio:.2f}x ({details['sandbox_cpu_per_page_s'] * 1000:.1f} ms vs "
        f"{details['client_cpu_per_page_s'] * 1000:.1f} ms a page)"
    )
    return [
        export_result,
        at_most(
            "export_cpu",
            "c. export CPU a record: client / msgspec dicts + csv.writer (floor)",
            cpu_ratio,
            EXPORT_CPU_TARGET,
            cpu_text,
            details,
        ),
        at_most(
            "sandbox_page",
            f"c. sandbox CPU a {limit:,}-CDR page / client CPU to export it",
            page_ratio,
            SANDBOX_PAGE_TARGET,
            page_text,
            details,
        ),
    ]
