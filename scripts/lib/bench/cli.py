"""The command: run the benchmarks, print the table, write results.json and results.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import export, get, kit, parse, regenerate
from .common import DEFAULT_OUT, FULL, PREFETCH, QUICK, Result, Sizes, format_table, ms, us

# (the keys of its results, its label while it runs, the benchmark), in the order of the table.
BENCHMARKS: tuple[tuple[tuple[str, ...], str, Callable[[Sizes], list[Result]]], ...] = (
    (("parse", "parse_floor"), "a. parse a CDR page: ours / pydantic, ours / msgspec Struct", parse.bench_parse),
    (("get",), "b. settings.get CPU: ours / httpx + json.loads", get.bench_get),
    (
        ("export", "export_cpu", "sandbox_page"),
        f"c. export CDRs: prefetch {PREFETCH} vs 1; RSS growth; CPU a record; sandbox CPU a page",
        export.bench_export,
    ),
    (("regenerate",), "d. scripts/regenerate --check", regenerate.bench_regenerate),
    (
        ("kit_reset", "kit_inprocess", "kit_start"),
        "e. test kit: reset, in process vs loopback, start",
        kit.bench_kit,
    ),
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
        details = result.details
        if result.error is not None or not details:
            continue
        if result.key == "parse":
            lines.append(
                f"Parse: ours {ms(details['ours_median_s'])}, pydantic {ms(details['pydantic_median_s'])}, the floor "
                f"(msgspec into a Struct) {ms(details['floor_median_s'])}; decoding into dicts alone takes "
                f"{ms(details['msgspec_dicts_median_s'])} with msgspec and {ms(details['json_loads_median_s'])} "
                "with json.loads."
            )
        if result.key == "export":
            lines.append(
                f"Export: {details['cdrs']:,} CDRs, {details['limit']:,} a page ({details['pages']} pages), "
                f"{details['latency_ms']:g} ms added per request; the exporting process used "
                f"{details['sequential_cpu_s']:.2f} s of CPU with prefetch 1 and {details['concurrent_cpu_s']:.2f} s "
                f"with prefetch {PREFETCH} (medians): {us(details['client_cpu_per_record_s'])} a record against "
                f"the floor's {us(details['floor_cpu_per_record_s'])}; the sandbox used "
                f"{details['sandbox_cpu_per_page_s'] * 1000:.1f} ms of CPU a page."
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
    if args_list[:1] == [export.CHILD_COMMAND]:
        return export.export_child(args_list[1:])
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description="The benchmarks, each figure a ratio measured within one run."
    )
    parser.add_argument("--quick", action="store_true", help="small sizes; figures not compared with targets")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for results.json and results.md")
    args = parser.parse_args(args_list)
    sizes = QUICK if args.quick else FULL
    meta = environment(args.quick)
    print(f"scripts/bench{' --quick' if args.quick else ''}: {meta['date']}, {meta['cpus']} CPUs", flush=True)
    results: list[Result] = []
    for keys, label, bench in BENCHMARKS:
        print(f"{label} ...", flush=True)
        started = time.perf_counter()
        try:
            found = bench(sizes)
        except Exception as exc:  # reported in the table; the run exits non-zero
            error = f"{type(exc).__name__}: {exc}"
            found = [Result(key, key, 0.0, "", "", 0.0, "", None, error=error) for key in keys]
        for result in found:
            if args.quick and result.error is None:
                result.met = None
            print(f"  {result.key}: {result.error or result.measured_text}", flush=True)
        print(f"  ({time.perf_counter() - started:.1f} s)", flush=True)
        results += found
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
