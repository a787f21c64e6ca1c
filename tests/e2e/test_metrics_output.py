"""What a request through the local API leaves in the log about metrics: the EMF record of what it
counted, and nothing at all when it counted nothing (no `No application metrics to publish`)."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from tests.e2e.test_local_api import post
from tests.factories import base_dataset


def emf_records(output: str) -> list[dict[str, Any]]:
    lines = (line for line in output.splitlines() if line.startswith("{") and '"_aws"' in line)
    return [json.loads(line) for line in lines]


def test_a_request_that_counts_nothing_says_nothing_about_metrics(
    base_url: str, store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    store.load(base_dataset())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # every warning from any thread, not only the first of each
        refused = post(f"{base_url}/bookings/no-such-booking/reassign")
        reassigned = post(f"{base_url}/bookings/b-1/reassign")

    assert (refused.status_code, reassigned.status_code) == (404, 200)
    assert [str(w.message) for w in caught if "metrics" in str(w.message).lower()] == []
    # The reassignment's count is published, once; the refusal published nothing.
    (record,) = emf_records(capsys.readouterr().out)
    assert record["Reassigned"] == [1.0]
