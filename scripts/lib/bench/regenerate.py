"""d. The wall time of `scripts/regenerate --check`: what a maintainer waits for after a spec change
(the generator, the join, ruff, and the comparison with generated/, in a temporary tree)."""

from __future__ import annotations

import statistics
import subprocess
import time

from .common import ROOT, BenchError, Result, Sizes

REGENERATE_TARGET_S = 5.0  # wall time, at most


def bench_regenerate(sizes: Sizes) -> list[Result]:
    command = [str(ROOT / "scripts" / "regenerate"), "--check"]
    seconds = []
    for _ in range(sizes.regenerate_repeats):
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise BenchError(f"scripts/regenerate --check exited {result.returncode}: {result.stdout}{result.stderr}")
    median = statistics.median(seconds)
    return [
        Result(
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
    ]
