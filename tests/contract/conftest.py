"""Count the requests schemathesis makes per phase and report them after the run."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis

CASES: Counter[str] = Counter()


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    meta = getattr(case, "meta", None)
    CASES[meta.phase.name.value if meta is not None else "explicit"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if CASES:
        counts = ", ".join(f"{phase} {count}" for phase, count in sorted(CASES.items()))
        terminalreporter.write_line(f"schemathesis requests per phase: {counts}; {sum(CASES.values())} in all")
