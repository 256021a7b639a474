"""openapi.yaml property-tested against the sandbox with schemathesis: every phase, every built-in check.

The sandbox runs in process (ASGI) on an in-memory database and validates its own
responses against the spec as well. schemathesis.toml (found from the working
directory) supplies the seed, the demo credentials and the checks; the hooks
(voipstudio_callmeback_sandbox.schemathesis_hooks, imported here as well so that they do not
depend on the working directory) correct every request just before it is sent.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import schemathesis
import voipstudio_callmeback_sandbox.schemathesis_hooks  # noqa: F401 - registers the hooks
from voipstudio_callmeback_sandbox import SandboxConfig, Store, create_app

from conftest import ROOT

CONFIG = SandboxConfig(db=":memory:", cdrs_per_account=300, validate_responses=True)
STORE = Store(CONFIG.db, cdrs_per_account=CONFIG.cdrs_per_account)
APP = create_app(CONFIG, STORE)
SEEDED = STORE.snapshot()
# openapi.yaml itself, called in process: requests go to the ASGI app, not the network.
schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
schema.app = APP
schema.config.update(base_url="http://127.0.0.1/v1.1/voipstudio")


@schema.parametrize()
def test_examples_coverage_and_fuzzing(case: schemathesis.Case[Any]) -> None:
    """Every generated request gets a response that conforms to the spec, by every check."""
    case.call_and_validate()


# The stateful phase: schemathesis chains operations through the spec's links
# (create -> get / update / delete, update -> get / delete, delete -> get) and runs the
# stateful checks (use_after_free, ensure_resource_availability) along the way.
class StatefulFromSeededData(schema.as_state_machine()):  # type: ignore[misc]
    """Each scenario starts from the freshly seeded sandbox, so a scenario's responses depend
    only on its requests and a fixed seed replays exactly."""

    def setup(self) -> None:
        STORE.restore(SEEDED)
        super().setup()


TestStateful = StatefulFromSeededData.TestCase
TestStateful.settings = hypothesis.settings(
    schema.config.get_hypothesis_settings(phase="stateful"), derandomize=True, database=None
)
