"""scripts/bench: a quick run measures every benchmark and writes them; the helpers it reports with."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from voipstudio_callmeback_sandbox import Account, Store

import bench
from bench.common import cdr_page_body
from conftest import ROOT

# The keys docs/benchmarks.md and the README report, in the order of the table.
KEYS = [
    "parse",
    "parse_floor",
    "get",
    "export",
    "export_cpu",
    "sandbox_page",
    "regenerate",
    "kit_reset",
    "kit_inprocess",
    "kit_start",
]
ROW_PREFIXES = {
    "parse": "| a. parse a 500-row CDR page: ours / pydantic",
    "parse_floor": "| a. parse a 500-row CDR page: ours / msgspec Struct (floor)",
    "get": "| b. settings.get",
    "export": "| c. export 2,000 CDRs",
    "export_cpu": "| c. export CPU a record",
    "sandbox_page": "| c. sandbox CPU a 200-CDR page",
    "regenerate": "| d. scripts/regenerate --check",
    "kit_reset": "| e. kit: reset after a test that wrote",
    "kit_inprocess": "| e. kit: settings.get CPU in process",
    "kit_start": "| e. kit: start to a first answer",
}


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    out: Path

    def document(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads((self.out / "results.json").read_text(encoding="utf-8"))
        return found

    def result(self, key: str) -> dict[str, Any]:
        found: dict[str, Any] = next(entry for entry in self.document()["results"] if entry["key"] == key)
        return found


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """scripts/bench --quick, once for the module, into a folder of its own."""
    out = tmp_path_factory.mktemp("bench")
    result = subprocess.run(
        [str(ROOT / "scripts" / "bench"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr, out)


class TestQuickRun:
    def test_exits_zero(self, quick_run: Run) -> None:
        """Every benchmark ran without an error."""
        assert quick_run.returncode == 0, quick_run.stdout + quick_run.stderr

    def test_prints_a_table_of_every_figure(self, quick_run: Run) -> None:
        """stdout ends with the table: its header, and a row per benchmark marked as a quick run."""
        out = quick_run.stdout
        header = next(line for line in out.splitlines() if line.startswith("| benchmark"))
        assert [cell.strip() for cell in header.split("|")[1:-1]] == ["benchmark", "measured", "target", "met"]
        assert "Quick run" in out
        assert list(ROW_PREFIXES) == KEYS
        for prefix in ROW_PREFIXES.values():
            rows = [line for line in out.splitlines() if line.startswith(prefix)]
            assert len(rows) == 1, (prefix, out)
            assert rows[0].rstrip().endswith("| n/a (quick) |"), rows[0]

    def test_writes_every_result_with_a_positive_figure(self, quick_run: Run) -> None:
        """results.json holds every figure, each with a number above zero and no verdict."""
        document = quick_run.document()
        assert document["quick"] is True
        assert [entry["key"] for entry in document["results"]] == KEYS
        for entry in document["results"]:
            assert entry["error"] is None, entry
            assert isinstance(entry["measured"], float), entry
            assert entry["measured"] > 0, entry
            assert entry["met"] is None, entry

    def test_every_export_wrote_every_record(self, quick_run: Run) -> None:
        """Each export, sequential and concurrent, wrote every record: a CSV line per row after the header."""
        details = quick_run.result("export")["details"]
        runs = details["runs"]
        assert sorted(run["prefetch"] for run in runs) == [1, bench.PREFETCH]
        for run in runs:
            assert run["rows"] == run["total"] == details["cdrs"], run
            assert run["csv_lines"] == details["cdrs"] + 1, run
            assert run["seconds"] > 0, run
            assert run["peak_kib"] >= run["baseline_kib"] > 0, run

    def test_writes_the_table_as_markdown(self, quick_run: Run) -> None:
        """results.md holds the same table, and says it is a quick run."""
        text = (quick_run.out / "results.md").read_text(encoding="utf-8")
        assert "Quick run" in text
        assert text.count("| n/a (quick) |") == len(KEYS)


def result(met: bool | None = True, error: str | None = None) -> bench.Result:
    return bench.Result(
        key="parse",
        benchmark="a. parse",
        measured=0.8,
        unit="ratio",
        measured_text="0.80x",
        target=1.0,
        target_text="≤ 1.00x",
        met=met,
        error=error,
    )


class TestFormatTable:
    def test_columns_line_up(self) -> None:
        """A header, a rule and a row per result, every line as wide as the others."""
        lines = bench.format_table([result(), result(met=False)], quick=False).splitlines()
        assert lines[0].split("|")[1:-1] == [" benchmark ", " measured ", " target  ", " met "]
        assert set(lines[1]) == {"|", "-"}
        assert len({len(line) for line in lines}) == 1
        assert len(lines) == 4

    def test_met_says_yes_no_or_why_not(self) -> None:
        """The met column: yes or no on a full run, n/a on a quick one, error when it failed."""
        assert bench.met_text(result(met=True), quick=False) == "yes"
        assert bench.met_text(result(met=False), quick=False) == "no"
        assert bench.met_text(result(met=None), quick=True) == "n/a (quick)"
        assert bench.met_text(result(met=None, error="boom"), quick=False) == "error"

    def test_an_error_replaces_the_figure(self) -> None:
        """A failed benchmark shows its error in the measured column."""
        table = bench.format_table([result(met=None, error="BenchError: 3 rows")], quick=False)
        assert "error: BenchError: 3 rows" in table


class TestMeasurementHelpers:
    def test_interleave_alternates_the_order(self) -> None:
        """Both sides run once per repeat; the order flips every repeat."""
        calls: list[str] = []

        def side(name: str, seconds: float) -> Any:
            def run() -> float:
                calls.append(name)
                return seconds

            return run

        figures = bench.interleave([side("a", 1.0), side("b", 2.0)], 3)
        assert calls == ["a", "b", "b", "a", "a", "b"]
        assert figures == [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]

    def test_median_ratio_pairs_the_repeats(self) -> None:
        """The median of the ratios of each repeat, not the ratio of the medians."""
        assert bench.median_ratio([1.0, 4.0, 9.0], [1.0, 2.0, 3.0]) == 2.0
        with pytest.raises(ValueError, match="as many"):
            bench.median_ratio([1.0], [1.0, 2.0])

    def test_status_sizes(self) -> None:
        """VmRSS and VmHWM are read from /proc/<pid>/status in KiB."""
        status = "Name:\tpython\nVmHWM:\t   72428 kB\nVmRSS:\t   42012 kB\nThreads:\t1\n"
        assert bench.status_kib(status, "VmRSS") == 42012
        assert bench.status_kib(status, "VmHWM") == 72428
        with pytest.raises(bench.BenchError):
            bench.status_kib(status, "VmSwap")


class TestExitStatus:
    def fake(self, key: str, met: bool) -> Any:
        def bench_it(sizes: bench.Sizes) -> list[bench.Result]:
            return [bench.Result(key, key, 2.0, "ratio", "2.00x", 1.0, "≤ 1.00x", met)]

        return bench_it

    def test_a_missed_target_is_reported_not_failed(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A full run whose figures miss their targets exits 0 and says no in the met column."""
        monkeypatch.setattr(bench.cli, "BENCHMARKS", tuple(((key,), key, self.fake(key, False)) for key in KEYS))
        assert bench.main(["--out", str(tmp_path)]) == 0
        document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
        assert [entry["met"] for entry in document["results"]] == [False] * len(KEYS)
        assert (tmp_path / "results.md").read_text(encoding="utf-8").count("| no  |") == len(KEYS)

    def test_a_failed_benchmark_fails_the_run(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A benchmark that raises is reported as an error, the others still run, and the exit status is 1."""

        def broken(sizes: bench.Sizes) -> list[bench.Result]:
            raise bench.BenchError("the export wrote 3 rows")

        benchmarks = [
            (("parse",), "a", self.fake("parse", True)),
            (("export", "export_cpu"), "c. export", broken),
            (("regenerate",), "d", self.fake("regenerate", True)),
        ]
        monkeypatch.setattr(bench.cli, "BENCHMARKS", tuple(benchmarks))
        assert bench.main(["--quick", "--out", str(tmp_path)]) == 1
        document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
        failed = "BenchError: the export wrote 3 rows"
        assert [(entry["key"], entry["error"]) for entry in document["results"]] == [
            ("parse", None),
            ("export", failed),
            ("export_cpu", failed),
            ("regenerate", None),
        ]


def test_the_parsed_cdr_page_is_the_sandboxs() -> None:
    """The page the parse benchmark reads is the one the sandbox serves for the same seeded records (its
    `labels` arrays included): a benchmark of another body would measure another decode."""
    rows = 40
    store = Store(":memory:", cdrs_per_account=rows)
    try:
        account = Account(user_id=1, email="bench@example.com", password="bench", api_key="b" * 40)  # noqa: S106
        store.ensure_account(account)
        served = json.loads(store.collection("cdrs", account.user_id, limit=rows).items)
    finally:
        store.close()
    page = json.loads(cdr_page_body(rows))
    assert page == {"data": served, "total": rows}
    assert all(isinstance(record["labels"], list) for record in page["data"])
