"""The schemathesis command line against a running sandbox, as the README gives it.

From the project root, `st run openapi.yaml --url <sandbox>` reads schemathesis.toml (the
demo credentials, every check, voipstudio_callmeback_sandbox.schemathesis_hooks) and must pass
at any seed, every phase included: the hooks run on every request of every phase. Bounded
here (--max-examples, and schemathesis.toml's max-steps) so that the three seeds take about a
minute together.

A bare run (no configuration, so no hooks: only a session token and every check) fails on what
openapi.yaml states in words only; test_a_bare_run_fails_only_where_documented holds that list.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, running_sandbox

from conftest import ROOT

ST = str(Path(sys.executable).with_name("st"))
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# Three seeds that each failed (coverage and stateful, button_id) before the hooks reached every phase.
SEEDS = (1, 2, 6)
MAX_EXAMPLES = 10
# A bound on one run, not a timing assertion: a run that hangs fails instead of blocking the suite.
RUN_SECONDS = 600
# A small sandbox: every list answer is recorded in the report, and 2,600 CDRs make it large.
SANDBOX_OPTIONS = ("--db", ":memory:", "--quiet", "--cdrs", "40")


@pytest.fixture
def sandbox_url(tmp_path: Path) -> Iterator[str]:
    """A fresh sandbox on a free port of 127.0.0.1, stopped after the test; what it logs (uvicorn's warnings
    about the malformed requests schemathesis sends on purpose) goes to a file."""
    with (
        (tmp_path / "sandbox.log").open("w", encoding="utf-8") as log,
        running_sandbox(*SANDBOX_OPTIONS, stderr=log) as sandbox,
    ):
        yield sandbox.url


def st_run(args: list[str], cwd: Path, report_dir: Path, *config: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    """`st [config] run ARGS` in `cwd`, with a JSON and an NDJSON report in `report_dir`: the finished process
    and the JSON report."""
    command = [ST, *config, "run", *args, "--report", "json,ndjson", "--report-dir", str(report_dir)]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=RUN_SECONDS, check=False)
    reports = list(report_dir.glob("json-*.json"))
    assert len(reports) == 1, f"st wrote no JSON report; its output:\n{done.stdout}\n{done.stderr}"
    return done, json.loads(reports[0].read_text(encoding="utf-8"))


def cases_per_phase(report_dir: Path) -> Counter[str]:
    """The test cases the run sent, by phase, counted from its NDJSON event stream."""
    (stream,) = report_dir.glob("ndjson-*.ndjson")
    counts: Counter[str] = Counter()
    with stream.open(encoding="utf-8") as events:
        for line in events:
            if line.startswith('{"ScenarioFinished"'):
                finished = json.loads(line)["ScenarioFinished"]
                # A scenario that sent nothing (an operation skipped) records no cases.
                counts[finished["phase"]] += len((finished.get("recorder") or {}).get("cases") or {})
    return counts


@pytest.mark.parametrize("seed", SEEDS)
def test_the_readme_command_passes_at_any_seed(sandbox_url: str, seed: int, tmp_path: Path) -> None:
    """`st run openapi.yaml --url <sandbox>` from the project root passes every check in every phase."""
    args = ["openapi.yaml", "--url", sandbox_url, "--seed", str(seed), "--max-examples", str(MAX_EXAMPLES)]
    done, report = st_run(args, ROOT, tmp_path)
    assert done.returncode == 0, f"st run failed at seed {seed}:\n{done.stdout}\n{done.stderr}"
    assert report["exit_code"] == 0
    assert report["failures"] == []
    assert report["errors"] == []
    assert {phase: report["phases"][phase]["status"] for phase in PHASES} == dict.fromkeys(PHASES, "success")
    assert report["operations"]["tested"] == report["operations"]["total"] > 0
    counts = cases_per_phase(tmp_path)
    print(f"seed {seed}: cases per phase {dict(counts)}")
    assert all(counts[phase] > 0 for phase in PHASES), counts


def test_another_project_runs_with_the_hooks_by_name(sandbox_url: str, tmp_path: Path) -> None:
    """What the README gives a project without this repository: the spec copied, the sandbox installed, the hooks
    named by SCHEMATHESIS_HOOKS and the demo account's API key given with -a; every check passes."""
    spec = tmp_path / "openapi.yaml"
    spec.write_bytes((ROOT / "openapi.yaml").read_bytes())
    credentials = f"{DEMO_ACCOUNT.user_id}:{DEMO_ACCOUNT.api_key}"
    args = ["openapi.yaml", "--url", sandbox_url, "-a", credentials, "--checks", "all", "--seed", str(SEEDS[0])]
    args += ["--max-examples", str(MAX_EXAMPLES)]
    command = [ST, "run", *args, "--report", "json", "--report-dir", str(tmp_path / "report")]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "voipstudio_callmeback_sandbox.schemathesis_hooks"}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=RUN_SECONDS)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    (report,) = [json.loads(path.read_text(encoding="utf-8")) for path in (tmp_path / "report").glob("json-*.json")]
    assert report["failures"] == []
    assert report["errors"] == []
    assert report["operations"]["tested"] == report["operations"]["total"] > 0


