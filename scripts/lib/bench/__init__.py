"""scripts/bench: the benchmarks of docs/benchmarks.md, one module each, every figure a ratio
measured within one run (or a time against its target).

a. parse        (parse.py) one 5,000-row CDR page, bytes to models: ours / pydantic, and
                ours / msgspec into a typed Struct (the floor).
b. get          (get.py) the client's CPU for one `settings.get(id)` / a bare httpx get and
                json.loads (the floor), on a MockTransport.
c. export       (export.py) 100,000 CDRs from the sandbox through the command line's export
                code: four pages in flight against one (and memory growth); the client's CPU
                a record / msgspec dicts and csv.writer (the floor); the sandbox's CPU a page /
                the client's.
d. regenerate   (regenerate.py) the wall time of `scripts/regenerate --check`.

Both sides of a ratio are measured in the same run, back to back in every repeat (which
side goes first alternates), and the figure is the median of the per-repeat ratios, so
that a burst of load on a shared machine weighs on both sides. Results go to build/bench/
(results.json, results.md). common.py holds what they share; cli.py the command.
"""

from .cli import BENCHMARKS, main
from .common import PREFETCH, BenchError, Result, Sizes, format_table, interleave, median_ratio, met_text, status_kib

__all__ = [
    "BENCHMARKS",
    "PREFETCH",
    "BenchError",
    "Result",
    "Sizes",
    "format_table",
    "interleave",
    "main",
    "median_ratio",
    "met_text",
    "status_kib",
]
