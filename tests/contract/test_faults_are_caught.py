"""The contract suite can fail: sandboxes with planted faults are caught by schemathesis's checks."""

from __future__ import annotations

import base64
import re
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.core.failures import FailureGroup
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT, SandboxConfig, Store, create_app

from conftest import ROOT

DEMO_BASIC = "Basic " + base64.b64encode(f"{DEMO_ACCOUNT.user_id}:{DEMO_ACCOUNT.api_key}".encode()).decode()


def schema_for(store: Store) -> Any:
    config = SandboxConfig(db=":memory:", cdrs_per_account=20)
    loaded = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
    loaded.app = create_app(config, store)
    loaded.config.update(base_url="http://127.0.0.1/v1.1/voipstudio")
    return loaded


class DeleteForgets(Store):
    """Answers 204 to DELETE but keeps the resource."""

    def delete(self, kind: str, account_id: int, item_id: int) -> None:
        self.get(kind, account_id, item_id)


class IdsAsText(Store):
    """Sends every item's `id` as a string."""

    def collection(self, *args: Any, **kwargs: Any) -> Any:
        page = super().collection(*args, **kwargs)
        object.__setattr__(page, "items", re.sub(rb'"id":(\d+)', rb'"id":"\1"', page.items))
        return page


def failure_titles(error: FailureGroup) -> set[str]:
    return {failure.title for failure in error.exceptions}


def test_a_delete_that_keeps_the_resource_is_caught() -> None:
    """use_after_free fails when a deleted setting can still be read."""
    machine = schema_for(DeleteForgets(":memory:", cdrs_per_account=20)).as_state_machine()
    with pytest.raises(FailureGroup) as caught:
        machine.run(settings=hypothesis.settings(max_examples=60, deadline=None, database=None, derandomize=True))
    assert "Deleted resource still available" in failure_titles(caught.value)


def test_a_response_off_the_schema_is_caught() -> None:
    """response_schema_conformance fails when a list's items have ids that are not integers."""
    operation = schema_for(IdsAsText(":memory:", cdrs_per_account=20)).find_operation_by_label(
        "GET /callmeback/settings"
    )
    with pytest.raises(FailureGroup) as caught:
        operation.Case(query={"limit": 1}).call_and_validate(headers={"Authorization": DEMO_BASIC})
    assert "Response violates schema" in failure_titles(caught.value)
