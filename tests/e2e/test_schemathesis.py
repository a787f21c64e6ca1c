"""Property-based fuzzing of the local API from docs/openapi.json: no 5xx, every answer conforms."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance, unsupported_method

from tests.conftest import ROOT
from tests.factories import OWNER_KEY, base_dataset

schema = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.json")
FUZZ_EXAMPLES = 60


@schema.parametrize()
# Derandomized: the same examples every run, so CI judges the code, not the draw. The credential is
# added to every request, so a "missing Authorization" negative case is undone before it is sent.
@settings(
    max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_api_conforms_to_its_openapi_document(case: Any, base_url: str, store: Any) -> None:
    if not store.scan("CredentialsTable"):
        store.load(base_dataset())
    case.call_and_validate(
        base_url=base_url,
        headers={"Authorization": f"Bearer {OWNER_KEY}"},
        # Valid-looking uids mostly name no booking: a 404 there is the right answer, not a failure.
        # API Gateway answers a method no route declares with its MISSING_AUTHENTICATION_TOKEN
        # response (a 404 here), never a 405: only paths with parameters escape that check.
        excluded_checks=[positive_data_acceptance, unsupported_method],
    )