# What a bare run (no schemathesis.toml: no hooks; a session token; --checks all) fails on, as
# (operation, check, the request field the 400 names), with the reason: each is a rule openapi.yaml
# can state in words only.
REFERENCE = "must be the id of one of the caller's own buttons: a schema cannot say which ids exist for whom"
VISITOR_FIELD = "a field of the visitors: the spec lists none but id, so it takes any name; the sandbox has its own few"
BARE_RUN_FAILURES = {
    ("POST /callmeback/settings", "positive_data_acceptance", "button_id"): REFERENCE,
    ("PATCH /callmeback/settings/{id}", "positive_data_acceptance", "button_id"): REFERENCE,
    ("GET /callmeback/visitors", "positive_data_acceptance", "sort"): VISITOR_FIELD,
    ("GET /callmeback/visitors", "positive_data_acceptance", "filter"): VISITOR_FIELD,
}
BARE_RUN_SEED = 20261127
BARE_RUN_MAX_EXAMPLES = 20


def refused_fields(interaction: dict[str, Any]) -> list[str]:
    """The fields an error answer names (its `errors`), or [""] for an answer that names none."""
    content = (interaction.get("response") or {}).get("content") or {}
    try:
        body = json.loads(base64.b64decode(content.get("$base64", "")))
    except ValueError:
        return [""]
    errors = body.get("errors") if isinstance(body, dict) else None
    return sorted({str(error.get("field")) for error in errors}) if isinstance(errors, list) and errors else [""]


def failed_checks(report_dir: Path) -> set[tuple[str, str, str]]:
    """Every failed check of the run as (operation, check, the field its answer names), from its NDJSON events."""
    (stream,) = report_dir.glob("ndjson-*.ndjson")
    found = set()
    with stream.open(encoding="utf-8") as events:
        for line in events:
            if not line.startswith('{"ScenarioFinished"'):
                continue
            recorder = json.loads(line)["ScenarioFinished"].get("recorder") or {}
            for case_id, checks in (recorder.get("checks") or {}).items():
                for check in checks:
                    if check["status"] == "failure":
                        operation = check["failure_info"]["failure"]["operation"]
                        for field in refused_fields(recorder["interactions"].get(case_id) or {}):
                            found.add((operation, check["name"], field))
    return found


def demo_token(sandbox_url: str) -> str:
    """A session token of the sandbox's demo account."""
    answer = httpx.post(
        f"{sandbox_url}/login", json={"email": DEMO_ACCOUNT.email, "password": DEMO_ACCOUNT.password}, timeout=30
    )
    answer.raise_for_status()
    token: str = answer.json()["user_token"]
    return token


def test_a_bare_run_fails_only_where_documented(sandbox_url: str, tmp_path: Path) -> None:
    """`st run openapi.yaml --url <sandbox> -H 'X-Auth-Token: <token>' --checks all` with no configuration
    fails exactly on BARE_RUN_FAILURES: every other rule is one the spec states so that schemathesis checks it."""
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    args = [str(ROOT / "openapi.yaml"), "--url", sandbox_url, "-H", f"X-Auth-Token: {demo_token(sandbox_url)}"]
    args += ["--checks", "all", "--seed", str(BARE_RUN_SEED), "--max-examples", str(BARE_RUN_MAX_EXAMPLES)]
    # Every case of a scenario, not only those up to its first failure, so that no failure hides another.
    args += ["--continue-on-failure"]
    # From a directory with no schemathesis.toml, and an empty configuration file named.
    done, report = st_run(args, tmp_path, tmp_path / "report", "--config-file", str(empty))
    assert report["errors"] == [], done.stdout
    measured = failed_checks(tmp_path / "report")
    lines = [f"  new: {' '.join(key)}" for key in sorted(measured - BARE_RUN_FAILURES.keys())]
    lines += [
        f"  gone: {' '.join(key)} ({BARE_RUN_FAILURES[key]})" for key in sorted(BARE_RUN_FAILURES.keys() - measured)
    ]
    assert not lines, (
        "a bare schemathesis run's failures changed; update BARE_RUN_FAILURES (and the README) if that is meant:\n"
        + "\n".join(lines)
        + f"\n\nst's output:\n{done.stdout}"
    )
    assert done.returncode == 1


def test_the_sandbox_package_does_not_import_the_hooks() -> None:
    """Only schemathesis loads the hooks: importing the sandbox, its application and command line, or the test
    kit imports neither them nor schemathesis."""
    probe = (
        "import sys, voipstudio_callmeback_sandbox._app, voipstudio_callmeback_sandbox._cli\n"
        "import voipstudio_callmeback_testing\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'schemathesis'"
        " or name.endswith('schemathesis_hooks')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
